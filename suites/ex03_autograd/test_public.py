"""Public checks for 03 autograd: learners run these with `grader check 03`.

A function cannot travel to the learner's code, so every check names a function of the
shared catalogue (probes.py) and a probe calls the learner's code with it. Expected values
come from torch.func and torch.autograd.functional, here in the judge.
"""

import torch

from grader.testing import (
    CheckFailed,
    LearnerRaised,
    assert_close,
    assert_unchanged,
    default_tolerance,
    devices,
    fail,
    make_tensor,
    on_cpu,
    points,
    probes_of,
    public,
    references,
)

pytestmark = public
P = probes_of(__file__)
R = references(__file__)  # hand-written references: judge-only (see reference.py)

# Central differences with eps=1e-6 in float64 land within about 1e-9 of the true gradient
# (eps² truncation plus rounding); one-sided ones are off by about eps/2 * f'' ~ 1e-7 to 1e-5.
# This tolerance sits between the two, at least 20 times away from each.
NUMERICAL_TOL = {"rtol": 5e-8, "atol": 5e-8}
FRESH_LEAF = (
    "Differentiate with respect to a fresh leaf, x.detach().requires_grad_(True), or use "
    "torch.autograd.grad, which returns the gradient without writing into any .grad."
)


def one_sided_note(eps=1e-6):
    return (
        "A central difference (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps) is off by about eps² "
        f"({eps**2:g} here, plus rounding); a one-sided difference (f(x + eps·e_i) - f(x)) / eps "
        f"is off by about eps ({eps:g}), far more than allowed."
    )


# ---------------------------------------------------------------- references (real PyTorch)


@on_cpu
def ref_grad(name, x):
    return torch.func.grad(P.FUNCTIONS[name])(x)


@on_cpu
def ref_vjp(name, x, v):
    return torch.func.vjp(P.FUNCTIONS[name], x)[1](v)[0]


@on_cpu
def ref_jacobian(name, x):
    return torch.autograd.functional.jacobian(P.FUNCTIONS[name], x)


@on_cpu
def ref_second(name, x):
    d2 = torch.func.vmap(torch.func.grad(torch.func.grad(P.FUNCTIONS[name])))
    return d2(x.reshape(-1)).reshape(x.shape)


# ---------------------------------------------------------------- running a scenario


def scenario(learner, name, *args, **kwargs):
    """Run a probe (device errors on the stand-in device are explained by the grader)."""
    return learner.probe(name, *args, **kwargs)


def relabel(raised, message):
    """The same learner error (kind "raised", same traceback) with another message."""
    record = {
        "type": raised.type_name,
        "mro": raised.mro,
        "message": raised.exc_message,
        "frames": raised.frames,
    }
    return LearnerRaised(message, record, raised.call)


def with_hint(raised, hint):
    """The same learner error, with a hint about its usual cause added to the message."""
    return relabel(raised, f"{raised.message}\n{hint}")


def describe(fn, name, x, extra=""):
    shape = "×".join(str(d) for d in x.shape) or "0-d"
    where = "" if x.device.type == "cpu" else f" on {x.device.type}"
    dtype = str(x.dtype).removeprefix("torch.")
    return f"{fn}(f, x{extra}) with f(x) = {P.FORMULAS[name]}, x {shape} {dtype}{where}"


# ---------------------------------------------------------------- judging what came back


def close(got, candidate):
    """Does a learner's tensor match a candidate value (for hints about a usual mistake)?"""
    if not isinstance(got, torch.Tensor):
        return False
    if got.shape != candidate.shape or got.dtype != candidate.dtype:
        return False
    rtol, atol = default_tolerance(candidate.dtype)
    return torch.allclose(got.cpu().double(), candidate.cpu().double(), rtol=rtol, atol=atol)


