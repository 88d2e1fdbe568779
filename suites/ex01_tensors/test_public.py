"""Public checks for 01 tensors: learners run these with `grader check 01`."""

import numpy as np
import torch
import torch.nn.functional as F

from grader.testing import (
    assert_close,
    assert_equal,
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


KEYS = ("device", "dtype", "numel", "requires_grad", "shape")


def check_description(got, x: torch.Tensor, what: str) -> None:
    """Each key against what PyTorch itself reports about x."""
    if not isinstance(got, dict):
        fail(f"{what}: expected a dict, got {type(got).__name__}.")
    expected = R.description(x)
    assert_equal(sorted(got, key=str), list(KEYS), what=f"{what}: the keys")
    assert_equal(got["shape"], expected["shape"], what=f'{what}["shape"]')
    assert_equal(got["dtype"], expected["dtype"], what=f'{what}["dtype"]')
    assert_equal(got["device"], x.device, what=f'{what}["device"]')
    assert_equal(got["numel"], expected["numel"], what=f'{what}["numel"]')
    assert_equal(got["requires_grad"], bool(x.requires_grad), what=f'{what}["requires_grad"]')


@points(1)
@devices("cpu", "cuda", "standin")
def test_describe(learner, device):
    "describe() reports shape, dtype, device, numel and requires_grad"
    x = make_tensor(2, 3, seed=1, device=device)
    check_description(learner.describe(x), x, "describe(x)")


@points(1)
def test_describe_requires_grad(learner):
    "describe() sees requires_grad=True"
    x = make_tensor(4, seed=2, dtype=torch.float64, requires_grad=True)
    check_description(learner.describe(x), x, "describe(x) for x with requires_grad=True")


@points(2)
@devices("cpu", "cuda", "standin")
def test_coordinate_grid(learner, device):
    "coordinate_grid(h, w) holds (i, j) at [i, j], on the requested device"
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
    "coordinate_grid() uses the requested dtype"
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
    "one_hot() equals F.one_hot"
    labels = torch.tensor([0, 3, 1, 3, 2], device=device)
    assert_close(
        learner.one_hot(labels, 4),
        F.one_hot(labels, 4),
        what="one_hot(labels, 4)",
        dtype_from="fixed",
    )


@points(1)
def test_one_hot_bad_label(learner):
    "one_hot() raises ValueError naming a label outside [0, num_classes)"
    labels = torch.tensor([1, 0, 5])
    with expect_raises("ValueError", what="one_hot(tensor([1, 0, 5]), 3)", match="5"):
        learner.one_hot(labels, 3)


@points(1)
def test_share_numpy(learner):
    "share_numpy() shares memory with the array, both ways"
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    seen = learner.probe("numpy_memory", "share_numpy", array)
    assert_close(seen.get("result"), torch.from_numpy(array.copy()), what="share_numpy(a)")
    if not (seen["tensor_saw_array_write"] and seen["array_saw_tensor_write"]):
        fail(
            "share_numpy(a): a write to the array (or to the tensor) did not show on the other "
            "side, so they do not share memory. Look at torch.from_numpy."
        )


@points(1)
def test_copy_numpy(learner):
    "copy_numpy() copies: writes do not cross"
    array = np.arange(6, dtype=np.float64).reshape(3, 2)
    seen = learner.probe("numpy_memory", "copy_numpy", array)
    assert_close(seen.get("result"), torch.from_numpy(array.copy()), what="copy_numpy(a)")
    if seen["tensor_saw_array_write"] or seen["array_saw_tensor_write"]:
        fail(
            "copy_numpy(a): the tensor and the array still share memory: a write to one "
            "showed in the other. Make a copy (torch.tensor copies; torch.from_numpy does not)."
        )


def check_x_left_alone(seen: dict, what: str) -> None:
    if not seen.get("x_left_alone", True):
        fail(
            f"{what}: the caller's x changed (its values or its requires_grad flag). Leave x "
            "alone: x.detach() gives a tensor without the flag, and x itself keeps it."
        )


@points(1)
@devices("cpu", "cuda", "standin")
def test_to_numpy(learner, device):
    "to_numpy() works on any device"
    x = make_tensor(3, 2, seed=3, device=device)
    seen = learner.probe("to_numpy_result", x)
    if not seen["is_ndarray"]:
        fail(f"to_numpy(x): expected a numpy.ndarray, got {seen['values']!r}.")
    assert_close(seen["values"], x.cpu(), what="to_numpy(x)")
    check_x_left_alone(seen, "to_numpy(x)")


@points(1)
def test_to_numpy_requires_grad(learner):
    "to_numpy() works for a tensor that requires grad"
    x = make_tensor(4, seed=4, requires_grad=True)
    seen = learner.probe("to_numpy_result", x)
    if not seen["is_ndarray"]:
        fail(f"to_numpy(x): expected a numpy.ndarray, got {seen['values']!r}.")
    assert_close(seen["values"], x.detach(), what="to_numpy(x) with requires_grad=True")
    check_x_left_alone(seen, "to_numpy(x) with requires_grad=True")


@points(2)
@devices("cpu", "cuda", "standin")
def test_seeded_normal(learner, device):
    "seeded_normal() matches torch.randn with a seeded generator and leaves the global RNG alone"
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
        fail(
            "seeded_normal(): PyTorch's global random state changed. Use a torch.Generator "
            "of your own instead of torch.manual_seed."
        )
