"""The tamper tripwire: learner code may not reach into the machinery that runs beside it.

Everything in a worker beside learner code (the forbidden-call guard, the operation counter,
the probes, the worker's own loop) could be rewritten by code that reaches it. Ordinary code
cannot: the grader's modules are gone from sys.modules before learner code is imported
(`hide_machinery`), so reaching them takes introspection: frames, code objects, the garbage
collector, native code, code compiled at run time, tracing. CPython announces each of those
to audit hooks, and an audit hook cannot be removed by Python code. Ours acts only when the
learner's own code is the one doing it: it writes what and where on a pipe that only the
supervisor reads, then kills the worker before the operation completes. The judge counts the
check as failed and the submission as tampered (results.py takes the points the machinery
guards), and static screening catches the routes CPython does not announce.
"""

from __future__ import annotations

import _thread
import hashlib
import hmac
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import torch
import typing_extensions

# Audit events that hand out the means to rewrite another module's state.
EVENTS = {
    "sys._getframe",
    "sys._current_frames",
    "sys._getframemodulename",
    "object.__getattr__",  # frame and code attributes: f_code, tb_frame, gi_frame, ...
    "object.__setattr__",  # e.g. a function's __code__
    "object.__delattr__",
    "code.__new__",  # code.replace() too: relabelling where code comes from
    "function.__new__",
    "compile",
    "exec",
    "marshal.loads",
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "sys.settrace",
    "sys.setprofile",
    "sys.addaudithook",
    "sys.monitoring.register_callback",
    "builtins.breakpoint",
}
EVENT_PREFIXES = ("ctypes.", "cffi.")
# Modules whose import alone is a sign (a first import: modules already loaded raise no event).
DENIED_IMPORTS = {
    "ctypes",
    "_ctypes",
    "cffi",
    "runpy",
    "code",
    "codeop",
    "pdb",
    "bdb",
    "trace",
    "tracemalloc",
    "faulthandler",
    "_testcapi",
    "_xxsubinterpreters",
    "grader",
    "pytest",
    "_pytest",
    "pluggy",
}
# Who asked for an audited operation is the first frame, walking out from it, that is neither
# the import machinery (for imports) nor a helper that only passes a frame, or a call, on to
# its caller: the standard library's functions that return frames (inspect.currentframe(),
# inspect.stack(), traceback.walk_stack(), logging.currentframe(), a lambda) and its
# dispatchers (functools.singledispatch, a thread pool's work item, contextlib). Stdlib code
# that only reads frames for its own purpose (logging.findCaller, warnings, traceback's
# formatting, typing, enum, dataclasses) is the actor itself, and honest.
_PASS_THROUGH = ("<frozen importlib._bootstrap",)
_STDLIB = os.path.dirname(os.__file__) + "/"
_HANDS_OUT = {
    "inspect.py": {"currentframe", "stack", "trace", "getouterframes", "getinnerframes"},
    "traceback.py": {"walk_stack", "walk_tb"},
    "logging/__init__.py": {"<lambda>", "currentframe"},
}
_FORWARDERS = (
    "functools.py",
    "threading.py",
    "concurrent/futures/thread.py",
    "concurrent/futures/_base.py",
    "concurrent/futures/process.py",
    "contextlib.py",
    "operator.py",
    "sched.py",
    "weakref.py",
    "asyncio/events.py",
    "asyncio/base_events.py",
    "queue.py",
)
# In a thread learner code started, nothing of the grader runs: an audited operation there is
# the learner's unless one of these asked (stdlib helpers reading frames for themselves).
_CONSUMERS = (
    "logging/__init__.py",
    "warnings.py",
    "traceback.py",
    "linecache.py",
    "typing.py",
    "enum.py",
    "collections/__init__.py",
    "dataclasses.py",
    "inspect.py",
)
TAMPER_EXIT_SIGNAL = signal.SIGKILL


def hide_machinery() -> int:
    """Remove the grader's own modules (and the course's probes) from sys.modules, so that
    `sys.modules[...]` or a fresh import finds nothing of what runs here. The objects live on,
    held by the functions that use them. Returns how many were hidden."""
    names = [n for n in sys.modules if n == "grader" or n.startswith(("grader.", "grader_"))]
    for name in names:
        del sys.modules[name]
    return len(names)


