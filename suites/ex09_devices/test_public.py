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
    catalog,
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

# Every sentence this folder's checks show a learner, in English and Chinese (test_hidden.py
# adds its own to these).
TEXTS = {
    "got_string": (
        "{what}: expected a torch.device, got the string {got}. Return "
        "torch.device({got}) instead.",
        "{what}：应为 torch.device，实际得到字符串 {got}。请改为返回 torch.device({got})。",
    ),
    "expected_device_kind": (
        "{what}: expected {expected}, got {kind}: {value}.",
        "{what}：应为 {expected}，实际得到 {kind}：{value}。",
    ),
    "expected_device": (
        "{what}: expected {expected}, got {got}.",
        "{what}：应为 {expected}，实际为 {got}。",
    ),
    "machine": ("on a machine with {cuda} and {mps}", "在一台{cuda}、{mps} 的机器上"),
    "n_cuda": ("{n} CUDA GPU(s)", "有 {n} 块 CUDA GPU"),
    "no_cuda": ("no CUDA", "没有 CUDA"),
    "has_mps": ("MPS", "有 MPS"),
    "no_mps": ("no MPS", "没有 MPS"),
    "default_here": (
        "pick_device() on the grading machine (CUDA available: {cuda}, MPS available: {mps})",
        "pick_device() 在评分机器上（CUDA 可用：{cuda}，MPS 可用：{mps}）",
    ),
    "cuda_missing_here": (
        'pick_device("cuda") on a machine without CUDA',
        'pick_device("cuda") 在没有 CUDA 的机器上',
    ),
    "index_missing": (
        'pick_device("{device}") with {count} CUDA GPU(s)',
        'pick_device("{device}")，机器上有 {count} 块 CUDA GPU',
    ),
    "order": (
        "pick_device() {machine} (the order is CUDA, MPS, CPU)",
        "pick_device() {machine}（顺序是 CUDA、MPS、CPU）",
    ),
    "at_path": ("{call}: at {path},", "{call}：在 {path} 处，"),
    "at_top": ("{call}:", "{call}："),
    "expected_dict": (
        "{where} expected a dict, got {kind}: {value}.",
        "{where}应为 dict，实际得到 {kind}：{value}。",
    ),
    "expected_keys": (
        "{where} expected the keys {expected}, got {got}.",
        "{where}键应为 {expected}，实际为 {got}。",
    ),
    "container_type": (
        "{where} expected a {kind}, got a {shown}: keep each container's type "
        "(a {kind} stays a {kind}).",
        "{where}应为 {kind}，实际得到 {shown}：请保持每个容器的类型（{kind} 仍是 {kind}）。",
    ),
    "container_length": (
        "{where} expected a {kind} of {n} items, got {got}.",
        "{where}应为含 {n} 项的 {kind}，实际有 {got} 项。",
    ),
    "expected_tensor": (
        "{where} expected a tensor, got {kind}: {value}.",
        "{where}应为张量，实际得到 {kind}：{value}。",
    ),
    "tensor_device": (
        "{where} the tensor is on {device}, expected {target}. Move every tensor "
        "with tensor.to(device), using the `device` argument: never a fixed .cpu(), "
        ".cuda() or device name.",
        "{where}张量在 {device} 上，应在 {target} 上。请用 tensor.to(device) 移动每个张量，使用 "
        "`device` 参数：绝不要用固定的 .cpu()、.cuda() 或设备名。",
    ),
    "numpy_untouched": (
        "{where} expected the NumPy array {original} untouched, got "
        "{kind}: {value}. Only tensors move; leave everything else.",
        "{where}NumPy 数组 {original} 应原样保留，实际得到 {kind}：{value}。只有张量需要移动；"
        "其他一切都保持原样。",
    ),
    "value_untouched": (
        "{where} expected {original} ({kind}) untouched, got "
        "{value} ({got_kind}). Only tensors move: return every other value "
        "as it is.",
        "{where}{original}（{kind}）应原样保留，实际得到 {value}（{got_kind}）。只有张量需要移动："
        "其他每个值都原样返回。",
    ),
    "plain_tuple": (
        "{where} expected the namedtuple {name}{fields}, got a plain tuple: the field "
        "names are lost (.{field} no longer works). Rebuild the same type: "
        "type(obj)(*moved_items).",
        "{where}应为 namedtuple {name}{fields}，实际得到普通的 tuple：字段名丢失了（.{field} "
        "不再可用）。请重建同一类型：type(obj)(*moved_items)。",
    ),
    "namedtuple_other": (
        "{where} expected the namedtuple {name}{fields}, got {shown}.",
        "{where}应为 namedtuple {name}{fields}，实际得到 {shown}。",
    ),
    "namedtuple_typeerror": (
        "{call} raised TypeError: {message}\nA namedtuple is built from "
        "separate arguments, not from one iterable: type(obj)(*moved_items).",
        "{call} 抛出了 TypeError：{message}\nnamedtuple 由分开的各个参数构建，而不是由一个可迭代"
        "对象构建：type(obj)(*moved_items)。",
    ),
    "the_input": ("the input", "输入"),
    "input_changed": (
        'move_to(batch, "meta") changed its input: the caller\'s containers now hold the '
        "moved tensors. Build new dicts and lists instead of assigning into `obj`.",
        'move_to(batch, "meta") 修改了它的输入：调用者的容器里现在装的是移动后的张量。请构建新的 '
        "dict 和 list，而不是给 `obj` 中的元素赋值。",
    ),
}
MESSAGES = catalog(TEXTS)


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
        fail(MESSAGES.say("got_string", what=what, got=repr(got)))
    if not isinstance(got, torch.device):
        kind, value = type(got).__name__, f"{got!r:.80}"
        fail(
            MESSAGES.say(
                "expected_device_kind", what=what, expected=repr(expected), kind=kind, value=value
            )
        )
    same_index = got.index == expected.index or (expected.index is None and got.index == 0)
    if got.type != expected.type or not same_index:
        fail(MESSAGES.say("expected_device", what=what, expected=repr(expected), got=repr(got)))


