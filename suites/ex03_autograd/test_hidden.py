"""Hidden checks for 03 autograd: other inputs and edge cases, run only at grading time."""

import torch

from grader.testing import (
    CheckFailed,
    LearnerRaised,
    assert_close,
    assert_unchanged,
    catalog,
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

# The public suite's sentences, and those of the hidden checks alone (which never ship in the kit).
T = catalog(
    {
        **C.T.entries,
        "with_x_requires_grad": (
            "With a x that requires grad: {failed}",
            "x 需要梯度时：{failed}",
        ),
        "with_non_contiguous_x": ("With a non-contiguous x: {failed}", "x 非连续时：{failed}"),
        "with_dtype_x": ("With a {label} x: {failed}", "x 为 {label} 时：{failed}"),
        "old_grad_added_short": (
            "returned x.grad's old contents plus the gradient: gradients accumulate. ",
            "返回的是 x.grad 原有的内容加上梯度：梯度会累加。",
        ),
        "old_grads_added": (
            "returned x.grad's old contents plus the gradients of this and any earlier calls: "
            "backward() adds into x.grad. ",
            "返回的是 x.grad 原有的内容加上本次及之前各次调用的梯度：backward() 会累加到 "
            "x.grad 中。",
        ),
        "call_of_3": ("{what}, call {i} of 3", "{what}，第 {i} 次调用（共 3 次）"),
        "note_nonleaf": (" (x = w * 1 for a leaf w)", "（x = w * 1，其中 w 是叶子张量）"),
        "flowed_into_w": (
            "{what}: the gradient flowed on into w.grad, the leaf x was computed from: "
            "backward() goes all the way back to the leaves. ",
            "{what}：梯度一直流进了 w.grad，也就是计算出 x 的那个叶子张量：backward() 会一直"
            "反向传播到叶子张量。",
        ),
        "eps_unused": (
            "{what}: with eps=0.01 a central difference of x**3 is off by eps² = 1e-4 from "
            "the exact gradient, but yours is not: is eps used, or a fixed step?",
            "{what}：eps=0.01 时，x**3 的中心差分与精确梯度相差 eps² = 1e-4，但你的结果没有"
            "这个差距：你用到 eps 了吗？还是用了固定的步长？",
        ),
        "note_central_difference": (
            "{what} (the central difference)",
            "{what}（中心差分）",
        ),
        "note_eps_left_out": (" (eps left out)", "（省略 eps）"),
        "against_eps_1e_6": (
            "{what}, against the central difference with eps=1e-6",
            "{what}，与 eps=1e-6 的中心差分比较",
        ),
        "result_requires_grad": (
            "{what}: your result requires grad: autograd recorded your calls of f and the "
            "result keeps that graph alive. The estimate comes from values of f alone (no "
            "autograd): evaluate f on x.detach() (or under torch.no_grad()).",
            "{what}：你的结果需要梯度：自动求导记录了你对 f 的调用，而结果让这张计算图一直保留"
            "着。估计值只来自 f 的函数值（不用自动求导）：请在 x.detach() 上计算 f（或在 "
            "torch.no_grad() 下计算）。",
        ),
        "x_changed_during": (
            "{what}: x changed during the call. Perturb copies of x, not x itself: adding "
            "eps and subtracting it again does not always give back the same float.",
            "{what}：调用过程中 x 被改变了。请扰动 x 的副本，而不是 x 本身：先加上 eps 再减去，"
            "得到的浮点数不一定与原来相同。",
        ),
        "linear_no_graph": (
            "For a linear f, f'(x) is a constant: even with create_graph=True it does not "
            "require grad, and cannot be differentiated again. Check first.requires_grad "
            "and return zeros when it is False (the docstring says so).",
            "对线性的 f，f'(x) 是常数：即使用了 create_graph=True，它也不需要梯度，无法再次"
            "求导。请检查 first.requires_grad，为 False 时返回全零（文档字符串中有说明）。",
        ),
        "note_linear": (" (f'(x) = 3 has no graph)", "（f'(x) = 3 没有计算图）"),
    }
)


# ---------------------------------------------------------------- grad_of


@points(2)
@devices("cpu", "cuda", "standin")
def test_grad_of_more_functions(learner, device):
    """grad_of() for more functions, shapes and float64
    zh: grad_of() 处理更多的函数、形状以及 float64"""
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
    """grad_of() and jacobian() of float32, non-contiguous and requires_grad variants of one x
    zh: grad_of() 和 jacobian() 处理同一个 x 的 float32、非连续和 requires_grad 变体"""
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
            if flag:
                fail(T.say("with_x_requires_grad", failed=failed))
            if variant.label == "non-contiguous":
                fail(T.say("with_non_contiguous_x", failed=failed))
            fail(T.say("with_dtype_x", label=variant.label, failed=failed))


@points(1)
def test_grad_of_0d(learner):
    """grad_of() for a 0-d x
    zh: grad_of() 处理 0 维的 x"""
    for name, value in [("sum_sin", 0.7), ("sum_exp", -1.3)]:
        x = torch.tensor(value, dtype=torch.float64)
        seen = C.scenario(learner, "grad_of", name, x)
        C.check_result(seen["results"][0], C.ref_grad(name, x), C.describe("grad_of", name, x))


@points(2)
@devices("cpu", "cuda")
def test_grad_of_old_grad_2d_float64(learner, device):
    """grad_of() keeps an old float64 gradient of a 2-D x untouched
    zh: grad_of() 不改动二维 x 已有的 float64 梯度"""
    x = make_tensor(3, 2, seed=105, dtype=torch.float64, device=device)
    old = make_tensor(3, 2, seed=106, dtype=torch.float64, device=device, low=-5, high=5)
    seen = C.scenario(learner, "grad_of", "sum_tanh_sq", x, requires_grad=True, grad=old)
    what = C.describe("grad_of", "sum_tanh_sq", x) + T.say("note_grad_set")
    expected = C.ref_grad("sum_tanh_sq", x)
    accumulated = T.say("old_grad_added_short")
    C.check_result(
        seen["results"][0], expected, what, [(old + expected, accumulated + C.fresh_leaf())]
    )
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_three_calls(learner):
    """grad_of() called three times on an x with an old gradient
    zh: grad_of() 对已有旧梯度的 x 调用三次"""
    x = make_tensor(5, seed=107)
    old = make_tensor(5, seed=108)
    seen = C.scenario(learner, "grad_of", "prod", x, requires_grad=True, grad=old, calls=3)
    what = C.describe("grad_of", "prod", x) + T.say("note_grad_set")
    expected = C.ref_grad("prod", x)
    accumulated = T.say("old_grads_added")
    for i, got in enumerate(seen["results"], start=1):
        hints = [(old + k * expected, accumulated + C.fresh_leaf()) for k in (1, 2, 3)]
        C.check_result(got, expected, T.say("call_of_3", what=what, i=i), hints)
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_nonleaf(learner):
    """grad_of() when x is itself the result of a computation (not a leaf)
    zh: grad_of() 处理本身由计算得到（不是叶子）的 x"""
    x = make_tensor(4, seed=109, dtype=torch.float64)
    seen = C.scenario(learner, "grad_of", "sin_times_exp", x, nonleaf=True)
    what = C.describe("grad_of", "sin_times_exp", x) + T.say("note_nonleaf")
    C.check_result(seen["results"][0], C.ref_grad("sin_times_exp", x), what)
    if seen["source_grad"] is not None:
        fail(T.say("flowed_into_w", what=what) + C.fresh_leaf())


@points(1)
@devices("cpu", "cuda")
def test_grad_of_leaves_2d_x_alone(learner, device):
    """grad_of() leaves a 2-D float64 x alone
    zh: grad_of() 不改动二维 float64 的 x"""
    x = make_tensor(2, 4, seed=110, dtype=torch.float64, device=device)
    seen = C.scenario(learner, "grad_of", "sum_exp", x)
    what = C.describe("grad_of", "sum_exp", x) + T.say("note_no_grad")
    C.check_result(seen["results"][0], C.ref_grad("sum_exp", x), what)
    C.check_x_left_alone(seen, x, what)


# ---------------------------------------------------------------- vjp


@points(2)
@devices("cpu", "cuda", "standin")
def test_vjp_more(learner, device):
    """vjp() for more functions, a 2-D output and float64
    zh: vjp() 处理更多的函数、二维输出以及 float64"""
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
    """vjp() with a one-hot v picks one row of the Jacobian
    zh: vjp() 在 v 为 one-hot 时取出雅可比矩阵的一行"""
    x = make_tensor(5, seed=115, dtype=torch.float64)
    v = torch.zeros(5, dtype=torch.float64)
    v[2] = 1.0
    C.check_vjp(learner, "cumprod", x, v)


@points(1)
def test_vjp_leaves_x_and_v_alone(learner):
    """vjp() leaves x, its old gradient, and v alone
    zh: vjp() 不改动 x、它的旧梯度以及 v"""
    x = make_tensor(2, 3, seed=116)
    old = make_tensor(2, 3, seed=117)
    v = make_tensor(3, 2, 3, seed=118)
    seen, what = C.check_vjp(learner, "powers", x, v, requires_grad=True, grad=old)
    what += T.say("note_grad_set")
    C.check_x_left_alone(seen, x, what, requires_grad=True, grad=old)
    assert_unchanged(v, seen["extra"][0], name="v", what=what)


# ---------------------------------------------------------------- jacobian


@points(2)
@devices("cpu", "cuda", "standin")
def test_jacobian_more(learner, device):
    """jacobian() for a vector, a matrix and a 2-D output
    zh: jacobian() 处理向量、矩阵和二维输出"""
    for name, shape, dtype, seed in [
        ("outer_exp", (3,), torch.float32, 120),
        ("softmax", (2, 4), torch.float64, 121),
        ("gram", (3, 2), torch.float32, 122),
    ]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=dtype, device=device))


