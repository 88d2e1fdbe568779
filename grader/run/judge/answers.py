"""A worker's answer, read: the value a call returned, or the learner's problem it reports.

Every field of an answer is the worker's (untrusted): each is checked before it is used, and
what a learner reads is built here, from the catalogue, never from the worker's own words
alone.
"""

from __future__ import annotations

from typing import Any

from grader.messages import say
from grader.run.judge.problems import (
    API_DISPLAY,
    BadReturn,
    ForbiddenCallUsed,
    GraderFault,
    LearnerChangedInput,
    LearnerProblem,
    MissingName,
    import_problem,
    problem_from_exception,
)


def problem_of(answer: dict[str, Any], module_file: str, described: object) -> LearnerProblem:
    """The problem an answer that is not a returned value reports."""
    status = answer.get("status")
    if status == "raised":
        return problem_from_exception(answer.get("error") or {}, str(described), module_file)
    if status == "forbidden":
        return forbidden(answer, module_file, described)
    if status == "missing":
        name = str(answer.get("name"))[:100]
        names = answer.get("available") if isinstance(answer.get("available"), list) else []
        available = (
            say("call_missing_available", names=", ".join(map(str, names[:30]))) if names else ""
        )
        return MissingName(
            say("call_missing_name", file=module_file, name=name, available=available),
            call=str(described),
        )
    if status == "import_failed":
        return import_problem(answer.get("error") or {}, module_file)
    if status == "changed_input":
        return side_effect(answer.get("changes"), described)
    if status in ("internal_error", "bad_return"):
        key = "call_internal_error" if status == "internal_error" else "call_bad_return"
        detail = str(answer.get("detail", ""))[:500]
        return BadReturn(say(key, call=described, detail=detail), call=str(described))
    raise GraderFault(f"unexpected answer from the worker: {str(answer)[:300]}")


def forbidden(answer: dict[str, Any], module_file: str, described: object) -> ForbiddenCallUsed:
    api, function = str(answer.get("api"))[:100], str(answer.get("function"))[:100]
    kernel = api.startswith("aten.")
    api = API_DISPLAY.get(api, api.removeprefix("aten."))
    return ForbiddenCallUsed(
        say(
            "call_forbidden_kernel" if kernel else "call_forbidden",
            function=function,
            api=api,
            # A call from a thread the learner started has no line of its own (guard.py).
            line=str(answer.get("line") or "?")[:10],
            file=str(answer.get("file") or module_file)[:100],
            hint=str(answer.get("hint") or say("forbidden_hint"))[:500],
        ),
        api=api,
        function=function,
        call=str(described),
    )


def side_effect(changes: Any, described: object) -> LearnerChangedInput:
    """What the learner's call changed in its inputs (the worker's report: checked and capped)."""
    changes = [c for c in (changes if isinstance(changes, list) else []) if isinstance(c, dict)]
    first = changes[0] if changes else {}
    where = str(first.get("where", "an argument"))[:100]
    what = str(first.get("what", "values"))[:30]
    key = f"changed_{what}" if what in CHANGE_KINDS else "changed_values"
    more = len(changes) - 1
    return LearnerChangedInput(
        say("call_changed_input", call=described, name=where, how=say(key, name=where))
        + (" " + say("changed_more", count=more) if more > 0 else ""),
        call=str(described),
    )


CHANGE_KINDS = (
    "values",
    "written_back",
    "shape",
    "dtype",
    "device",
    "requires_grad",
    "grad",
    "strides",
    "items",
)


TAMPER_WHAT = {
    "sys._getframe": "tamper_frames",
    "sys._current_frames": "tamper_frames",
    "sys._getframemodulename": "tamper_frames",
    "object.__getattr__": "tamper_frame_internals",
    "object.__setattr__": "tamper_rewrite",
    "object.__delattr__": "tamper_rewrite",
    "code.__new__": "tamper_code",
    "function.__new__": "tamper_code",
    "marshal.loads": "tamper_code",
    "compile": "tamper_compile",
    "exec": "tamper_compile",
    "gc.get_objects": "tamper_gc",
    "gc.get_referrers": "tamper_gc",
    "gc.get_referents": "tamper_gc",
    "sys.settrace": "tamper_trace",
    "sys.setprofile": "tamper_trace",
    "sys.addaudithook": "tamper_trace",
    "import": "tamper_import",
    "open": "tamper_open",
    "forged_record": "tamper_forged",
}


def tamper_what(record: dict[str, str]) -> str:
    event = record["event"]
    key = "tamper_native" if event.startswith(("ctypes.", "cffi.")) else TAMPER_WHAT.get(event)
    return say(key or "tamper_other", detail=record["detail"], event=event)
