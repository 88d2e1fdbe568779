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
    catalog,
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

# Every sentence these checks write, in English and Chinese (the hidden suite adds its own).
# An English sentence that another one follows ends with a space; its Chinese, with "。".
T = catalog(
    {
        "fresh_leaf": (
            "Differentiate with respect to a fresh leaf, x.detach().requires_grad_(True), or use "
            "torch.autograd.grad, which returns the gradient without writing into any .grad.",
            "请对一个新的叶子张量 x.detach().requires_grad_(True) 求导，或者使用 "
            "torch.autograd.grad：它直接返回梯度，不写入任何 .grad。",
        ),
        "one_sided_note": (
            "A central difference (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps) is off by about eps² "
            "({eps2:g} here, plus rounding); a one-sided difference (f(x + eps·e_i) - f(x)) / eps "
            "is off by about eps ({eps:g}), far more than allowed.",
            "中心差分 (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps) 的误差约为 eps²（这里是 "
            "{eps2:g}，再加上舍入误差）；单侧差分 (f(x + eps·e_i) - f(x)) / eps 的误差约为 eps"
            "（{eps:g}），远远超出允许的范围。",
        ),
        "call": (
            "{fn}(f, x{extra}) with f(x) = {formula}, x {shape} {dtype}{where}",
            "{fn}(f, x{extra})，其中 f(x) = {formula}，x 为 {shape} {dtype} 张量{where}",
        ),
        "zero_d": ("0-d", "0 维"),
        "on_device": (" on {device}", "（位于 {device}）"),
        "note_no_grad": (" (x.requires_grad=False)", "（x.requires_grad=False）"),
        "note_requires_grad": (" (x.requires_grad=True)", "（x.requires_grad=True）"),
        "note_grad_set": (" (x.grad already set)", "（x.grad 已有值）"),
        "note_requires_grad_grad_set": (
            " (x.requires_grad=True, x.grad already set)",
            "（x.requires_grad=True，x.grad 已有值）",
        ),
        "first_call": (", first call", "，第一次调用"),
        "second_call": (", second call", "，第二次调用"),
        "what_then": ("{what}: {message}", "{what}：{message}"),
        "returned_none": (
            "{what}: returned None instead of a tensor. .grad is None for a tensor that is not a "
            "leaf (e.g. x.clone() or x * 1 of a tensor that requires grad): autograd only fills "
            "the .grad of leaves. ",
            "{what}：返回了 None，而不是张量。不是叶子的张量（例如对需要梯度的张量做 x.clone() "
            "或 x * 1 得到的张量）的 .grad 为 None：自动求导只填写叶子张量的 .grad。",
        ),
        "flag_turned_on": (
            "{what}: the caller's x had requires_grad=False before the call and True after. "
            "x.requires_grad_() changes the caller's tensor: make a fresh leaf instead, "
            "x.detach().requires_grad_(True), and differentiate with respect to that.",
            "{what}：调用前，调用者的 x 的 requires_grad=False，调用后却变成了 True。"
            "x.requires_grad_() 会改变调用者的张量：请改为创建一个新的叶子张量 "
            "x.detach().requires_grad_(True)，并对它求导。",
        ),
        "flag_turned_off": (
            "{what}: the caller's x had requires_grad=True before the call and False after. "
            "Leave the caller's tensor alone and work on x.detach().",
            "{what}：调用前，调用者的 x 的 requires_grad=True，调用后却变成了 False。"
            "不要改动调用者的张量，请在 x.detach() 上计算。",
        ),
        "grad_appeared": (
            "{what}: x.grad was None before the call, and after it held a gradient: backward() "
            "writes into the .grad of every leaf it reaches, here the caller's x. ",
            "{what}：调用前 x.grad 为 None，调用后却存有梯度：backward() 会写入它所到达的每个"
            "叶子张量的 .grad，这里就是调用者的 x。",
        ),
        "grad_reset": (
            "{what}: x.grad held {before} before the call, and None after. That "
            "gradient belongs to the caller: do not reset it. ",
            "{what}：调用前 x.grad 为 {before}，调用后却变成了 None。这个梯度属于调用者："
            "不要清除它。",
        ),
        "grad_changed": (
            "{what}: x.grad held {before} before the call and {after} "
            "after. backward() adds into .grad (gradients accumulate until someone zeroes "
            "them), so calling it on the caller's x changes the caller's gradient. ",
            "{what}：调用前 x.grad 为 {before}，调用后为 {after}。backward() 会累加到 .grad "
            "中（梯度会一直累加，直到有人把它清零），所以对调用者的 x 调用它，就改变了调用者的"
            "梯度。",
        ),
        "old_grad_added": (
            "returned x.grad's old contents plus the gradient. x already held a gradient in x.grad, "
            "and backward() adds into it: gradients accumulate until someone zeroes them. ",
            "返回的是 x.grad 原有的内容加上梯度。x.grad 中原本就存有梯度，而 backward() 会累加到"
            "其中：梯度会一直累加，直到有人把它清零。",
        ),
        "doubled": (
            "the second call on the same x returned twice the gradient: the first call's gradient "
            "was still in x.grad, and backward() added the new one to it. ",
            "对同一个 x 的第二次调用返回了两倍的梯度：第一次调用的梯度仍留在 x.grad 中，而 "
            "backward() 又把新的梯度加了上去。",
        ),
        "v_ignored": (
            "your result equals the gradient of f(x).sum(), as if v were all ones: v was ignored. "
            "Pass v as backward's gradient= argument (or grad_outputs= of torch.autograd.grad).",
            "你的结果等于 f(x).sum() 的梯度，就好像 v 全为 1：v 被忽略了。请把 v 作为 backward "
            "的 gradient= 参数传入（或作为 torch.autograd.grad 的 grad_outputs=）。",
        ),
        "outputs_first": (
            "The first dimensions index the outputs: out[i] is the gradient of f(x)[i].",
            "前面的维度索引输出：out[i] 是 f(x)[i] 的梯度。",
        ),
        "axes_swapped_shape": (
            "{what}: wrong shape: expected f(x).shape + x.shape = {expected}, got "
            "{got} = x.shape + f(x).shape: the axes are swapped. {outputs_first}",
            "{what}：形状错误：应为 f(x).shape + x.shape = {expected}，实际得到 "
            "{got} = x.shape + f(x).shape：两组轴的顺序反了。{outputs_first}",
        ),
        "axes_swapped_values": (
            "your values hold ∂f(x)[i]/∂x[j] at out[j, i]: the input and output axes are "
            "swapped. {outputs_first}",
            "你的结果把 ∂f(x)[i]/∂x[j] 放在了 out[j, i]：输入轴和输出轴的顺序反了。{outputs_first}",
        ),
        "one_sided": (
            "{what}: your values match a one-sided difference. {note}",
            "{what}：你的结果与单侧差分一致。{note}",
        ),
        "x_changed_count": (
            "{what}: x changed: {changed} of {total} values differ after the call. Perturb "
            "copies of x (x + step, or x.clone()), not x itself: x[i] += eps followed by "
            "x[i] -= eps does not always give back the same float.",
            "{what}：x 被改变了：调用后 {total} 个值中有 {changed} 个不同。请扰动 x 的副本"
            "（x + step 或 x.clone()），而不是 x 本身：先 x[i] += eps 再 x[i] -= eps，得到的"
            "浮点数不一定与原来相同。",
        ),
        "create_graph": (
            "The first derivative has no graph of its own unless you ask for one: pass "
            "create_graph=True to the first torch.autograd.grad (or backward) so that its result "
            "can be differentiated again.",
            "除非你要求，一阶导数本身不带计算图：第一次调用 torch.autograd.grad（或 backward）"
            "时传入 create_graph=True，它的结果才能再次求导。",
        ),
        "all_zeros": (
            "got all zeros, but f'' is not zero here. {hint}",
            "得到的全是零，但这里的 f'' 并不为零。{hint}",
        ),
    }
)