@points(1)
def test_jacobian_scalar_output(learner):
    """jacobian() of a scalar function is its gradient
    zh: jacobian() 对标量函数给出其梯度"""
    for name, shape, seed in [("sum_sin", (4,), 123), ("logsumexp", (2, 3), 124)]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=torch.float64))


@points(1)
def test_jacobian_square(learner):
    """jacobian() of f with f(x).shape == x.shape: diagonal and triangular
    zh: jacobian() 处理 f(x).shape == x.shape 的 f：对角与三角的情况"""
    for name, shape, seed in [("sin", (5,), 125), ("row_cumprod", (3, 3), 126)]:
        C.check_jacobian(learner, name, make_tensor(*shape, seed=seed, dtype=torch.float64))


@points(1)
def test_jacobian_leaves_x_alone(learner):
    """jacobian() leaves x and its old gradient alone
    zh: jacobian() 不改动 x 及其旧梯度"""
    x = make_tensor(4, seed=127)
    old = make_tensor(4, seed=128)
    seen, what = C.check_jacobian(learner, "stats", x, requires_grad=True, grad=old)
    C.check_x_left_alone(seen, x, what + T.say("note_grad_set"), requires_grad=True, grad=old)


# ---------------------------------------------------------------- numerical_grad


@points(2)
@devices("cpu", "cuda")
def test_numerical_grad_more(learner, device):
    """numerical_grad() for more functions and shapes
    zh: numerical_grad() 处理更多的函数和形状"""
    for name, shape, seed in [
        ("sum_sin", (2, 3), 130),
        ("sin_times_exp", (7,), 131),
        ("sum_tanh_sq", (4,), 132),
    ]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64, device=device)
        C.check_numerical(learner, name, x)