def check_result(got, expected, what, hints=()):
    """assert_close, after trying each (candidate, message) hint of a typical mistake."""
    if got is None:
        fail(
            f"{what}: returned None instead of a tensor. .grad is None for a tensor that is not a "
            "leaf (e.g. x.clone() or x * 1 of a tensor that requires grad): autograd only fills "
            "the .grad of leaves. " + FRESH_LEAF
        )
    for candidate, message in hints:
        if close(got, candidate) and not close(got, expected):
            fail(f"{what}: {message}")
    assert_close(got, expected, what=what)


def values(t):
    flat = t.detach().cpu().reshape(-1)
    shown = ", ".join(f"{v:.4g}" for v in flat[:6].tolist())
    return f"[{shown}{', …' if flat.numel() > 6 else ''}]"


def same(a, b):
    return (
        isinstance(a, torch.Tensor)
        and a.shape == b.shape
        and a.dtype == b.dtype
        and torch.equal(a.detach().cpu(), b.detach().cpu())
    )


def check_x_left_alone(seen, x, what, *, requires_grad=False, grad=None):
    """The caller's x after the call: same requires_grad, same .grad, same values."""
    after = seen["requires_grad"]
    if after != requires_grad:
        if not requires_grad:
            fail(
                f"{what}: the caller's x had requires_grad=False before the call and True after. "
                "x.requires_grad_() changes the caller's tensor: make a fresh leaf instead, "
                "x.detach().requires_grad_(True), and differentiate with respect to that."
            )
        fail(
            f"{what}: the caller's x had requires_grad=True before the call and False after. "
            "Leave the caller's tensor alone and work on x.detach()."
        )
    if grad is None and seen["grad"] is not None:
        fail(
            f"{what}: x.grad was None before the call, and after it held a gradient: backward() "
            "writes into the .grad of every leaf it reaches, here the caller's x. " + FRESH_LEAF
        )
    if grad is not None and seen["grad"] is None:
        fail(
            f"{what}: x.grad held {values(grad)} before the call, and None after. That "
            "gradient belongs to the caller: do not reset it. " + FRESH_LEAF
        )
    if grad is not None and not same(seen["grad"], grad):
        fail(
            f"{what}: x.grad held {values(grad)} before the call and {values(seen['grad'])} "
            "after. backward() adds into .grad (gradients accumulate until someone zeroes "
            "them), so calling it on the caller's x changes the caller's gradient. " + FRESH_LEAF
        )
    assert_unchanged(x, seen["x"], name="x", what=what)


# ---------------------------------------------------------------- grad_of


@points(2)
@devices("cpu", "cuda", "standin")
def test_grad_of(learner, device):
    "grad_of() equals autograd's gradient"
    for name, shape, seed in [("sum_sin", (5,), 1), ("sin_times_exp", (4,), 2), ("prod", (6,), 3)]:
        x = make_tensor(*shape, seed=seed, device=device)
        seen = scenario(learner, "grad_of", name, x)
        check_result(seen["results"][0], ref_grad(name, x), describe("grad_of", name, x))


@points(1)
def test_grad_of_float64_2d(learner):
    "grad_of() for a 2-D float64 input"
    for name, shape, seed in [("sum_tanh_sq", (3, 4), 4), ("row_products", (2, 3), 5)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64)
        seen = scenario(learner, "grad_of", name, x)
        check_result(seen["results"][0], ref_grad(name, x), describe("grad_of", name, x))


@points(2)
@devices("cpu", "cuda")
def test_grad_of_leaves_x_alone(learner, device):
    "grad_of() leaves x alone: requires_grad stays False and no .grad appears"
    x = make_tensor(5, seed=6, device=device)
    seen = scenario(learner, "grad_of", "sum_cubic", x)
    what = describe("grad_of", "sum_cubic", x) + " (x.requires_grad=False)"
    check_result(seen["results"][0], ref_grad("sum_cubic", x), what)
    check_x_left_alone(seen, x, what)


