"""Public checks for 09 devices: learners run these with `grader check 09`."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import torch
from torch.utils._pytree import tree_structure

from grader.testing import (
    LearnerRaised,
    NamedTupleValue,
    assert_close,
    devices,
    expect_raises,
    fail,
    make_tensor,
    points,
    public,
)

pytestmark = public

Batch = namedtuple("Batch", ["inputs", "targets", "info"])

# Pretend machines for pick_device (see probes.py): what torch reports while it runs.
GPU_BOX = {"cuda": True, "cuda_count": 2, "mps": True}  # CUDA and MPS both (not real, but a test)
MAC = {"cuda": False, "cuda_count": 0, "mps": True}
LAPTOP = {"cuda": False, "cuda_count": 0, "mps": False}


# ---------------------------------------------------------------- pick_device


# The docstring's order: the first kind this machine has.
PREFERENCE = (
    ("cuda", torch.cuda.is_available),
    ("mps", torch.backends.mps.is_available),
    ("cpu", lambda: True),
)


def this_machine_default() -> torch.device:
    return torch.device(next(kind for kind, present in PREFERENCE if present()))


def check_device(got: Any, expected: torch.device, *, what: str) -> None:
    """A torch.device equal to `expected`; "cuda" may also come back as "cuda:0"."""
    if isinstance(got, str):
        fail(
            f"{what}: expected a torch.device, got the string {got!r}. Return "
            f"torch.device({got!r}) instead."
        )
    if not isinstance(got, torch.device):
        fail(f"{what}: expected {expected!r}, got {type(got).__name__}: {got!r:.80}.")
    same_index = got.index == expected.index or (expected.index is None and got.index == 0)
    if got.type != expected.type or not same_index:
        fail(f"{what}: expected {expected!r}, got {got!r}.")


def describe_machine(machine: dict) -> str:
    cuda = f"{machine['cuda_count']} CUDA GPU(s)" if machine["cuda"] else "no CUDA"
    return f"on a machine with {cuda} and {'MPS' if machine['mps'] else 'no MPS'}"


@points(1)
def test_pick_device_default(learner):
    """pick_device() picks the best device this machine has
    zh: pick_device() 选出这台机器上最好的设备"""
    expected = this_machine_default()
    check_device(
        learner.pick_device(),
        expected,
        what=f"pick_device() on the grading machine (CUDA available: "
        f"{torch.cuda.is_available()}, MPS available: {torch.backends.mps.is_available()})",
    )


@points(1)
def test_pick_device_prefer_cpu(learner):
    """pick_device("cpu") gives the CPU
    zh: pick_device("cpu") 给出 CPU"""
    check_device(learner.pick_device("cpu"), torch.device("cpu"), what='pick_device("cpu")')


@points(2)
def test_pick_device_unavailable(learner):
    """pick_device() raises ValueError for a device this machine does not have
    zh: pick_device() 对这台机器没有的设备抛出 ValueError"""
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        with expect_raises("ValueError", what='pick_device("cuda") on a machine without CUDA'):
            learner.pick_device("cuda")
    else:
        check_device(learner.pick_device("cuda"), torch.device("cuda"), what='pick_device("cuda")')
    missing = f"cuda:{max(count, 7)}"
    with expect_raises("ValueError", what=f'pick_device("{missing}") with {count} CUDA GPU(s)'):
        learner.pick_device(missing)


@points(2)
def test_pick_device_order(learner):
    """pick_device() prefers CUDA, then MPS, then the CPU
    zh: pick_device() 优先选 CUDA，其次 MPS，最后 CPU"""
    for machine, expected in [
        (GPU_BOX, torch.device("cuda")),
        (MAC, torch.device("mps")),
        (LAPTOP, torch.device("cpu")),
    ]:
        got = learner.probe("pick_device_on", machine)
        check_device(
            got,
            expected,
            what=f"pick_device() {describe_machine(machine)} (the order is CUDA, MPS, CPU)",
        )


@points(1)
def test_pick_device_prefer_wins(learner):
    """pick_device(prefer) returns the preferred device even when a better one exists
    zh: pick_device(prefer) 即使有更好的设备，也返回指定的设备"""
    for prefer in ("cpu", "cuda:1", "mps"):
        check_device(
            learner.probe("pick_device_on", GPU_BOX, prefer),
            torch.device(prefer),
            what=f'pick_device("{prefer}") {describe_machine(GPU_BOX)}',
        )


# ---------------------------------------------------------------- move_to


def check_moved(got: Any, original: Any, device: str | torch.device, path: str, call: str) -> None:
    """`got` must have `original`'s structure, its tensors on `device`, the rest untouched.
    What is a container (and of which kind) is what PyTorch's own pytree says of `original`."""
    where = f"{call}: at {path}," if path else f"{call}:"
    node = tree_structure(original)
    if node.is_leaf():
        check_leaf(got, original, device, where, path, call)
    elif node.type is namedtuple:
        check_namedtuple(got, original, device, path, call)
    elif node.type is dict:
        if type(got) is not dict:
            fail(f"{where} expected a dict, got {type(got).__name__}: {got!r:.80}.")
        if list(got) != list(original):
            fail(f"{where} expected the keys {list(original)!r}, got {list(got)!r}.")
        for key, value in original.items():
            check_moved(got[key], value, device, f"{path}[{key!r}]", call)
    else:  # a list or a plain tuple
        kind = node.type.__name__
        if type(got) is not node.type:
            shown = type(got).__name__
            fail(
                f"{where} expected a {kind}, got a {shown}: keep each container's type "
                f"(a {kind} stays a {kind})."
            )
        if len(got) != len(original):
            fail(f"{where} expected a {kind} of {len(original)} items, got {len(got)}.")
        for i, (g, o) in enumerate(zip(got, original, strict=True)):
            check_moved(g, o, device, f"{path}[{i}]", call)


