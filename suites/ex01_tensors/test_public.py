"""Public checks for 01 tensors: learners run these with `grader check 01`."""

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
        "not_a_dict": (
            "{what}: expected a dict, got {kind}.",
            "{what}：应返回 dict，实际得到 {kind}。",
        ),
        "the_keys": ("{what}: the keys", "{what} 的键"),
        "describe_requires_grad": (
            "describe(x) for x with requires_grad=True",
            "describe(x)，其中 x 的 requires_grad=True",
        ),
        "share_numpy_no_sharing": (
            "share_numpy(a): a write to the array (or to the tensor) did not show on the other "
            "side, so they do not share memory. Look at torch.from_numpy.",
            "share_numpy(a)：写入数组（或张量）后，另一方没有看到变化，所以两者并不共享内存。"
            "请看看 torch.from_numpy。",
        ),
        "copy_numpy_shares": (
            "copy_numpy(a): the tensor and the array still share memory: a write to one "
            "showed in the other. Make a copy (torch.tensor copies; torch.from_numpy does not).",
            "copy_numpy(a)：张量和数组仍然共享内存：写入其中一方，另一方也出现了变化。"
            "请复制一份（torch.tensor 会复制，torch.from_numpy 不会）。",
        ),
        "x_changed": (
            "{what}: the caller's x changed (its values or its requires_grad flag). Leave x "
            "alone: x.detach() gives a tensor without the flag, and x itself keeps it.",
            "{what}：调用者的 x 被改变了（它的值或它的 requires_grad 标志）。不要改动 x："
            "x.detach() 会给出一个不带该标志的张量，而 x 本身保留它。",
        ),
        "not_an_ndarray": (
            "{call}: expected a numpy.ndarray, got {got}.",
            "{call}：应返回 numpy.ndarray，实际得到 {got}。",
        ),
        "to_numpy_requires_grad": (
            "to_numpy(x) with requires_grad=True",
            "to_numpy(x)，其中 x 的 requires_grad=True",
        ),
        "variant_as_given": ("as given", "原样"),
        "variant_non_contiguous": ("non-contiguous", "非连续"),
        "variant_with": ("with {value}", "含 {value}"),
        "rng_changed": (
            "seeded_normal(): PyTorch's global random state changed. Use a torch.Generator "
            "of your own instead of torch.manual_seed.",
            "seeded_normal()：PyTorch 的全局随机状态被改变了。请使用你自己的 torch.Generator，"
            "而不是 torch.manual_seed。",
        ),
    }
)

VARIANT_LABELS = {"as given": "variant_as_given", "non-contiguous": "variant_non_contiguous"}


def variant_label(label: str) -> str:
    """A variant's label (grader.testing.variants: "as given", "float64", "non-contiguous",
    "requires_grad", "with -inf") in the learner's language; dtype names stay as they are."""
    if label.startswith("with "):
        return T.say("variant_with", value=label.removeprefix("with "))
    key = VARIANT_LABELS.get(label)
    return T.say(key) if key else label


KEYS = ("device", "dtype", "numel", "requires_grad", "shape")


def check_description(got, x: torch.Tensor, what: str) -> None:
    """Each key against what PyTorch itself reports about x."""
    if not isinstance(got, dict):
        fail(T.say("not_a_dict", what=what, kind=type(got).__name__))
    expected = R.description(x)
    assert_equal(sorted(got, key=str), list(KEYS), what=T.say("the_keys", what=what))
    assert_equal(got["shape"], expected["shape"], what=f'{what}["shape"]')
    assert_equal(got["dtype"], expected["dtype"], what=f'{what}["dtype"]')
    assert_equal(got["device"], x.device, what=f'{what}["device"]')
    assert_equal(got["numel"], expected["numel"], what=f'{what}["numel"]')
    assert_equal(got["requires_grad"], bool(x.requires_grad), what=f'{what}["requires_grad"]')


@points(1)
@devices("cpu", "cuda", "standin")
def test_describe(learner, device):
    """describe() reports shape, dtype, device, numel and requires_grad
    zh: describe() 报告形状、数据类型、设备、numel 和 requires_grad"""
    x = make_tensor(2, 3, seed=1, device=device)
    check_description(learner.describe(x), x, "describe(x)")


@points(1)
def test_describe_requires_grad(learner):
    """describe() sees requires_grad=True
    zh: describe() 能识别 requires_grad=True"""
    x = make_tensor(4, seed=2, dtype=torch.float64, requires_grad=True)
    check_description(learner.describe(x), x, T.say("describe_requires_grad"))


