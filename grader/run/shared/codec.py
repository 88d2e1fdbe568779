"""The safe value codec: what crosses between the judge and the workers as data.

Values (tensors, numbers, strings, containers) travel as a JSON tree of tagged values
followed by the raw bytes of each tensor: no pickle anywhere, so bytes written by a worker
can never run code in the judge, and the judge rebuilds exactly the types it allows and
nothing a worker names. (torch.save/torch.load(weights_only=True) would be safe too, but
cost about 1 ms a call.)
"""

from __future__ import annotations

import json
import math
import struct
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.run.shared import standin
from grader.run.shared.frames import ProtocolError


@dataclass(frozen=True)
class Foreign:
    """A value the learner returned that cannot cross the boundary as data."""

    type_name: str
    text: str  # a short, size-capped repr

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass(frozen=True)
class NamedTupleValue:
    """A namedtuple, carried as its type name, field names and values."""

    type_name: str
    fields: tuple[str, ...]
    values: tuple[Any, ...]


_JSON_SCALARS = (bool, int, float, str, type(None))
_MAX_DEPTH = 32
MAX_VALUES = 200_000  # tagged values one decoded answer may hold (tensors count one each)
_MAX_REPR = 300
# The JSON tree of an answer (tensors' bytes apart): MAX_VALUES values take a few MiB; a
# larger tree is refused unparsed (parsing 64 MiB of JSON took seconds and gigabytes).
MAX_TREE_BYTES = 16 << 20
_TREE_LENGTH = struct.Struct("!I")


def encode_value(value: Any) -> bytes:
    """Any value, as bytes that `decode_value` turns back into safe data: a JSON tree of
    tagged values, then the raw bytes of every tensor and array, in order."""
    blobs: list[bytes] = []
    tree = _to_tree(value, 0, blobs)
    head = json.dumps(
        {"tree": tree, "blobs": [len(b) for b in blobs]}, separators=(",", ":")
    ).encode()
    return _TREE_LENGTH.pack(len(head)) + head + b"".join(blobs)


def decode_value(data: bytes) -> Any:
    """Safe data from `encode_value`'s bytes. Nothing here can run code: the tree is JSON,
    tensors are rebuilt from raw bytes, and only the tags below are understood."""
    try:
        (head_length,) = _TREE_LENGTH.unpack_from(data)
        if head_length > MAX_TREE_BYTES:  # refused before parsing: JSON of MAX_VALUES is smaller
            raise ProtocolError(f"more than {MAX_TREE_BYTES >> 20} MiB of values in one answer")
        head = json.loads(data[_TREE_LENGTH.size : _TREE_LENGTH.size + head_length])
        sizes = head["blobs"]
        if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes):
            raise ProtocolError("malformed blob table")
        offset = _TREE_LENGTH.size + head_length
        if offset + sum(sizes) != len(data):
            raise ProtocolError("blob sizes do not add up")
        blobs = []
        for size in sizes:
            blobs.append(data[offset : offset + size])
            offset += size
        if _count_values(head["tree"]) > MAX_VALUES:
            raise ProtocolError(f"more than {MAX_VALUES} values in one answer")
        return _from_tree(head["tree"], 0, blobs)
    except ProtocolError:
        raise
    except Exception as exc:  # truncated bytes, bad JSON, an unhashable key, a bad shape...
        raise ProtocolError(f"malformed value: {type(exc).__name__}") from None


