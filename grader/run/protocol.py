"""The wire between the judge and the workers: length-prefixed frames and a safe value codec.

A frame is a small JSON header plus an optional binary payload. Payloads carry values
(tensors, numbers, strings, containers) encoded with `torch.save` and decoded with
`torch.load(weights_only=True)`, the restricted unpickler, so bytes written by a worker
can never run code in the judge. Every value is first turned into a tagged tree, so the
judge rebuilds exactly the types it allows and nothing a worker names.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import time
import warnings
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

_HEADER = struct.Struct("!IQ")  # header length, payload length
MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 256 << 20


class ProtocolError(Exception):
    """The other end sent something that is not a valid frame or value."""


class PeerClosed(ProtocolError):
    """The other end closed the connection (for a worker: it died)."""


# ---------------------------------------------------------------- frames


def send_frame(sock: socket.socket, header: dict[str, Any], payload: bytes = b"") -> None:
    sock.sendall(frame_bytes(header, payload))


def frame_bytes(header: dict[str, Any], payload: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return _HEADER.pack(len(head), len(payload)) + head + payload


def recv_frame(
    sock: socket.socket, max_payload: int = MAX_PAYLOAD_BYTES
) -> tuple[dict[str, Any], bytes]:
    return parse_raw_frame(recv_raw_frame(sock, max_payload))


def recv_raw_frame(
    sock: socket.socket, max_payload: int = MAX_PAYLOAD_BYTES, deadline: float | None = None
) -> bytes:
    """One whole frame as bytes, unparsed: for relaying a worker's answer unchanged.

    With a deadline (a time.monotonic() value), raises TimeoutError once it passes, however
    the other end trickles its bytes.
    """
    prefix = _recv_exact(sock, _HEADER.size, deadline)
    head_len, payload_len = _HEADER.unpack(prefix)
    if head_len > MAX_HEADER_BYTES or payload_len > max_payload:
        raise ProtocolError(f"frame too large ({head_len} + {payload_len} bytes)")
    return prefix + _recv_exact(sock, head_len + payload_len, deadline)


def parse_raw_frame(raw: bytes) -> tuple[dict[str, Any], bytes]:
    head_len, _ = _HEADER.unpack_from(raw)
    start = _HEADER.size
    try:
        header = json.loads(raw[start : start + head_len])
    except ValueError as exc:
        raise ProtocolError(f"bad frame header: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not an object")
    return header, raw[start + head_len :]


def _recv_exact(sock: socket.socket, n: int, deadline: float | None = None) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline passed")
            sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(n - len(chunks), 1 << 20))
        except TimeoutError:
            raise TimeoutError("deadline passed") from None
        except ConnectionError:
            raise PeerClosed("connection reset") from None
        if not chunk:
            raise PeerClosed("connection closed")
        chunks += chunk
    return bytes(chunks)


# ---------------------------------------------------------------- values


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


_PRIMITIVES = (bool, int, float, complex, str, bytes, type(None))
_MAX_DEPTH = 32
_MAX_REPR = 300


def encode_value(value: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(_to_tree(value, 0), buffer)
    return buffer.getvalue()


def decode_value(data: bytes) -> Any:
    try:
        with warnings.catch_warnings():  # a foreign pickle protocol is refused below anyway
            warnings.simplefilter("ignore")
            tree = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as exc:  # the restricted unpickler refused or the bytes are corrupt
        raise ProtocolError(f"undecodable value: {type(exc).__name__}") from None
    try:
        return _from_tree(tree, 0)
    except ProtocolError:
        raise
    except Exception as exc:  # e.g. an unhashable dict key, a bad shape
        raise ProtocolError(f"malformed value: {type(exc).__name__}") from None


def _to_tree(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return ("foreign", "nested too deep", "…")
    kind = type(value)
    if kind in _PRIMITIVES:
        return ("p", value)
    if isinstance(value, torch.Tensor):
        return _tensor_to_tree(value)
    if kind is np.ndarray:
        return ("ndarray", torch.from_numpy(np.ascontiguousarray(value).copy()))
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return ("npscalar", value.item(), str(value.dtype))
    if kind is torch.dtype:
        return ("dtype", str(value).removeprefix("torch."))
    if kind is torch.device:
        return ("device", str(value))
    if kind is torch.Size:
        return ("size", tuple(int(d) for d in value))
    if kind is list:
        return ("list", [_to_tree(v, depth + 1) for v in value])
    if kind is tuple:
        return ("tuple", [_to_tree(v, depth + 1) for v in value])
    if isinstance(value, tuple) and hasattr(kind, "_fields"):
        return (
            "namedtuple",
            kind.__name__,
            [str(f) for f in kind._fields],
            [_to_tree(v, depth + 1) for v in value],
        )
    if kind is NamedTupleValue:
        return (
            "namedtuple",
            value.type_name,
            list(value.fields),
            [_to_tree(v, depth + 1) for v in value.values],
        )
    if isinstance(value, dict) and kind.__module__ in ("builtins", "collections"):
        # dict, OrderedDict (a state_dict), defaultdict: all arrive as a plain dict
        return (
            "dict",
            [(_to_tree(k, depth + 1), _to_tree(v, depth + 1)) for k, v in value.items()],
        )
    if kind is Foreign:
        return ("foreign", value.type_name, value.text)
    return ("foreign", _type_name(value), _safe_repr(value))


def _tensor_to_tree(t: torch.Tensor) -> Any:
    subclass = type(t)
    if subclass not in (torch.Tensor, torch.nn.Parameter):
        return ("foreign", _type_name(t), "a subclass of torch.Tensor")
    with torch._C.DisableTorchFunctionSubclass():
        device = str(t.device)
        requires_grad = bool(t.requires_grad)
        plain = t.detach()
        if plain.device.type == "meta":
            data = None
            shape, dtype = tuple(plain.shape), str(plain.dtype).removeprefix("torch.")
        else:
            data = plain.to("cpu").clone() if plain.device.type != "cpu" else plain.clone()
            shape, dtype = tuple(data.shape), str(data.dtype).removeprefix("torch.")
    return ("tensor", data, device, shape, dtype, requires_grad, subclass is torch.nn.Parameter)


def _from_tree(tree: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH + 2 or type(tree) is not tuple or not tree or type(tree[0]) is not str:
        raise ProtocolError("malformed value")
    tag, *rest = tree
    if tag == "p":
        (value,) = rest
        if type(value) not in _PRIMITIVES:
            raise ProtocolError("malformed primitive")
        return value
    if tag == "tensor":
        return _tensor_from_tree(*rest)
    if tag == "ndarray":
        (data,) = rest
        if type(data) is not torch.Tensor:
            raise ProtocolError("malformed array")
        return data.numpy()
    if tag == "npscalar":
        value, dtype = rest
        return np.dtype(str(dtype)).type(value)
    if tag == "dtype":
        (name,) = rest
        dtype = getattr(torch, str(name), None)
        if type(dtype) is not torch.dtype:
            raise ProtocolError("malformed dtype")
        return dtype
    if tag == "device":
        return torch.device(str(rest[0]))
    if tag == "size":
        return torch.Size([int(d) for d in rest[0]])
    if tag in ("list", "tuple"):
        items = [_from_tree(v, depth + 1) for v in _as_list(rest[0])]
        return items if tag == "list" else tuple(items)
    if tag == "namedtuple":
        name, fields, values = rest
        return NamedTupleValue(
            str(name),
            tuple(str(f) for f in _as_list(fields)),
            tuple(_from_tree(v, depth + 1) for v in _as_list(values)),
        )
    if tag == "dict":
        pairs = _as_list(rest[0])
        return {_from_tree(k, depth + 1): _from_tree(v, depth + 1) for k, v in pairs}
    if tag == "foreign":
        name, text = rest
        return Foreign(str(name)[:200], str(text)[:_MAX_REPR])
    raise ProtocolError(f"unknown value tag {tag!r}")


def _tensor_from_tree(data, device, shape, dtype_name, requires_grad, is_parameter) -> torch.Tensor:
    dtype = getattr(torch, str(dtype_name), None)
    if type(dtype) is not torch.dtype:
        raise ProtocolError("malformed tensor dtype")
    try:
        target = torch.device(str(device))
        if data is None:
            tensor = torch.empty(tuple(int(d) for d in shape), dtype=dtype, device="meta")
        elif type(data) is not torch.Tensor:
            raise ProtocolError("malformed tensor data")
        else:
            tensor = data.to(target) if target.type != "cpu" else data
        if requires_grad and (dtype.is_floating_point or dtype.is_complex):
            tensor.requires_grad_(True)
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"cannot rebuild a tensor on {device}: {exc}") from None
    if is_parameter:
        tensor = torch.nn.Parameter(tensor, requires_grad=bool(requires_grad))
    return tensor


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