def fresh_leaf() -> str:
    return T.say("fresh_leaf")


def one_sided_note(eps=1e-6):
    return T.say("one_sided_note", eps2=eps**2, eps=eps)


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
    shape = "×".join(str(d) for d in x.shape) or T.say("zero_d")
    where = "" if x.device.type == "cpu" else T.say("on_device", device=x.device.type)
    dtype = str(x.dtype).removeprefix("torch.")
    formula = P.FORMULAS[name]
    return T.say("call", fn=fn, extra=extra, formula=formula, shape=shape, dtype=dtype, where=where)


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
        fail(T.say("returned_none", what=what) + fresh_leaf())
    for candidate, message in hints:
        if close(got, candidate) and not close(got, expected):
            fail(T.say("what_then", what=what, message=message))
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
            fail(T.say("flag_turned_on", what=what))
        fail(T.say("flag_turned_off", what=what))
    if grad is None and seen["grad"] is not None:
        fail(T.say("grad_appeared", what=what) + fresh_leaf())
    if grad is not None and seen["grad"] is None:
        fail(T.say("grad_reset", what=what, before=values(grad)) + fresh_leaf())
    if grad is not None and not same(seen["grad"], grad):
        before, after = values(grad), values(seen["grad"])
        fail(T.say("grad_changed", what=what, before=before, after=after) + fresh_leaf())
    assert_unchanged(x, seen["x"], name="x", what=what)


