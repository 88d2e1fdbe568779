"""Hidden checks for 03 autograd: other inputs and edge cases, run only at grading time."""

import torch

from grader.testing import (
    CheckFailed,
    LearnerRaised,
    assert_close,
    assert_unchanged,
    devices,
    fail,
    hidden,
    make_tensor,
    points,
    public_suite,
    variants,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)


C = public_suite(__file__)  # the public suite's helpers: one copy for both
P = C.P


# ---------------------------------------------------------------- grad_of


@points(2)
@devices("cpu", "cuda", "standin")
def test_grad_of_more_functions(learner, device):
    "grad_of() for more functions, shapes and float64"
    for name, shape, dtype, seed in [
        ("logsumexp", (7,), torch.float32, 101),
        ("mean_quartic", (2, 5), torch.float64, 102),
        ("sum_cubic", (3,), torch.float64, 103),
        ("row_products", (4, 2), torch.float32, 104),
    ]:
        x = make_tensor(*shape, seed=seed, dtype=dtype, device=device)
        seen = C.scenario(learner, "grad_of", name, x)
        C.check_result(seen["results"][0], C.ref_grad(name, x), C.describe("grad_of", name, x))


@points(1)
def test_grad_of_and_jacobian_variants(learner):
    "grad_of() and jacobian() of float32, non-contiguous and requires_grad variants of one x"
    for variant in variants(make_tensor(2, 3, seed=105, dtype=torch.float64))[1:]:
        x, flag = variant.tensor.detach(), variant.tensor.requires_grad
        try:
            seen = C.scenario(learner, "grad_of", "sum_tanh_sq", x, requires_grad=flag)
            what = C.describe("grad_of", "sum_tanh_sq", x)
            C.check_result(seen["results"][0], C.ref_grad("sum_tanh_sq", x), what)
            C.check_x_left_alone(seen, x, what, requires_grad=flag)
            seen, what = C.check_jacobian(learner, "row_cumprod", x, requires_grad=flag)
            C.check_x_left_alone(seen, x, what, requires_grad=flag)
        except CheckFailed as failed:
            shown = "x that requires grad" if flag else f"{variant.label} x"
            fail(f"With a {shown}: {failed}")


@points(1)
def test_grad_of_0d(learner):
    "grad_of() for a 0-d x"
    for name, value in [("sum_sin", 0.7), ("sum_exp", -1.3)]:
        x = torch.tensor(value, dtype=torch.float64)
        seen = C.scenario(learner, "grad_of", name, x)
        C.check_result(seen["results"][0], C.ref_grad(name, x), C.describe("grad_of", name, x))


@points(2)
@devices("cpu", "cuda")
def test_grad_of_old_grad_2d_float64(learner, device):
    "grad_of() keeps an old float64 gradient of a 2-D x untouched"
    x = make_tensor(3, 2, seed=105, dtype=torch.float64, device=device)
    old = make_tensor(3, 2, seed=106, dtype=torch.float64, device=device, low=-5, high=5)
    seen = C.scenario(learner, "grad_of", "sum_tanh_sq", x, requires_grad=True, grad=old)
    what = C.describe("grad_of", "sum_tanh_sq", x) + " (x.grad already set)"
    expected = C.ref_grad("sum_tanh_sq", x)
    accumulated = "returned x.grad's old contents plus the gradient: gradients accumulate. "
    C.check_result(
        seen["results"][0], expected, what, [(old + expected, accumulated + C.FRESH_LEAF)]
    )
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_three_calls(learner):
    "grad_of() called three times on an x with an old gradient"
    x = make_tensor(5, seed=107)
    old = make_tensor(5, seed=108)
    seen = C.scenario(learner, "grad_of", "prod", x, requires_grad=True, grad=old, calls=3)
    what = C.describe("grad_of", "prod", x) + " (x.grad already set)"
    expected = C.ref_grad("prod", x)
    accumulated = (
        "returned x.grad's old contents plus the gradients of this and any earlier calls: "
        "backward() adds into x.grad. "
    )
    for i, got in enumerate(seen["results"], start=1):
        hints = [(old + k * expected, accumulated + C.FRESH_LEAF) for k in (1, 2, 3)]
        C.check_result(got, expected, f"{what}, call {i} of 3", hints)
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_nonleaf(learner):
    "grad_of() when x is itself the result of a computation (not a leaf)"
    x = make_tensor(4, seed=109, dtype=torch.float64)
    seen = C.scenario(learner, "grad_of", "sin_times_exp", x, nonleaf=True)
    what = C.describe("grad_of", "sin_times_exp", x) + " (x = w * 1 for a leaf w)"
    C.check_result(seen["results"][0], C.ref_grad("sin_times_exp", x), what)
    if seen["source_grad"] is not None:
        fail(
            f"{what}: the gradient flowed on into w.grad, the leaf x was computed from: "
            "backward() goes all the way back to the leaves. " + C.FRESH_LEAF
        )


