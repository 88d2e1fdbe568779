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

_KEEPDIM = (
    "With keepdim=False (and a dim) the reduced dimension is missing from grad_output: "
    "unsqueeze the gradient along dim before expanding it to x's shape."
)
HINTS: dict[str, str] = {
    "Exp": "d/dx exp(x) = exp(x), the output: save y = exp(x) in forward "
    "(ctx.save_for_backward(y)) and return grad_output * y.",
    "Log": "d/dx log(x) = 1 / x: save x in forward and return grad_output / x.",
    "Mul": "grad_a = grad_output * b and grad_b = grad_output * a, each summed back to its "
    "input's shape (see unbroadcast).",
    "MatMul": "for out = a @ b: grad_a = grad_output @ b.T (the shape of a) and "
    "grad_b = a.T @ grad_output (the shape of b).",
    "ReLU": "the gradient passes through where x > 0 and is 0 everywhere else, also at "
    "x == 0 (as in PyTorch): grad_output * (x > 0).",
    "Sigmoid": "with y = sigmoid(x), dy/dx = y * (1 - y): return grad_output * y * (1 - y).",
    "Tanh": "with y = tanh(x), dy/dx = 1 - y²: return grad_output * (1 - y * y).",
    "Sum": "every element of x gets the upstream gradient of the sum it went into: expand "
    "grad_output back to x's shape. " + _KEEPDIM,
    "Mean": "like Sum, divided by the number of elements each mean averaged (x.shape[dim], "
    "or x.numel() when dim is None). " + _KEEPDIM,
    "Softmax": "the Jacobian is not diagonal: every output along dim depends on every input "
    "along dim. With y = softmax(x) and g = grad_output: "
    "grad_x = y * (g - (g * y).sum(dim, keepdim=True)).",
    "LogSoftmax": "with y = log_softmax(x) and g = grad_output: "
    "grad_x = g - exp(y) * g.sum(dim, keepdim=True).",
}
FORWARD_HINTS: dict[str, str] = {
    "Sum": "x.sum(dim=dim, keepdim=keepdim): keepdim=True keeps the summed dimension with "
    "size 1, and dim=None sums every element.",
    "Mean": "x.mean(dim=dim, keepdim=keepdim): keepdim=True keeps the averaged dimension with "
    "size 1, and dim=None averages every element.",
    "Softmax": "exp() of a large number overflows: subtract the maximum along dim first, or "
    "use torch.softmax in forward (only backward must be written by hand).",
    "LogSoftmax": "exp() of a large number overflows: use x - logsumexp(x) with the maximum "
    "subtracted first, or torch.log_softmax in forward (only backward must be written by hand).",
}
# How autograd words a backward that returns the wrong number or kind of gradients.
RETURN_ERRORS = ("incorrect number of gradients", "different than None", "Variable or None")
RETURN_RULE = (
    "backward returns one gradient per input of forward, in the same order (a tuple when "
    "there are several), with None for the inputs that are not tensors (such as dim and "
    "keepdim)."
)

# ---------------------------------------------------------------- how a call is shown


def describe_tensor(name: str, t: torch.Tensor) -> str:
    text = f"{name} {'×'.join(str(d) for d in t.shape) or 'scalar'}"
    if t.dtype != torch.float32:
        text += f" {str(t.dtype).removeprefix('torch.')}"
    if t.device.type != "cpu":
        text += f" on {t.device.type}"
    return text


def call_text(name: str, tensors: Sequence[torch.Tensor], extra: Sequence[Any]) -> str:
    names = INPUTS[name]
    parts = [describe_tensor(n, t) for n, t in zip(names, tensors, strict=False)]
    parts += [f"{n}={v!r}" for n, v in zip(names[len(tensors) :], extra, strict=False)]
    return f"{name}.apply({', '.join(parts)})"


def input_label(name: str, index: int) -> str:
    return f"`{INPUTS[name][index]}` (input {index + 1} of {name})"


def with_hint(message: str, hint: str) -> str:
    return f"{message}\nHint: {hint}"


def where_text(raised: dict) -> str:
    frames = raised.get("frames") or []
    if not frames:
        return ""
    lines = ["Where it happened in your code:"]
    for f in frames:
        lines.append(
            f"  {raised.get('file')}, line {f['line']}, in {f['function']}\n    {f['code']}"
        )
    return "\n" + "\n".join(lines)