# ---------------------------------------------------------------- grad_of


@points(2)
@devices("cpu", "cuda", "standin")
def test_grad_of(learner, device):
    """grad_of() equals autograd's gradient
    zh: grad_of() 与自动求导算出的梯度相同"""
    for name, shape, seed in [("sum_sin", (5,), 1), ("sin_times_exp", (4,), 2), ("prod", (6,), 3)]:
        x = make_tensor(*shape, seed=seed, device=device)
        seen = scenario(learner, "grad_of", name, x)
        check_result(seen["results"][0], ref_grad(name, x), describe("grad_of", name, x))


@points(1)
def test_grad_of_float64_2d(learner):
    """grad_of() for a 2-D float64 input
    zh: grad_of() 处理二维 float64 输入"""
    for name, shape, seed in [("sum_tanh_sq", (3, 4), 4), ("row_products", (2, 3), 5)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64)
        seen = scenario(learner, "grad_of", name, x)
        check_result(seen["results"][0], ref_grad(name, x), describe("grad_of", name, x))


@points(2)
@devices("cpu", "cuda")
def test_grad_of_leaves_x_alone(learner, device):
    """grad_of() leaves x alone: requires_grad stays False and no .grad appears
    zh: grad_of() 不改动 x：requires_grad 仍为 False，也不会出现 .grad"""
    x = make_tensor(5, seed=6, device=device)
    seen = scenario(learner, "grad_of", "sum_cubic", x)
    what = describe("grad_of", "sum_cubic", x) + T.say("note_no_grad")
    check_result(seen["results"][0], ref_grad("sum_cubic", x), what)
    check_x_left_alone(seen, x, what)


@points(2)
@devices("cpu", "cuda")
def test_grad_of_keeps_old_grad(learner, device):
    """grad_of() ignores, and keeps, a gradient already in x.grad
    zh: grad_of() 忽略并保留 x.grad 中已有的梯度"""
    x = make_tensor(4, seed=7, device=device)
    old = make_tensor(4, seed=8, device=device)
    seen = scenario(learner, "grad_of", "sum_sin", x, requires_grad=True, grad=old)
    what = describe("grad_of", "sum_sin", x) + T.say("note_requires_grad_grad_set")
    expected = ref_grad("sum_sin", x)
    accumulated = T.say("old_grad_added")
    check_result(seen["results"][0], expected, what, [(old + expected, accumulated + fresh_leaf())])
    check_x_left_alone(seen, x, what, requires_grad=True, grad=old)


@points(1)
def test_grad_of_twice(learner):
    """grad_of() called twice on the same x gives the same answer twice
    zh: grad_of() 对同一个 x 调用两次，两次结果相同"""
    x = make_tensor(6, seed=9)
    seen = scenario(learner, "grad_of", "sum_exp", x, requires_grad=True, calls=2)
    what = describe("grad_of", "sum_exp", x) + T.say("note_requires_grad")
    expected = ref_grad("sum_exp", x)
    check_result(seen["results"][0], expected, what + T.say("first_call"))
    doubled = T.say("doubled")
    second = what + T.say("second_call")
    check_result(seen["results"][1], expected, second, [(2 * expected, doubled + fresh_leaf())])
    check_x_left_alone(seen, x, what, requires_grad=True)


# ---------------------------------------------------------------- vjp


