"""Hidden checks for 04 backward rules: other inputs and edge cases, run only at grading time."""

from __future__ import annotations

import pytest
import torch

from grader.testing import (
    CheckFailed,
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


S = public_suite(__file__)  # the public suite's helpers: one copy for both

# The public suite's sentences, and those of the hidden checks alone (which never ship in the kit).
T = catalog(
    {
        **S.T.entries,
        "variant_requires_grad": (
            "With an input that requires grad: {failed}",
            "输入需要梯度时：{failed}",
        ),
        "variant_non_contiguous": (
            "With a non-contiguous input: {failed}",
            "输入非连续时：{failed}",
        ),
        "variant_dtype": ("With a {label} input: {failed}", "输入为 {label} 时：{failed}"),
    }
)
ELEMENTWISE = ["Exp", "Log", "ReLU", "Sigmoid", "Tanh"]


def elementwise_input(name: str, *shape: int, seed: int, dtype=torch.float64, device="cpu"):
    if name == "Log":
        return make_tensor(*shape, seed=seed, dtype=dtype, device=device, low=0.2, high=5)
    if name == "ReLU":
        return S.relu_input(*shape, seed=seed, dtype=dtype, device=device)
    return make_tensor(*shape, seed=seed, dtype=dtype, device=device, low=-3, high=3)


# ---------------------------------------------------------------- unbroadcast


@points(2)
@devices("cpu", "cuda", "standin")
def test_unbroadcast_more(learner, device):
    """unbroadcast() on more shapes: to a 0-d shape, several size-1 dims, an empty dim, float64
    zh: unbroadcast() 处理更多形状：还原到 0 维形状、多个大小为 1 的维度、大小为 0 的维度、float64"""
    cases = [
        ((2, 3, 4), (3, 1)),
        ((2, 3, 4), ()),
        ((5, 2, 3), (1, 1, 3)),
        ((2, 1, 4), (2, 1, 4)),
        ((0, 3), (1, 3)),  # a size-1 input broadcast against 0 rows: its gradient is zeros
    ]
    for k, (grad_shape, shape) in enumerate(cases):
        grad = make_tensor(*grad_shape, seed=300 + k, dtype=torch.float64, device=device)
        S.check_unbroadcast(learner, grad, shape)


@points(1)
def test_unbroadcast_torch_size(learner):
    """unbroadcast() takes the shape as a torch.Size (as in unbroadcast(grad, x.shape))
    zh: unbroadcast() 接受 torch.Size 形式的形状（如 unbroadcast(grad, x.shape)）"""
    S.check_unbroadcast(learner, make_tensor(3, 2, 5, seed=310), torch.Size([2, 1]))


# ---------------------------------------------------------------- elementwise


def on_variant(label: str, failed: CheckFailed) -> str:
    """A failure on an input variant (grader.testing.variants), saying which one it was."""
    if label == "requires_grad":
        return T.say("variant_requires_grad", failed=failed)
    if label == "non-contiguous":
        return T.say("variant_non_contiguous", failed=failed)
    return T.say("variant_dtype", label=label, failed=failed)


@points(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_variants(learner, name):
    """Exp, Log, ReLU, Sigmoid, Tanh: forward and backward on float32, non-contiguous and requires_grad inputs
    zh: Exp、Log、ReLU、Sigmoid、Tanh：对 float32、非连续和 requires_grad 的输入做 forward 和 backward"""
    base = elementwise_input(name, 3, 4, seed=360)  # float64
    for k, variant in enumerate(variants(base)[1:]):  # "as given" is test_*_backward's case
        try:
            S.check_forward(learner, name, [variant.tensor])
            S.check_backward(learner, name, [variant.tensor], seed=361 + k)
        except CheckFailed as failed:
            fail(on_variant(variant.label, failed))


@points(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
@devices("cpu", "cuda", "standin")
def test_elementwise_backward_float64_3d(learner, name, device):
    """Exp, Log, ReLU, Sigmoid, Tanh: forward and backward on 3-D float64 inputs
    zh: Exp、Log、ReLU、Sigmoid、Tanh：对三维 float64 输入做 forward 和 backward"""
    x = elementwise_input(name, 2, 3, 2, seed=320, device=device)
    S.check_forward(learner, name, [x])
    S.check_backward(learner, name, [x], seed=321)


@points(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
@devices("cpu", "standin")
def test_elementwise_backward_scalar(learner, name, device):
    """Exp, Log, ReLU, Sigmoid, Tanh: backward of a 0-d input
    zh: Exp、Log、ReLU、Sigmoid、Tanh：对 0 维输入做 backward"""
    x = elementwise_input(name, seed=330, dtype=torch.float32, device=device)
    S.check_backward(learner, name, [x], seed=331)


@points(1)
def test_relu_backward_edges(learner):
    """ReLU: backward for all-negative, all-zero and all-positive inputs
    zh: ReLU：对全负、全零和全正的输入做 backward"""
    negative = make_tensor(2, 3, seed=340, low=-2, high=-0.1)
    positive = make_tensor(4, seed=341, low=0.1, high=2)
    for k, x in enumerate([negative, torch.zeros(3), positive]):
        S.check_backward(learner, "ReLU", [x], seed=342 + k)


@points(1)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_gradcheck_3d(learner, name):
    """Exp, Log, ReLU, Sigmoid, Tanh: gradcheck on 3-D inputs
    zh: Exp、Log、ReLU、Sigmoid、Tanh：对三维输入做 gradcheck"""
    if name == "ReLU":
        x = S.away_from_zero(2, 3, 2, seed=350)
    else:
        x = elementwise_input(name, 2, 3, 2, seed=350)
    S.check_gradcheck(learner, name, [x])


# ---------------------------------------------------------------- two inputs

MUL_MORE = [
    ((2, 4, 3), (3,)),
    ((1, 5), (4, 1)),
    ((3, 4), ()),
    ((2, 3), (2, 3)),
    ((3, 1, 2), (4, 1)),
]


@points(2)
@devices("cpu", "cuda", "standin")
def test_mul_backward_more(learner, device):
    """Mul: backward with leading dims, both inputs broadcast, a 0-d input, equal shapes
    zh: Mul：backward 处理前置维度、两个输入都被广播、0 维输入以及形状相同的情况"""
    for k, (sa, sb) in enumerate(MUL_MORE):
        a = make_tensor(*sa, seed=360 + k, dtype=torch.float64, device=device)
        b = make_tensor(*sb, seed=370 + k, dtype=torch.float64, device=device)
        S.check_forward(learner, "Mul", [a, b])
        S.check_backward(learner, "Mul", [a, b], seed=380 + k)


@points(1)
def test_mul_backward_b_first_broadcast(learner):
    """Mul: backward when the first input is the broadcast one
    zh: Mul：第一个输入被广播时的 backward"""
    a, b = make_tensor(5, seed=390), make_tensor(3, 2, 5, seed=391)
    S.check_backward(learner, "Mul", [a, b], seed=392)


@points(1)
def test_mul_gradcheck_more(learner):
    """Mul: gradcheck with leading dims and with both inputs broadcast
    zh: Mul：在有前置维度、两个输入都被广播时做 gradcheck"""
    for k, (sa, sb) in enumerate(MUL_MORE[:2]):
        a = make_tensor(*sa, seed=395 + k, dtype=torch.float64)
        b = make_tensor(*sb, seed=397 + k, dtype=torch.float64)
        S.check_gradcheck(learner, "Mul", [a, b])


@points(2)
@devices("cpu", "cuda", "standin")
def test_matmul_backward_more(learner, device):
    """MatMul: backward for a row times a column, and for other non-square float64 matrices
    zh: MatMul：对行乘以列以及其他非方阵（float64）做 backward"""
    for k, (sa, sb) in enumerate([((1, 5), (5, 1)), ((5, 3), (3, 6)), ((2, 7), (7, 3))]):
        dtype = torch.float64 if k == 1 else torch.float32
        a = make_tensor(*sa, seed=400 + k, dtype=dtype, device=device)
        b = make_tensor(*sb, seed=410 + k, dtype=dtype, device=device)
        S.check_forward(learner, "MatMul", [a, b])
        S.check_backward(learner, "MatMul", [a, b], seed=420 + k)


@points(1)
def test_matmul_gradcheck_more(learner):
    """MatMul: gradcheck for 5×3 @ 3×6
    zh: MatMul：对 5×3 @ 3×6 做 gradcheck"""
    a = make_tensor(5, 3, seed=430, dtype=torch.float64)
    b = make_tensor(3, 6, seed=431, dtype=torch.float64)
    S.check_gradcheck(learner, "MatMul", [a, b])


# ---------------------------------------------------------------- reductions

REDUCTIONS_MORE = [(-2, True), (-2, False), (2, False), (0, False), (3, True), (None, True), ()]


@points(2)
@pytest.mark.parametrize("name", ["Sum", "Mean"])
@devices("cpu", "cuda", "standin")
def test_reduction_backward_more(learner, name, device):
    """Sum and Mean: forward and backward on a 4-D float64 input, negative dims, keepdim both ways
    zh: Sum 和 Mean：对四维 float64 输入做 forward 和 backward，负的 dim，keepdim 两种取值"""
    x = make_tensor(2, 3, 4, 5, seed=440, dtype=torch.float64, device=device)
    for k, extra in enumerate(REDUCTIONS_MORE):
        S.check_forward(learner, name, [x], extra)
        S.check_backward(learner, name, [x], extra, seed=450 + k)


@points(1)
@pytest.mark.parametrize("name", ["Sum", "Mean"])
def test_reduction_backward_1d(learner, name):
    """Sum and Mean: backward on a 1-D input along dim 0
    zh: Sum 和 Mean：对一维输入沿第 0 维做 backward"""
    x = make_tensor(7, seed=460)
    for k, extra in enumerate([(0, False), (0, True), (-1, False)]):
        S.check_backward(learner, name, [x], extra, seed=461 + k)


@points(1)
@pytest.mark.parametrize("name", ["Sum", "Mean"])
def test_reduction_gradcheck_more(learner, name):
    """Sum and Mean: gradcheck with keepdim=True and a negative dim
    zh: Sum 和 Mean：在 keepdim=True 和负的 dim 下做 gradcheck"""
    x = make_tensor(3, 2, 4, seed=470, dtype=torch.float64)
    for extra in [(-2, True), (0, False), ()]:
        S.check_gradcheck(learner, name, [x], extra)


# ---------------------------------------------------------------- softmax

SOFTMAX_MORE = [((2, 3, 4), 0), ((4, 2, 3), 2), ((5,), 0), ((2, 6), -2)]


@points(2)
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
@devices("cpu", "cuda", "standin")
def test_softmax_backward_more(learner, name, device):
    """Softmax and LogSoftmax: forward and backward in float64 along other dims
    zh: Softmax 和 LogSoftmax：在 float64 下沿其他维度做 forward 和 backward"""
    for k, (shape, dim) in enumerate(SOFTMAX_MORE):
        x = make_tensor(*shape, seed=480 + k, dtype=torch.float64, device=device, low=-4, high=4)
        S.check_forward(learner, name, [x], [dim])
        S.check_backward(learner, name, [x], [dim], seed=490 + k)


@points(1)
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_large_inputs(learner, name):
    """Softmax and LogSoftmax: forward and backward stay finite for inputs near ±1000
    zh: Softmax 和 LogSoftmax：输入接近 ±1000 时，forward 和 backward 的结果仍然有限"""
    x = make_tensor(3, 4, seed=500, low=-1000, high=1000)
    S.check_forward(learner, name, [x], [1])
    S.check_backward(learner, name, [x], [1], seed=501)


@points(1)
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_gradcheck_3d(learner, name):
    """Softmax and LogSoftmax: gradcheck on a 3-D input along the middle dim
    zh: Softmax 和 LogSoftmax：对三维输入沿中间维度做 gradcheck"""
    x = make_tensor(2, 4, 3, seed=510, dtype=torch.float64)
    S.check_gradcheck(learner, name, [x], [1])
