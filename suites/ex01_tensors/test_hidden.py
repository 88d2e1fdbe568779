"""Hidden checks for 01 tensors: other inputs and edge cases, run only at grading time."""

import numpy as np
import torch
import torch.nn.functional as F

from grader.testing import (
    assert_close,
    assert_equal,
    catalog,
    devices,
    expect_raises,
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
        "describe_int32": ("describe(int32 tensor 2×3×4)", "describe(形状为 2×3×4 的 int32 张量)"),
        "describe_variant": ("describe(x) ({label} x)", "describe(x)（x：{label}）"),
        "describe_empty": ("describe(empty 0×5 tensor)", "describe(形状为 0×5 的空张量)"),
        "one_hot_empty": ("one_hot(empty labels, 3)", "one_hot(空的 labels, 3)"),
        "share_numpy_int64": ("share_numpy(int64 array)", "share_numpy(int64 数组)"),
        "share_numpy_one_side": (
            "share_numpy(a): writes did not show on both sides: the tensor does not share memory.",
            "share_numpy(a)：写入没有在两边同时出现：张量并不共享内存。",
        ),
        "copy_numpy_float32": ("copy_numpy(float32 array)", "copy_numpy(float32 数组)"),
        "copy_numpy_still_shares": (
            "copy_numpy(a): the tensor still shares memory with the array.",
            "copy_numpy(a)：张量仍然与数组共享内存。",
        ),
        "rng_changed_short": (
            "seeded_normal(): PyTorch's global random state changed.",
            "seeded_normal()：PyTorch 的全局随机状态被改变了。",
        ),
        "called_twice": ("{call} called twice", "{call} 调用两次"),
    }
)


def check_description(got, x, what):
    if not isinstance(got, dict):
        fail(T.say("not_a_dict", what=what, kind=type(got).__name__))
    expected = {
        "shape": tuple(x.shape),
        "dtype": x.dtype,
        "device": x.device,
        "numel": x.numel(),
        "requires_grad": x.requires_grad,
    }
    assert_equal(sorted(got, key=str), sorted(expected), what=T.say("the_keys", what=what))
    for key, value in expected.items():
        assert_equal(got[key], value, what=f'{what}["{key}"]')


@points(1)
def test_describe_scalar_and_int(learner):
    """describe() handles a 0-d tensor and an integer tensor
    zh: describe() 能处理 0 维张量和整数张量"""
    check_description(
        learner.describe(torch.tensor(3.5)), torch.tensor(3.5), "describe(tensor(3.5))"
    )
    x = torch.arange(24, dtype=torch.int32).reshape(2, 3, 4)
    check_description(learner.describe(x), x, T.say("describe_int32"))


@points(1)
def test_describe_variants(learner):
    """describe() of float64, non-contiguous and requires_grad variants of one tensor
    zh: describe() 处理同一张量的 float64、非连续和 requires_grad 变体"""
    family = variants(make_tensor(3, 2, seed=41))
    got = learner.each("describe", [((v.tensor,), {}) for v in family])
    for variant, description in zip(family, got, strict=True):
        label = S.variant_label(variant.label)
        check_description(description, variant.tensor, T.say("describe_variant", label=label))


@points(1)
def test_describe_empty(learner):
    """describe() handles an empty tensor
    zh: describe() 能处理空张量"""
    x = torch.empty(0, 5, dtype=torch.float64)
    check_description(learner.describe(x), x, T.say("describe_empty"))


@points(2)
@devices("cpu", "cuda", "standin")
def test_coordinate_grid_shapes(learner, device):
    """coordinate_grid() for a single row, a single column, and float64
    zh: coordinate_grid() 处理单行、单列以及 float64 的情况"""
    for h, w, dtype in [(1, 6, torch.float32), (5, 1, torch.float64), (7, 3, torch.float64)]:
        rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        expected = torch.stack([rows, cols], dim=-1).to(dtype=dtype, device=device)
        got = learner.coordinate_grid(h, w, dtype=dtype, device=device)
        assert_close(
            got,
            expected,
            what=f"coordinate_grid({h}, {w}, dtype={dtype}, device='{device}')",
            dtype_from="dtype=",
            device_from="device=",
        )


@points(2)
@devices("cpu", "cuda", "standin")
def test_one_hot_batch_shape(learner, device):
    """one_hot() keeps the batch shape of 2-D labels
    zh: one_hot() 保留二维标签的批次形状"""
    labels = torch.tensor([[0, 6, 2], [5, 5, 1]], device=device)
    assert_close(
        learner.one_hot(labels, 7),
        F.one_hot(labels, 7),
        what="one_hot(labels 2×3, 7)",
        dtype_from="fixed",
    )