def check_vjp(learner, name, x, v, **state):
    seen = scenario(learner, "vjp", name, x, v, **state)
    what = describe("vjp", name, x, ", v")
    ones = torch.ones_like(v)
    hints = [(ref_vjp(name, x, ones), T.say("v_ignored"))]
    check_result(seen["results"][0], ref_vjp(name, x, v), what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_vjp(learner, device):
    """vjp() equals vᵀ·J computed by autograd
    zh: vjp() 与自动求导算出的 vᵀ·J 相同"""
    for name, shape, seed in [("softmax", (5,), 10), ("cumprod", (4,), 11), ("powers", (3,), 12)]:
        x = make_tensor(*shape, seed=seed, device=device)
        v = make_tensor(*P.FUNCTIONS[name](x).shape, seed=seed + 100, device=device)
        check_vjp(learner, name, x, v)


@points(1)
def test_vjp_2d_float64(learner):
    """vjp() for a 2-D float64 input, leaving x and v alone
    zh: vjp() 处理二维 float64 输入，且不改动 x 和 v"""
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
    outputs_first = T.say("outputs_first")
    if isinstance(got, torch.Tensor) and got.shape == swapped.shape != expected.shape:
        fail(
            T.say(
                "axes_swapped_shape",
                what=what,
                expected=tuple(expected.shape),
                got=tuple(got.shape),
                outputs_first=outputs_first,
            )
        )
    hints = []
    if swapped.shape == expected.shape:  # invisible in the shape
        transposed = T.say("axes_swapped_values", outputs_first=outputs_first)
        hints.append((swapped, transposed))
    check_result(got, expected, what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_jacobian(learner, device):
    """jacobian() has shape f(x).shape + x.shape and autograd's values
    zh: jacobian() 的形状为 f(x).shape + x.shape，数值与自动求导相同"""
    for name, shape, seed in [("stats", (3,), 20), ("cumprod", (5,), 21)]:
        check_jacobian(learner, name, make_tensor(*shape, seed=seed, device=device))


@points(2)
def test_jacobian_2d(learner):
    """jacobian() of a function of a 2-D input, in float64
    zh: jacobian() 处理以二维张量为输入的函数，使用 float64"""
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
            fail(T.say("one_sided", what=what, note=one_sided_note()))
        fail(f"{failed}\n{one_sided_note()}")
    return seen, what


@points(2)
@devices("cpu", "cuda")
def test_numerical_grad(learner, device):
    """numerical_grad() is as accurate as a central difference
    zh: numerical_grad() 与中心差分一样精确"""
    for name, shape, seed in [("sum_exp", (5,), 30), ("sum_cubic", (4,), 31)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64, device=device)
        check_numerical(learner, name, x)


@points(1)
def test_numerical_grad_leaves_x_alone(learner):
    """numerical_grad() of a 2-D input leaves x exactly as it was
    zh: numerical_grad() 处理二维输入时，x 保持完全不变"""
    x = make_tensor(3, 2, seed=32, dtype=torch.float64)
    seen, what = check_numerical(learner, "mean_quartic", x)
    after = seen["x"]
    if same(after, x):
        return
    changed = int((after != x).sum()) if after.shape == x.shape else x.numel()
    fail(T.say("x_changed_count", what=what, changed=changed, total=x.numel()))


# ---------------------------------------------------------------- second_derivative


def check_second(learner, name, x, **state):
    try:
        seen = scenario(learner, "second_derivative", name, x, **state)
    except LearnerRaised as raised:
        if "does not require grad" in raised.exc_message:
            raise with_hint(raised, T.say("create_graph")) from None
        raise
    what = describe("second_derivative", name, x)
    expected = ref_second(name, x)
    zeros = T.say("all_zeros", hint=T.say("create_graph"))
    hints = [(torch.zeros_like(expected), zeros)]
    check_result(seen["results"][0], expected, what, hints)
    return seen, what


@points(2)
@devices("cpu", "cuda", "standin")
def test_second_derivative(learner, device):
    """second_derivative() equals f'' computed by autograd
    zh: second_derivative() 与自动求导算出的 f'' 相同"""
    for name, shape, seed in [("sin", (5,), 40), ("cube", (4,), 41), ("x_sin", (6,), 42)]:
        check_second(learner, name, make_tensor(*shape, seed=seed, device=device))


@points(1)
def test_second_derivative_2d_float64(learner):
    """second_derivative() for a 2-D float64 input, leaving x alone
    zh: second_derivative() 处理二维 float64 输入，且不改动 x"""
    for name, shape, seed in [("tanh", (3, 4), 43), ("exp", (2, 3), 44)]:
        x = make_tensor(*shape, seed=seed, dtype=torch.float64)
        seen, what = check_second(learner, name, x)
        check_x_left_alone(seen, x, what)