def install(learner_root: str, report_fd: int, key: bytes) -> Callable[[str, str], None]:
    """Arm the tripwire in this worker (once; it cannot be disarmed). `learner_root` ends in
    a slash; `report_fd` is the write end of the supervisor's tamper pipe. Learner code can
    write on that pipe too (it is one of its own descriptors): each record is signed with
    `key`, which only this hook's closure and the supervisor hold, and carries no text the
    learner chose (a forged or learner-shaped record could carry a hidden input out).
    Returns `trip(event, detail)`, for the machinery's own checks (integrity.py): it reports
    and kills the worker the same way."""
    pipe_inode = os.fstat(report_fd).st_ino
    busy: set[int] = set()  # threads inside the hook: per thread, so one cannot shade another
    getframe, write, kill, getpid = sys._getframe, os.write, os.kill, os.getpid
    get_ident, main_thread = _thread.get_ident, _thread.get_ident()
    sign = _signer(key)

    def hook(event: str, args: tuple) -> None:
        me = get_ident()
        if me in busy or not _watched(event, args):
            return
        busy.add(me)
        try:
            caller = getframe(1)
            actor = _actor(caller, past_imports=event == "import")
            if _handed_over(event, args, caller):
                actor = _learner_frame(caller, learner_root)  # whoever handed it is asking
            actor_file = actor.f_code.co_filename if actor is not None else ""
            by_learner = actor_file.startswith(learner_root)
            in_learner_thread = me != main_thread and not _consumer(actor_file)
            if not (by_learner or in_learner_thread or _never_honest(event, args)):
                return
            report(
                {
                    "event": event,
                    "detail": _detail(event, args),
                    "file": os.path.basename(actor_file) if by_learner else "",
                    "line": actor.f_lineno if by_learner else 0,
                }
            )
        finally:
            busy.discard(me)

    def report(record: dict[str, Any]) -> None:
        try:
            if os.fstat(report_fd).st_ino == pipe_inode:
                write(report_fd, sign(record))
        finally:
            kill(getpid(), TAMPER_EXIT_SIGNAL)  # before the operation completes

    def trip(event: str, detail: str) -> None:
        report({"event": event, "detail": detail, "file": "", "line": 0})

    sys.addaudithook(hook)
    return trip


def _watched(event: str, args: tuple) -> bool:
    if event in EVENTS or event.startswith(EVENT_PREFIXES):
        return True
    if event == "import":
        return str(args[0]).split(".")[0] in DENIED_IMPORTS
    if event == "open":
        path = str(args[0]) if args else ""
        return path.startswith("/proc/") and path.endswith("/mem")
    return False


def _actor(frame: Any, past_imports: bool) -> Any:
    """The frame that asked for the audited operation (see _HANDS_OUT and _FORWARDERS)."""
    while frame is not None:
        if not _passes_on(frame.f_code, past_imports):
            return frame
        frame = frame.f_back
    return None


def _passes_on(code: Any, past_imports: bool) -> bool:
    name = code.co_filename
    if past_imports and name.startswith(_PASS_THROUGH):
        return True
    if name == _GUARD_FILE and code.co_name == "_guarded_thread":  # a learner thread's start
        return True
    if not name.startswith(_STDLIB):
        return False
    relative = name[len(_STDLIB) :]
    return relative in _FORWARDERS or code.co_name in _HANDS_OUT.get(relative, ())


# Operations that hand out frames or code, by the name code must use to ask for them.
_FRAME_CALLS = {"sys._getframe": "_getframe", "sys._current_frames": "_current_frames"}
_GENERATOR = 0x20  # inspect.CO_GENERATOR


def _handed_over(event: str, args: tuple, frame: Any) -> bool:
    """Whether the code asking for a frame or a code object never names it: it was handed
    the operation as a callable (a thread pool's work item, a library's map or tree_map
    called with sys._current_frames or inspect.stack), so the code that handed it over is the
    one asking. Stdlib helpers that return frames (inspect.stack(), ...) are looked through to
    the code that called them; a generator (traceback.walk_tb) is asked by whoever resumes it."""
    name = _FRAME_CALLS.get(event)
    if event == "object.__getattr__" and args[1:] and type(args[1]) is str:
        name = args[1]
    if name is None:
        return False
    while frame is not None and _hands_out(frame.f_code):
        if frame.f_code.co_flags & _GENERATOR:
            return False
        name = "currentframe" if frame.f_code.co_name == "<lambda>" else frame.f_code.co_name
        frame = frame.f_back
    if frame is None:
        return True
    code = frame.f_code
    return name not in code.co_names and name not in code.co_consts