@points(1)
@devices("cpu", "cuda")
def test_grad_of_leaves_2d_x_alone(learner, device):
    "grad_of() leaves a 2-D float64 x alone"
    x = make_tensor(2, 4, seed=110, dtype=torch.float64, device=device)
    seen = C.scenario(learner, "grad_of", "sum_exp", x)
    what = C.describe("grad_of", "sum_exp", x) + " (x.requires_grad=False)"
    C.check_result(seen["results"][0], C.ref_grad("sum_exp", x), what)
    C.check_x_left_alone(seen, x, what)


# ---------------------------------------------------------------- vjp


@points(2)
@devices("cpu", "cuda", "standin")
def test_vjp_more(learner, device):
    "vjp() for more functions, a 2-D output and float64"
    for name, shape, dtype, seed in [
        ("outer_exp", (3,), torch.float32, 111),
        ("stats", (4,), torch.float64, 112),
        ("gram", (2, 3), torch.float64, 113),
        ("row_norms", (3, 4), torch.float32, 114),
    ]:
        x = make_tensor(*shape, seed=seed, dtype=dtype, device=device)
        out_shape = P.FUNCTIONS[name](x).shape
        v = make_tensor(*out_shape, seed=seed + 50, dtype=dtype, device=device)
        C.check_vjp(learner, name, x, v)


@points(1)
def test_vjp_one_hot(learner):
    "vjp() with a one-hot v picks one row of the Jacobian"
    x = make_tensor(5, seed=115, dtype=torch.float64)
    v = torch.zeros(5, dtype=torch.float64)
    v[2] = 1.0
    C.check_vjp(learner, "cumprod", x, v)


@points(1)
def test_vjp_leaves_x_and_v_alone(learner):
    "vjp() leaves x, its old gradient, and v alone"
    x = make_tensor(2, 3, seed=116)
    old = make_tensor(2, 3, seed=117)
    v = make_tensor(3, 2, 3, seed=118)
    seen, what = C.check_vjp(learner, "powers", x, v, requires_grad=True, grad=old)
    what += " (x.grad already set)"
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)
    assert_unchanged(v, seen["extra"][0], name="v", what=what)


# ---------------------------------------------------------------- jacobian


@points(2)
@devices("cpu", "cuda", "standin")
def test_jacobian_more(learner, device):
    "jacobian() for a vector, a matrix and a 2-D output"
    for name, shape, dtype, seed in [
        ("outer_exp", (3,), torch.float32, 120),
        ("softmax", (2, 4), torch.float64, 121),
        ("gram", (3, 2), torch.float32, 122),
    ]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=dtype, device=device))


@points(1)
def test_jacobian_scalar_output(learner):
    "jacobian() of a scalar function is its gradient"
    for name, shape, seed in [("sum_sin", (4,), 123), ("logsumexp", (2, 3), 124)]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=torch.float64))


@points(1)
def test_jacobian_square(learner):
    "jacobian() of f with f(x).shape == x.shape: diagonal and triangular"
    for name, shape, seed in [("sin", (5,), 125), ("row_cumprod", (3, 3), 126)]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=torch.float64))


@points(1)
def test_jacobian_leaves_x_alone(learner):
    "jacobian() leaves x and its old gradient alone"
    x = make_tensor(4, seed=127)
    old = make_tensor(4, seed=128)
    seen, what = C.check_jacobian(learner, "stats", x, requires_grad=True, grad=old)
    C.check_x_left_alone(seen, x, what + " (x.grad already set)", requires_grad=True, grad=old)


# ---------------------------------------------------------------- numerical_grad


@points(2)
@devices("cpu", "cuda")
def test_numerical_grad_more(learner, device):
    "numerical_grad() for more functions and shapes"
    for name, shape, seed in [
        ("sum_sin", (2, 3), 130),
        ("sin_times_exp", (7,), 131),
        ("sum_tanh_sq", (4,), 132),
    ]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64, device=device)
        C.check_numerical(learner, name, x)


@points(1)
def test_numerical_grad_uses_eps(learner):
    "numerical_grad() uses the eps it is given"
    x = make_tensor(5, seed=133, dtype=torch.float64)
    eps = 1e-2
    f, flat = P.FUNCTIONS["sum_cubic"], x.reshape(-1)
    basis = torch.eye(5, dtype=torch.float64)
    expected = torch.stack([(f(flat + eps * e) - f(flat - eps * e)) / (2 * eps) for e in basis])
    seen = C.scenario(learner, "numerical_grad", "sum_cubic", x, eps)
    what = C.describe("numerical_grad", "sum_cubic", x, f", eps={eps}")
    got = seen["results"][0]
    if C.close(got, C.R.one_sided("sum_cubic", x, eps)):
        fail(f"{what}: your values match a one-sided difference. {C.one_sided_note(eps)}")
    if C.close(got, C.ref_grad("sum_cubic", x)):
        fail(
            f"{what}: with eps=0.01 a central difference of x**3 is off by eps² = 1e-4 from "
            "the exact gradient, but yours is not: is eps used, or a fixed step?"
        )
    # A different but equally good order of operations differs by rounding only.
    assert_close(got, expected, what=f"{what} (the central difference)", rtol=1e-9, atol=1e-9)


