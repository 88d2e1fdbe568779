"""The machinery's own check that learner code rebound nothing it relies on (hole 5).

What measures a call in the worker (the counting mode, the forbidden-call guard, the
before/after copies of inputs, the probes, the codec) calls torch, numpy, builtins and its
own classes and functions by name. Learner code could rebind any of those names
(`torch.Tensor.numpy = ...`, `torch.random.get_rng_state = ...`, a mode's
`__torch_function__`) so that a measurement sees what the learner wants. Static screening
flags the plain spellings; this catches every spelling at run time: a snapshot of those
names, taken in the worker before any learner code is imported, is compared by identity
before each answer leaves the worker. A difference trips the tamper tripwire (tamper.py):
the worker dies, the submission is flagged, the guarded points are taken.
"""

from __future__ import annotations

import _thread
import builtins
import ctypes
import gc
import operator
import sys
import sysconfig
import threading
import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
import torch.nn.functional
import torch.overrides
import torch.random
import torch.utils._python_dispatch

# Names worth rebinding: functions, classes and modules (data such as the guard's armed
# rules is rebound by the machinery itself).
_BINDINGS = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.GetSetDescriptorType,
    types.MemberDescriptorType,
    types.ModuleType,
    type,
    staticmethod,
    classmethod,
    property,
)
_THIRD_PARTY = (
    builtins,
    _thread,
    threading,
    np,
    torch,
    torch.random,
    torch.cuda,
    torch.nn.functional,
    torch.overrides,
    torch.utils._python_dispatch,
)
_CLASSES = (
    torch.Tensor,
    torch._C.TensorBase,
    torch.overrides.TorchFunctionMode,
    torch.utils._python_dispatch.TorchDispatchMode,
    np.ndarray,
)


class Snapshot:
    """Which object each watched name was bound to when the worker started."""

    def __init__(self) -> None:
        namespaces: list[tuple[str, dict[str, Any]]] = []
        modules = (*_THIRD_PARTY, *_machinery())
        for module in modules:
            namespaces.append((_label(module.__name__), vars(module)))
        # A module's class can be swapped for one whose __getattribute__ answers anything,
        # which writes to no namespace: each watched module's type is compared too.
        self._modules = [(_label(m.__name__), m, type(m)) for m in modules]
        classes = [*_CLASSES, *_machinery_classes()]
        for cls in classes:
            namespaces.append((_label(f"{cls.__module__}.{cls.__qualname__}"), cls.__dict__))
        self._bound = [
            (f"{label}.{name}" if ":" not in label else label, space, name, value)
            for label, space, in_space in ((n, s, s) for n, s in namespaces)
            for name, value in list(in_space.items())
            if isinstance(value, _BINDINGS)
        ]
        # A class may also be patched by a new entry that shadows an inherited one
        # (`torch.Tensor.numpy = ...` puts `numpy` in Tensor's own dict).
        self._shadowed = [
            (_label(f"{cls.__module__}.{cls.__qualname__}"), cls.__dict__, frozenset(dir(cls)))
            for cls in classes
        ]
        self._own_keys = [frozenset(cls.__dict__) for cls in classes]
        # Names torch itself may rewrap are compared one by one (_wraps), never in the groups.
        self._wrapped = [entry for entry in self._bound if entry[0] in _WRAPPED_BY_TORCH]
        self._groups = _groups([e for e in self._bound if e[0] not in _WRAPPED_BY_TORCH])
        # One per namespace: the groups' (their watched names), then the classes' (their keys).
        self._writes = DictWrites([space for _, space, _ in self._groups + self._shadowed])

    def changed(self) -> str:
        """The first watched name bound elsewhere now ("" when none)."""
        # Before each answer, so fast: only a namespace written to since it was last found
        # clean is looked at (DictWrites; all of them where that cannot be known). In one,
        # every watched name is fetched and compared by identity in C (about a tenth of the
        # loop below); only a difference (or a name gone) takes the loop, which names it.
        for label, module, kind in self._modules:
            if type(module) is not kind:
                return label.partition(":")[0]
        written = self._writes.since_clean()
        if not written:
            return ""
        groups = len(self._groups)
        for index, _ in written:
            if index < groups:
                fetch, space, values = self._groups[index]
                try:
                    now = fetch(space)
                except KeyError:
                    return self._first_changed()
                if any(map(operator.is_not, now, values)):
                    return self._first_changed()
            elif self._shadowed[index - groups][1].keys() != self._own_keys[index - groups]:
                return self._first_changed()
        rebound = self._first_changed(only_wrapped=True)
        if not rebound:
            self._writes.clean(written)
        return rebound

    def _first_changed(self, only_wrapped: bool = False) -> str:
        missing = object()
        for label, space, name, value in self._wrapped if only_wrapped else self._bound:
            now = space.get(name, missing)
            if now is not value and not (label in _WRAPPED_BY_TORCH and _wraps(now, value)):
                return label.partition(":")[0]
        if only_wrapped:
            return ""
        for (label, space, inherited), own in zip(self._shadowed, self._own_keys, strict=True):
            for name in space.keys() - own:
                if name in inherited:
                    return label.partition(":")[0] if ":" in label else f"{label}.{name}"
        return ""