def _to_tree(value: Any, depth: int, blobs: list[bytes]) -> Any:
    if depth > _MAX_DEPTH:
        return ["foreign", "nested too deep", "..."]
    kind = type(value)
    if kind in _JSON_SCALARS:
        return ["p", value]
    if kind is complex:
        return ["complex", value.real, value.imag]
    if kind is bytes:
        blobs.append(value)
        return ["bytes", len(blobs) - 1]
    if isinstance(value, torch.Tensor):
        return _tensor_to_tree(value, blobs)
    if kind is np.ndarray and value.dtype.kind in _ARRAY_KINDS:
        array = np.ascontiguousarray(value)
        blobs.append(array.tobytes())
        return ["ndarray", len(blobs) - 1, array.dtype.str, list(array.shape)]
    if (
        isinstance(value, np.generic)
        and kind.__module__ == "numpy"
        and np.dtype(kind).kind in _ARRAY_KINDS
    ):
        return ["npscalar", _to_tree(value.item(), depth + 1, blobs), np.dtype(kind).str]
    if kind is torch.dtype:
        return ["dtype", str(value).removeprefix("torch.")]
    if kind is torch.device:
        return ["device", str(value)]
    if kind is torch.Size:
        return ["size", [int(d) for d in value]]
    if kind is list:
        return ["list", [_to_tree(v, depth + 1, blobs) for v in value]]
    if kind is tuple:
        return ["tuple", [_to_tree(v, depth + 1, blobs) for v in value]]
    if isinstance(value, tuple) and hasattr(kind, "_fields"):
        fields = [str(f) for f in kind._fields]
        return ["namedtuple", kind.__name__, fields, [_to_tree(v, depth + 1, blobs) for v in value]]
    if kind is NamedTupleValue:
        items = [_to_tree(v, depth + 1, blobs) for v in value.values]
        return ["namedtuple", value.type_name, list(value.fields), items]
    if isinstance(value, dict) and kind.__module__ in ("builtins", "collections"):
        # dict, OrderedDict (a state_dict), defaultdict: all arrive as a plain dict
        pairs = [
            [_to_tree(k, depth + 1, blobs), _to_tree(v, depth + 1, blobs)] for k, v in value.items()
        ]
        return ["dict", pairs]
    if kind is Foreign:
        return ["foreign", value.type_name, value.text]
    return ["foreign", _type_name(value), _safe_repr(value)]


_ARRAY_KINDS = "biufc"  # booleans and numbers: never object or structured arrays


def _tensor_to_tree(t: torch.Tensor, blobs: list[bytes]) -> Any:
    subclass = type(t)
    if subclass not in (torch.Tensor, torch.nn.Parameter, *standin.CLASSES):
        return ["foreign", _type_name(t), "a subclass of torch.Tensor"]
    is_parameter = isinstance(t, torch.nn.Parameter)
    with torch._C.DisableTorchFunctionSubclass():
        plain = t.detach()
        device, requires_grad = str(t.device), bool(t.requires_grad)
        if issubclass(subclass, standin.StandIn):
            device = str(standin.DEVICE)  # its values are on the CPU: they travel as such
        shape, dtype = [int(d) for d in plain.shape], str(plain.dtype).removeprefix("torch.")
        if plain.device.type == "meta" or plain.layout != torch.strided:
            index = None  # meta: no values; sparse layouts are not part of the course
        else:
            raw = plain.to("cpu").contiguous().reshape(-1).view(torch.uint8)
            blobs.append(raw.numpy().tobytes())
            index = len(blobs) - 1
        # A layout other than the contiguous one travels too: a check may hand the learner a
        # transposed or strided view on purpose (grader.testing.variants).
        strides = None
        if index is not None and not plain.is_contiguous() and _own_memory(plain):
            strides = list(plain.stride())
    return ["tensor", index, device, shape, dtype, requires_grad, is_parameter, strides]


def _from_tree(tree: Any, depth: int, blobs: list[bytes]) -> Any:
    if depth > _MAX_DEPTH + 2 or type(tree) is not list or not tree or type(tree[0]) is not str:
        raise ProtocolError("malformed value")
    tag, *rest = tree
    if tag == "p":
        (value,) = rest
        if type(value) not in _JSON_SCALARS:
            raise ProtocolError("malformed primitive")
        return value
    if tag == "complex":
        return complex(float(rest[0]), float(rest[1]))
    if tag == "bytes":
        return bytes(blobs[_index(rest[0], blobs)])
    if tag == "tensor":
        return _tensor_from_tree(*rest, blobs=blobs)
    if tag == "ndarray":
        index, dtype_str, shape = rest
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in _ARRAY_KINDS:
            raise ProtocolError("an array of a type that cannot be data")
        return (
            np.frombuffer(blobs[_index(index, blobs)], dtype=dtype)
            .reshape([int(d) for d in _as_list(shape)])
            .copy()
        )
    if tag == "npscalar":
        value, dtype_str = rest
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in _ARRAY_KINDS:
            raise ProtocolError("a scalar of a type that cannot be data")
        return dtype.type(_from_tree(value, depth + 1, blobs))
    if tag == "dtype":
        dtype = getattr(torch, str(rest[0]), None)
        if type(dtype) is not torch.dtype:
            raise ProtocolError("malformed dtype")
        return dtype
    if tag == "device":
        return torch.device(str(rest[0]))
    if tag == "size":
        return torch.Size([int(d) for d in _as_list(rest[0])])
    if tag in ("list", "tuple"):
        items = [_from_tree(v, depth + 1, blobs) for v in _as_list(rest[0])]
        return items if tag == "list" else tuple(items)
    if tag == "namedtuple":
        name, fields, values = rest
        return NamedTupleValue(
            str(name),
            tuple(str(f) for f in _as_list(fields)),
            tuple(_from_tree(v, depth + 1, blobs) for v in _as_list(values)),
        )
    if tag == "dict":
        pairs = _as_list(rest[0])
        return {_from_tree(k, depth + 1, blobs): _from_tree(v, depth + 1, blobs) for k, v in pairs}
    if tag == "foreign":
        name, text = rest
        return Foreign(str(name)[:200], str(text)[:_MAX_REPR])
    raise ProtocolError(f"unknown value tag {tag!r}")