@points(2)
@devices("cpu", "cuda")
def test_grad_of_keeps_old_grad(learner, device):
    "grad_of() ignores, and keeps, a gradient already in x.grad"
    x = make_tensor(4, seed=7, device=device)
    old = make_tensor(4, seed=8, device=device)
    seen = scenario(learner, "grad_of", "sum_sin", x, requires_grad=True, grad=old)
    what = describe("grad_of", "sum_sin", x) + " (x.requires_grad=True, x.grad already set)"
    expected = ref_grad("sum_sin", x)
    accumulated = (
        "returned x.grad's old contents plus the gradient. x already held a gradient in x.grad, "
        "and backward() adds into it: gradients accumulate until someone zeroes them. "
    )
    check_result(seen["results"][0], expected, what, [(old + expected, accumulated + FRESH_LEAF)])
    check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_twice(learner):
    "grad_of() called twice on the same x gives the same answer twice"
    x = make_tensor(6, seed=9)
    seen = scenario(learner, "grad_of", "sum_exp", x, requires_grad=True, calls=2)
    what = describe("grad_of", "sum_exp", x) + " (x.requires_grad=True)"
    expected = ref_grad("sum_exp", x)
    check_result(seen["results"][0], expected, what + ", first call")
    doubled = (
        "the second call on the same x returned twice the gradient: the first call's gradient "
        "was still in x.grad, and backward() added the new one to it. "
    )
    check_result(
        seen["results"][1], expected, what + ", second call", [(2 * expected, doubled + FRESH_LEAF)]
    )
    check_x_left_alone(seen, x, what, requires_grad=True)


# ---------------------------------------------------------------- vjp

V_IGNORED = (
    "your result equals the gradient of f(x).sum(), as if v were all ones: v was ignored. "
    "Pass v as backward's gradient= argument (or grad_outputs= of torch.autograd.grad)."
)


