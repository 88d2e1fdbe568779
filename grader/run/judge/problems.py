"""What can go wrong on the learner's side, as exceptions whose message is for the learner.

Everything that happens in a worker (an exception, a hang, a crash, a forbidden call, a
missing name, a module that does not import) arrives at the judge as data and is raised as a
`LearnerProblem`, an AssertionError whose message is written for the learner. A problem of
the grader's own (no worker, a bad probe name) is a GraderFault, never the learner's.
"""

from __future__ import annotations

from typing import Any

from grader.messages import say
from grader.run.shared import standin

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
    """The learner's own code raised NotImplementedError: the stub is not written yet."""

    kind = "not_implemented"


class LearnerTimeout(LearnerProblem):
    kind = "timeout"  # the call ran past its wall clock, and the worker was stopped


class LearnerChangedInput(LearnerProblem):
    """The call returned, but changed what it was handed (unless its docstring says so)."""

    kind = "side_effect"


class LearnerTampered(LearnerProblem):
    """Learner code reached for the machinery that runs beside it: the worker was stopped."""

    kind = "tamper"


class LearnerDied(LearnerProblem):
    kind = "died"  # the worker ended during the call (a crash, os._exit, a signal)


class ForbiddenCallUsed(LearnerProblem):
    kind = "forbidden"

    def __init__(self, message: str, api: str, function: str, call: str) -> None:
        super().__init__(message, call=call)
        self.api = api
        self.function = function


class MissingName(LearnerProblem):
    kind = "missing"  # the module has no such function or class


class ModuleProblem(LearnerProblem):
    """The module is missing, or does not import (a syntax error, an exception, a hang)."""

    kind = "import"


class BadReturn(LearnerProblem):
    kind = "bad_return"  # an answer the judge could not read as data


def format_problem(message: str, frames: list[dict]) -> str:
    if not frames:
        return message
    lines = [message, "", say("traceback_header")]
    lines += [say("traceback_line", **f) for f in frames]
    return "\n".join(lines)


MESSAGE_CHARS = 2000  # of an exception's message, as a worker reports it
MAX_FRAMES = 12


def clean_record(record: Any) -> dict[str, Any]:
    """A worker's exception record, made safe to use: every field of the type it should have,
    every text capped. The worker is untrusted: a record that is malformed, huge or of the
    wrong shape yields an ordinary (if less informative) problem, never a grader crash."""
    record = record if isinstance(record, dict) else {}
    frames = record.get("frames")
    frames = frames if isinstance(frames, list) else []
    syntax = record.get("syntax") if isinstance(record.get("syntax"), dict) else None
    mro = record.get("mro")
    return {
        "kind": _text(record.get("kind"), 20),
        "type": _text(record.get("type"), 100) or "Exception",
        "mro": [_text(n, 100) for n in (mro if isinstance(mro, list) else [])[:20]],
        "message": _text(record.get("message"), MESSAGE_CHARS),
        "frames": [_frame(f) for f in frames[-MAX_FRAMES:] if isinstance(f, dict)],
        "raised_by_learner": record.get("raised_by_learner", True) is not False,
        "syntax": _syntax(syntax) if syntax else None,
    }


def _syntax(syntax: dict) -> dict[str, Any]:
    """Where a syntax error is (a frame of the module's own code), and what Python said."""
    return {
        **_frame({**syntax, "function": "<module>"}),
        "message": _text(syntax.get("message"), 300),
    }


def _frame(frame: dict) -> dict[str, Any]:
    line = frame.get("line")
    return {
        "file": _text(frame.get("file"), 100),
        "line": line if type(line) is int else 0,
        "function": _text(frame.get("function"), 100),
        "code": _text(frame.get("code"), 200),
    }


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= limit else text[:limit] + " …"


def problem_from_exception(
    record: dict[str, Any], described: str, module_file: str
) -> LearnerProblem:
    record = clean_record(record)
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
        stub.function = function
        return stub
    key = "call_exit" if "SystemExit" in mro else "call_raised"
    return LearnerRaised(
        say(key, call=described, exc_type=type_name, exc_message=message), record, described
    )


def import_problem(record: dict[str, Any], module_file: str) -> ModuleProblem:
    record = clean_record(record)
    if record.get("kind") == "missing":
        return ModuleProblem(say("module_missing", file=module_file))
    syntax = record.get("syntax")
    if syntax:
        message = say(
            "module_syntax_error",
            file=syntax["file"] or module_file,
            line=syntax["line"] or "?",
            exc_message=syntax["message"],
        )
        frame = {k: syntax[k] for k in ("file", "line", "function", "code")}
        return ModuleProblem(message, frames=[frame] if syntax["code"] else [])
    return ModuleProblem(
        say(
            "module_import_failed",
            file=module_file,
            exc_type=record.get("type", "Exception"),
            exc_message=record.get("message", ""),
        ),
        frames=record.get("frames", []),
    )


def explain_device_error(raised: LearnerRaised) -> LearnerRaised | None:
    """On stand-in inputs, a device error means the code made a tensor on a fixed device, or
    handed a tensor to NumPy without .cpu(): say so (None: it was some other error)."""
    if standin.MIXED in raised.exc_message or "same device" in raised.exc_message:
        key = "device_mixed"
    elif standin.NO_NUMPY in raised.exc_message:
        key = "device_numpy"
    else:
        return None
    message = say(key, call=raised.call, exc_type=raised.type_name, exc_message=raised.exc_message)
    record = {
        "type": raised.type_name,
        "mro": raised.mro,
        "message": raised.exc_message,
        "frames": raised.frames,
    }
    explained = LearnerRaised(message, record, raised.call)
    explained.kind = "device"
    return explained