@points(1)
def test_one_hot_edges(learner):
    """one_hot() with a single class, and with an empty batch
    zh: one_hot() 处理只有一个类别和空批次的情况"""
    labels = torch.zeros(4, dtype=torch.int64)
    assert_close(
        learner.one_hot(labels, 1),
        F.one_hot(labels, 1),
        what="one_hot(zeros(4), 1)",
        dtype_from="fixed",
    )
    empty = torch.zeros(0, dtype=torch.int64)
    assert_close(
        learner.one_hot(empty, 3),
        F.one_hot(empty, 3),
        what=T.say("one_hot_empty"),
        dtype_from="fixed",
    )


@points(1)
def test_one_hot_label_equal_to_num_classes(learner):
    """one_hot() raises ValueError for a label equal to num_classes (the first one outside)
    zh: one_hot() 遇到等于 num_classes 的标签（第一个越界的值）时抛出 ValueError"""
    with expect_raises("ValueError", what="one_hot(tensor([0, 3]), 3)", match="3"):
        learner.one_hot(torch.tensor([0, 3]), 3)


@points(1)
def test_one_hot_negative_label(learner):
    """one_hot() raises ValueError for a negative label
    zh: one_hot() 遇到负的标签时抛出 ValueError"""
    with expect_raises("ValueError", what="one_hot(tensor([2, -1]), 4)", match="-1"):
        learner.one_hot(torch.tensor([2, -1]), 4)


@points(1)
def test_share_numpy_int(learner):
    """share_numpy() shares memory for an int64 array too
    zh: share_numpy() 对 int64 数组同样共享内存"""
    array = np.arange(12, dtype=np.int64).reshape(3, 4)
    seen = learner.probe("numpy_memory", "share_numpy", array)
    assert_close(
        seen.get("result"), torch.from_numpy(array.copy()), what=T.say("share_numpy_int64")
    )
    if not (seen["tensor_saw_array_write"] and seen["array_saw_tensor_write"]):
        fail(T.say("share_numpy_one_side"))


@points(1)
def test_copy_numpy_float32(learner):
    """copy_numpy() keeps the dtype and copies
    zh: copy_numpy() 保持数据类型并进行复制"""
    array = np.linspace(-1, 1, 10, dtype=np.float32)
    seen = learner.probe("numpy_memory", "copy_numpy", array)
    assert_close(
        seen.get("result"), torch.from_numpy(array.copy()), what=T.say("copy_numpy_float32")
    )
    if seen["tensor_saw_array_write"] or seen["array_saw_tensor_write"]:
        fail(T.say("copy_numpy_still_shares"))


@points(1)
@devices("cpu", "cuda", "standin")
def test_to_numpy_float64_grad(learner, device):
    """to_numpy() for a float64 tensor that requires grad, on each device
    zh: to_numpy() 在每种设备上处理需要梯度的 float64 张量"""
    x = make_tensor(2, 2, 3, seed=40, dtype=torch.float64, device=device, requires_grad=True)
    seen = learner.probe("to_numpy_result", x)
    if not seen["is_ndarray"]:
        fail(T.say("not_an_ndarray", call="to_numpy(x)", got=repr(seen["values"])))
    assert_close(seen["values"], x.detach().cpu(), what="to_numpy(x float64, requires_grad=True)")


@points(2)
@devices("cpu", "cuda", "standin")
def test_seeded_normal_mean_std_dtype(learner, device):
    """seeded_normal() with mean, std and float64
    zh: seeded_normal() 使用 mean、std 和 float64"""
    generator = torch.Generator(device).manual_seed(2024)
    expected = (
        torch.randn((5, 2), generator=generator, dtype=torch.float64, device=device) * 0.5 + 3.0
    )
    seen = learner.probe(
        "seeded_normal_rng",
        (5, 2),
        2024,
        {"mean": 3.0, "std": 0.5, "dtype": torch.float64, "device": device},
    )
    assert_close(
        seen["result"],
        expected,
        what="seeded_normal((5, 2), 2024, mean=3.0, std=0.5, dtype=float64)",
        dtype_from="dtype=",
        device_from="device=",
    )
    if not seen["rng_unchanged"]:
        fail(T.say("rng_changed_short"))


@points(1)
def test_seeded_normal_repeatable(learner):
    """seeded_normal() gives the same numbers for the same seed, different for another
    zh: seeded_normal() 同一种子给出相同的数，另一种子给出不同的数"""
    first = learner.probe("seeded_normal_rng", (4,), 7, {})["result"]
    again = learner.probe("seeded_normal_rng", (4,), 7, {})["result"]
    other = learner.probe("seeded_normal_rng", (4,), 8, {})["result"]
    assert_close(
        first,
        torch.randn((4,), generator=torch.Generator().manual_seed(7)),
        what="seeded_normal((4,), 7)",
        dtype_from="dtype=",
        device_from="device=",
    )
    assert_close(
        again,
        first,
        what=T.say("called_twice", call="seeded_normal((4,), 7)"),
        dtype_from="dtype=",
        device_from="device=",
    )
    assert_close(
        other,
        torch.randn((4,), generator=torch.Generator().manual_seed(8)),
        what="seeded_normal((4,), 8)",
        dtype_from="dtype=",
        device_from="device=",
    )