class DictWrites:
    """Which of some namespaces (module dicts, class dicts) were written to since they were
    last found clean, read from each dict's version tag (PEP 509: CPython gives a dict a new
    tag at every write that changes it; no Python code can set one back). Trusted code reads
    the tags through views made here before any learner code runs. Where the tags do not
    behave so (another Python, another build), every namespace counts as written: the full
    check, as before. Measured: the full check before every answer cost about 0.5 ms in a
    worker (3,700 names), a third of a round trip; most answers write to no namespace."""

    def __init__(self, spaces: list[Any]) -> None:
        self._all = [(index, 0) for index in range(len(spaces))]
        self._tags: list[Any] | None = None
        if _tags_follow_writes():
            tags = [_tag_of(space) for space in spaces]
            if all(tag is not None for tag in tags):
                self._tags = tags
                self._seen = [tag.value for tag in tags]

    def since_clean(self) -> list[tuple[int, int]]:
        """(index, its tag now) of every namespace written to since it was found clean."""
        if self._tags is None:
            return self._all
        return [
            (index, now)
            for index, (tag, seen) in enumerate(zip(self._tags, self._seen, strict=True))
            if (now := tag.value) != seen
        ]

    def clean(self, checked: list[tuple[int, int]]) -> None:
        """These were found clean: as of the tags read before the check (a write since, by a
        thread of the learner's, say, then still counts as unchecked)."""
        if self._tags is not None:
            for index, tag in checked:
                self._seen[index] = tag


# ob_refcnt, ob_type, ma_used, then ma_version_tag (CPython 3.11 to 3.13, with the GIL).
_TAG_OFFSET = 2 * ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)


def _tag_of(space: Any) -> Any:
    """A view of the version tag of a module's dict or of a class's (behind its proxy)."""
    found = space if type(space) is dict else None
    if found is None:
        found = next((r for r in gc.get_referents(space) if type(r) is dict), None)
    if found is None:
        return None
    return ctypes.c_uint64.from_address(id(found) + _TAG_OFFSET)


def _tags_follow_writes() -> bool:
    """Whether this Python gives a dict a new tag at each write, and only then: tried on a
    scratch module dict and a scratch class."""
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return False
    if sysconfig.get_config_var("Py_GIL_DISABLED") or ctypes.sizeof(ctypes.c_void_p) != 8:
        return False
    space = {"a": 1, "b": 2}
    scratch = type("Scratch", (), {"a": 1})
    tags = (_tag_of(space), _tag_of(scratch.__dict__))
    if None in tags:
        return False
    seen = [tags[0].value, tags[1].value]
    writes = (
        lambda: space.__setitem__("a", object()),  # a value replaced: nothing else moves
        lambda: space.pop("b"),
        lambda: setattr(scratch, "a", object()),
        lambda: setattr(scratch, "c", 3),
    )
    for write in writes:
        if [tags[0].value, tags[1].value] != seen:  # changed without a write
            return False
        write()
        now = [tags[0].value, tags[1].value]
        if now == seen:
            return False
        seen = now
    return True


# Rebound by torch itself when a lazy part of it loads (torch._dynamo wraps manual_seed);
# the wrapper keeps the original as __wrapped__.
_WRAPPED_BY_TORCH = frozenset(["torch.manual_seed"])


def _groups(bound: list[tuple[str, Any, str, Any]]) -> list[tuple[Callable, Any, tuple]]:
    """Per namespace: a fetcher of its watched names (in C), the namespace, their values."""
    by_space: dict[int, tuple[Any, list[str], list[Any]]] = {}
    for _, space, name, value in bound:
        _, names, values = by_space.setdefault(id(space), (space, [], []))
        names.append(name)
        values.append(value)
    return [
        # Two names at least: itemgetter of one name returns the value, not a 1-tuple.
        (operator.itemgetter(*names, names[0]), space, (*values, values[0]))
        for space, names, values in by_space.values()
    ]


def _wraps(now: Any, original: Any) -> bool:
    return getattr(now, "__wrapped__", None) is original


def _label(name: str) -> str:
    """What a report says was rebound: never the grader's internal names."""
    return "the grader's own code:" if name.split(".")[0] == "grader" else name


def _machinery() -> Iterable[types.ModuleType]:
    """The grader's modules loaded in this worker (before hide_machinery removes them)."""
    return [m for n, m in list(sys.modules.items()) if n == "grader" or n.startswith("grader.")]


def _machinery_classes() -> list[type]:
    found = []
    for module in _machinery():
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                found.append(value)
    return found


def verifier(snapshot: Snapshot, trip: Callable[[str, str], None]) -> Callable[[], None]:
    """What the worker calls before each answer leaves it: trips on any rebound name."""

    def verify() -> None:
        rebound = snapshot.changed()
        if rebound:
            trip("rebound", rebound)

    return verify