def check_vjp(learner, name, x, v, **state):
    seen = scenario(learner, "vjp", name, x, v, **state)
    what = describe("vjp", name, x, ", v")
    ones = torch.ones_like(v)
    hints = [(ref_vjp(name, x, ones), V_IGNORED)]
    check_result(seen["results"][0], ref_vjp(name, x, v), what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_vjp(learner, device):
    "vjp() equals vᵀ·J computed by autograd"
    for name, shape, seed in [("softmax", (5,), 10), ("cumprod", (4,), 11), ("powers", (3,), 12)]:
        x = make_tensor(*shape, seed=seed, device=device)
        v = make_tensor(*P.FUNCTIONS[name](x).shape, seed=seed + 100, device=device)
        check_vjp(learner, name, x, v)


@points(1)
def test_vjp_2d_float64(learner):
    "vjp() for a 2-D float64 input, leaving x and v alone"
    x = make_tensor(3, 4, seed=13, dtype=torch.float64)
    v = make_tensor(3, 4, seed=14, dtype=torch.float64)
    seen, what = check_vjp(learner, "row_cumprod", x, v)
    check_x_left_alone(seen, x, what)
    assert_unchanged(v, seen["extra"][0], name="v", what=what)


# ---------------------------------------------------------------- jacobian


def check_jacobian(learner, name, x, **state):
    seen = scenario(learner, "jacobian", name, x, **state)
    what = describe("jacobian", name, x)
    got, expected = seen["results"][0], ref_jacobian(name, x)
    out_shape, in_shape = expected.shape[: expected.dim() - x.dim()], x.shape
    # The same derivatives with the input axes first: shape x.shape + f(x).shape.
    swapped = expected.reshape(out_shape.numel(), in_shape.numel()).T.reshape(in_shape + out_shape)
    outputs_first = "The first dimensions index the outputs: out[i] is the gradient of f(x)[i]."
    if isinstance(got, torch.Tensor) and got.shape == swapped.shape != expected.shape:
        fail(
            f"{what}: wrong shape: expected f(x).shape + x.shape = {tuple(expected.shape)}, got "
            f"{tuple(got.shape)} = x.shape + f(x).shape: the axes are swapped. {outputs_first}"
        )
    hints = []
    if swapped.shape == expected.shape:  # invisible in the shape
        transposed = (
            "your values hold ∂f(x)[i]/∂x[j] at out[j, i]: the input and output axes are "
            f"swapped. {outputs_first}"
        )
        hints.append((swapped, transposed))
    check_result(got, expected, what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_jacobian(learner, device):
    "jacobian() has shape f(x).shape + x.shape and autograd's values"
    for name, shape, seed in [("stats", (3,), 20), ("cumprod", (5,), 21)]:
        check_jacobian(learner, name, make_tensor(*shape, seed=seed, device=device))


@points(2)
def test_jacobian_2d(learner):
    "jacobian() of a function of a 2-D input, in float64"
    for name, shape, seed in [("row_cumprod", (2, 3), 22), ("row_norms", (3, 2), 23)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64)
        seen, what = check_jacobian(learner, name, x)
        check_x_left_alone(seen, x, what)


# ---------------------------------------------------------------- numerical_grad


def check_numerical(learner, name, x):
    seen = scenario(learner, "numerical_grad", name, x)
    what = describe("numerical_grad", name, x)
    got, expected = seen["results"][0], ref_grad(name, x)
    # Asked for before the comparison, whatever the learner returned: a kit holds the values
    # its references gave for the solution's run only.
    usual_mistake = R.one_sided(name, x)
    try:
        assert_close(got, expected, what=what, **NUMERICAL_TOL)
    except CheckFailed as failed:
        if not (
            isinstance(got, torch.Tensor)
            and (got.shape, got.dtype, got.device) == (expected.shape, expected.dtype, x.device)
        ):
            raise  # not a tensor, or a wrong shape, dtype or device: the message says so
        if close(got, usual_mistake):
            fail(f"{what}: your values match a one-sided difference. {one_sided_note()}")
        fail(f"{failed}\n{one_sided_note()}")
    return seen, what


@points(2)
@devices("cpu", "cuda")
def test_numerical_grad(learner, device):
    "numerical_grad() is as accurate as a central difference"
    for name, shape, seed in [("sum_exp", (5,), 30), ("sum_cubic", (4,), 31)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64, device=device)
        check_numerical(learner, name, x)


@points(1)
def test_numerical_grad_leaves_x_alone(learner):
    "numerical_grad() of a 2-D input leaves x exactly as it was"
    x = make_tensor(3, 2, seed=32, dtype=torch.float64)
    seen, what = check_numerical(learner, "mean_quartic", x)
    after = seen["x"]
    if same(after, x):
        return
    changed = int((after != x).sum()) if after.shape == x.shape else x.numel()
    fail(
        f"{what}: x changed: {changed} of {x.numel()} values differ after the call. Perturb "
        "copies of x (x + step, or x.clone()), not x itself: x[i] += eps followed by "
        "x[i] -= eps does not always give back the same float."
    )


# ---------------------------------------------------------------- second_derivative

CREATE_GRAPH = (
    "The first derivative has no graph of its own unless you ask for one: pass "
    "create_graph=True to the first torch.autograd.grad (or backward) so that its result "
    "can be differentiated again."
)


def check_second(learner, name, x, **state):
    try:
        seen = scenario(learner, "second_derivative", name, x, **state)
    except LearnerRaised as raised:
        if "does not require grad" in raised.exc_message:
            raise with_hint(raised, CREATE_GRAPH) from None
        raise
    what = describe("second_derivative", name, x)
    expected = ref_second(name, x)
    zeros = f"got all zeros, but f'' is not zero here. {CREATE_GRAPH}"
    hints = [(torch.zeros_like(expected), zeros)]
    check_result(seen["results"][0], expected, what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_second_derivative(learner, device):
    "second_derivative() equals f'' computed by autograd"
    for name, shape, seed in [("sin", (5,), 40), ("cube", (4,), 41), ("x_sin", (6,), 42)]:
        check_second(learner, name, make_tensor(*shape, seed=seed, device=device))


@points(1)
def test_second_derivative_2d_float64(learner):
    "second_derivative() for a 2-D float64 input, leaving x alone"
    for name, shape, seed in [("tanh", (3, 4), 43), ("exp", (2, 3), 44)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64)
        seen, what = check_second(learner, name, x)
        check_x_left_alone(seen, x, what)
