"""Hidden checks for 02 ops: other inputs and edge cases, run only at grading time."""

import torch
import torch.nn.functional as F

from grader.testing import (
    assert_close,
    assert_equal,
    assert_unchanged,
    catalog,
    devices,
    expect_raises,
    hidden,
    make_tensor,
    points,
    public_suite,
    variants,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)
DIST_TOL = {"rtol": 1e-4, "atol": 1e-4}
S = public_suite(__file__)  # the public suite's helpers: one copy for both

# The public suite's sentences, and those of the hidden checks alone (which never ship in the kit).
T = catalog(
    {
        **S.T.entries,
        "softmax_default_dim": ("softmax(x 2×3×4) (dim left out)", "softmax(x 2×3×4)（省略 dim）"),
        "logsumexp_neg_inf_column": (
            "logsumexp(x, -2, keepdim=True) with an all -inf column",
            "logsumexp(x, -2, keepdim=True)，x 有一列全为 -inf",
        ),
        "stack_default_dim": (
            "stack([3 tensors 2×4]) (dim left out)",
            "stack([3 个 2×4 的张量])（省略 dim）",
        ),
        "stack_mismatch_middle": (
            "stack([tensor 2×3, tensor 3×3, tensor 2×3])",
            "stack([2×3 的张量, 3×3 的张量, 2×3 的张量])",
        ),
        "stack_one_list": ("stack([one tensor], dim=0)", "stack([一个张量], dim=0)"),
        "stack_one_tuple": ("stack((one tensor,), dim=1)", "stack((一个张量,), dim=1)"),
        "flatten_vector": ("flatten_batch(v of shape (4,))", "flatten_batch(形状为 (4,) 的 v)"),
        "masked_mean_all_false": (
            "masked_mean(x, all-False mask, 1)",
            "masked_mean(x, 全为 False 的 mask, 1)",
        ),
        "normalize_tiny": (
            "normalize(tensor([[1.5e-12, 0.0]])) (a norm just above the default eps, 1e-12)",
            "normalize(tensor([[1.5e-12, 0.0]]))（范数刚好大于默认的 eps，即 1e-12）",
        ),
        "normalize_small": ("normalize(small values, eps=0.1)", "normalize(很小的值, eps=0.1)"),
        "on_variant_with": (" with {value} in the input", "（输入中含 {value}）"),
        "on_variant_requires_grad": (" with an input that requires grad", "（输入需要梯度）"),
        "on_variant_non_contiguous": (" with a non-contiguous input", "（输入非连续）"),
        "on_variant_dtype": (" with a {label} input", "（输入为 {label}）"),
    }
)


@points(2)
def test_broadcast_shape_more(learner):
    """broadcast_shape() on longer and size-1 shapes
    zh: broadcast_shape() 处理更长的形状和大小为 1 的维度"""
    for a, b in [
        ((8, 1, 6, 1), (7, 1, 5)),
        ((1, 1), (1,)),
        ((3, 1, 1), (1, 4, 1)),
        ((0, 3), (1, 3)),
    ]:
        assert_equal(
            learner.broadcast_shape(a, b),
            tuple(torch.broadcast_shapes(a, b)),
            what=f"broadcast_shape({a}, {b})",
        )


@points(1)
def test_broadcast_shape_incompatible_inner(learner):
    """broadcast_shape() raises ValueError when an inner dimension clashes
    zh: broadcast_shape() 在内部某个维度冲突时抛出 ValueError"""
    with expect_raises("ValueError", what="broadcast_shape((4, 3, 2), (3, 3, 1))"):
        learner.broadcast_shape((4, 3, 2), (3, 3, 1))


@points(2)
@devices("cpu", "cuda")
def test_pairwise_sq_dists_float64(learner, device):
    """pairwise_sq_dists() in float64 with many features
    zh: pairwise_sq_dists() 在 float64 下处理很多特征"""
    x = make_tensor(6, 17, seed=101, dtype=torch.float64, device=device)
    y = make_tensor(9, 17, seed=102, dtype=torch.float64, device=device)
    expected = ((x[:, None] - y[None]) ** 2).sum(-1)
    assert_close(
        learner.pairwise_sq_dists(x, y),
        expected,
        what="pairwise_sq_dists(x 6×17, y 9×17, float64)",
        rtol=1e-9,
        atol=1e-9,
    )


