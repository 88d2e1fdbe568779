"""Public checks for 04 backward rules: learners run these with `grader check 04`.

Each Function is checked three ways: its forward against the torch op; its backward,
called directly with a random upstream gradient, against the gradient PyTorch computes
for the torch op (what backward *returns*, so a gradient of the wrong shape is seen even
where the autograd engine would quietly sum it); and torch.autograd.gradcheck in float64.
The helpers and hints here are shared with the hidden checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from grader.testing import (
    CheckFailed,
    assert_close,
    assert_unchanged,
    catalog,
    devices,
    fail,
    make_normal,
    make_tensor,
    points,
    public,
)

pytestmark = public

# ---------------------------------------------------------------- what each Function is

# The torch op each Function must match; the judge differentiates it with autograd.
REFERENCE: dict[str, Callable[..., torch.Tensor]] = {
    "Exp": torch.exp,
    "Log": torch.log,
    "Mul": torch.mul,
    "MatMul": torch.matmul,
    "ReLU": torch.relu,
    "Sigmoid": torch.sigmoid,
    "Tanh": torch.tanh,
    "Sum": lambda x, dim=None, keepdim=False: x.sum(dim=dim, keepdim=keepdim),
    "Mean": lambda x, dim=None, keepdim=False: x.mean(dim=dim, keepdim=keepdim),
    "Softmax": lambda x, dim: torch.softmax(x, dim=dim),
    "LogSoftmax": lambda x, dim: torch.log_softmax(x, dim=dim),
}

# The inputs of each forward, in order: tensors first, then plain values.
INPUTS: dict[str, tuple[str, ...]] = {
    "Exp": ("x",),
    "Log": ("x",),
    "Mul": ("a", "b"),
    "MatMul": ("a", "b"),
    "ReLU": ("x",),
    "Sigmoid": ("x",),
    "Tanh": ("x",),
    "Sum": ("x", "dim", "keepdim"),
    "Mean": ("x", "dim", "keepdim"),
    "Softmax": ("x", "dim"),
    "LogSoftmax": ("x", "dim"),
}

# ---------------------------------------------------------------- course text: the usual causes

# Every sentence these checks write, in English and Chinese (the hidden suite adds its own).
# An English sentence that another one follows ends with a space; its Chinese, with "。".
T = catalog(
    {
        "keepdim_note": (
            "With keepdim=False (and a dim) the reduced dimension is missing from grad_output: "
            "unsqueeze the gradient along dim before expanding it to x's shape.",
            "keepdim=False（且给了 dim）时，grad_output 中缺少被归约的维度：先沿 dim 对梯度做 "
            "unsqueeze，再把它扩展到 x 的形状。",
        ),
        "hint_Exp": (
            "d/dx exp(x) = exp(x), the output: save y = exp(x) in forward "
            "(ctx.save_for_backward(y)) and return grad_output * y.",
            "d/dx exp(x) = exp(x)，也就是输出本身：在 forward 中保存 y = exp(x)"
            "（ctx.save_for_backward(y)），并返回 grad_output * y。",
        ),
        "hint_Log": (
            "d/dx log(x) = 1 / x: save x in forward and return grad_output / x.",
            "d/dx log(x) = 1 / x：在 forward 中保存 x，并返回 grad_output / x。",
        ),
        "hint_Mul": (
            "grad_a = grad_output * b and grad_b = grad_output * a, each summed back to its "
            "input's shape (see unbroadcast).",
            "grad_a = grad_output * b，grad_b = grad_output * a，各自求和还原到对应输入的形状"
            "（见 unbroadcast）。",
        ),
        "hint_MatMul": (
            "for out = a @ b: grad_a = grad_output @ b.T (the shape of a) and "
            "grad_b = a.T @ grad_output (the shape of b).",
            "对 out = a @ b：grad_a = grad_output @ b.T（与 a 形状相同），"
            "grad_b = a.T @ grad_output（与 b 形状相同）。",
        ),
        "hint_ReLU": (
            "the gradient passes through where x > 0 and is 0 everywhere else, also at "
            "x == 0 (as in PyTorch): grad_output * (x > 0).",
            "梯度在 x > 0 处原样通过，其余各处都为 0，x == 0 处也是 0（与 PyTorch 一致）："
            "grad_output * (x > 0)。",
        ),
        "hint_Sigmoid": (
            "with y = sigmoid(x), dy/dx = y * (1 - y): return grad_output * y * (1 - y).",
            "设 y = sigmoid(x)，则 dy/dx = y * (1 - y)：返回 grad_output * y * (1 - y)。",
        ),
        "hint_Tanh": (
            "with y = tanh(x), dy/dx = 1 - y²: return grad_output * (1 - y * y).",
            "设 y = tanh(x)，则 dy/dx = 1 - y²：返回 grad_output * (1 - y * y)。",
        ),
        "hint_Sum": (
            "every element of x gets the upstream gradient of the sum it went into: expand "
            "grad_output back to x's shape. ",
            "x 的每个元素都得到它所参与的那个和的上游梯度：把 grad_output 扩展回 x 的形状。",
        ),
        "hint_Mean": (
            "like Sum, divided by the number of elements each mean averaged (x.shape[dim], "
            "or x.numel() when dim is None). ",
            "与 Sum 相同，再除以每个平均值所平均的元素个数（x.shape[dim]；dim 为 None 时为 "
            "x.numel()）。",
        ),
        "hint_Softmax": (
            "the Jacobian is not diagonal: every output along dim depends on every input "
            "along dim. With y = softmax(x) and g = grad_output: "
            "grad_x = y * (g - (g * y).sum(dim, keepdim=True)).",
            "雅可比矩阵不是对角矩阵：沿 dim 的每个输出都依赖于沿 dim 的每个输入。设 "
            "y = softmax(x)，g = grad_output，则 grad_x = y * (g - (g * y).sum(dim, keepdim=True))。",
        ),
        "hint_LogSoftmax": (
            "with y = log_softmax(x) and g = grad_output: "
            "grad_x = g - exp(y) * g.sum(dim, keepdim=True).",
            "设 y = log_softmax(x)，g = grad_output，则 "
            "grad_x = g - exp(y) * g.sum(dim, keepdim=True)。",
        ),
        "forward_hint_Sum": (
            "x.sum(dim=dim, keepdim=keepdim): keepdim=True keeps the summed dimension with "
            "size 1, and dim=None sums every element.",
            "x.sum(dim=dim, keepdim=keepdim)：keepdim=True 会保留被求和的维度，其大小为 1；"
            "dim=None 时对所有元素求和。",
        ),
        "forward_hint_Mean": (
            "x.mean(dim=dim, keepdim=keepdim): keepdim=True keeps the averaged dimension with "
            "size 1, and dim=None averages every element.",
            "x.mean(dim=dim, keepdim=keepdim)：keepdim=True 会保留被平均的维度，其大小为 1；"
            "dim=None 时对所有元素求平均。",
        ),
        "forward_hint_Softmax": (
            "exp() of a large number overflows: subtract the maximum along dim first, or "
            "use torch.softmax in forward (only backward must be written by hand).",
            "对很大的数求 exp() 会溢出：先减去沿 dim 的最大值，或者在 forward 中使用 "
            "torch.softmax（只有 backward 必须手写）。",
        ),
        "forward_hint_LogSoftmax": (
            "exp() of a large number overflows: use x - logsumexp(x) with the maximum "
            "subtracted first, or torch.log_softmax in forward (only backward must be written by hand).",
            "对很大的数求 exp() 会溢出：使用先减去最大值的 x - logsumexp(x)，或者在 forward 中"
            "使用 torch.log_softmax（只有 backward 必须手写）。",
        ),
        "return_rule": (
            "backward returns one gradient per input of forward, in the same order (a tuple when "
            "there are several), with None for the inputs that are not tensors (such as dim and "
            "keepdim).",
            "backward 为 forward 的每个输入返回一个梯度，顺序相同（有多个时返回 tuple），对不是"
            "张量的输入（如 dim 和 keepdim）返回 None。",
        ),
        "scalar": ("scalar", "标量"),
        "on_device": (" on {device}", "（位于 {device}）"),
        "input_label": (
            "`{input}` (input {number} of {name})",
            "`{input}`（{name} 的第 {number} 个输入）",
        ),
        "with_hint": ("{message}\nHint: {hint}", "{message}\n提示：{hint}"),
        "where_header": ("Where it happened in your code:", "在你的代码中出错的位置："),
        "where_line": (
            "  {file}, line {line}, in {function}\n    {code}",
            "  {file}，第 {line} 行，{function} 中\n    {code}",
        ),
        "backward_after": (
            "{name}.backward({grad}) after {call}",
            "{call} 之后的 {name}.backward({grad})",
        ),
        "not_a_function": (
            "`{name}` must be a class that subclasses torch.autograd.Function, with "
            "staticmethods forward(ctx, ...) and backward(ctx, grad_output); "
            "got a {kind}.",
            "`{name}` 必须是继承 torch.autograd.Function 的类，带有静态方法 forward(ctx, ...) "
            "和 backward(ctx, grad_output)；实际得到的是 {kind}。",
        ),
        "forward_first": (
            "{call}: forward returned {shown} where PyTorch gives a tensor of shape "
            "{expected}, so backward could not be checked. Fix forward first "
            "(see the forward check).",
            "{call}：forward 返回了 {shown}，而 PyTorch 给出的是形状为 {expected} 的张量，所以"
            "无法检查 backward。请先修正 forward（见 forward 的检查项）。",
        ),
        "graph_node": (
            "{call}: the result's grad_fn is {node}, not {name}'s own backward. "
            "Call {name}.apply(...) and let it run your forward; do not override apply.",
            "{call}：结果的 grad_fn 是 {node}，而不是 {name} 自己的 backward。请调用 "
            "{name}.apply(...)，让它运行你的 forward；不要重写 apply。",
        ),
        "backward_raised": (
            "{after}: backward raised {type}: {message}",
            "{after}：backward 抛出了 {type}：{message}",
        ),
        "returned_list": (
            "{after}: backward returned a list, which autograd does not accept: return a "
            "tensor, or a tuple (`return grad_x, None`). {rule}",
            "{after}：backward 返回了 list，而自动求导不接受 list：请返回一个张量，或者一个 "
            "tuple（`return grad_x, None`）。{rule}",
        ),
        "count_one_one": (
            "{after}: backward returned {count} gradient, but {name}.forward takes {needed} input "
            "({inputs}). {rule}",
            "{after}：backward 返回了 {count} 个梯度，但 {name}.forward 接收 {needed} 个输入"
            "（{inputs}）。{rule}",
        ),
        "count_one_many": (
            "{after}: backward returned {count} gradient, but {name}.forward takes {needed} inputs "
            "({inputs}). {rule}",
            "{after}：backward 返回了 {count} 个梯度，但 {name}.forward 接收 {needed} 个输入"
            "（{inputs}）。{rule}",
        ),
        "count_many_one": (
            "{after}: backward returned {count} gradients, but {name}.forward takes {needed} input "
            "({inputs}). {rule}",
            "{after}：backward 返回了 {count} 个梯度，但 {name}.forward 接收 {needed} 个输入"
            "（{inputs}）。{rule}",
        ),
        "count_many_many": (
            "{after}: backward returned {count} gradients, but {name}.forward takes {needed} "
            "inputs ({inputs}). {rule}",
            "{after}：backward 返回了 {count} 个梯度，但 {name}.forward 接收 {needed} 个输入"
            "（{inputs}）。{rule}",
        ),
        "not_a_tensor_gradient": (
            "{after}: backward returned {got} as the gradient for {label}, which is "
            "not a tensor: return None in its place. {rule}",
            "{after}：backward 为 {label} 返回了 {got} 作为梯度，但它不是张量：请在这个位置返回 "
            "None。{rule}",
        ),
        "gradient_for": ("{after}, the gradient for {label}", "{after}，{label}的梯度"),
        "returned_none": (
            "{what}: backward returned None, but `{input}` is a tensor that needs a "
            "gradient. Return it (None means 'no gradient').",
            "{what}：backward 返回了 None，但 `{input}` 是需要梯度的张量。请返回它的梯度"
            "（None 表示“没有梯度”）。",
        ),
        "gradient_shape": (
            "{what}: wrong shape: expected {expected} (the shape of `{input}`), got {got}.",
            "{what}：形状错误：应为 {expected}（`{input}` 的形状），实际得到 {got}。",
        ),
        "was_broadcast": (
            "`{input}` has shape {shape} but was broadcast to {got} in the "
            "forward, and a broadcast input's gradient must be summed back to its shape "
            "(see unbroadcast).",
            "`{input}` 的形状是 {shape}，但在前向计算中被广播成了 {got}；被广播的输入，其梯度"
            "必须求和还原到它自己的形状（见 unbroadcast）。",
        ),
        "not_a_function_short": (
            "`{name}` must be a class that subclasses torch.autograd.Function.",
            "`{name}` 必须是继承 torch.autograd.Function 的类。",
        ),
        "gradcheck_raised": ("it raised {type}: {message}", "它抛出了 {type}：{message}"),
        "gradcheck_mismatch": (
            "the gradient your backward gives differs from the numerical one (finite "
            "differences): {first_line}.",
            "你的 backward 给出的梯度与数值梯度（有限差分）不一致：{first_line}。",
        ),
        "gradcheck_failed": (
            "torch.autograd.gradcheck of {call} failed: {problem}",
            "{call} 的 torch.autograd.gradcheck 未通过：{problem}",
        ),
        "unbroadcast_hint": (
            "first sum away the dimensions that broadcasting added in front (grad.dim() - len(shape) "
            "of them), then sum, with keepdim=True, every dimension where shape has size 1.",
            "先求和消去广播在前面添加的维度（共 grad.dim() - len(shape) 个），再用 keepdim=True "
            "对 shape 中大小为 1 的每个维度求和。",
        ),
    }
)


def backward_hint(name: str) -> str:
    """The usual cause of a wrong backward of `name`, as the course explains it."""
    hint = T.say(f"hint_{name}")
    return hint + T.say("keepdim_note") if name in ("Sum", "Mean") else hint


FORWARD_HINTS = ("Sum", "Mean", "Softmax", "LogSoftmax")  # a forward with a usual mistake
# How autograd words a backward that returns the wrong number or kind of gradients.
RETURN_ERRORS = ("incorrect number of gradients", "different than None", "Variable or None")

# ---------------------------------------------------------------- how a call is shown


def describe_tensor(name: str, t: torch.Tensor) -> str:
    text = f"{name} {'×'.join(str(d) for d in t.shape) or T.say('scalar')}"
    if t.dtype != torch.float32:
        text += f" {str(t.dtype).removeprefix('torch.')}"
    if t.device.type != "cpu":
        text += T.say("on_device", device=t.device.type)
    return text


def call_text(name: str, tensors: Sequence[torch.Tensor], extra: Sequence[Any]) -> str:
    names = INPUTS[name]
    parts = [describe_tensor(n, t) for n, t in zip(names, tensors, strict=False)]
    parts += [f"{n}={v!r}" for n, v in zip(names[len(tensors) :], extra, strict=False)]
    return f"{name}.apply({', '.join(parts)})"


def input_label(name: str, index: int) -> str:
    return T.say("input_label", input=INPUTS[name][index], number=index + 1, name=name)


def with_hint(message: str, hint: str) -> str:
    return T.say("with_hint", message=message, hint=hint)


def where_text(raised: dict) -> str:
    frames = raised.get("frames") or []
    if not frames:
        return ""
    lines = [T.say("where_header")]
    for f in frames:
        where = {"line": f["line"], "function": f["function"], "code": f["code"]}
        lines.append(T.say("where_line", file=raised.get("file"), **where))
    return "\n" + "\n".join(lines)


# ---------------------------------------------------------------- the three ways to check


def check_forward(learner, name: str, tensors: Sequence[torch.Tensor], extra=()) -> None:
    """forward equals the torch op, and leaves its inputs alone."""
    call = call_text(name, tensors, extra)
    seen = getattr(learner.watch, name).apply(*tensors, *extra)
    try:
        assert_close(seen.result, REFERENCE[name](*tensors, *extra), what=call)
    except CheckFailed as failed:
        if name not in FORWARD_HINTS:
            raise
        fail(with_hint(str(failed), T.say(f"forward_hint_{name}")))
    for i, t in enumerate(tensors):
        assert_unchanged(t, seen.args[i], name=INPUTS[name][i], what=call)


def reference_backward(
    name: str, tensors: Sequence[torch.Tensor], extra: Sequence[Any], grad: torch.Tensor
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    out = REFERENCE[name](*leaves, *extra)
    return out.detach(), torch.autograd.grad(out, leaves, grad)


def upstream_for(name: str, tensors: Sequence[torch.Tensor], extra: Sequence[Any], seed: int):
    """A random upstream gradient with the output's shape, dtype and device."""
    out = REFERENCE[name](*tensors, *extra)
    return make_normal(*out.shape, seed=seed, dtype=out.dtype, device=out.device)