# ---------------------------------------------------------------- the three ways to check


def check_forward(learner, name: str, tensors: Sequence[torch.Tensor], extra=()) -> None:
    """forward equals the torch op, and leaves its inputs alone."""
    call = call_text(name, tensors, extra)
    seen = getattr(learner.watch, name).apply(*tensors, *extra)
    try:
        assert_close(seen.result, REFERENCE[name](*tensors, *extra), what=call)
    except CheckFailed as failed:
        hint = FORWARD_HINTS.get(name)
        if hint is None:
            raise
        fail(with_hint(str(failed), hint))
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
    after = f"{name}.backward({describe_tensor('grad_output', grad)}) after {call}"

    if "not_a_function" in seen:
        fail(
            f"`{name}` must be a class that subclasses torch.autograd.Function, with "
            f"staticmethods forward(ctx, ...) and backward(ctx, grad_output); "
            f"got a {seen['not_a_function']}."
        )
    out = seen["forward"]
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(expected_out.shape):
        shown = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        fail(
            f"{call}: forward returned {shown} where PyTorch gives a tensor of shape "
            f"{tuple(expected_out.shape)}, so backward could not be checked. Fix forward first "
            f"(see the forward check)."
        )
    if "graph_node" in seen:
        fail(
            f"{call}: the result's grad_fn is {seen['graph_node']}, not {name}'s own backward. "
            f"Call {name}.apply(...) and let it run your forward; do not override apply."
        )
    if "raised" in seen:
        raised = seen["raised"]
        fail(
            with_hint(
                f"{after}: backward raised {raised['type']}: {raised['message']}"
                + where_text(raised),
                HINTS[name],
            )
        )
    check_returned_gradients(name, tensors, extra, seen, expected, after)
    assert_unchanged(grad, seen["grad_output_after"], name="grad_output", what=after)
    for i, t in enumerate(tensors):
        assert_unchanged(t, seen["inputs_after"][i], name=INPUTS[name][i], what=call)


def check_returned_gradients(name, tensors, extra, seen, expected, after) -> None:
    grads = seen["grads"]
    if seen["container"] == "list":
        fail(
            f"{after}: backward returned a list, which autograd does not accept: return a "
            f"tensor, or a tuple (`return grad_x, None`). {RETURN_RULE}"
        )
    # Autograd counts the arguments given to apply (defaults left out) and accepts extra
    # trailing Nones: so do we.
    needed = len(tensors) + len(extra)
    if len(grads) < needed or any(g is not None for g in grads[needed:]):
        inputs = ", ".join(INPUTS[name][:needed])
        count = len(grads)
        fail(
            f"{after}: backward returned {count} gradient{'s' if count != 1 else ''}, but "
            f"{name}.forward takes {needed} input{'s' if needed != 1 else ''} ({inputs}). "
            + RETURN_RULE
        )
    for i, got in enumerate(grads[:needed]):
        label = input_label(name, i)
        if i >= len(tensors):
            if got is not None:
                fail(
                    f"{after}: backward returned {got!r} as the gradient for {label}, which is "
                    f"not a tensor: return None in its place. " + RETURN_RULE
                )
            continue
        check_one_gradient(name, i, tensors[i], got, expected[i], after)


def check_one_gradient(name, i, x, got, expected, after) -> None:
    label = input_label(name, i)
    what = f"{after}, the gradient for {label}"
    if got is None:
        fail(
            f"{what}: backward returned None, but `{INPUTS[name][i]}` is a tensor that needs a "
            f"gradient. Return it (None means 'no gradient')."
        )
    if isinstance(got, torch.Tensor) and tuple(got.shape) != tuple(x.shape):
        fail(
            with_hint(
                f"{what}: wrong shape: expected {tuple(x.shape)} (the shape of "
                f"`{INPUTS[name][i]}`), got {tuple(got.shape)}.",
                shape_hint(name, i, x, tuple(got.shape)),
            )
        )
    try:
        assert_close(got, expected, what=what)
    except CheckFailed as failed:
        fail(with_hint(str(failed), HINTS[name]))


