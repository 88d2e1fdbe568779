"""A worker: imports the learner's modules by path and answers the judge's requests.

Everything here runs in a sandboxed process beside untrusted code, so nothing here is
trusted by the judge: answers are plain data, decoded with the safe codec and checked
against values the judge computes itself.
"""

from __future__ import annotations

import contextlib
import difflib
import faulthandler
import importlib.util
import os
import random
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader.messages import language
from grader.run.shared import standin
from grader.run.shared.codec import (
    NamedTupleValue,
    decode_value,
    encode_value,
    rebuild_namedtuple,
)
from grader.run.shared.frames import PeerClosed, recv_frame, send_frame
from grader.run.shared.plan import stack_dump_at
from grader.run.workers import effects, guard
from grader.run.workers.exceptions import exception_record
from grader.run.workers.output import flush_streams, read_output
from grader.run.workers.probes import ExerciseProbes


class ImportFailed(Exception):
    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(record.get("message", ""))
        self.record = record


class Worker:
    def __init__(
        self, workspace: Path, probes: dict[str, ExerciseProbes], output_chars: int = 20_000
    ) -> None:
        self.workspace = workspace.resolve()
        self.learner_root = str(self.workspace) + "/"
        self.probes = probes
        self.modules: dict[str, types.ModuleType | ImportFailed] = {}
        self.output_chars = output_chars
        self.output_offset = 0  # in the captured-output file on descriptor 1
        # The machinery's check that learner code rebound nothing (integrity.py), run before
        # each answer leaves; the supervisor sets it once the tripwire is armed.
        self.verify: Callable[[], None] = _nothing_to_verify
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
            _arm_stack_dump(header.get("seconds"))
            try:
                reply, value = self.handle(header, payload)
            except Exception as exc:  # our own machinery failed (or learner code broke it)
                reply, value = (
                    {"status": "internal_error", "detail": f"{type(exc).__name__}: {exc}"},
                    _NOTHING,
                )
            finally:
                faulthandler.cancel_dump_traceback_later()
            elapsed = time.perf_counter() - started
            body = b""
            if value is not _NOTHING:
                try:
                    body = encode_value(value)
                except BaseException as exc:  # a value that would not encode
                    reply = {"status": "bad_return", "detail": f"{type(exc).__name__}: {exc}"}
            reply["elapsed"] = elapsed
            reply["nonce"] = header.get("nonce")
            reply.update(self.new_output())
            self.verify()  # a measurement learner code rebound never leaves
            send_frame(conn, reply, body)

    def new_output(self) -> dict[str, Any]:
        """What learner code printed since the last answer (stdout and stderr go to one file,
        opened by the supervisor, on descriptor 1). The judge caps it again: it trusts none
        of this, but it is only the learner's own text."""
        flush_streams()
        text, truncated, self.output_offset = read_output(1, self.output_offset, self.output_chars)
        return {"output": text, "output_truncated": truncated, "output_end": self.output_offset}

    def handle(self, header: dict[str, Any], payload: bytes) -> tuple[dict[str, Any], Any]:
        op = header.get("op")
        if "seed" in header:  # the first request of a check
            _reseed(int(header["seed"]))
        if op == "stats":
            return {"status": "returned"}, process_stats()
        if op in ("call", "probe", "calls"):
            exercise = str(header.get("exercise"))
            try:
                module = self.module(exercise)
            except ImportFailed as failed:
                return {"status": "import_failed", "error": failed.record}, _NOTHING
            if op == "calls":  # the judge sends the calls as its one argument
                (calls,), _ = decode_value(payload)
                return self.each(exercise, module, header, calls)
            args, kwargs = decode_value(payload) if payload else ((), {})
            return self.one(op, exercise, module, header, args, kwargs)
        return {"status": "bad_request", "detail": f"unknown op {op!r}"}, _NOTHING

    def one(self, op, exercise, module, header, args, kwargs) -> tuple[dict[str, Any], Any]:
        args, kwargs = _rebuild(args), _rebuild(kwargs)
        # With stand-in inputs, what asks for the stand-in gets it (see standin.py).
        on_standin = standin.has_standin((args, kwargs))
        if on_standin:  # CPU data handed over beside stand-in data is on the host
            args, kwargs = standin.hosted((args, kwargs))
        with standin.active() if on_standin else contextlib.nullcontext():
            if op == "call":
                path = str(header.get("path", ""))
                return self.call(
                    exercise, module, path, args, kwargs, watch=bool(header.get("watch"))
                )
            return self.run_probe(exercise, module, str(header.get("name", "")), args, kwargs)

    def each(self, exercise, module, header, calls) -> tuple[dict[str, Any], Any]:
        """Several calls of one function in one round trip, until one does not return."""
        replies, values = [], []
        for call in calls:
            args, kwargs = call if isinstance(call, tuple) and len(call) == 2 else ((), {})
            reply, value = self.one("call", exercise, module, header, args, kwargs)
            replies.append(reply)
            values.append(None if value is _NOTHING else value)
            if reply["status"] != "returned":
                break
        return {"status": "returned_each", "each": replies}, values

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

    def _guarded(self, exercise: str, scope: str = ""):
        rules = self.probes.get(exercise, ExerciseProbes()).forbidden
        return guard.armed(rules, self.workspace, scope)

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
                available = _defined_here(module, path.split(".")[0])
                return {"status": "missing", "name": path, "available": available}, _NOTHING
            except BaseException as exc:
                return {"status": "raised", "error": self.exception_record(exc)}, _NOTHING
        handed = effects.record(target, args, kwargs)
        if not watch:
            return self._unchanged(
                handed, *self._run(exercise, lambda: target(*args, **kwargs), scope=path)
            )
        counter: list[int] = []

        def watched():
            with guard.counting_ops(self.workspace) as mode:
                try:
                    return target(*args, **kwargs)
                finally:
                    counter.append(mode.count)

        reply, value = self._unchanged(handed, *self._run(exercise, watched, scope=path))
        if reply["status"] == "returned":
            value = {"result": value, "args": list(args), "kwargs": kwargs, "ops": counter[0]}
        return reply, value

    def _unchanged(self, handed: list, reply: dict[str, Any], value: Any) -> tuple[dict, Any]:
        """A call that returned, but changed what it was handed, did not do its job."""
        if reply["status"] == "returned":
            changed = effects.changes(handed)
            if changed:
                return {"status": "changed_input", "changes": changed}, _NOTHING
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
        seen = ModuleAsProbed(module)
        reply, value = self._run(exercise, lambda: fn(seen, *args, **kwargs))
        error = reply.get("error") or {}
        if reply.get("status") == "raised" and seen.missing and _probe_lookup_failed(error):
            wanted = seen.missing[-1]  # the probe asked the module for a name it lacks
            return {
                "status": "missing",
                "name": wanted,
                "available": _defined_here(module, wanted),
            }, _NOTHING
        if reply.get("status") != "returned" and seen.taken:
            reply["entry"] = seen.taken[-1]  # how the judge names the call in its message
        return reply, value

    def _run(self, exercise: str, thunk, scope: str = ""):
        violations: list[guard.Violation] = []
        try:
            with self._guarded(exercise, scope) as violations:
                value = thunk()
        except BaseException as exc:
            if violations:
                return self._forbidden(exercise, violations[0]), _NOTHING
            return {"status": "raised", "error": self.exception_record(exc)}, _NOTHING
        if violations:  # the learner caught our ForbiddenCall and carried on
            return self._forbidden(exercise, violations[0]), _NOTHING
        return {"status": "returned"}, value

    def _forbidden(self, exercise: str, v: guard.Violation) -> dict[str, Any]:
        hint = self.probes.get(exercise, ExerciseProbes()).hints.get(v.api, "")
        if isinstance(hint, tuple):  # (English, Chinese), side by side in the suite's probes.py
            hint = hint[1] if language() == "zh" else hint[0]
        return {
            "status": "forbidden",
            "api": v.api,
            "function": v.function,
            "line": v.line,
            "file": v.file,
            "hint": hint,
        }

    def exception_record(self, exc: BaseException) -> dict[str, Any]:
        return exception_record(exc, self.learner_root)