def check_backward(
    learner, name: str, tensors: Sequence[torch.Tensor], extra=(), *, seed: int
) -> None:
    """What backward returns, for a random grad_output, equals PyTorch's gradients."""
    grad = upstream_for(name, tensors, extra, seed)
    expected_out, expected = reference_backward(name, tensors, extra, grad)
    call = call_text(name, tensors, extra)
    seen = learner.probe("forward_and_backward", name, list(tensors), list(extra), grad)
    grad_text = describe_tensor("grad_output", grad)
    after = T.say("backward_after", name=name, grad=grad_text, call=call)

    if "not_a_function" in seen:
        fail(T.say("not_a_function", name=name, kind=seen["not_a_function"]))
    out = seen["forward"]
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(expected_out.shape):
        shown = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        expected_shape = tuple(expected_out.shape)
        fail(T.say("forward_first", call=call, shown=shown, expected=expected_shape))
    if "graph_node" in seen:
        fail(T.say("graph_node", call=call, node=seen["graph_node"], name=name))
    if "raised" in seen:
        raised = seen["raised"]
        message = T.say(
            "backward_raised", after=after, type=raised["type"], message=raised["message"]
        )
        fail(with_hint(message + where_text(raised), backward_hint(name)))
    check_returned_gradients(name, tensors, extra, seen, expected, after)
    assert_unchanged(grad, seen["grad_output_after"], name="grad_output", what=after)
    for i, t in enumerate(tensors):
        assert_unchanged(t, seen["inputs_after"][i], name=INPUTS[name][i], what=call)