def shape_hint(name: str, i: int, x: torch.Tensor, got: tuple[int, ...]) -> str:
    try:
        broadcast = tuple(torch.broadcast_shapes(tuple(x.shape), got)) == got
    except RuntimeError:
        broadcast = False
    if broadcast:
        return (
            f"`{INPUTS[name][i]}` has shape {tuple(x.shape)} but was broadcast to {got} in the "
            "forward, and a broadcast input's gradient must be summed back to its shape "
            "(see unbroadcast)."
        )
    return HINTS[name]


def check_gradcheck(learner, name: str, tensors: Sequence[torch.Tensor], extra=()) -> None:
    """torch.autograd.gradcheck (float64) passes: backward agrees with finite differences."""
    call = call_text(name, tensors, extra)
    seen = learner.probe("gradcheck", name, list(tensors), list(extra))
    if "not_a_function" in seen:
        fail(f"`{name}` must be a class that subclasses torch.autograd.Function.")
    if seen["ok"]:
        return
    hint = HINTS[name]
    if "raised" in seen:
        raised = seen["raised"]
        problem = f"it raised {raised['type']}: {raised['message']}" + where_text(raised)
        if any(text in raised["message"] for text in RETURN_ERRORS):
            hint = RETURN_RULE
    else:
        # torch's message goes on to print both Jacobians in full: its first line says enough.
        first_line = seen["mismatch"].strip().splitlines()[0].rstrip(",")
        problem = (
            "the gradient your backward gives differs from the numerical one (finite "
            f"differences): {first_line}."
        )
    fail(with_hint(f"torch.autograd.gradcheck of {call} failed: {problem}", hint))


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


UNBROADCAST_HINT = (
    "first sum away the dimensions that broadcasting added in front (grad.dim() - len(shape) "
    "of them), then sum, with keepdim=True, every dimension where shape has size 1."
)


def check_unbroadcast(learner, grad: torch.Tensor, shape) -> None:
    what = f"unbroadcast({describe_tensor('grad', grad)}, {shape!r})"
    try:
        assert_close(learner.unbroadcast(grad, shape), grad.sum_to_size(shape), what=what)
    except CheckFailed as failed:
        fail(with_hint(str(failed), UNBROADCAST_HINT))


@points(2)
@devices("cpu", "cuda", "standin")
def test_unbroadcast(learner, device):
    "unbroadcast() sums leading dims and size-1 dims back to the input's shape"
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
    "unbroadcast() leaves a gradient that already has the shape alone (torch.Size works too)"
    grad = make_tensor(3, 4, seed=5)
    check_unbroadcast(learner, grad, (3, 4))
    check_unbroadcast(learner, grad, torch.Size([1, 4]))


# ---------------------------------------------------------------- elementwise


