"""What can go wrong on the learner's side, as exceptions whose message is for the learner.

Everything that happens in a worker (an exception, a hang, a crash, a forbidden call, a
missing name, a module that does not import) arrives at the judge as data and is raised as a
`LearnerProblem`, an AssertionError whose message is written for the learner. A problem of
the grader's own (no worker, a bad probe name) is a GraderFault, never the learner's.
"""

from __future__ import annotations

from typing import Any

from grader.messages import say

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
