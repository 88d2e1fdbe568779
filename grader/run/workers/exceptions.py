"""An exception raised in a worker, as plain data for the judge: its type, message, and the
learner's own lines of its traceback. Everything here is capped and defensive: the exception
is the learner's object, and its __str__ is learner code."""

from __future__ import annotations

import linecache
from pathlib import Path
from typing import Any

MAX_MESSAGE = 2000
MAX_FRAMES = 12


def exception_record(exc: BaseException, learner_root: str) -> dict[str, Any]:
    """`learner_root` is the workspace path with a trailing slash: frames from files under it
    are the learner's."""
    kind = type(exc)
    try:
        mro = [c.__name__ for c in kind.__mro__][:20]
    except BaseException:
        mro = ["BaseException"]
    record: dict[str, Any] = {
        "type": safe_text(getattr(kind, "__name__", "?"), 100),
        "mro": [safe_text(n, 100) for n in mro],
        "message": safe_str(exc),
        "frames": learner_frames(exc, learner_root),
        # A stub raises NotImplementedError itself; torch raises it too (e.g. reading a
        # meta tensor's values), and that is not "not written yet".
        "raised_by_learner": raised_in_learner_code(exc, learner_root),
    }
    if isinstance(exc, SyntaxError) and str(exc.filename or "").startswith(learner_root):
        record["syntax"] = {
            "file": Path(exc.filename).name,
            "line": exc.lineno or 0,
            "code": safe_text((exc.text or "").rstrip(), 200),
            "message": safe_text(exc.msg or "", 300),
        }
    return record


def raised_in_learner_code(exc: BaseException, learner_root: str) -> bool:
    # Walked by hand: traceback.extract_tb reads every frame's source line, and the
    # grader's own files are hidden from workers, so linecache retries them on each call.
    try:
        tb = exc.__traceback__
        if tb is None:
            return False
        while tb.tb_next is not None:
            tb = tb.tb_next
        return tb.tb_frame.f_code.co_filename.startswith(learner_root)
    except BaseException:
        return False


def learner_frames(exc: BaseException, learner_root: str) -> list[dict[str, Any]]:
    """The learner's own lines of a traceback (qualified names: `Exp.forward`)."""
    frames = []
    try:
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename.startswith(learner_root):
                frames.append(frame_record(code, tb.tb_lineno or 0))
            tb = tb.tb_next
    except BaseException:
        pass
    return frames[-MAX_FRAMES:]


def frame_record(code: Any, line: int) -> dict[str, Any]:
    """Where in the learner's file: file name, line, function (qualified) and the code there."""
    return {
        "file": Path(code.co_filename).name,
        "line": line,
        "function": safe_text(getattr(code, "co_qualname", code.co_name), 100),
        "code": safe_text(linecache.getline(code.co_filename, line).strip(), 200),
    }


def safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:
        text = "<the exception's message could not be shown>"
    return safe_text(text if isinstance(text, str) else "<non-text message>", MAX_MESSAGE)


def safe_text(text: object, limit: int) -> str:
    text = text if type(text) is str else "?"
    return text if len(text) <= limit else text[:limit] + " …"