def describe_machine(machine: dict) -> str:
    say = MESSAGES.say
    cuda = say("n_cuda", n=machine["cuda_count"]) if machine["cuda"] else say("no_cuda")
    return say("machine", cuda=cuda, mps=say("has_mps" if machine["mps"] else "no_mps"))


@points(1)
def test_pick_device_default(learner):
    """pick_device() picks the best device this machine has
    zh: pick_device() 选出这台机器上最好的设备"""
    expected = this_machine_default()
    check_device(
        learner.pick_device(),
        expected,
        what=MESSAGES.say(
            "default_here",
            cuda=torch.cuda.is_available(),
            mps=torch.backends.mps.is_available(),
        ),
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
        with expect_raises("ValueError", what=MESSAGES.say("cuda_missing_here")):
            learner.pick_device("cuda")
    else:
        check_device(learner.pick_device("cuda"), torch.device("cuda"), what='pick_device("cuda")')
    missing = f"cuda:{max(count, 7)}"
    what = MESSAGES.say("index_missing", device=missing, count=count)
    with expect_raises("ValueError", what=what):
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
            what=MESSAGES.say("order", machine=describe_machine(machine)),
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
    where = (
        MESSAGES.say("at_path", call=call, path=path) if path else MESSAGES.say("at_top", call=call)
    )
    node = tree_structure(original)
    if node.is_leaf():
        check_leaf(got, original, device, where, path, call)
    elif node.type is namedtuple:
        check_namedtuple(got, original, device, path, call)
    elif node.type is dict:
        if type(got) is not dict:
            kind, value = type(got).__name__, f"{got!r:.80}"
            fail(MESSAGES.say("expected_dict", where=where, kind=kind, value=value))
        if list(got) != list(original):
            expected, shown = repr(list(original)), repr(list(got))
            fail(MESSAGES.say("expected_keys", where=where, expected=expected, got=shown))
        for key, value in original.items():
            check_moved(got[key], value, device, f"{path}[{key!r}]", call)
    else:  # a list or a plain tuple
        kind = node.type.__name__
        if type(got) is not node.type:
            shown = type(got).__name__
            fail(MESSAGES.say("container_type", where=where, kind=kind, shown=shown))
        if len(got) != len(original):
            n, count = len(original), len(got)
            fail(MESSAGES.say("container_length", where=where, kind=kind, n=n, got=count))
        for i, (g, o) in enumerate(zip(got, original, strict=True)):
            check_moved(g, o, device, f"{path}[{i}]", call)


def check_leaf(got: Any, original: Any, device, where: str, path: str, call: str) -> None:
    if isinstance(original, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            kind, value = type(got).__name__, f"{got!r:.80}"
            fail(MESSAGES.say("expected_tensor", where=where, kind=kind, value=value))
        target = torch.device(device)
        if got.device.type != target.type:
            fail(MESSAGES.say("tensor_device", where=where, device=got.device, target=target))
        assert_close(got, original.to(device), what=f"{call}{path}")
        return
    if isinstance(original, np.ndarray):
        if not isinstance(got, np.ndarray) or not np.array_equal(got, original):
            kind, value = type(got).__name__, f"{got!r:.80}"
            fail(
                MESSAGES.say(
                    "numpy_untouched", where=where, original=repr(original), kind=kind, value=value
                )
            )
        return
    if type(got) is not type(original) or got != original:
        fail(
            MESSAGES.say(
                "value_untouched",
                where=where,
                original=repr(original),
                kind=type(original).__name__,
                value=f"{got!r:.80}",
                got_kind=type(got).__name__,
            )
        )


def check_namedtuple(got: Any, original: tuple, device, path: str, call: str) -> None:
    name, fields = type(original).__name__, tuple(original._fields)
    where = (
        MESSAGES.say("at_path", call=call, path=path) if path else MESSAGES.say("at_top", call=call)
    )
    if type(got) is tuple:
        fail(MESSAGES.say("plain_tuple", where=where, name=name, fields=fields, field=fields[0]))
    if not isinstance(got, NamedTupleValue) or (got.type_name, got.fields) != (name, fields):
        shown = f"{got.type_name}{got.fields}" if isinstance(got, NamedTupleValue) else repr(got)
        shown = f"{shown:.80}"
        fail(MESSAGES.say("namedtuple_other", where=where, name=name, fields=fields, shown=shown))
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
            fail(MESSAGES.say("namedtuple_typeerror", call=call, message=raised.exc_message))
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
        check_moved(seen.args[0], batch, "cpu", "", MESSAGES.say("the_input"))
    except AssertionError:
        fail(MESSAGES.say("input_changed"))