@points(1)
def test_numerical_grad_uses_eps(learner):
    """numerical_grad() uses the eps it is given
    zh: numerical_grad() 使用传入的 eps"""
    x = make_tensor(5, seed=133, dtype=torch.float64)
    eps = 1e-2
    f, flat = P.FUNCTIONS["sum_cubic"], x.reshape(-1)
    basis = torch.eye(5, dtype=torch.float64)
    expected = torch.stack([(f(flat + eps * e) - f(flat - eps * e)) / (2 * eps) for e in basis])
    seen = C.scenario(learner, "numerical_grad", "sum_cubic", x, eps)
    what = C.describe("numerical_grad", "sum_cubic", x, f", eps={eps}")
    got = seen["results"][0]
    if C.close(got, C.R.one_sided("sum_cubic", x, eps)):
        fail(T.say("one_sided", what=what, note=C.one_sided_note(eps)))
    if C.close(got, C.ref_grad("sum_cubic", x)):
        fail(T.say("eps_unused", what=what))
    # A different but equally good order of operations differs by rounding only.
    assert_close(
        got, expected, what=T.say("note_central_difference", what=what), rtol=1e-9, atol=1e-9
    )


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
    """numerical_grad(f, x) without eps uses the default eps=1e-6
    zh: numerical_grad(f, x) 不给 eps 时使用默认的 eps=1e-6"""
    # Near 1e-4 the gradient of mean(x**4) is ~1e-12 and a central difference is off by
    # about eps²/x² of it (1e-4 relative): eps=1e-6 and eps=2e-6 give estimates 1e-4 apart,
    # where rounding makes 1e-14.
    x = make_tensor(5, seed=134, dtype=torch.float64, low=1e-4, high=2e-4)
    seen = C.scenario(learner, "numerical_grad", "mean_quartic", x)
    what = C.describe("numerical_grad", "mean_quartic", x) + T.say("note_eps_left_out")
    assert_close(
        seen["results"][0],
        central_difference("mean_quartic", x, 1e-6),
        what=T.say("against_eps_1e_6", what=what),
        rtol=1e-9,
        atol=0.0,
    )


