"""Public checks for 02 ops."""

import torch
import torch.nn.functional as F

from grader.testing import (
    assert_close,
    assert_equal,
    assert_unchanged,
    catalog,
    devices,
    expect_raises,
    fail,
    make_tensor,
    points,
    public,
    references,
)

pytestmark = public
R = references(__file__)  # hand-written references: judge-only (see reference.py)

# Every sentence these checks write, in English and Chinese (the hidden suite adds its own).
T = catalog(
    {
        "python_loop": (
            "pairwise_sq_dists(x, y) with 64 rows made {ops} tensor operations: that looks "
            "like a Python loop over rows. Use broadcasting: x[:, None, :] - y[None, :, :].",
            "pairwise_sq_dists(x, y) 在 x 有 64 行时做了 {ops} 次张量运算：看起来是在用 Python "
            "循环逐行计算。请使用广播：x[:, None, :] - y[None, :, :]。",
        ),
        "stack_tensors": (
            "stack([{n} tensors {shape}], dim={dim})",
            "stack([{n} 个 {shape} 的张量], dim={dim})",
        ),
        "stack_mismatch": ("stack([tensor 2×3, tensor 3×2])", "stack([2×3 的张量, 3×2 的张量])"),
        "flatten_copy": (
            "flatten_batch(x): the result does not share memory with x, so it is a copy. For a "
            "contiguous input return a view: x.view(...) or x.reshape(...) do that.",
            "flatten_batch(x)：结果与 x 不共享内存，所以它是一份副本。对连续的输入，请返回视图："
            "x.view(...) 或 x.reshape(...) 都能做到。",
        ),
        "masked_mean_empty_row": (
            "masked_mean(x, mask with an all-False row, dim=1)",
            "masked_mean(x, 有一行全为 False 的 mask, dim=1)",
        ),
        "normalize_zero_row": ("normalize(x with an all-zero row)", "normalize(有一行全为零的 x)"),
    }
)


# The expansion |x|^2 + |y|^2 - 2 x.y is a fair way to compute distances, with more rounding.
DIST_TOL = {"rtol": 1e-4, "atol": 1e-4}


@points(2)
def test_broadcast_shape(learner):
    """broadcast_shape() equals torch.broadcast_shapes
    zh: broadcast_shape() 与 torch.broadcast_shapes 结果相同"""
    for a, b in [((2, 1, 3), (4, 1)), ((5,), (3, 1)), ((1,), (2, 3)), ((), (4,))]:
        assert_equal(
            learner.broadcast_shape(a, b),
            tuple(torch.broadcast_shapes(a, b)),
            what=f"broadcast_shape({a}, {b})",
        )


@points(1)
def test_broadcast_shape_incompatible(learner):
    """broadcast_shape() raises ValueError for shapes that do not broadcast
    zh: broadcast_shape() 遇到无法广播的形状时抛出 ValueError"""
    with expect_raises("ValueError", what="broadcast_shape((2, 3), (4, 3))"):
        learner.broadcast_shape((2, 3), (4, 3))


@points(2)
@devices("cpu", "cuda", "standin")
def test_pairwise_sq_dists(learner, device):
    """pairwise_sq_dists() gives every squared distance
    zh: pairwise_sq_dists() 给出每一对行之间的距离平方"""
    x, y = make_tensor(5, 3, seed=1, device=device), make_tensor(4, 3, seed=2, device=device)
    assert_close(
        learner.pairwise_sq_dists(x, y),
        R.sq_dists(x, y),
        what="pairwise_sq_dists(x, y)",
        **DIST_TOL,
    )


