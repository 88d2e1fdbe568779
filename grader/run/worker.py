"""A worker: imports the learner's modules by path and answers the judge's requests.

Everything here runs in a sandboxed process beside untrusted code, so nothing here is
trusted by the judge: answers are plain data, decoded with the safe codec and checked
against values the judge computes itself.
"""

from __future__ import annotations

import importlib.util
import linecache
import random
import sys
import time
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader.probe import PROBE_MARK
from grader.run import guard
from grader.run.protocol import (
    NamedTupleValue,
    PeerClosed,
    decode_value,
    encode_value,
    rebuild_namedtuple,
    recv_frame,
    send_frame,
)

MAX_MESSAGE = 2000
MAX_FRAMES = 12


@dataclass
class ExerciseProbes:
    """What an exercise's probes.py provides: its probes and its forbidden-call rules."""

    probes: dict[str, Any] = field(default_factory=dict)
    forbidden: dict[str, list[str]] = field(default_factory=dict)


def load_probes(course_root: Path) -> dict[str, ExerciseProbes]:
    """Import every suites/<exercise>/probes.py (trusted course code) by path."""
    found: dict[str, ExerciseProbes] = {}
    for path in sorted((course_root / "suites").glob("ex[0-9][0-9]_*/probes.py")):
        exercise = path.parent.name
        spec = importlib.util.spec_from_file_location(f"grader_probes_{exercise}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        found[exercise] = ExerciseProbes(
            probes={
                name: fn for name, fn in vars(module).items() if getattr(fn, PROBE_MARK, False)
            },
            forbidden=dict(getattr(module, "FORBIDDEN", {})),
        )
    return found


class ImportFailed(Exception):
    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(record.get("message", ""))
        self.record = record


