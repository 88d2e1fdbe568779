"""The judge's connection to one submission's workers: to its supervisor (to start and stop
workers) and straight to the current worker (for calls), under a wall clock enforced here."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from grader.run.judge.problems import GraderFault
from grader.run.shared.frames import (
    FrameTooLarge,
    PeerClosed,
    ProtocolError,
    frame_bytes,
    parse_raw_frame,
    recv_frame,
    recv_raw_frame,
    send_frame,
)
from grader.run.shared.plan import Plan


@dataclass
class Reply:
    status: str  # answered | timeout | died | protocol_error
    output: str = ""
    output_truncated: bool = False
    worker: dict[str, Any] = field(default_factory=dict)
    payload: bytes = b""
    how: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    tamper: list[dict[str, str]] = field(default_factory=list)  # why the worker was stopped


class Channel:
    """The judge's connections for one submission: to its supervisor (to start and stop
    workers) and straight to the current worker (for calls)."""

    def __init__(self, socket_path: str, plan: Plan) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(socket_path)
            send_frame(self.sock, {"op": "hello", "plan": plan.to_json()})
            header, _ = recv_frame(self.sock)
        except (OSError, ProtocolError) as exc:
            raise GraderFault(f"cannot reach the worker template at {socket_path}: {exc}") from exc
        if header.get("status") != "ready":
            raise GraderFault(f"the worker template refused this submission: {header}")
        self.measures: dict[str, Any] = header.get("measures", {})
        self.output_chars = plan.limits.output_chars
        self.answer_bytes = plan.limits.answer_mb << 20
        self.worker: socket.socket | None = None
        self.seen = 0  # bytes of the worker's output it has already reported

    def request(self, header: dict[str, Any], payload: bytes, timeout: float) -> Reply:
        """One call on the worker, under a wall clock enforced here (the judge is trusted)."""
        worker = self.worker or self._spawn()
        deadline = time.monotonic() + timeout
        # A worker echoes each request's nonce: an answer written by anything else on its
        # socket (learner code that found the descriptor) does not pass for the worker's.
        nonce = secrets.token_hex(8)
        try:
            worker.settimeout(timeout)
            worker.sendall(frame_bytes({**header, "nonce": nonce}, payload))
            raw = recv_raw_frame(worker, self.answer_bytes, deadline=deadline)
            answer, body = parse_raw_frame(raw)
            if answer.get("nonce") != nonce:
                raise ProtocolError("an answer that is not the worker's (wrong nonce)")
        except TimeoutError:
            ended = self._end()
            return Reply("timeout", seconds=timeout, **_output_of(ended, self.output_chars))
        except (PeerClosed, ConnectionError, BrokenPipeError):
            ended = self._end()
            return Reply(
                "died",
                how=dict(ended.get("how") or {}),
                tamper=_tamper_records(ended.get("tamper")),
                **_output_of(ended, self.output_chars),
            )
        except FrameTooLarge as exc:
            ended = self._end()  # it is not read: the worker is stopped mid-answer
            return Reply(
                "too_large",
                how={"limit_mb": exc.limit >> 20},
                **_output_of(ended, self.output_chars),
            )
        except (ProtocolError, OSError) as exc:
            ended = self._end()
            return Reply(
                "protocol_error", how={"detail": str(exc)}, **_output_of(ended, self.output_chars)
            )
        end = answer.get("output_end")
        if type(end) is int and end >= self.seen:
            self.seen = end
        return Reply(
            "answered", worker=answer, payload=body, **_output_of(answer, self.output_chars)
        )

    def _spawn(self) -> socket.socket:
        try:
            send_frame(self.sock, {"op": "spawn"})
            _, fds, _, _ = socket.recv_fds(self.sock, 1, 1)  # the worker's socket is the answer
        except (OSError, ProtocolError) as exc:
            raise GraderFault(f"lost the connection to the worker supervisor: {exc}") from exc
        if not fds:
            raise GraderFault("the supervisor sent no worker")
        self.worker = socket.socket(fileno=fds[0])
        self.seen = 0
        return self.worker

    def _end(self) -> dict[str, Any]:
        """Have the supervisor stop the worker; how it ended, and its last output."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        try:
            send_frame(self.sock, {"op": "end", "seen": self.seen})
            ended, _ = recv_frame(self.sock)
        except (OSError, ProtocolError) as exc:
            raise GraderFault(f"lost the connection to the worker supervisor: {exc}") from exc
        if ended.get("status") == "worker_failed":
            raise GraderFault(f"a worker could not start: {str(ended.get('detail', ''))[-3000:]}")
        return ended

    def retire(self) -> None:
        """End the current worker, if there is one (the next request gets a fresh one)."""
        if self.worker is not None:
            self._end()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        try:
            send_frame(self.sock, {"op": "shutdown"})
        except OSError:
            pass
        self.sock.close()


class Opening:
    """A Channel opened in a thread, its first worker spawned: the template forks the
    submission's supervisor and worker while the judge collects or sets up its first check.
    Called, it gives the channel (or raises what opening it raised)."""

    def __init__(self, socket_path: str, plan: Plan) -> None:
        self._channel: Channel | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, args=(socket_path, plan), daemon=True)
        self._thread.start()

    def _open(self, socket_path: str, plan: Plan) -> None:
        try:
            channel = Channel(socket_path, plan)
            channel._spawn()  # a fresh worker: it has seen nothing, and serves the first room
        except BaseException as exc:  # raised again where the channel is first needed
            self._error = exc
        else:
            self._channel = channel

    def __call__(self) -> Channel:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._channel is not None
        return self._channel


def _tamper_records(records: Any) -> list[dict[str, str]]:
    """The supervisor's tamper records (it read them from the worker's pipe: their text is
    the learner's to choose), as short strings."""
    if not isinstance(records, list):
        return []
    keys = ("event", "detail", "file", "line")
    return [{k: str(r.get(k, ""))[:200] for k in keys} for r in records[:5] if isinstance(r, dict)]


def _output_of(header: dict[str, Any], cap: int) -> dict[str, Any]:
    """Captured output from an answer (untrusted: checked and capped) or the supervisor."""
    text = header.get("output")
    text = text if type(text) is str else ""
    return {
        "output": text[:cap],
        "output_truncated": bool(header.get("output_truncated")) or len(text) > cap,
    }