@points(1)
def test_pairwise_sq_dists_self(learner):
    """pairwise_sq_dists(x, x) has a zero diagonal
    zh: pairwise_sq_dists(x, x) 的对角线为零"""
    x = make_tensor(5, 4, seed=103)
    got = learner.pairwise_sq_dists(x, x)
    assert_close(
        got, ((x[:, None] - x[None]) ** 2).sum(-1), what="pairwise_sq_dists(x, x)", **DIST_TOL
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_batched_matmul_batched(learner, device):
    """batched_matmul() with matching batch dimensions and float64
    zh: batched_matmul() 处理相同的批次维度和 float64"""
    a = make_tensor(3, 2, 5, 4, seed=104, dtype=torch.float64, device=device)
    b = make_tensor(3, 2, 4, 6, seed=105, dtype=torch.float64, device=device)
    assert_close(
        learner.batched_matmul(a, b),
        a @ b,
        what="batched_matmul(3×2×5×4, 3×2×4×6, float64)",
        rtol=1e-9,
        atol=1e-9,
    )


@points(1)
def test_batched_matmul_vector_like(learner):
    """batched_matmul() with a single row and a single column
    zh: batched_matmul() 处理单行与单列"""
    a, b = make_tensor(1, 7, seed=106), make_tensor(7, 1, seed=107)
    assert_close(
        learner.batched_matmul(a, b), a @ b, what="batched_matmul(1×7, 7×1)", atol=1e-5, rtol=1e-5
    )


@points(2)
@devices("cpu", "cuda")
def test_softmax_3d_middle_dim(learner, device):
    """softmax() along the middle dimension of a 3-D tensor
    zh: softmax() 沿三维张量的中间维度计算"""
    x = make_tensor(2, 6, 3, seed=108, device=device, low=-8, high=8)
    assert_close(learner.softmax(x, dim=1), torch.softmax(x, dim=1), what="softmax(x 2×6×3, dim=1)")


@points(1)
def test_softmax_default_dim(learner):
    """softmax(x) without dim works along the last dimension (dim=-1)
    zh: softmax(x) 不给 dim 时沿最后一个维度计算（dim=-1）"""
    x = make_tensor(2, 3, 4, seed=109, low=-3, high=3)
    assert_close(learner.softmax(x), torch.softmax(x, dim=-1), what=T.say("softmax_default_dim"))


@points(1)
def test_softmax_rows_far_apart(learner):
    """softmax() subtracts each slice's own maximum: rows whose maxima are 2e4 apart
    zh: softmax() 减去每个切片自己的最大值：两行的最大值相差 2e4"""
    x = torch.tensor([[1e4, 0.0], [-1e4, -9999.0]])
    assert_close(
        learner.softmax(x, dim=1),
        torch.softmax(x, dim=1),
        what="softmax([[1e4, 0], [-1e4, -9999]], dim=1)",
    )


@points(1)
def test_softmax_huge_float64(learner):
    """softmax() stays finite for large float64 inputs
    zh: softmax() 在 float64 输入很大时结果仍然有限"""
    x = torch.tensor([[5e4, 5e4 - 1.0, -5e4]], dtype=torch.float64)
    assert_close(
        learner.softmax(x, dim=-1),
        torch.softmax(x, dim=-1),
        what="softmax([[5e4, 5e4-1, -5e4]] float64)",
    )


@points(2)
@devices("cpu", "cuda")
def test_logsumexp_large_values(learner, device):
    """logsumexp() is stable for values around ±1e4
    zh: logsumexp() 对 ±1e4 附近的值保持数值稳定"""
    x = torch.tensor([[1e4, 1e4 + 1.0], [-1e4, -1e4 - 2.0]], device=device)
    assert_close(
        learner.logsumexp(x, 1),
        torch.logsumexp(x, 1),
        what="logsumexp([[1e4, 1e4+1], [-1e4, -1e4-2]], 1)",
    )


@points(1)
def test_logsumexp_neg_inf_keepdim(learner):
    """logsumexp() keeps -inf slices with keepdim and a negative dim
    zh: logsumexp() 在 keepdim 和负的 dim 下保留 -inf 切片"""
    x = torch.tensor([[float("-inf"), 2.0], [float("-inf"), float("-inf")]]).T.contiguous()
    assert_close(
        learner.logsumexp(x, -2, keepdim=True),
        torch.logsumexp(x, -2, keepdim=True),
        what=T.say("logsumexp_neg_inf_column"),
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_stack_3d_negative(learner, device):
    """stack() of 3-D tensors along dim=-2
    zh: stack() 沿 dim=-2 堆叠三维张量"""
    ts = [make_tensor(2, 3, 4, seed=s, device=device) for s in range(110, 114)]
    assert_close(
        learner.stack(ts, dim=-2),
        torch.stack(ts, dim=-2),
        what=T.say("stack_tensors", n=4, shape="2×3×4", dim=-2),
    )


@points(1)
def test_stack_default_dim(learner):
    """stack() without dim stacks along a new first dimension (dim=0)
    zh: stack() 不给 dim 时沿新的第一个维度堆叠（dim=0）"""
    ts = [make_tensor(2, 4, seed=s) for s in (140, 141, 142)]
    assert_close(learner.stack(ts), torch.stack(ts), what=T.say("stack_default_dim"))


@points(1)
def test_stack_dim_range(learner):
    """stack() takes every dim from -(n+1) to n, and raises IndexError just outside, as torch
    zh: stack() 接受从 -(n+1) 到 n 的每个 dim，刚好越界时与 torch 一样抛出 IndexError"""
    ts = [make_tensor(2, 3, seed=s) for s in (143, 144)]
    for dim in (-3, 2):
        assert_close(
            learner.stack(ts, dim=dim),
            torch.stack(ts, dim=dim),
            what=T.say("stack_tensors", n=2, shape="2×3", dim=dim),
        )
    for dim in (-4, 3):
        with expect_raises("IndexError", what=T.say("stack_tensors", n=2, shape="2×3", dim=dim)):
            learner.stack(ts, dim=dim)


@points(1)
def test_stack_mismatch_in_the_middle(learner):
    """stack() raises ValueError when a tensor other than the first or the last differs
    zh: stack() 在首尾之外的某个张量形状不同时抛出 ValueError"""
    ts = [torch.zeros(2, 3), torch.zeros(3, 3), torch.zeros(2, 3)]
    with expect_raises("ValueError", what=T.say("stack_mismatch_middle")):
        learner.stack(ts)


@points(1)
def test_stack_single(learner):
    """stack() of a single tensor
    zh: stack() 只堆叠一个张量"""
    t = make_tensor(5, seed=115)
    assert_close(learner.stack([t], dim=0), torch.stack([t], dim=0), what=T.say("stack_one_list"))
    assert_close(
        learner.stack((t,), dim=1), torch.stack((t,), dim=1), what=T.say("stack_one_tuple")
    )


@points(1)
def test_flatten_batch_empty_batch(learner):
    """flatten_batch() of an empty batch (B == 0)
    zh: flatten_batch() 处理空批次（B == 0）"""
    x = torch.empty(0, 3, 4)
    assert_close(learner.flatten_batch(x), x.reshape(0, 12), what="flatten_batch(x 0×3×4)")


@points(1)
@devices("cpu", "cuda", "standin")
def test_flatten_batch_already_flat(learner, device):
    """flatten_batch() of a (B, n) tensor, and of a (B,) tensor
    zh: flatten_batch() 处理 (B, n) 张量和 (B,) 张量"""
    x = make_tensor(3, 7, seed=116, device=device)
    assert_close(learner.flatten_batch(x), x.reshape(3, 7), what="flatten_batch(x 3×7)")
    v = make_tensor(4, seed=117, device=device)
    assert_close(learner.flatten_batch(v), v.reshape(4, 1), what=T.say("flatten_vector"))


@points(2)
@devices("cpu", "cuda")
def test_masked_mean_dim0_float64(learner, device):
    """masked_mean() along dim 0 in float64
    zh: masked_mean() 在 float64 下沿第 0 维计算"""
    x = make_tensor(5, 3, seed=118, dtype=torch.float64, device=device)
    mask = make_tensor(5, 3, seed=119, device=device) > 0.5
    expected = (x * mask).sum(0) / mask.sum(0).clamp_min(1)
    seen = learner.watch.masked_mean(x, mask, 0)
    assert_close(seen.result, expected, what="masked_mean(x float64, mask, dim=0)")
    assert_unchanged(x, seen.args[0], name="x", what="masked_mean(x, mask, 0)")


@points(1)
def test_masked_mean_all_false(learner):
    """masked_mean() with an all-False mask gives zeros
    zh: masked_mean() 在掩码全为 False 时给出零"""
    x = make_tensor(2, 3, seed=120)
    mask = torch.zeros(2, 3, dtype=torch.bool)
    assert_close(
        learner.masked_mean(x, mask, 1), torch.zeros(2), what=T.say("masked_mean_all_false")
    )


@points(1)
def test_normalize_defaults(learner):
    """normalize(x) without dim and eps: dim=-1 on a 3-D x, eps=1e-12 on a tiny norm
    zh: normalize(x) 不给 dim 和 eps：三维 x 上 dim=-1，很小的范数上 eps=1e-12"""
    x = make_tensor(2, 3, 4, seed=123)
    assert_close(learner.normalize(x), F.normalize(x, dim=-1), what="normalize(x 2×3×4)")
    tiny = torch.tensor([[1.5e-12, 0.0]])
    assert_close(
        learner.normalize(tiny),
        F.normalize(tiny),
        what=T.say("normalize_tiny"),
    )


@points(2)
@devices("cpu", "cuda")
def test_normalize_eps_and_3d(learner, device):
    """normalize() on 3-D input, and with a large eps
    zh: normalize() 处理三维输入，以及较大的 eps"""
    x = make_tensor(2, 3, 4, seed=121, device=device)
    assert_close(
        learner.normalize(x, dim=1), F.normalize(x, dim=1), what="normalize(x 2×3×4, dim=1)"
    )
    small = make_tensor(3, 2, seed=122, device=device, low=-1e-3, high=1e-3)
    assert_close(
        learner.normalize(small, dim=-1, eps=0.1),
        F.normalize(small, dim=-1, eps=0.1),
        what=T.say("normalize_small"),
    )


# ---------------------------------------------------------------- input variants
# Each function over a family of inputs built from one base (grader.testing.variants):
# float32 and float64, a non-contiguous layout, an input that requires grad, and special
# values where PyTorch defines the result; the expected value is PyTorch's on the same variant.


def on_variant(variant) -> str:
    """How a message names the variant: 'with a non-contiguous input', ..."""
    if variant.label == "as given":
        return ""
    if variant.label.startswith("with "):
        return T.say("on_variant_with", value=variant.label.removeprefix("with "))
    if variant.label == "requires_grad":
        return T.say("on_variant_requires_grad")
    if variant.label == "non-contiguous":
        return T.say("on_variant_non_contiguous")
    return T.say("on_variant_dtype", label=variant.label)


def check_family(learner, name, family, build, reference, what, **tol):
    """learner.<name>(*build(v)) equals reference(*build(v)) for every variant v of `family`
    (all calls in one round trip)."""
    calls = [(build(v.tensor), {}) for v in family]
    for variant, (args, _), got in zip(family, calls, learner.each(name, calls), strict=True):
        expected = reference(*args).detach()
        assert_close(got, expected, what=f"{what}{on_variant(variant)}", equal_nan=True, **tol)


@points(2)
def test_softmax_and_logsumexp_variants(learner):
    """softmax() and logsumexp() for float64, non-contiguous, requires_grad and -inf inputs
    zh: softmax() 和 logsumexp() 处理 float64、非连续、requires_grad 和含 -inf 的输入"""
    family = variants(
        make_tensor(3, 4, seed=150, low=-5, high=5), specials=(float("-inf"), 1e4, -1e4)
    )
    check_family(
        learner,
        "softmax",
        family,
        lambda x: (x, 1),
        lambda x, d: torch.softmax(x, dim=d),
        "softmax(x, dim=1)",
    )
    check_family(
        learner,
        "logsumexp",
        family,
        lambda x: (x, 0),
        torch.logsumexp,
        "logsumexp(x, 0)",
    )


@points(1)
def test_normalize_variants(learner):
    """normalize() for float64, non-contiguous, requires_grad inputs and an exact zero
    zh: normalize() 处理 float64、非连续、requires_grad 的输入以及恰好为零的值"""
    family = variants(make_tensor(4, 3, seed=151), specials=(0.0,))
    check_family(
        learner,
        "normalize",
        family,
        lambda x: (x, 0),
        lambda x, d: F.normalize(x, dim=d),
        "normalize(x, dim=0)",
    )


@points(1)
def test_elementwise_family_variants(learner):
    """pairwise_sq_dists(), batched_matmul() and masked_mean() for float64, non-contiguous, requires_grad
    zh: pairwise_sq_dists()、batched_matmul() 和 masked_mean() 处理 float64、非连续和 requires_grad 的输入"""
    y = make_tensor(5, 4, seed=153)
    family = variants(make_tensor(3, 4, seed=152))
    check_family(
        learner,
        "pairwise_sq_dists",
        family,
        lambda x: (x, y.to(x.dtype)),
        lambda a, b: ((a[:, None] - b[None]) ** 2).sum(-1),
        "pairwise_sq_dists(x, y)",
        **DIST_TOL,
    )
    check_family(
        learner,
        "batched_matmul",
        family,
        lambda x: (x, y.T.to(x.dtype)),
        torch.matmul,
        "batched_matmul(x (3×4), y (4×5))",
        rtol=1e-5,
        atol=1e-5,
    )
    mask = make_tensor(3, 4, seed=154) > 0
    check_family(
        learner,
        "masked_mean",
        family,
        lambda x: (x, mask, 1),
        lambda a, m, d: (a * m).sum(d) / m.sum(d).clamp_min(1),
        "masked_mean(x, mask, 1)",
    )


@points(1)
def test_shape_family_variants(learner):
    """stack() and flatten_batch() for float64, non-contiguous and requires_grad inputs
    zh: stack() 和 flatten_batch() 处理 float64、非连续和 requires_grad 的输入"""
    family = variants(make_tensor(2, 3, 2, seed=155))
    check_family(
        learner,
        "stack",
        family,
        lambda x: ([x, x], -1),
        lambda ts, d: torch.stack(ts, dim=d),
        "stack([x, x], dim=-1)",
    )
    check_family(
        learner,
        "flatten_batch",
        family,
        lambda x: (x,),
        lambda x: x.reshape(x.shape[0], -1),
        "flatten_batch(x 2×3×2)",
    )
