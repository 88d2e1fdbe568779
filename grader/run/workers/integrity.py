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
import operator
import sys
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
        for module in (*_THIRD_PARTY, *_machinery()):
            namespaces.append((_label(module.__name__), vars(module)))
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

    def changed(self) -> str:
        """The first watched name bound elsewhere now ("" when none)."""
        # Before each answer, so fast: per namespace, every watched name is fetched and
        # compared by identity in C (about a tenth of the loop below); only a difference
        # (or a name gone) takes the loop, which names it.
        for fetch, space, values in self._groups:
            try:
                now = fetch(space)
            except KeyError:
                return self._first_changed()
            if any(map(operator.is_not, now, values)):
                return self._first_changed()
        for (_, space, _), own in zip(self._shadowed, self._own_keys, strict=True):
            if space.keys() != own:
                return self._first_changed()
        return self._first_changed(only_wrapped=True)

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