@points(1)
def test_numerical_grad_x_requires_grad(learner):
    """numerical_grad() of an x that requires grad: the same estimate, no autograd graph
    zh: numerical_grad() 处理需要梯度的 x：估计值相同，且没有计算图"""
    x = make_tensor(4, seed=135, dtype=torch.float64)
    seen = C.scenario(learner, "numerical_grad", "sum_exp", x, requires_grad=True)
    what = C.describe("numerical_grad", "sum_exp", x) + T.say("note_requires_grad")
    assert_close(seen["results"][0], C.ref_grad("sum_exp", x), what=what, **C.NUMERICAL_TOL)
    if seen["results_require_grad"][0]:
        fail(T.say("result_requires_grad", what=what))
    C.check_x_left_alone(seen, x, what, requires_grad=True)


@points(1)
def test_numerical_grad_0d(learner):
    """numerical_grad() for a 0-d x
    zh: numerical_grad() 处理 0 维的 x"""
    C.check_numerical(learner, "sum_exp", torch.tensor(0.4, dtype=torch.float64))


@points(1)
def test_numerical_grad_leaves_3x3_alone(learner):
    """numerical_grad() leaves a 3×3 x exactly as it was
    zh: numerical_grad() 让 3×3 的 x 保持完全不变"""
    x = make_tensor(3, 3, seed=134, dtype=torch.float64)
    seen, what = C.check_numerical(learner, "sum_sin", x)
    if not C.same(seen["x"], x):
        fail(T.say("x_changed_during", what=what))


# ---------------------------------------------------------------- second_derivative


@points(2)
@devices("cpu", "cuda", "standin")
def test_second_derivative_more(learner, device):
    """second_derivative() for more functions, shapes and float64
    zh: second_derivative() 处理更多的函数、形状以及 float64"""
    for name, shape, dtype, seed in [
        ("sigmoid", (6,), torch.float32, 140),
        ("gauss", (2, 3), torch.float64, 141),
        ("tanh", (4,), torch.float32, 142),
    ]:
        C.check_second(learner, name, make_tensor(*shape, seed=seed, dtype=dtype, device=device))


@points(1)
def test_second_derivative_linear(learner):
    """second_derivative() of a linear function is zero
    zh: second_derivative() 对线性函数给出零"""
    x = make_tensor(5, seed=143)
    try:
        seen = C.scenario(learner, "second_derivative", "linear", x)
    except LearnerRaised as raised:
        if "does not require grad" in raised.exc_message:
            raise C.with_hint(raised, T.say("linear_no_graph")) from None
        raise
    assert_close(
        seen["results"][0],
        torch.zeros(5),
        what=C.describe("second_derivative", "linear", x) + T.say("note_linear"),
    )


@points(1)
def test_second_derivative_0d(learner):
    """second_derivative() for a 0-d x
    zh: second_derivative() 处理 0 维的 x"""
    C.check_second(learner, "x_sin", torch.tensor(1.2, dtype=torch.float64))


@points(1)
def test_second_derivative_leaves_x_alone(learner):
    """second_derivative() leaves x and its old gradient alone
    zh: second_derivative() 不改动 x 及其旧梯度"""
    x = make_tensor(4, seed=144)
    old = make_tensor(4, seed=145)
    seen, what = C.check_second(learner, "cube", x, requires_grad=True, grad=old)
    C.check_x_left_alone(seen, x, what + T.say("note_grad_set"), requires_grad=True, grad=old)