def check_returned_gradients(name, tensors, extra, seen, expected, after) -> None:
    grads = seen["grads"]
    if seen["container"] == "list":
        fail(T.say("returned_list", after=after, rule=T.say("return_rule")))
    # Autograd counts the arguments given to apply (defaults left out) and accepts extra
    # trailing Nones: so do we.
    needed = len(tensors) + len(extra)
    if len(grads) < needed or any(g is not None for g in grads[needed:]):
        inputs = ", ".join(INPUTS[name][:needed])
        count = len(grads)
        key = f"count_{'one' if count == 1 else 'many'}_{'one' if needed == 1 else 'many'}"
        rule = T.say("return_rule")
        fail(
            T.say(key, after=after, count=count, name=name, needed=needed, inputs=inputs, rule=rule)
        )
    for i, got in enumerate(grads[:needed]):
        label = input_label(name, i)
        if i >= len(tensors):
            if got is not None:
                rule = T.say("return_rule")
                fail(
                    T.say(
                        "not_a_tensor_gradient", after=after, got=repr(got), label=label, rule=rule
                    )
                )
            continue
        check_one_gradient(name, i, tensors[i], got, expected[i], after)


def check_one_gradient(name, i, x, got, expected, after) -> None:
    label = input_label(name, i)
    what = T.say("gradient_for", after=after, label=label)
    if got is None:
        fail(T.say("returned_none", what=what, input=INPUTS[name][i]))
    if isinstance(got, torch.Tensor) and tuple(got.shape) != tuple(x.shape):
        shapes = {"expected": tuple(x.shape), "got": tuple(got.shape)}
        fail(
            with_hint(
                T.say("gradient_shape", what=what, input=INPUTS[name][i], **shapes),
                shape_hint(name, i, x, tuple(got.shape)),
            )
        )
    try:
        assert_close(got, expected, what=what)
    except CheckFailed as failed:
        fail(with_hint(str(failed), backward_hint(name)))


