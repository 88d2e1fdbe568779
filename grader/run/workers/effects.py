"""Side effects of a call on what it was handed: did learner code change its inputs?

Before a plain call, every tensor, NumPy array, list and dict among its arguments is recorded
(the tensor's values, shape, strides, dtype, device, requires_grad, .grad, and its version
counter, which every in-place write bumps, even one that is put back before returning); after
the call, each is compared with its record. What changed is reported by argument name, for the
judge to tell the learner.
"""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.run.shared import standin

MAX_DEPTH = 6
MAX_ITEMS = 2000  # tensors and containers recorded per call: enough for any course input


@dataclass
class _Record:
    where: str  # "x", "batch['images']", "tensors[1]"
    value: Any  # the object itself, as handed over
    copy: Any  # what it held: a clone, an array copy, the items of a container
    facts: tuple  # for tensors: metadata and version


def record(target: Any, args: tuple, kwargs: dict) -> list[_Record]:
    """What the call is handed, by the names the learner's function gives its arguments."""
    records: list[_Record] = []
    for name, value in _named(target, args, kwargs):
        _walk(value, name, records, 0)
    return records


def changes(records: list[_Record]) -> list[dict[str, str]]:
    """What differs now from each record: [{"where": "x", "what": "values"}, ...]."""
    found = []
    for r in records:
        what = _what_changed(r)
        if what:
            found.append({"where": r.where, "what": what})
    return found[:10]


# ---------------------------------------------------------------- recording


def _named(target: Any, args: tuple, kwargs: dict) -> list[tuple[str, Any]]:
    try:
        bound = _signature(target).bind_partial(*args, **kwargs)
        return list(bound.arguments.items())
    except (TypeError, ValueError):
        return [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())


# (id of the function, id of what it is bound to) -> (both, the signature): a learner
# function's signature is read once per worker, not per call (reading it reads __code__ and
# __defaults__, which are audited: the tripwire looks at each). Both are kept, so that
# their ids are never reused. Other callables (objects with __call__) are read each time.
_signatures: dict[tuple[int, int], tuple[tuple, inspect.Signature]] = {}


def _signature(target: Any) -> inspect.Signature:
    # By exact type: an object that only claims to be a method or function (its __class__)
    # is read each time, as any other callable.
    if type(target) is types.MethodType:  # (a new object each time it is looked up)
        kept: tuple = (target.__func__, target.__self__)
    elif type(target) is types.FunctionType:
        kept = (target, None)
    else:
        return inspect.signature(target)
    key = (id(kept[0]), id(kept[1]))
    known = _signatures.get(key)
    if known is None or known[0][0] is not kept[0] or known[0][1] is not kept[1]:
        known = _signatures[key] = (kept, inspect.signature(target))
    return known[1]


def _walk(value: Any, where: str, records: list[_Record], depth: int) -> None:
    if depth > MAX_DEPTH or len(records) >= MAX_ITEMS:
        return
    if isinstance(value, torch.Tensor):
        records.append(_Record(where, value, _values(value), _facts(value)))
    elif isinstance(value, np.ndarray):
        records.append(_Record(where, value, value.copy(), (value.shape, value.dtype)))
    elif type(value) is list or isinstance(value, tuple):
        if type(value) is list:
            records.append(_Record(where, value, list(value), ()))
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]", records, depth + 1)
    elif type(value) is dict:
        records.append(_Record(where, value, dict(value), ()))
        for key, item in list(value.items())[:MAX_ITEMS]:
            _walk(item, f"{where}[{key!r}]", records, depth + 1)


def _values(t: torch.Tensor) -> torch.Tensor | None:
    plain = standin.unwrap(t)
    if plain.device.type == "meta":
        return None
    with torch.no_grad():
        return plain.detach().clone()


def _facts(t: torch.Tensor) -> tuple:
    plain = standin.unwrap(t)
    grad = t.grad if t.is_leaf else None
    return (
        tuple(plain.shape),
        plain.stride(),
        plain.dtype,
        str(t.device),
        t.requires_grad,
        None if grad is None else _values(grad),
        plain._version,
    )


# ---------------------------------------------------------------- comparing


def _what_changed(r: _Record) -> str:
    if isinstance(r.value, torch.Tensor):
        return _tensor_change(r)
    if isinstance(r.value, np.ndarray):
        same = r.value.shape == r.copy.shape and np.array_equal(r.value, r.copy, equal_nan=True)
        return "" if same else "values"
    if type(r.value) is list:
        same = len(r.value) == len(r.copy) and all(
            a is b for a, b in zip(r.value, r.copy, strict=True)
        )
        return "" if same else "items"
    if type(r.value) is dict:
        same = r.value.keys() == r.copy.keys() and all(r.value[k] is r.copy[k] for k in r.copy)
        return "" if same else "items"
    return ""


def _tensor_change(r: _Record) -> str:
    shape, stride, dtype, device, requires_grad, grad, version = r.facts
    t, plain = r.value, standin.unwrap(r.value)
    if tuple(plain.shape) != shape or plain.dtype != dtype:
        return "shape" if tuple(plain.shape) != shape else "dtype"
    if str(t.device) != device:
        return "device"
    if t.requires_grad != requires_grad:
        return "requires_grad"
    now = t.grad if t.is_leaf else None
    if (now is None) != (grad is None) or (now is not None and not _same(_values(now), grad)):
        return "grad"
    if r.copy is not None and not _same(plain.detach(), r.copy):
        return "values"
    if plain.stride() != stride:
        return "strides"
    if plain._version != version:
        return "written_back"  # written in place, then put back as it was
    return ""


def _same(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    if a is None or b is None:
        return a is b
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(torch.equal(a, b)) or bool(
        a.is_floating_point()
        and torch.equal(torch.isnan(a), torch.isnan(b))
        and torch.equal(torch.nan_to_num(a), torch.nan_to_num(b))
    )