_NOTHING = object()


class ModuleAsProbed:
    """The learner's module as a probe sees it: the same names, and a note of the functions
    the probe took from it, so a message names the learner's function, not the probe."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self.taken: list[str] = []
        self.missing: list[str] = []  # names the probe asked for that the module lacks

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._module, name)
        except AttributeError:
            self.missing.append(name)
            raise
        if callable(value) and not name.startswith("_"):
            self.taken.append(name)
        return value


def _probe_lookup_failed(error: dict[str, Any]) -> bool:
    """An AttributeError raised by the probe's own lookup, not by learner code (no frame of
    the learner's file on its way)."""
    return error.get("type") == "AttributeError" and not error.get("frames")


def _nothing_to_verify() -> None:
    pass


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


def process_stats() -> dict[str, Any]:
    """What a fresh worker looks like from inside: for `grader doctor` and the kit's tests."""
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "uid": os.getuid(),
        "vm_size_kib": int(fields["VmSize"].split()[0]),
        "rss_kib": int(fields["VmRSS"].split()[0]),
        "torch_threads": torch.get_num_threads(),
        "cpus": sorted(os.sched_getaffinity(0)),
        "cuda_initialized": bool(torch.cuda.is_initialized()),
        "home": os.environ.get("HOME", ""),
        "environment": sorted(os.environ),
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "import_path": list(sys.path),
        "command_line": _proc_text("cmdline"),
        "argv": list(sys.argv) + list(sys.orig_argv),
        "first_environment": _proc_text("environ"),
    }


def _proc_text(name: str) -> str:
    """What /proc/self/cmdline or /proc/self/environ show (NULs as spaces)."""
    try:
        return Path(f"/proc/self/{name}").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError as exc:
        return f"<{exc.strerror}>"


def _reseed(seed: int) -> None:
    # Every forked worker starts with its template's RNG state: reseed per check.
    # torch.manual_seed also queues a CUDA seeding per call (about 1.5 ms here); the CPU
    # generator is what checks use, and CUDA's is seeded only once CUDA is up.
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))


def _arm_stack_dump(seconds: Any) -> None:
    """Just before the judge stops a call for time, write the stack it is stuck in to the
    output (see judge/stuck.py: the judge says where, and removes the dump)."""
    if type(seconds) in (int, float) and 0 < seconds < 86_400:
        faulthandler.dump_traceback_later(stack_dump_at(seconds), file=1)


def _defined_here(module: Any, wanted: str) -> list[str]:
    """The functions and classes the learner's module defines itself (not what it imported:
    `np`, `torch`, `annotations`), the closest to the name asked for first."""
    names = []
    for name, value in list(vars(module).items()):
        try:
            own = callable(value) and getattr(value, "__module__", None) == module.__name__
            if own and not name.startswith("_"):
                names.append(name)
        except BaseException:  # a learner object whose attributes raise: not a candidate
            continue
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
    return close + sorted(n for n in names if n not in close)[: 30 - len(close)]