def _hands_out(code: Any) -> bool:
    name = code.co_filename
    return name.startswith(_STDLIB) and code.co_name in _HANDS_OUT.get(name[len(_STDLIB) :], ())


def _learner_frame(frame: Any, learner_root: str) -> Any:
    """The innermost frame of learner code on the stack (None: none is)."""
    while frame is not None and not frame.f_code.co_filename.startswith(learner_root):
        frame = frame.f_back
    return frame


def _consumer(filename: str) -> bool:
    if filename.startswith(_OWN_AND_TORCH):  # the guard in a learner thread; torch's internals
        return True
    if filename.startswith(_PASS_THROUGH):  # an import loading a module's code, as it does
        return True  # in the main thread (where the machinery is not the learner either)
    return filename.startswith(_STDLIB) and filename[len(_STDLIB) :] in _CONSUMERS


# The worker's own machinery (the guard runs in every learner thread) and torch read frames
# for themselves, and hand none to learner code.
_GUARD_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guard.py")
_OWN_AND_TORCH = (
    os.path.dirname(os.path.abspath(__file__)) + "/",
    os.path.dirname(os.path.abspath(torch.__file__)) + "/",
    # typing's backport, which torch's own annotations run through (an optimizer's step
    # builds Optional[...]): it reads its caller's frame for itself, as typing does.
    os.path.abspath(typing_extensions.__file__),
)


def _never_honest(event: str, args: tuple) -> bool:
    """Operations nothing in a worker has a reason for, whoever asks (a library the learner
    calls cannot be a way around the tripwire)."""
    if event in ("sys.settrace", "sys.setprofile"):  # a tracer sees every frame, ours too
        return True
    return event == "open" and bool(args) and str(args[0]).endswith("/mem")


# Attribute names a record may carry; any other name (a class attribute the learner named,
# say) is reported as "an attribute": a record never carries text the learner chose.
KNOWN_ATTRIBUTES = frozenset(
    [
        "f_back",
        "f_locals",
        "f_globals",
        "f_code",
        "f_trace",
        "f_builtins",
        "f_lasti",
        "f_lineno",
        "tb_frame",
        "tb_next",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "__code__",
        "__globals__",
        "__closure__",
        "__defaults__",
        "__kwdefaults__",
        "__builtins__",
        "__dict__",
        "__class__",
        "__bases__",
        "__mro__",
    ]
)
FORGED = "forged_record"  # bytes on the pipe that the tripwire did not sign


def _detail(event: str, args: tuple) -> str:
    if event in ("object.__getattr__", "object.__setattr__", "object.__delattr__") and args[1:]:
        name = args[1]
        return name if type(name) is str and name in KNOWN_ATTRIBUTES else "an attribute"
    if event == "import" and args:
        top = str(args[0]).split(".")[0]
        return top if top in DENIED_IMPORTS else "a module"
    if event == "open" and args:
        return "/proc/self/mem" if str(args[0]) == "/proc/self/mem" else "a process's memory"
    return ""


def _signer(key: bytes):
    def sign(record: dict[str, Any]) -> bytes:
        text = json.dumps(record, sort_keys=True)
        mac = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        return f"{mac} {text}\n".encode()[:4000]

    return sign


def _verified(line: str, key: bytes) -> dict[str, Any] | None:
    mac, _, text = line.partition(" ")
    expected = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def read_reports(fd: int, key: bytes) -> list[dict[str, Any]]:
    """Supervisor side: the records written so far (non-blocking; at most a few). A line the
    tripwire did not sign was written by learner code: it is reported as that, never read."""
    os.set_blocking(fd, False)
    data = b""
    try:
        while len(data) < 64_000:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    records, forged = [], False
    for line in data.decode("utf-8", errors="replace").splitlines()[:20]:
        record = _verified(line, key)
        if record is None:
            forged = True
        else:
            records.append({k: str(record.get(k, ""))[:300] for k in RECORD_KEYS})
    if forged:
        records.append({"event": FORGED, "detail": "", "file": "", "line": "0"})
    return records


RECORD_KEYS = ("event", "detail", "file", "line")