def _count_values(tree: Any) -> int:
    """How many tagged values a tree holds, counted without recursion (it is untrusted)."""
    count, stack = 0, [tree]
    while stack and count <= MAX_VALUES:
        node = stack.pop()
        if type(node) is list:
            count += 1
            stack.extend(item for item in node if type(item) is list)
    return count


def _index(index: Any, blobs: list[bytes]) -> int:
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("malformed blob reference")
    return index


def _tensor_from_tree(
    index, device, shape, dtype_name, requires_grad, is_parameter, strides=None, *, blobs
) -> torch.Tensor:
    dtype = getattr(torch, str(dtype_name), None)
    if type(dtype) is not torch.dtype:
        raise ProtocolError("malformed tensor dtype")
    shape = [int(d) for d in _as_list(shape)]
    try:
        on_standin = standin.names_standin(str(device))
        target = torch.device("cpu" if on_standin else str(device))
        if index is None:
            tensor = torch.empty(shape, dtype=dtype, device="meta")
        else:
            raw = blobs[_index(index, blobs)]
            numel = math.prod(shape)
            if len(raw) != numel * dtype.itemsize:
                raise ProtocolError("tensor bytes do not match its shape and dtype")
            if numel == 0:
                tensor = torch.empty(shape, dtype=dtype)
            else:
                tensor = (
                    torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
                )
            if strides is not None:
                tensor = _laid_out(tensor, strides)
            if target.type != "cpu":
                tensor = tensor.to(target)
        if requires_grad and (dtype.is_floating_point or dtype.is_complex):
            tensor.requires_grad_(True)
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"cannot rebuild a tensor on {device}: {exc}") from None
    if is_parameter:
        tensor = torch.nn.Parameter(tensor, requires_grad=bool(requires_grad))
    return standin.wrap(tensor) if on_standin else tensor


def _own_memory(t: torch.Tensor) -> bool:
    """No element shares memory with another (not an expanded view): a layout worth keeping."""
    return all(stride > 0 for size, stride in zip(t.shape, t.stride(), strict=True) if size > 1)


def _laid_out(tensor: torch.Tensor, strides: Any) -> torch.Tensor:
    """The same values with these strides (a view of a fresh buffer), where they make sense:
    non-negative, one per dimension, over a buffer at most twice the values' size."""
    strides = [int(s) for s in _as_list(strides)]
    if len(strides) != tensor.dim() or any(s < 0 for s in strides):
        raise ProtocolError("malformed tensor strides")
    if any(s == 0 for d, s in zip(tensor.shape, strides, strict=True) if d > 1):
        raise ProtocolError("tensor strides that overlap")
    span = 1 + sum((d - 1) * s for d, s in zip(tensor.shape, strides, strict=True))
    if span > 2 * tensor.numel() + 16:
        raise ProtocolError("tensor strides span too much memory")
    out = torch.empty_strided(tuple(tensor.shape), strides, dtype=tensor.dtype)
    out.copy_(tensor)
    return out


def rebuild_namedtuple(value: NamedTupleValue) -> tuple:
    """Worker side: turn a carried namedtuple back into a real one (with a fresh class)."""
    cls = namedtuple(value.type_name, value.fields)  # type: ignore[misc]
    return cls(*value.values)


def _as_list(value: Any) -> list:
    if type(value) not in (list, tuple):
        raise ProtocolError("malformed container")
    return list(value)


def _type_name(value: Any) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    qualname = getattr(kind, "__qualname__", kind.__name__)
    return qualname if module in ("builtins", "") else f"{module}.{qualname}"


def _safe_repr(value: Any) -> str:
    # repr() of a learner object runs learner code; we are in the worker, so that is
    # allowed, but it must not take the worker down or produce megabytes.
    try:
        text = repr(value)
    except BaseException:
        text = "<repr failed>"
    if not isinstance(text, str):
        text = "<repr returned a non-string>"
    return text[:_MAX_REPR]