@points(1)
def test_pairwise_sq_dists_no_loop(learner):
    """pairwise_sq_dists() uses broadcasting, not a Python loop over rows
    zh: pairwise_sq_dists() 使用广播，而不是用 Python 循环逐行计算"""
    x, y = make_tensor(64, 3, seed=3), make_tensor(48, 3, seed=4)
    seen = learner.watch.pairwise_sq_dists(x, y)
    assert_close(seen.result, R.sq_dists(x, y), what="pairwise_sq_dists(x, y)", **DIST_TOL)
    if seen.ops >= 32:
        fail(T.say("python_loop", ops=seen.ops))


@points(2)
@devices("cpu", "cuda", "standin")
def test_batched_matmul_2d(learner, device):
    """batched_matmul() multiplies two matrices (non-square)
    zh: batched_matmul() 计算两个矩阵（非方阵）的乘积"""
    a, b = make_tensor(3, 4, seed=5, device=device), make_tensor(4, 2, seed=6, device=device)
    assert_close(
        learner.batched_matmul(a, b),
        a @ b,
        what="batched_matmul(a (3×4), b (4×2))",
        atol=1e-5,
        rtol=1e-5,
    )


@points(2)
def test_batched_matmul_broadcast(learner):
    """batched_matmul() broadcasts batch dimensions
    zh: batched_matmul() 对批次维度做广播"""
    a, b = make_tensor(2, 1, 3, 4, seed=7), make_tensor(5, 4, 2, seed=8)
    assert_close(
        learner.batched_matmul(a, b),
        a @ b,
        what="batched_matmul(a (2×1×3×4), b (5×4×2))",
        atol=1e-5,
        rtol=1e-5,
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_softmax(learner, device):
    """softmax() equals torch.softmax
    zh: softmax() 与 torch.softmax 结果相同"""
    x = make_tensor(4, 5, seed=9, device=device)
    for dim in (-1, 0):
        assert_close(
            learner.softmax(x, dim=dim), torch.softmax(x, dim=dim), what=f"softmax(x, dim={dim})"
        )


@points(2)
def test_softmax_stable(learner):
    """softmax() stays finite for inputs of ±1e4
    zh: softmax() 在输入为 ±1e4 时结果仍然有限"""
    x = torch.tensor([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4]])
    assert_close(
        learner.softmax(x, dim=-1),
        torch.softmax(x, dim=-1),
        what="softmax([[1e4, -1e4, 0], [1e4, 1e4, 1e4]])",
    )


@points(1)
def test_softmax_float64_unchanged_input(learner):
    """softmax() keeps float64 and leaves its input alone
    zh: softmax() 保持 float64，且不改动输入"""
    x = make_tensor(3, 4, seed=10, dtype=torch.float64)
    seen = learner.watch.softmax(x, dim=1)
    assert_close(seen.result, torch.softmax(x, dim=1), what="softmax(x float64, dim=1)")
    assert_unchanged(x, seen.args[0], name="x", what="softmax(x, dim=1)")


@points(2)
@devices("cpu", "cuda", "standin")
def test_logsumexp(learner, device):
    """logsumexp() equals torch.logsumexp, with and without keepdim
    zh: logsumexp() 与 torch.logsumexp 结果相同，无论是否 keepdim"""
    x = make_tensor(3, 4, 2, seed=11, device=device, low=-5, high=5)
    assert_close(learner.logsumexp(x, 1), torch.logsumexp(x, 1), what="logsumexp(x, 1)")
    assert_close(
        learner.logsumexp(x, 2, keepdim=True),
        torch.logsumexp(x, 2, keepdim=True),
        what="logsumexp(x, 2, keepdim=True)",
    )