class Worker:
    def __init__(self, workspace: Path, probes: dict[str, ExerciseProbes]) -> None:
        self.workspace = workspace.resolve()
        self.learner_root = str(self.workspace) + "/"
        self.probes = probes
        self.modules: dict[str, types.ModuleType | ImportFailed] = {}
        if str(self.workspace) not in sys.path:
            # Learner modules may import each other ("from ex02_ops import softmax").
            sys.path.insert(0, str(self.workspace))

    # ------------------------------------------------------------ the loop

    def serve(self, conn) -> None:
        while True:
            try:
                header, payload = recv_frame(conn)
            except PeerClosed:
                return
            started = time.perf_counter()
            try:
                reply, value = self.handle(header, payload)
            except Exception as exc:  # our own machinery failed (or learner code broke it)
                reply, value = (
                    {"status": "internal_error", "detail": f"{type(exc).__name__}: {exc}"},
                    _NOTHING,
                )
            reply["elapsed"] = time.perf_counter() - started
            _flush_streams()
            body = b""
            if value is not _NOTHING:
                try:
                    body = encode_value(value)
                except BaseException as exc:  # a value that would not encode
                    reply = {"status": "bad_return", "detail": f"{type(exc).__name__}: {exc}"}
            send_frame(conn, reply, body)

    def handle(self, header: dict[str, Any], payload: bytes) -> tuple[dict[str, Any], Any]:
        op = header.get("op")
        if op == "begin":
            _reseed(int(header.get("seed", 0)))
            return {"status": "ok"}, _NOTHING
        if op in ("call", "probe"):
            exercise = str(header.get("exercise"))
            args, kwargs = decode_value(payload) if payload else ((), {})
            args, kwargs = _rebuild(args), _rebuild(kwargs)
            try:
                module = self.module(exercise)
            except ImportFailed as failed:
                return {"status": "import_failed", "error": failed.record}, _NOTHING
            if op == "call":
                return self.call(
                    exercise,
                    module,
                    str(header.get("path", "")),
                    args,
                    kwargs,
                    watch=bool(header.get("watch")),
                )
            return self.run_probe(exercise, module, str(header.get("name", "")), args, kwargs)
        return {"status": "bad_request", "detail": f"unknown op {op!r}"}, _NOTHING

    # ------------------------------------------------------------ learner modules

    def module(self, name: str) -> types.ModuleType:
        cached = self.modules.get(name)
        if isinstance(cached, ImportFailed):
            raise cached
        if cached is not None:
            return cached
        path = self.workspace / f"{name}.py"
        if not path.is_file():
            failed = ImportFailed({"kind": "missing", "file": path.name})
            self.modules[name] = failed
            raise failed
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            with self._guarded(name):
                spec.loader.exec_module(module)
        except BaseException as exc:
            sys.modules.pop(name, None)
            failed = ImportFailed({"kind": "raised", **self.exception_record(exc)})
            self.modules[name] = failed
            raise failed
        self.modules[name] = module
        return module

    def _guarded(self, exercise: str):
        rules = self.probes.get(exercise, ExerciseProbes()).forbidden
        return guard.armed(rules, self.workspace)

    # ------------------------------------------------------------ requests

    def call(self, exercise, module, path, args, kwargs, watch=False):
        """Call module.<path>(*args, **kwargs). With `watch`, also report what happened
        around the call: the inputs afterwards (were they modified?) and how many torch
        operations learner code made (a Python loop over rows makes many)."""
        target: Any = module
        for part in path.split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                available = sorted(n for n in vars(module) if not n.startswith("_"))[:30]
                return {"status": "missing", "name": path, "available": available}, _NOTHING
            except BaseException as exc:
                return {"status": "raised", "error": self.exception_record(exc)}, _NOTHING
        if not watch:
            return self._run(exercise, lambda: target(*args, **kwargs))
        counter: list[int] = []

        def watched():
            with guard.counting_ops(self.workspace) as mode:
                try:
                    return target(*args, **kwargs)
                finally:
                    counter.append(mode.count)

        reply, value = self._run(exercise, watched)
        if reply["status"] == "returned":
            value = {"result": value, "args": list(args), "kwargs": kwargs, "ops": counter[0]}
        return reply, value

    def run_probe(self, exercise, module, name, args, kwargs):
        if name == "__import__":  # the import itself was the request
            return {"status": "returned"}, None
        fn = self.probes.get(exercise, ExerciseProbes()).probes.get(name)
        if fn is None:
            return {
                "status": "bad_request",
                "detail": f"no probe {name!r} for {exercise}",
            }, _NOTHING
        return self._run(exercise, lambda: fn(module, *args, **kwargs))

    def _run(self, exercise: str, thunk):
        violations: list[guard.Violation] = []
        try:
            with self._guarded(exercise) as violations:
                value = thunk()
        except BaseException as exc:
            if violations:
                return _forbidden(violations[0]), _NOTHING
            return {"status": "raised", "error": self.exception_record(exc)}, _NOTHING
        if violations:  # the learner caught our ForbiddenCall and carried on
            return _forbidden(violations[0]), _NOTHING
        return {"status": "returned"}, value

    # ------------------------------------------------------------ exceptions

    def exception_record(self, exc: BaseException) -> dict[str, Any]:
        kind = type(exc)
        try:
            mro = [c.__name__ for c in kind.__mro__][:20]
        except BaseException:
            mro = ["BaseException"]
        record: dict[str, Any] = {
            "type": _safe_text(getattr(kind, "__name__", "?"), 100),
            "mro": [_safe_text(n, 100) for n in mro],
            "message": _safe_str(exc),
            "frames": self._learner_frames(exc),
        }
        if isinstance(exc, SyntaxError) and str(exc.filename or "").startswith(self.learner_root):
            record["syntax"] = {
                "file": Path(exc.filename).name,
                "line": exc.lineno or 0,
                "code": _safe_text((exc.text or "").rstrip(), 200),
                "message": _safe_text(exc.msg or "", 300),
            }
        return record

    def _learner_frames(self, exc: BaseException) -> list[dict[str, Any]]:
        frames = []
        try:
            for summary in traceback.extract_tb(exc.__traceback__):
                if not summary.filename.startswith(self.learner_root):
                    continue
                code = linecache.getline(summary.filename, summary.lineno or 0).strip()
                frames.append(
                    {
                        "file": Path(summary.filename).name,
                        "line": summary.lineno or 0,
                        "function": _safe_text(summary.name, 100),
                        "code": _safe_text(code, 200),
                    }
                )
        except BaseException:
            pass
        return frames[-MAX_FRAMES:]


_NOTHING = object()


def _forbidden(v: guard.Violation) -> dict[str, Any]:
    return {
        "status": "forbidden",
        "api": v.api,
        "function": v.function,
        "line": v.line,
        "file": v.file,
    }


def _rebuild(value: Any) -> Any:
    """Turn carried namedtuples back into real ones, so learner code sees what it would."""
    if isinstance(value, NamedTupleValue):
        return rebuild_namedtuple(
            NamedTupleValue(value.type_name, value.fields, tuple(_rebuild(v) for v in value.values))
        )
    if type(value) is list:
        return [_rebuild(v) for v in value]
    if type(value) is tuple:
        return tuple(_rebuild(v) for v in value)
    if type(value) is dict:
        return {k: _rebuild(v) for k, v in value.items()}
    return value


def _reseed(seed: int) -> None:
    # Every forked worker starts with its template's RNG state: reseed per check.
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:
        text = "<the exception's message could not be shown>"
    return _safe_text(text if isinstance(text, str) else "<non-text message>", MAX_MESSAGE)


def _safe_text(text: object, limit: int) -> str:
    text = text if type(text) is str else "?"
    return text if len(text) <= limit else text[:limit] + " …"


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