@points(1)
@devices("cpu", "cuda", "standin")
def test_exp_forward(learner, device):
    "Exp: forward equals torch.exp"
    check_forward(learner, "Exp", [make_tensor(3, 4, seed=10, device=device)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_exp_backward(learner, device):
    "Exp: backward returns torch's gradient for a random grad_output"
    check_backward(learner, "Exp", [make_tensor(3, 4, seed=11, device=device)], seed=12)


@points(1)
@devices("cpu", "cuda")
def test_exp_gradcheck(learner, device):
    "Exp: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 4, seed=13, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Exp", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_log_forward(learner, device):
    "Log: forward equals torch.log"
    check_forward(learner, "Log", [make_tensor(3, 4, seed=20, device=device, low=0.5, high=3)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_log_backward(learner, device):
    "Log: backward returns torch's gradient for a random grad_output"
    x = make_tensor(3, 4, seed=21, device=device, low=0.5, high=3)
    check_backward(learner, "Log", [x], seed=22)


@points(1)
@devices("cpu", "cuda")
def test_log_gradcheck(learner, device):
    "Log: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 4, seed=23, dtype=torch.float64, device=device, low=0.5, high=3)
    check_gradcheck(learner, "Log", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_relu_forward(learner, device):
    "ReLU: forward equals torch.relu"
    check_forward(learner, "ReLU", [relu_input(4, 5, seed=30, device=device)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_relu_backward(learner, device):
    "ReLU: backward returns torch's gradient, also where x == 0"
    check_backward(learner, "ReLU", [relu_input(4, 5, seed=31, device=device)], seed=33)


@points(1)
@devices("cpu", "cuda")
def test_relu_gradcheck(learner, device):
    "ReLU: passes torch.autograd.gradcheck in float64"
    check_gradcheck(learner, "ReLU", [away_from_zero(3, 4, seed=34).to(device)])


@points(1)
@devices("cpu", "cuda", "standin")
def test_sigmoid_forward(learner, device):
    "Sigmoid: forward equals torch.sigmoid"
    check_forward(learner, "Sigmoid", [make_tensor(3, 4, seed=40, device=device, low=-4, high=4)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_sigmoid_backward(learner, device):
    "Sigmoid: backward returns torch's gradient for a random grad_output"
    x = make_tensor(3, 4, seed=41, device=device, low=-4, high=4)
    check_backward(learner, "Sigmoid", [x], seed=42)


@points(1)
@devices("cpu", "cuda")
def test_sigmoid_gradcheck(learner, device):
    "Sigmoid: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 4, seed=43, dtype=torch.float64, device=device, low=-4, high=4)
    check_gradcheck(learner, "Sigmoid", [x])


@points(1)
@devices("cpu", "cuda", "standin")
def test_tanh_forward(learner, device):
    "Tanh: forward equals torch.tanh"
    check_forward(learner, "Tanh", [make_tensor(3, 4, seed=50, device=device, low=-3, high=3)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_tanh_backward(learner, device):
    "Tanh: backward returns torch's gradient for a random grad_output"
    x = make_tensor(3, 4, seed=51, device=device, low=-3, high=3)
    check_backward(learner, "Tanh", [x], seed=52)


@points(1)
@devices("cpu", "cuda")
def test_tanh_gradcheck(learner, device):
    "Tanh: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 4, seed=53, dtype=torch.float64, device=device, low=-3, high=3)
    check_gradcheck(learner, "Tanh", [x])


# ---------------------------------------------------------------- two inputs

MUL_SHAPES = [((4, 3), (3,)), ((4, 1), (1, 5))]


@points(1)
@devices("cpu", "cuda", "standin")
def test_mul_forward(learner, device):
    "Mul: forward equals a * b, with broadcasting"
    for k, (sa, sb) in enumerate(MUL_SHAPES):
        a = make_tensor(*sa, seed=60 + k, device=device)
        b = make_tensor(*sb, seed=70 + k, device=device)
        check_forward(learner, "Mul", [a, b])


@points(3)
@devices("cpu", "cuda", "standin")
def test_mul_backward(learner, device):
    "Mul: backward returns gradients with each input's own shape, for broadcast inputs"
    for k, (sa, sb) in enumerate(MUL_SHAPES):
        a = make_tensor(*sa, seed=62 + k, device=device)
        b = make_tensor(*sb, seed=72 + k, device=device)
        check_backward(learner, "Mul", [a, b], seed=80 + k)


@points(1)
@devices("cpu", "cuda")
def test_mul_gradcheck(learner, device):
    "Mul: passes torch.autograd.gradcheck in float64"
    a = make_tensor(4, 3, seed=64, dtype=torch.float64, device=device)
    b = make_tensor(3, seed=74, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Mul", [a, b])


@points(1)
@devices("cpu", "cuda", "standin")
def test_matmul_forward(learner, device):
    "MatMul: forward equals a @ b (3×4 @ 4×2)"
    a, b = make_tensor(3, 4, seed=90, device=device), make_tensor(4, 2, seed=91, device=device)
    check_forward(learner, "MatMul", [a, b])


@points(2)
@devices("cpu", "cuda", "standin")
def test_matmul_backward(learner, device):
    "MatMul: backward returns torch's gradients for non-square matrices"
    a, b = make_tensor(3, 4, seed=92, device=device), make_tensor(4, 2, seed=93, device=device)
    check_backward(learner, "MatMul", [a, b], seed=94)


@points(1)
@devices("cpu", "cuda")
def test_matmul_gradcheck(learner, device):
    "MatMul: passes torch.autograd.gradcheck in float64"
    a = make_tensor(3, 4, seed=95, dtype=torch.float64, device=device)
    b = make_tensor(4, 2, seed=96, dtype=torch.float64, device=device)
    check_gradcheck(learner, "MatMul", [a, b])


# ---------------------------------------------------------------- reductions


@points(1)
@devices("cpu", "cuda", "standin")
def test_sum_forward(learner, device):
    "Sum: forward equals x.sum(dim, keepdim), for dim=None and several dims"
    x = make_tensor(2, 3, 4, seed=100, device=device)
    for extra in REDUCTION_CASES:
        check_forward(learner, "Sum", [x], extra)


@points(2)
@devices("cpu", "cuda", "standin")
def test_sum_backward(learner, device):
    "Sum: backward spreads grad_output over x's shape, with keepdim either way"
    x = make_tensor(2, 3, 4, seed=101, device=device)
    for k, extra in enumerate(REDUCTION_CASES):
        check_backward(learner, "Sum", [x], extra, seed=110 + k)


@points(1)
@devices("cpu", "cuda")
def test_sum_gradcheck(learner, device):
    "Sum: passes torch.autograd.gradcheck in float64"
    x = make_tensor(2, 3, 4, seed=102, dtype=torch.float64, device=device)
    for extra in [(1, False), (None, False)]:
        check_gradcheck(learner, "Sum", [x], extra)


@points(1)
@devices("cpu", "cuda", "standin")
def test_mean_forward(learner, device):
    "Mean: forward equals x.mean(dim, keepdim), for dim=None and several dims"
    x = make_tensor(2, 3, 4, seed=120, device=device)
    for extra in REDUCTION_CASES:
        check_forward(learner, "Mean", [x], extra)


@points(2)
@devices("cpu", "cuda", "standin")
def test_mean_backward(learner, device):
    "Mean: backward spreads grad_output / count over x's shape, with keepdim either way"
    x = make_tensor(2, 3, 4, seed=121, device=device)
    for k, extra in enumerate(REDUCTION_CASES):
        check_backward(learner, "Mean", [x], extra, seed=130 + k)


@points(1)
@devices("cpu", "cuda")
def test_mean_gradcheck(learner, device):
    "Mean: passes torch.autograd.gradcheck in float64"
    x = make_tensor(2, 3, 4, seed=122, dtype=torch.float64, device=device)
    for extra in [(-1, False), (None, True)]:
        check_gradcheck(learner, "Mean", [x], extra)


# ---------------------------------------------------------------- softmax


@points(1)
@devices("cpu", "cuda", "standin")
def test_softmax_forward(learner, device):
    "Softmax: forward equals torch.softmax(x, dim)"
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        check_forward(learner, "Softmax", [make_tensor(*shape, seed=140 + k, device=device)], [dim])


@points(2)
@devices("cpu", "cuda", "standin")
def test_softmax_backward(learner, device):
    "Softmax: backward returns torch's gradient (the full Jacobian, not its diagonal)"
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=150 + k, device=device)
        check_backward(learner, "Softmax", [x], [dim], seed=160 + k)


@points(1)
@devices("cpu", "cuda")
def test_softmax_gradcheck(learner, device):
    "Softmax: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 5, seed=170, dtype=torch.float64, device=device)
    check_gradcheck(learner, "Softmax", [x], [1])


@points(1)
@devices("cpu", "cuda", "standin")
def test_log_softmax_forward(learner, device):
    "LogSoftmax: forward equals torch.log_softmax(x, dim)"
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=180 + k, device=device)
        check_forward(learner, "LogSoftmax", [x], [dim])


@points(2)
@devices("cpu", "cuda", "standin")
def test_log_softmax_backward(learner, device):
    "LogSoftmax: backward returns torch's gradient for a random grad_output"
    for k, (shape, dim) in enumerate(SOFTMAX_CASES):
        x = make_tensor(*shape, seed=190 + k, device=device)
        check_backward(learner, "LogSoftmax", [x], [dim], seed=200 + k)


@points(1)
@devices("cpu", "cuda")
def test_log_softmax_gradcheck(learner, device):
    "LogSoftmax: passes torch.autograd.gradcheck in float64"
    x = make_tensor(3, 5, seed=210, dtype=torch.float64, device=device)
    check_gradcheck(learner, "LogSoftmax", [x], [0])
