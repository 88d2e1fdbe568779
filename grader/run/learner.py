"""The judge's handle on learner code: `learner.softmax(x, dim=0)` runs in a worker.

Everything that can go wrong on the learner's side (an exception, a hang, a crash, a
forbidden call, a missing name, a module that does not import) arrives here as data and
is raised as a `LearnerProblem`, an AssertionError whose message is written for the
learner. A problem of the grader's own (no worker, a bad probe name) is a GraderFault.
"""

from __future__ import annotations

import socket
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from grader.messages import say
from grader.run import devices
from grader.run.protocol import (
    Foreign,
    PeerClosed,
    ProtocolError,
    decode_value,
    encode_value,
    frame_bytes,
    parse_raw_frame,
    recv_frame,
    recv_raw_frame,
    send_frame,
)
from grader.run.sandbox import Plan

TIMEOUTS_BEFORE_GIVING_UP = 2  # per learner function, per submission
# Operators are called through dunder methods: name them the way the learner wrote them.
API_DISPLAY = {
    "Tensor.__matmul__": "@ (Tensor.__matmul__)",
    "Tensor.__rmatmul__": "@ (Tensor.__rmatmul__)",
}


class GraderFault(RuntimeError):
    """The grading machinery failed: never the learner's fault."""


class LearnerProblem(AssertionError):
    """Learner code did not produce a value: the message says what happened, for a beginner."""

    kind = "error"

    def __init__(self, message: str, *, call: str = "", frames: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.call = call
        self.frames = frames or []

    def __str__(self) -> str:
        return format_problem(self.message, self.frames)


class LearnerRaised(LearnerProblem):
    kind = "raised"

    def __init__(self, message: str, record: dict[str, Any], call: str) -> None:
        super().__init__(message, call=call, frames=record.get("frames", []))
        self.type_name: str = record.get("type", "Exception")
        self.mro: list[str] = list(record.get("mro", []))
        self.exc_message: str = record.get("message", "")

    def is_a(self, name: str) -> bool:
        return name in self.mro


class NotImplementedYet(LearnerRaised):
    kind = "not_implemented"


class LearnerTimeout(LearnerProblem):
    kind = "timeout"


class LearnerDied(LearnerProblem):
    kind = "died"


class ForbiddenCallUsed(LearnerProblem):
    kind = "forbidden"

    def __init__(self, message: str, api: str, function: str, call: str) -> None:
        super().__init__(message, call=call)
        self.api = api
        self.function = function


class MissingName(LearnerProblem):
    kind = "missing"


class ModuleProblem(LearnerProblem):
    kind = "import"


class BadReturn(LearnerProblem):
    kind = "bad_return"


def format_problem(message: str, frames: list[dict]) -> str:
    if not frames:
        return message
    lines = [message, "", say("traceback_header")]
    lines += [say("traceback_line", **f) for f in frames]
    return "\n".join(lines)


# ---------------------------------------------------------------- the connection


@dataclass
class Reply:
    status: str  # answered | timeout | died | protocol_error
    output: str = ""
    output_truncated: bool = False
    worker: dict[str, Any] = field(default_factory=dict)
    payload: bytes = b""
    how: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


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
        self.worker: socket.socket | None = None
        self.seen = 0  # bytes of the worker's output it has already reported

    def request(self, header: dict[str, Any], payload: bytes, timeout: float) -> Reply:
        """One call on the worker, under a wall clock enforced here (the judge is trusted)."""
        worker = self.worker or self._spawn()
        deadline = time.monotonic() + timeout
        try:
            worker.settimeout(timeout)
            worker.sendall(frame_bytes(header, payload))
            raw = recv_raw_frame(worker, deadline=deadline)
            answer, body = parse_raw_frame(raw)
        except TimeoutError:
            ended = self._end()
            return Reply("timeout", seconds=timeout, **_output_of(ended, self.output_chars))
        except (PeerClosed, ConnectionError, BrokenPipeError):
            ended = self._end()
            return Reply(
                "died", how=dict(ended.get("how") or {}), **_output_of(ended, self.output_chars)
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

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        try:
            send_frame(self.sock, {"op": "shutdown"})
        except OSError:
            pass
        self.sock.close()


def _output_of(header: dict[str, Any], cap: int) -> dict[str, Any]:
    """Captured output from an answer (untrusted: checked and capped) or the supervisor."""
    text = header.get("output")
    text = text if type(text) is str else ""
    return {
        "output": text[:cap],
        "output_truncated": bool(header.get("output_truncated")) or len(text) > cap,
    }


# ---------------------------------------------------------------- the session


class LearnerSession:
    """One submission's learner code, as the judge sees it for a whole run."""

    def __init__(self, workspace: Path, connect, *, call_timeout: float, deadline: float | None):
        self.workspace = workspace
        self._connect = connect  # () -> Channel; lazy, so a run that never calls costs nothing
        self._channel: Channel | None = None
        self.call_timeout = call_timeout
        self.deadline = deadline  # time.monotonic() value, or None
        self.module_problems: dict[str, LearnerProblem] = {}
        self.timeouts: Counter[str] = Counter()
        self._imported: set[str] = set()  # modules imported in the current worker
        self._present: set[str] = set()  # modules found in the workspace
        self._test_seed: int | None = None
        self._begun = False
        self.output: list[str] = []
        self.output_truncated = False
        self.measures: dict[str, Any] = {}  # the sandbox's protections, once connected

    @property
    def channel(self) -> Channel:
        if self._channel is None:
            self._channel = self._connect()
            self.measures = self._channel.measures
        return self._channel

    def begin_test(self, nodeid: str) -> None:
        self._test_seed = zlib.crc32(nodeid.encode())
        self._begun = False
        self.output = []
        self.output_truncated = False

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    # ------------------------------------------------------------ requests

    def call(
        self,
        exercise: str,
        path: str,
        args: tuple,
        kwargs: dict,
        timeout: float | None,
        watch: bool = False,
    ) -> Any:
        # Named in messages only when something goes wrong: build the text only then.
        described = Lazy(lambda: describe_call(path, args, kwargs))
        header = {"op": "call", "exercise": exercise, "path": path, "watch": watch}
        return self._explained(
            exercise, header, args, kwargs, described, path.split(".")[0], timeout
        )

    def probe(
        self,
        exercise: str,
        name: str,
        args: tuple,
        kwargs: dict,
        timeout: float | None,
        describe: str | None = None,
    ) -> Any:
        header = {"op": "probe", "exercise": exercise, "name": name}
        described = describe or f"the {name} scenario"
        return self._explained(exercise, header, args, kwargs, described, name, timeout)

    def _explained(self, exercise, header, args, kwargs, described, function, timeout):
        try:
            return self._request(exercise, header, args, kwargs, described, function, timeout)
        except LearnerRaised as raised:
            # On meta inputs, a device error means the code made a tensor on a fixed device.
            if devices.has_meta((args, kwargs)) and devices.is_device_error(raised.exc_message):
                raise explain_device_error(raised) from None
            raise

    def _request(self, exercise, header, args, kwargs, described, function, timeout):
        module_file = f"{exercise}.py"
        self._check_module(exercise, module_file)
        key = f"{exercise}.{function}"
        if self.timeouts[key] >= TIMEOUTS_BEFORE_GIVING_UP:
            raise LearnerTimeout(
                say("call_timeout_skipped", function=function, count=self.timeouts[key]),
                call=described,
            )
        self._ensure_imported(exercise, module_file)
        limit = self._limit(timeout)
        payload = encode_value((tuple(args), dict(kwargs)))
        reply = self.channel.request(self._seeded(header), payload, limit)
        self._keep_output(reply)
        if reply.status == "timeout":
            self.timeouts[key] += 1
            self._worker_gone()
            raise LearnerTimeout(
                say("call_timeout", call=described, seconds=reply.seconds), call=described
            )
        if reply.status != "answered":
            self._worker_gone()
            raise LearnerDied(
                say("call_died", call=described, how=describe_death(reply)), call=described
            )
        return self._interpret(reply, exercise, module_file, described)

    def _interpret(self, reply: Reply, exercise: str, module_file: str, described: str) -> Any:
        answer = reply.worker
        status = answer.get("status")
        if status == "returned":
            try:
                return decode_value(reply.payload)
            except ProtocolError as exc:
                raise BadReturn(
                    say("call_bad_return", call=described, detail=str(exc)), call=described
                )
        if status == "raised":
            raise problem_from_exception(answer.get("error") or {}, described, module_file)
        if status == "forbidden":
            api, function = str(answer.get("api")), str(answer.get("function"))
            api = API_DISPLAY.get(api, api)
            raise ForbiddenCallUsed(
                say(
                    "call_forbidden",
                    function=function,
                    api=api,
                    line=answer.get("line", "?"),
                    file=answer.get("file", module_file),
                    hint=str(answer.get("hint") or say("forbidden_hint")),
                ),
                api=api,
                function=function,
                call=described,
            )
        if status == "missing":
            name = str(answer.get("name"))
            names = answer.get("available") or []
            available = (
                say("call_missing_available", names=", ".join(map(str, names))) if names else ""
            )
            raise MissingName(
                say("call_missing_name", file=module_file, name=name, available=available),
                call=described,
            )
        if status == "import_failed":
            problem = import_problem(answer.get("error") or {}, module_file)
            self.module_problems[exercise] = problem
            raise problem
        if status == "internal_error":
            raise BadReturn(
                say("call_internal_error", call=described, detail=answer.get("detail", "")),
                call=described,
            )
        if status == "bad_return":
            raise BadReturn(
                say("call_bad_return", call=described, detail=answer.get("detail", "")),
                call=described,
            )
        raise GraderFault(f"unexpected answer from the worker: {answer}")

    # ------------------------------------------------------------ bookkeeping

    def _check_module(self, exercise: str, module_file: str) -> None:
        known = self.module_problems.get(exercise)
        if known is not None:
            raise type(known)(known.message, call=known.call, frames=known.frames)
        if exercise not in self._present:
            if not (self.workspace / module_file).is_file():
                problem = ModuleProblem(say("module_missing", file=module_file))
                self.module_problems[exercise] = problem
                raise problem
            self._present.add(exercise)

    def _seeded(self, header: dict[str, Any]) -> dict[str, Any]:
        """The first request of a check carries its seed: the worker reseeds before it runs."""
        if not self._begun:
            self._begun = True
            return {**header, "seed": self._test_seed or 0}
        return header

    def _ensure_imported(self, exercise: str, module_file: str) -> None:
        """Import a module on its own first, so a hang or crash at import is reported as such."""
        if exercise in self._imported:
            return
        header = self._seeded({"op": "probe", "exercise": exercise, "name": "__import__"})
        reply = self.channel.request(header, b"", self._limit(None))
        self._keep_output(reply)
        problem: LearnerProblem | None = None
        if reply.status == "timeout":
            problem = ModuleProblem(
                say("module_import_timeout", file=module_file, seconds=reply.seconds)
            )
        elif reply.status != "answered":
            problem = ModuleProblem(
                say("module_import_died", file=module_file, how=describe_death(reply))
            )
        elif reply.worker.get("status") == "import_failed":
            problem = import_problem(reply.worker.get("error") or {}, module_file)
        if problem is not None:
            self._worker_gone()
            self.module_problems[exercise] = problem
            raise problem
        self._imported.add(exercise)

    def _worker_gone(self) -> None:
        # The supervisor forks a fresh worker for the next request: nothing is imported there.
        self._imported.clear()
        self._begun = False

    def _limit(self, timeout: float | None) -> float:
        limit = timeout or self.call_timeout
        if self.deadline is not None:
            limit = max(0.1, min(limit, self.deadline - time.monotonic()))
        return limit

    def _keep_output(self, reply: Reply) -> None:
        if reply.output:
            self.output.append(reply.output)
        self.output_truncated = self.output_truncated or reply.output_truncated


def problem_from_exception(
    record: dict[str, Any], described: str, module_file: str
) -> LearnerProblem:
    type_name = str(record.get("type", "Exception"))
    message = str(record.get("message", ""))
    mro = record.get("mro") or []
    if "NotImplementedError" in mro and record.get("raised_by_learner", True):
        frames = record.get("frames") or []
        function = frames[-1]["function"] if frames else str(described).split("(")[0]
        stub = NotImplementedYet(
            say("call_not_implemented", function=function, file=module_file), record, described
        )
        stub.frames = []  # the message already says where: the traceback adds nothing
        return stub
    key = "call_exit" if "SystemExit" in mro else "call_raised"
    return LearnerRaised(
        say(key, call=described, exc_type=type_name, exc_message=message), record, described
    )


def import_problem(record: dict[str, Any], module_file: str) -> ModuleProblem:
    if record.get("kind") == "missing":
        return ModuleProblem(say("module_missing", file=module_file))
    syntax = record.get("syntax")
    if syntax:
        message = say(
            "module_syntax_error",
            file=syntax.get("file", module_file),
            line=syntax.get("line", "?"),
            exc_message=syntax.get("message", ""),
        )
        code = syntax.get("code")
        frames = (
            [
                {
                    "file": syntax.get("file", module_file),
                    "line": syntax.get("line", 0),
                    "function": "<module>",
                    "code": code,
                }
            ]
            if code
            else []
        )
        return ModuleProblem(message, frames=frames)
    return ModuleProblem(
        say(
            "module_import_failed",
            file=module_file,
            exc_type=record.get("type", "Exception"),
            exc_message=record.get("message", ""),
        ),
        frames=record.get("frames", []),
    )


def explain_device_error(raised: LearnerRaised) -> LearnerRaised:
    """On meta inputs, a device error means the code made a tensor on a fixed device: say so."""
    message = say(
        "device_mixed", call=raised.call, exc_type=raised.type_name, exc_message=raised.exc_message
    )
    record = {
        "type": raised.type_name,
        "mro": raised.mro,
        "message": raised.exc_message,
        "frames": raised.frames,
    }
    explained = LearnerRaised(message, record, raised.call)
    explained.kind = "device"
    return explained


def describe_death(reply: Reply) -> str:
    how = reply.how
    if how.get("kind") == "signal":
        if how.get("name") in ("SIGXCPU",):
            return say("how_cpu_limit")
        return say("how_signal", signal=how.get("signal"), name=how.get("name"))
    if how.get("kind") == "exit":
        return say("how_exit_code", code=how.get("code"))
    return str(how.get("detail") or reply.status)


class Lazy:
    """Text computed the first time it is shown."""

    def __init__(self, make) -> None:
        self._make, self._text = make, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def describe_call(path: str, args: tuple, kwargs: dict) -> str:
    parts = [describe_value(a) for a in args]
    parts += [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return f"{path}({', '.join(parts)})"


def describe_value(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        shape = "×".join(str(d) for d in value.shape) or "scalar"
        where = "" if value.device.type == "cpu" else f" on {value.device}"
        dtype = str(value.dtype).removeprefix("torch.")
        return f"<tensor {shape} {dtype}{where}>"
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, Foreign):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- the fixture's object


class Learner:
    """The learner's exercise module, seen from a check: attribute calls run in a worker."""

    def __init__(
        self,
        session: LearnerSession,
        exercise: str,
        timeout: float | None = None,
        watch: bool = False,
    ) -> None:
        self._session = session
        self._exercise = exercise
        self._timeout = timeout
        self._watch = watch

    def __getattr__(self, name: str) -> RemoteCallable:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteCallable(self, name)

    def probe(self, name: str, *args: Any, describe: str | None = None, **kwargs: Any) -> Any:
        """Run the named probe of this exercise (see its probes.py) with these inputs.
        `describe` names the call in messages, e.g. "second_derivative(f, x) with f = sin"."""
        return self._session.probe(self._exercise, name, args, kwargs, self._timeout, describe)

    def with_timeout(self, seconds: float) -> Learner:
        """The same learner, with a longer wall-clock limit per call (e.g. for training)."""
        return Learner(self._session, self._exercise, seconds, self._watch)

    @property
    def watch(self) -> Learner:
        """Calls through `learner.watch` return a Watched: the result, the inputs as they were
        after the call, and how many torch operations learner code made."""
        return Learner(self._session, self._exercise, self._timeout, watch=True)

    @property
    def output(self) -> str:
        return "".join(self._session.output)


@dataclass(frozen=True)
class Watched:
    """A call seen closely: its result, its inputs after the call, torch ops learner code made."""

    result: Any
    args: tuple
    kwargs: dict
    ops: int


class RemoteCallable:
    def __init__(self, learner: Learner, path: str) -> None:
        self._learner = learner
        self._path = path

    def __getattr__(self, name: str) -> RemoteCallable:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteCallable(self._learner, f"{self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        learner = self._learner
        value = learner._session.call(
            learner._exercise, self._path, args, kwargs, learner._timeout, watch=learner._watch
        )
        if not learner._watch:
            return value
        if not isinstance(value, dict) or set(value) != {"result", "args", "kwargs", "ops"}:
            raise BadReturn(
                say("call_bad_return", call=self._path, detail="a malformed watch record")
            )
        return Watched(
            value["result"], tuple(value["args"]), dict(value["kwargs"]), int(value["ops"])
        )

    def __repr__(self) -> str:
        return f"<learner's {self._path}>"