@points(2)
@devices("cpu", "cuda", "standin")
def test_coordinate_grid(learner, device):
    """coordinate_grid(h, w) holds (i, j) at [i, j], on the requested device
    zh: coordinate_grid(h, w) 在 [i, j] 处存放 (i, j)，并位于所要求的设备上"""
    expected = R.grid(3, 4).to(device)
    got = learner.coordinate_grid(3, 4, device=device)
    assert_close(
        got,
        expected,
        what=f"coordinate_grid(3, 4, device='{device}')",
        dtype_from="dtype=",
        device_from="device=",
    )


@points(1)
def test_coordinate_grid_dtype(learner):
    """coordinate_grid() uses the requested dtype
    zh: coordinate_grid() 使用所要求的数据类型"""
    expected = R.grid(2, 5, torch.float64)
    assert_close(
        learner.coordinate_grid(2, 5, dtype=torch.float64),
        expected,
        what="coordinate_grid(2, 5, dtype=torch.float64)",
        dtype_from="dtype=",
        device_from="device=",
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_one_hot(learner, device):
    """one_hot() equals F.one_hot
    zh: one_hot() 与 F.one_hot 结果相同"""
    labels = torch.tensor([0, 3, 1, 3, 2], device=device)
    assert_close(
        learner.one_hot(labels, 4),
        F.one_hot(labels, 4),
        what="one_hot(labels, 4)",
        dtype_from="fixed",
    )


@points(1)
def test_one_hot_bad_label(learner):
    """one_hot() raises ValueError naming a label outside [0, num_classes)
    zh: one_hot() 遇到 [0, num_classes) 之外的标签时抛出 ValueError，并指明该标签"""
    labels = torch.tensor([1, 0, 5])
    with expect_raises("ValueError", what="one_hot(tensor([1, 0, 5]), 3)", match="5"):
        learner.one_hot(labels, 3)


@points(1)
def test_share_numpy(learner):
    """share_numpy() shares memory with the array, both ways
    zh: share_numpy() 与数组双向共享内存"""
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    seen = learner.probe("numpy_memory", "share_numpy", array)
    assert_close(seen.get("result"), torch.from_numpy(array.copy()), what="share_numpy(a)")
    if not (seen["tensor_saw_array_write"] and seen["array_saw_tensor_write"]):
        fail(T.say("share_numpy_no_sharing"))


@points(1)
def test_copy_numpy(learner):
    """copy_numpy() copies: writes do not cross
    zh: copy_numpy() 会复制：写入不会传到另一方"""
    array = np.arange(6, dtype=np.float64).reshape(3, 2)
    seen = learner.probe("numpy_memory", "copy_numpy", array)
    assert_close(seen.get("result"), torch.from_numpy(array.copy()), what="copy_numpy(a)")
    if seen["tensor_saw_array_write"] or seen["array_saw_tensor_write"]:
        fail(T.say("copy_numpy_shares"))


def check_x_left_alone(seen: dict, what: str) -> None:
    if not seen.get("x_left_alone", True):
        fail(T.say("x_changed", what=what))


@points(1)
@devices("cpu", "cuda", "standin")
def test_to_numpy(learner, device):
    """to_numpy() works on any device
    zh: to_numpy() 适用于任何设备"""
    x = make_tensor(3, 2, seed=3, device=device)
    seen = learner.probe("to_numpy_result", x)
    if not seen["is_ndarray"]:
        fail(T.say("not_an_ndarray", call="to_numpy(x)", got=repr(seen["values"])))
    assert_close(seen["values"], x.cpu(), what="to_numpy(x)")
    check_x_left_alone(seen, "to_numpy(x)")


@points(1)
def test_to_numpy_requires_grad(learner):
    """to_numpy() works for a tensor that requires grad
    zh: to_numpy() 适用于需要梯度的张量"""
    x = make_tensor(4, seed=4, requires_grad=True)
    seen = learner.probe("to_numpy_result", x)
    if not seen["is_ndarray"]:
        fail(T.say("not_an_ndarray", call="to_numpy(x)", got=repr(seen["values"])))
    what = T.say("to_numpy_requires_grad")
    assert_close(seen["values"], x.detach(), what=what)
    check_x_left_alone(seen, what)


@points(2)
@devices("cpu", "cuda", "standin")
def test_seeded_normal(learner, device):
    """seeded_normal() matches torch.randn with a seeded generator and leaves the global RNG alone
    zh: seeded_normal() 与使用带种子生成器的 torch.randn 结果相同，且不改变全局随机状态"""
    expected = torch.randn((3, 4), generator=torch.Generator(device).manual_seed(11), device=device)
    seen = learner.probe("seeded_normal_rng", (3, 4), 11, {"device": device})
    assert_close(
        seen["result"],
        expected,
        what=f"seeded_normal((3, 4), 11, device='{device}')",
        dtype_from="dtype=",
        device_from="device=",
    )
    if not seen["rng_unchanged"]:
        fail(T.say("rng_changed"))