def shape_hint(name: str, i: int, x: torch.Tensor, got: tuple[int, ...]) -> str:
    try:
        broadcast = tuple(torch.broadcast_shapes(tuple(x.shape), got)) == got
    except RuntimeError:
        broadcast = False
    if broadcast:
        return T.say("was_broadcast", input=INPUTS[name][i], shape=tuple(x.shape), got=got)
    return backward_hint(name)


def check_gradcheck(learner, name: str, tensors: Sequence[torch.Tensor], extra=()) -> None:
    """torch.autograd.gradcheck (float64) passes: backward agrees with finite differences."""
    call = call_text(name, tensors, extra)
    seen = learner.probe("gradcheck", name, list(tensors), list(extra))
    if "not_a_function" in seen:
        fail(T.say("not_a_function_short", name=name))
    if seen["ok"]:
        return
    hint = backward_hint(name)
    if "raised" in seen:
        raised = seen["raised"]
        problem = T.say("gradcheck_raised", type=raised["type"], message=raised["message"])
        problem += where_text(raised)
        if any(text in raised["message"] for text in RETURN_ERRORS):
            hint = T.say("return_rule")
    else:
        # torch's message goes on to print both Jacobians in full: its first line says enough.
        first_line = seen["mismatch"].strip().splitlines()[0].rstrip(",")
        problem = T.say("gradcheck_mismatch", first_line=first_line)
    fail(with_hint(T.say("gradcheck_failed", call=call, problem=problem), hint))