def central_difference(name, x, eps):
    """The docstring's formula, element by element, computed here in float64."""
    f, flat = P.FUNCTIONS[name], x.reshape(-1)
    basis = torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    rows = [
        (f((flat + eps * e).reshape(x.shape)) - f((flat - eps * e).reshape(x.shape))) / (2 * eps)
        for e in basis
    ]
    return torch.stack(rows).reshape(x.shape)


@points(1)
def test_numerical_grad_default_eps(learner):
    "numerical_grad(f, x) without eps uses the default eps=1e-6"
    # Near 1e-4 the gradient of mean(x**4) is ~1e-12 and a central difference is off by
    # about eps²/x² of it (1e-4 relative): eps=1e-6 and eps=2e-6 give estimates 1e-4 apart,
    # where rounding makes 1e-14.
    x = make_tensor(5, seed=134, dtype=torch.float64, low=1e-4, high=2e-4)
    seen = C.scenario(learner, "numerical_grad", "mean_quartic", x)
    what = C.describe("numerical_grad", "mean_quartic", x) + " (eps left out)"
    assert_close(
        seen["results"][0],
        central_difference("mean_quartic", x, 1e-6),
        what=f"{what}, against the central difference with eps=1e-6",
        rtol=1e-9,
        atol=0.0,
    )


@points(1)
def test_numerical_grad_x_requires_grad(learner):
    "numerical_grad() of an x that requires grad: the same estimate, no autograd graph"
    x = make_tensor(4, seed=135, dtype=torch.float64)
    seen = C.scenario(learner, "numerical_grad", "sum_exp", x, requires_grad=True)
    what = C.describe("numerical_grad", "sum_exp", x) + " (x.requires_grad=True)"
    assert_close(seen["results"][0], C.ref_grad("sum_exp", x), what=what, **C.NUMERICAL_TOL)
    if seen["results_require_grad"][0]:
        fail(
            f"{what}: your result requires grad: autograd recorded your calls of f and the "
            "result keeps that graph alive. The estimate comes from values of f alone (no "
            "autograd): evaluate f on x.detach() (or under torch.no_grad())."
        )
    C.check_x_left_alone(seen, x, what, requires_grad=True)


@points(1)
def test_numerical_grad_0d(learner):
    "numerical_grad() for a 0-d x"
    C.check_numerical(learner, "sum_exp", torch.tensor(0.4, dtype=torch.float64))


@points(1)
def test_numerical_grad_leaves_3x3_alone(learner):
    "numerical_grad() leaves a 3×3 x exactly as it was"
    x = make_tensor(3, 3, seed=134, dtype=torch.float64)
    seen, what = C.check_numerical(learner, "sum_sin", x)
    if not C.same(seen["x"], x):
        fail(
            f"{what}: x changed during the call. Perturb copies of x, not x itself: adding "
            "eps and subtracting it again does not always give back the same float."
        )


# ---------------------------------------------------------------- second_derivative


@points(2)
@devices("cpu", "cuda", "standin")
def test_second_derivative_more(learner, device):
    "second_derivative() for more functions, shapes and float64"
    for name, shape, dtype, seed in [
        ("sigmoid", (6,), torch.float32, 140),
        ("gauss", (2, 3), torch.float64, 141),
        ("tanh", (4,), torch.float32, 142),
    ]:
        C.check_second(learner, name, make_tensor(*shape, seed=seed, dtype=dtype, device=device))


@points(1)
def test_second_derivative_linear(learner):
    "second_derivative() of a linear function is zero"
    x = make_tensor(5, seed=143)
    try:
        seen = C.scenario(learner, "second_derivative", "linear", x)
    except LearnerRaised as raised:
        if "does not require grad" in raised.exc_message:
            hint = (
                "For a linear f, f'(x) is a constant: even with create_graph=True it does not "
                "require grad, and cannot be differentiated again. Check first.requires_grad "
                "and return zeros when it is False (the docstring says so)."
            )
            raise C.with_hint(raised, hint) from None
        raise
    assert_close(
        seen["results"][0],
        torch.zeros(5),
        what=C.describe("second_derivative", "linear", x) + " (f'(x) = 3 has no graph)",
    )


@points(1)
def test_second_derivative_0d(learner):
    "second_derivative() for a 0-d x"
    C.check_second(learner, "x_sin", torch.tensor(1.2, dtype=torch.float64))


@points(1)
def test_second_derivative_leaves_x_alone(learner):
    "second_derivative() leaves x and its old gradient alone"
    x = make_tensor(4, seed=144)
    old = make_tensor(4, seed=145)
    seen, what = C.check_second(learner, "cube", x, requires_grad=True, grad=old)
    C.check_x_left_alone(seen, x, what + " (x.grad already set)", requires_grad=True, grad=old)
