"""The wire between the judge and the workers: length-prefixed frames.

A frame is a small JSON header plus an optional binary payload (a value, see codec.py).
Both sides use this module; neither trusts what the other end sends: sizes are checked
before anything is read into memory.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

_HEADER = struct.Struct("!IQ")  # header length, payload length
MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 256 << 20


class ProtocolError(Exception):
    """The other end sent something that is not a valid frame or value."""


class FrameTooLarge(ProtocolError):
    """A frame announced as larger than the reader allows: refused before it is read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame too large ({size} bytes, at most {limit})")
        self.size = size
        self.limit = limit


class PeerClosed(ProtocolError):
    """The other end closed the connection (for a worker: it died)."""


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
    # Requests and answers alternate, so whatever arrives now belongs to this frame: read it
    # in one go (most frames are small) rather than prefix first, then the rest.
    data = _recv_exact(sock, _HEADER.size, deadline, greedy=True)
    head_len, payload_len = _HEADER.unpack_from(data)
    if head_len > MAX_HEADER_BYTES or payload_len > max_payload:
        # The limit that was passed, as it is (a message says "more than 64 MiB", not 65).
        if payload_len > max_payload:
            raise FrameTooLarge(payload_len, max_payload)
        raise FrameTooLarge(head_len, MAX_HEADER_BYTES)
    size = _HEADER.size + head_len + payload_len
    if len(data) < size:
        data += _recv_exact(sock, size - len(data), deadline)
    return data[:size]


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


def _recv_exact(
    sock: socket.socket, n: int, deadline: float | None = None, greedy: bool = False
) -> bytes:
    """At least n bytes (exactly n unless `greedy`: then whatever the first reads bring)."""
    chunks = bytearray()
    while len(chunks) < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline passed")
            sock.settimeout(remaining)
        try:
            chunk = sock.recv(1 << 16 if greedy else min(n - len(chunks), 1 << 20))
        except TimeoutError:
            raise TimeoutError("deadline passed") from None
        except ConnectionError:
            raise PeerClosed("connection reset") from None
        if not chunk:
            raise PeerClosed("connection closed")
        chunks += chunk
    return bytes(chunks)