# ---------------------------------------------------------------- inputs


def relu_input(*shape: int, seed: int, device="cpu", dtype=torch.float32) -> torch.Tensor:
    """Values on both sides of 0, with some exact zeros (PyTorch's gradient there is 0)."""
    x = make_tensor(*shape, seed=seed, device=device, dtype=dtype)
    return torch.where(make_tensor(*shape, seed=seed + 1, device=device) > 1.0, 0.0, x).to(dtype)


def away_from_zero(*shape: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    """For gradcheck of ReLU: finite differences are meaningless right at the kink."""
    x = make_tensor(*shape, seed=seed, dtype=dtype, low=0.2, high=2.0)
    sign = torch.where(make_tensor(*shape, seed=seed + 1) > 0, 1.0, -1.0).to(dtype)
    return x * sign


# The (dim, keepdim) cases the reductions are checked with; () means the defaults.
REDUCTION_CASES = [(), (None, False), (None, True), (1, False), (1, True), (-1, False), (0, True)]
SOFTMAX_CASES = [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), -1)]

# ---------------------------------------------------------------- unbroadcast


def check_unbroadcast(learner, grad: torch.Tensor, shape) -> None:
    what = f"unbroadcast({describe_tensor('grad', grad)}, {shape!r})"
    try:
        assert_close(learner.unbroadcast(grad, shape), grad.sum_to_size(shape), what=what)
    except CheckFailed as failed:
        fail(with_hint(str(failed), T.say("unbroadcast_hint")))