@points(1)
def test_logsumexp_all_neg_inf(learner):
    """logsumexp() of an all -inf slice is -inf, not nan
    zh: logsumexp() 对全为 -inf 的切片给出 -inf，而不是 nan"""
    x = torch.tensor([[float("-inf"), float("-inf")], [0.0, 1.0]])
    assert_close(
        learner.logsumexp(x, 1), torch.logsumexp(x, 1), what="logsumexp([[-inf, -inf], [0, 1]], 1)"
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_stack(learner, device):
    """stack() equals torch.stack, also for a negative dim
    zh: stack() 与 torch.stack 结果相同，dim 为负数时也是如此"""
    ts = [make_tensor(2, 3, seed=s, device=device) for s in (12, 13, 14)]
    for dim in (0, 1, -1):
        assert_close(
            learner.stack(ts, dim=dim),
            torch.stack(ts, dim=dim),
            what=T.say("stack_tensors", n=3, shape="2×3", dim=dim),
        )


@points(1)
def test_stack_mismatch(learner):
    """stack() raises ValueError for tensors of different shapes
    zh: stack() 遇到形状不同的张量时抛出 ValueError"""
    with expect_raises("ValueError", what=T.say("stack_mismatch")):
        learner.stack([torch.zeros(2, 3), torch.zeros(3, 2)])


@points(2)
@devices("cpu", "cuda", "standin")
def test_flatten_batch(learner, device):
    """flatten_batch() turns (B, ...) into (B, prod(...))
    zh: flatten_batch() 把 (B, ...) 变为 (B, prod(...))"""
    x = make_tensor(4, 3, 2, seed=15, device=device)
    assert_close(learner.flatten_batch(x), x.reshape(4, 6), what="flatten_batch(x 4×3×2)")


@points(1)
def test_flatten_batch_view(learner):
    """flatten_batch() returns a view of a contiguous input
    zh: flatten_batch() 对连续的输入返回视图"""
    x = make_tensor(3, 2, 5, seed=16)
    seen = learner.probe("flatten_view", x)
    assert_close(seen["result"], x.reshape(3, 10), what="flatten_batch(x 3×2×5)")
    if not seen["shares_memory"]:
        fail(T.say("flatten_copy"))


@points(1)
def test_flatten_batch_noncontiguous(learner):
    """flatten_batch() works on a non-contiguous input
    zh: flatten_batch() 适用于非连续的输入"""
    x = make_tensor(3, 4, 2, seed=17).transpose(0, 1)
    assert_close(learner.flatten_batch(x), x.reshape(4, 6), what="flatten_batch(x.transpose(0, 1))")


@points(2)
@devices("cpu", "cuda", "standin")
def test_masked_mean(learner, device):
    """masked_mean() averages only where the mask is True
    zh: masked_mean() 只对掩码为 True 的位置求平均"""
    x = make_tensor(4, 6, seed=18, device=device)
    mask = make_tensor(4, 6, seed=19, device=device) > 0
    expected = R.masked_mean(x, mask, 1)
    assert_close(learner.masked_mean(x, mask, 1), expected, what="masked_mean(x, mask, dim=1)")


@points(1)
def test_masked_mean_empty_slice(learner):
    """masked_mean() gives 0 for a slice with no True entry
    zh: masked_mean() 对没有任何 True 的切片给出 0"""
    x = make_tensor(3, 4, seed=20)
    mask = torch.tensor([[True, False, True, False], [False] * 4, [True] * 4])
    expected = R.masked_mean(x, mask, 1)
    assert_close(
        learner.masked_mean(x, mask, 1),
        expected,
        what=T.say("masked_mean_empty_row"),
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_normalize(learner, device):
    """normalize() equals F.normalize
    zh: normalize() 与 F.normalize 结果相同"""
    x = make_tensor(3, 5, seed=21, device=device)
    for dim in (-1, 0):
        assert_close(
            learner.normalize(x, dim=dim), F.normalize(x, dim=dim), what=f"normalize(x, dim={dim})"
        )


@points(1)
def test_normalize_zero_row(learner):
    """normalize() leaves an all-zero slice at zero
    zh: normalize() 让全零的切片保持为零"""
    x = torch.zeros(2, 4)
    x[1] = torch.tensor([3.0, 4.0, 0.0, 0.0])
    assert_close(learner.normalize(x), F.normalize(x), what=T.say("normalize_zero_row"))