def check_leaf(got: Any, original: Any, device, where: str, path: str, call: str) -> None:
    if isinstance(original, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            fail(f"{where} expected a tensor, got {type(got).__name__}: {got!r:.80}.")
        target = torch.device(device)
        if got.device.type != target.type:
            fail(
                f"{where} the tensor is on {got.device}, expected {target}. Move every tensor "
                "with tensor.to(device), using the `device` argument: never a fixed .cpu(), "
                ".cuda() or device name."
            )
        assert_close(got, original.to(device), what=f"{call}{path}")
        return
    if isinstance(original, np.ndarray):
        if not isinstance(got, np.ndarray) or not np.array_equal(got, original):
            fail(
                f"{where} expected the NumPy array {original!r} untouched, got "
                f"{type(got).__name__}: {got!r:.80}. Only tensors move; leave everything else."
            )
        return
    if type(got) is not type(original) or got != original:
        fail(
            f"{where} expected {original!r} ({type(original).__name__}) untouched, got "
            f"{got!r:.80} ({type(got).__name__}). Only tensors move: return every other value "
            "as it is."
        )


def check_namedtuple(got: Any, original: tuple, device, path: str, call: str) -> None:
    name, fields = type(original).__name__, tuple(original._fields)
    where = f"{call}: at {path}," if path else f"{call}:"
    if type(got) is tuple:
        fail(
            f"{where} expected the namedtuple {name}{fields}, got a plain tuple: the field "
            f"names are lost (.{fields[0]} no longer works). Rebuild the same type: "
            "type(obj)(*moved_items)."
        )
    if not isinstance(got, NamedTupleValue) or (got.type_name, got.fields) != (name, fields):
        shown = f"{got.type_name}{got.fields}" if isinstance(got, NamedTupleValue) else repr(got)
        fail(f"{where} expected the namedtuple {name}{fields}, got {shown:.80}.")
    for field, g, o in zip(fields, got.values, original, strict=True):
        check_moved(g, o, device, f"{path}.{field}", call)


def nested_batch() -> dict:
    return {
        "x": make_tensor(2, 3, seed=1),
        "pairs": [
            (make_tensor(2, seed=2), 7),
            (make_tensor(1, 2, seed=3, dtype=torch.float64), "label"),
        ],
        "ids": torch.arange(4),
        "mask": make_tensor(3, seed=4) > 0,
        "name": "batch-1",
        "count": 3,
        "nothing": None,
    }


def namedtuple_batch() -> Batch:
    return Batch(
        inputs=make_tensor(4, 2, seed=5),
        targets=torch.tensor([0, 1, 1, 0]),
        info={"ids": [10, 11, 12, 13], "scale": make_tensor(1, seed=6)},
    )


@points(2)
@devices("cpu", "cuda", "standin")
def test_move_to_nested(learner, device):
    """move_to() moves every tensor in a dict of lists of tuples
    zh: move_to() 移动由列表、元组组成的 dict 中的每个张量"""
    batch = nested_batch()
    check_moved(learner.move_to(batch, device), batch, device, "", f'move_to(batch, "{device}")')


def call_with_namedtuple_hint(learner, obj, device, call: str):
    try:
        return learner.move_to(obj, device)
    except LearnerRaised as raised:
        if raised.is_a("TypeError") and "required positional argument" in raised.exc_message:
            fail(
                f"{call} raised TypeError: {raised.exc_message}\nA namedtuple is built from "
                "separate arguments, not from one iterable: type(obj)(*moved_items)."
            )
        raise


@points(2)
@devices("cpu", "cuda", "standin")
def test_move_to_namedtuple(learner, device):
    """move_to() keeps a namedtuple a namedtuple of the same type
    zh: move_to() 让 namedtuple 仍是同一类型的 namedtuple"""
    batch = namedtuple_batch()
    call = f'move_to(Batch(inputs, targets, info), "{device}")'
    check_moved(call_with_namedtuple_hint(learner, batch, device, call), batch, device, "", call)


@points(1)
def test_move_to_leaves_untouched(learner):
    """move_to() leaves numbers, strings, None and NumPy arrays as they are
    zh: move_to() 对数字、字符串、None 和 NumPy 数组原样保留"""
    obj = {
        "n": 3,
        "f": 2.5,
        "flag": False,
        "s": "text",
        "none": None,
        "array": np.arange(3),
        "list": [1, 2.0, "three"],
        "tuple": (1.0, "a", None),
        "tensor": torch.zeros(2),
    }
    check_moved(learner.move_to(obj, "meta"), obj, "meta", "", 'move_to(obj, "meta")')


@points(1)
def test_move_to_input_unchanged(learner):
    """move_to() returns new containers and leaves its input as it was
    zh: move_to() 返回新的容器，并保持输入不变"""
    batch = nested_batch()
    seen = learner.watch.move_to(batch, "meta")
    check_moved(seen.result, batch, "meta", "", 'move_to(batch, "meta")')
    try:
        check_moved(seen.args[0], batch, "cpu", "", "the input")
    except AssertionError:
        fail(
            'move_to(batch, "meta") changed its input: the caller\'s containers now hold the '
            "moved tensors. Build new dicts and lists instead of assigning into `obj`."
        )