@points(2)
@devices("cpu", "cuda", "standin")
def test_unbroadcast(learner, device):
    """unbroadcast() sums leading dims and size-1 dims back to the input's shape
    zh: unbroadcast() 对前面添加的维度和大小为 1 的维度求和，还原到输入的形状"""
    for grad_shape, shape in [
        ((4, 3), (3,)),
        ((4, 5), (4, 1)),
        ((4, 5), (1, 5)),
        ((2, 4, 3), (4, 1)),
    ]:
        check_unbroadcast(
            learner, make_tensor(*grad_shape, seed=sum(grad_shape), device=device), shape
        )


@points(1)
def test_unbroadcast_same_shape(learner):
    """unbroadcast() leaves a gradient that already has the shape alone (torch.Size works too)
    zh: unbroadcast() 对已经具有该形状的梯度原样返回（torch.Size 也可以）"""
    grad = make_tensor(3, 4, seed=5)
    check_unbroadcast(learner, grad, (3, 4))
    check_unbroadcast(learner, grad, torch.Size([1, 4]))


# ---------------------------------------------------------------- elementwise


@points(1)
@devices("cpu", "cuda", "standin")
def test_exp_forward(learner, device):
    """Exp: forward equals torch.exp
    zh: Exp：forward 与 torch.exp 结果相同"""
    check_forward(learner, "Exp", [make_tensor(3, 4, seed=10, device=device)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_exp_backward(learner, device):
    """Exp: backward returns torch's gradient for a random grad_output
    zh: Exp：对随机的 grad_output，backward 返回 torch 的梯度"""
    check_backward(learner, "Exp", [make_tensor(3, 4, seed=11, device=device)], seed=12)


@points(1)
@devices("cpu", "cuda")
def test_exp_gradcheck(learner, device):
    """Exp: passes torch.autograd.gradcheck in float64
    zh: Exp：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 4, seed=13, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Exp", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_log_forward(learner, device):
    """Log: forward equals torch.log
    zh: Log：forward 与 torch.log 结果相同"""
    check_forward(learner, "Log", [make_tensor(3, 4, seed=20, device=device, low=0.5, high=3)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_log_backward(learner, device):
    """Log: backward returns torch's gradient for a random grad_output
    zh: Log：对随机的 grad_output，backward 返回 torch 的梯度"""
    x = make_tensor(3, 4, seed=21, device=device, low=0.5, high=3)
    check_backward(learner, "Log", [x], seed=22)


@points(1)
@devices("cpu", "cuda")
def test_log_gradcheck(learner, device):
    """Log: passes torch.autograd.gradcheck in float64
    zh: Log：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 4, seed=23, dtype=torch.float64, device=device, low=0.5, high=3)
    check_gradcheck(learner, "Log", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_relu_forward(learner, device):
    """ReLU: forward equals torch.relu
    zh: ReLU：forward 与 torch.relu 结果相同"""
    check_forward(learner, "ReLU", [relu_input(4, 5, seed=30, device=device)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_relu_backward(learner, device):
    """ReLU: backward returns torch's gradient, also where x == 0
    zh: ReLU：backward 返回 torch 的梯度，x == 0 处也是如此"""
    check_backward(learner, "ReLU", [relu_input(4, 5, seed=31, device=device)], seed=33)


@points(1)
@devices("cpu", "cuda")
def test_relu_gradcheck(learner, device):
    """ReLU: passes torch.autograd.gradcheck in float64
    zh: ReLU：在 float64 下通过 torch.autograd.gradcheck"""
    check_gradcheck(learner, "ReLU", [away_from_zero(3, 4, seed=34).to(device)])


@points(1)
@devices("cpu", "cuda", "standin")
def test_sigmoid_forward(learner, device):
    """Sigmoid: forward equals torch.sigmoid
    zh: Sigmoid：forward 与 torch.sigmoid 结果相同"""
    check_forward(learner, "Sigmoid", [make_tensor(3, 4, seed=40, device=device, low=-4, high=4)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_sigmoid_backward(learner, device):
    """Sigmoid: backward returns torch's gradient for a random grad_output
    zh: Sigmoid：对随机的 grad_output，backward 返回 torch 的梯度"""
    x = make_tensor(3, 4, seed=41, device=device, low=-4, high=4)
    check_backward(learner, "Sigmoid", [x], seed=42)


@points(1)
@devices("cpu", "cuda")
def test_sigmoid_gradcheck(learner, device):
    """Sigmoid: passes torch.autograd.gradcheck in float64
    zh: Sigmoid：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 4, seed=43, dtype=torch.float64, device=device, low=-4, high=4)
    check_gradcheck(learner, "Sigmoid", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_tanh_forward(learner, device):
    """Tanh: forward equals torch.tanh
    zh: Tanh：forward 与 torch.tanh 结果相同"""
    check_forward(learner, "Tanh", [make_tensor(3, 4, seed=50, device=device, low=-3, high=3)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_tanh_backward(learner, device):
    """Tanh: backward returns torch's gradient for a random grad_output
    zh: Tanh：对随机的 grad_output，backward 返回 torch 的梯度"""
    x = make_tensor(3, 4, seed=51, device=device, low=-3, high=3)
    check_backward(learner, "Tanh", [x], seed=52)


@points(1)
@devices("cpu", "cuda")
def test_tanh_gradcheck(learner, device):
    """Tanh: passes torch.autograd.gradcheck in float64
    zh: Tanh：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 4, seed=53, dtype=torch.float64, device=device, low=-3, high=3)
    check_gradcheck(learner, "Tanh", [x])


# ---------------------------------------------------------------- two inputs

MUL_SHAPES = [((4, 3), (3,)), ((4, 1), (1, 5))]


@points(1)
@devices("cpu", "cuda", "standin")
def test_mul_forward(learner, device):
    """Mul: forward equals a * b, with broadcasting
    zh: Mul：forward 与带广播的 a * b 结果相同"""
    for k, (sa, sb) in enumerate(MUL_SHAPES):
        a = make_tensor(*sa, seed=60 + k, device=device)
        b = make_tensor(*sb, seed=70 + k, device=device)
        check_forward(learner, "Mul", [a, b])


@points(3)
@devices("cpu", "cuda", "standin")
def test_mul_backward(learner, device):
    """Mul: backward returns gradients with each input's own shape, for broadcast inputs
    zh: Mul：对被广播的输入，backward 返回的梯度与各自输入的形状相同"""
    for k, (sa, sb) in enumerate(MUL_SHAPES):
        a = make_tensor(*sa, seed=62 + k, device=device)
        b = make_tensor(*sb, seed=72 + k, device=device)
        check_backward(learner, "Mul", [a, b], seed=80 + k)


@points(1)
@devices("cpu", "cuda")
def test_mul_gradcheck(learner, device):
    """Mul: passes torch.autograd.gradcheck in float64
    zh: Mul：在 float64 下通过 torch.autograd.gradcheck"""
    a = make_tensor(4, 3, seed=64, dtype=torch.float64, device=device)
    b = make_tensor(3, seed=74, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Mul", [a, b])


@points(1)
@devices("cpu", "cuda", "standin")
def test_matmul_forward(learner, device):
    """MatMul: forward equals a @ b (3×4 @ 4×2)
    zh: MatMul：forward 与 a @ b 结果相同（3×4 @ 4×2）"""
    a, b = make_tensor(3, 4, seed=90, device=device), make_tensor(4, 2, seed=91, device=device)
    check_forward(learner, "MatMul", [a, b])


@points(2)
@devices("cpu", "cuda", "standin")
def test_matmul_backward(learner, device):
    """MatMul: backward returns torch's gradients for non-square matrices
    zh: MatMul：对非方阵，backward 返回 torch 的梯度"""
    a, b = make_tensor(3, 4, seed=92, device=device), make_tensor(4, 2, seed=93, device=device)
    check_backward(learner, "MatMul", [a, b], seed=94)


@points(1)
@devices("cpu", "cuda")
def test_matmul_gradcheck(learner, device):
    """MatMul: passes torch.autograd.gradcheck in float64
    zh: MatMul：在 float64 下通过 torch.autograd.gradcheck"""
    a = make_tensor(3, 4, seed=95, dtype=torch.float64, device=device)
    b = make_tensor(4, 2, seed=96, dtype=torch.float64, device=device)
    check_gradcheck(learner, "MatMul", [a, b])


# ---------------------------------------------------------------- reductions


@points(1)
@devices("cpu", "cuda", "standin")
def test_sum_forward(learner, device):
    """Sum: forward equals x.sum(dim, keepdim), for dim=None and several dims
    zh: Sum：forward 与 x.sum(dim, keepdim) 结果相同，dim=None 及多个 dim 都是如此"""
    x = make_tensor(2, 3, 4, seed=100, device=device)
    for extra in REDUCTION_CASES:
        check_forward(learner, "Sum", [x], extra)


@points(2)
@devices("cpu", "cuda", "standin")
def test_sum_backward(learner, device):
    """Sum: backward spreads grad_output over x's shape, with keepdim either way
    zh: Sum：backward 把 grad_output 铺展到 x 的形状，keepdim 两种取值都正确"""
    x = make_tensor(2, 3, 4, seed=101, device=device)
    for k, extra in enumerate(REDUCTION_CASES):
        check_backward(learner, "Sum", [x], extra, seed=110 + k)


@points(1)
@devices("cpu", "cuda")
def test_sum_gradcheck(learner, device):
    """Sum: passes torch.autograd.gradcheck in float64
    zh: Sum：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(2, 3, 4, seed=102, dtype=torch.float64, device=device)
    for extra in [(1, False), (None, False)]:
        check_gradcheck(learner, "Sum", [x], extra)


@points(1)
@devices("cpu", "cuda", "standin")
def test_mean_forward(learner, device):
    """Mean: forward equals x.mean(dim, keepdim), for dim=None and several dims
    zh: Mean：forward 与 x.mean(dim, keepdim) 结果相同，dim=None 及多个 dim 都是如此"""
    x = make_tensor(2, 3, 4, seed=120, device=device)
    for extra in REDUCTION_CASES:
        check_forward(learner, "Mean", [x], extra)


@points(2)
@devices("cpu", "cuda", "standin")
def test_mean_backward(learner, device):
    """Mean: backward spreads grad_output / count over x's shape, with keepdim either way
    zh: Mean：backward 把 grad_output / count 铺展到 x 的形状，keepdim 两种取值都正确"""
    x = make_tensor(2, 3, 4, seed=121, device=device)
    for k, extra in enumerate(REDUCTION_CASES):
        check_backward(learner, "Mean", [x], extra, seed=130 + k)


@points(1)
@devices("cpu", "cuda")
def test_mean_gradcheck(learner, device):
    """Mean: passes torch.autograd.gradcheck in float64
    zh: Mean：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(2, 3, 4, seed=122, dtype=torch.float64, device=device)
    for extra in [(-1, False), (None, True)]:
        check_gradcheck(learner, "Mean", [x], extra)


# ---------------------------------------------------------------- softmax


@points(1)
@devices("cpu", "cuda", "standin")
def test_softmax_forward(learner, device):
    """Softmax: forward equals torch.softmax(x, dim)
    zh: Softmax：forward 与 torch.softmax(x, dim) 结果相同"""
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        check_forward(learner, "Softmax", [make_tensor(*shape, seed=140 + k, device=device)], [dim])


@points(2)
@devices("cpu", "cuda", "standin")
def test_softmax_backward(learner, device):
    """Softmax: backward returns torch's gradient (the full Jacobian, not its diagonal)
    zh: Softmax：backward 返回 torch 的梯度（用完整的雅可比矩阵，而不只是它的对角线）"""
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=150 + k, device=device)
        check_backward(learner, "Softmax", [x], [dim], seed=160 + k)


@points(1)
@devices("cpu", "cuda")
def test_softmax_gradcheck(learner, device):
    """Softmax: passes torch.autograd.gradcheck in float64
    zh: Softmax：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 5, seed=170, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Softmax", [x], [1])


@points(1)
@devices("cpu", "cuda", "standin")
def test_log_softmax_forward(learner, device):
    """LogSoftmax: forward equals torch.log_softmax(x, dim)
    zh: LogSoftmax：forward 与 torch.log_softmax(x, dim) 结果相同"""
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=180 + k, device=device)
        check_forward(learner, "LogSoftmax", [x], [dim])


@points(2)
@devices("cpu", "cuda", "standin")
def test_log_softmax_backward(learner, device):
    """LogSoftmax: backward returns torch's gradient for a random grad_output
    zh: LogSoftmax：对随机的 grad_output，backward 返回 torch 的梯度"""
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=190 + k, device=device)
        check_backward(learner, "LogSoftmax", [x], [dim], seed=200 + k)


@points(1)
@devices("cpu", "cuda")
def test_log_softmax_gradcheck(learner, device):
    """LogSoftmax: passes torch.autograd.gradcheck in float64
    zh: LogSoftmax：在 float64 下通过 torch.autograd.gradcheck"""
    x = make_tensor(3, 5, seed=210, dtype=torch.float64, device=device)
    check_gradcheck(learner, "LogSoftmax", [x], [0])
