"""The forbidden-call guard: tells a learner which forbidden API their code called.

Runs inside a worker. A rule says "inside learner function S, these APIs are forbidden"
(S is a qualified name or a glob, e.g. "batched_matmul" or "*.backward"). A call counts
only when learner code makes it directly: torch calling its own internals, or a probe
calling torch, never does. Two ways of seeing a call, because no single one sees all:

- a TorchFunctionMode sees torch functions, Tensor methods and operators;
- tripwires wrap what the mode cannot see (pure-Python functions such as torch.broadcast_shapes,
  and classes such as torch.nn.Linear). Installed before any learner module is imported (so
  `from torch import broadcast_shapes` binds one too), they do nothing unless a guard is armed.

and a third sees computations rather than calls: a rule may name a PyTorch kernel
("aten._softmax"); a TorchDispatchMode then sees it reached by any route (torch.special.softmax,
nn.Softmax, a private alias) and blames the innermost learner function on the stack.

Learner code cannot reach this module by name (tamper.hide_machinery); the ways around it are
caught by the tamper tripwire and static screening, and cost the points the guard protects.
"""

from __future__ import annotations

import _thread
import functools
import os
import sys
import threading
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from grader.run.workers.rules import (  # noqa: F401 (ALIASES, parse_rules: part of this API)
    ALIASES,
    OP_PREFIX,
    Rule,
    parse_rules,
    resolve_api,
)

_TORCH_OVERRIDES_FILE = str(Path(torch.overrides.__file__).resolve())
# Standard-library code that only passes a call on (a dispatcher such as
# functools.singledispatch, a thread pool's work item): a forbidden API it calls was asked for
# by whoever handed it over.
_STDLIB = os.path.dirname(os.__file__) + "/"
_FORWARDERS = (
    "functools.py",
    "threading.py",
    "concurrent/futures/thread.py",
    "concurrent/futures/_base.py",
    "contextlib.py",
    "operator.py",
)
# Threads that learner code started (guard_threads): everything they do is the learner's.
_learner_thread = threading.local()


class ForbiddenCall(Exception):
    """Raised into learner code when it calls a forbidden API."""

    def __init__(self, api: str, function: str) -> None:
        super().__init__(f"{function} called {api}, which this exercise forbids")
        self.api = api
        self.function = function


@dataclass
class Violation:
    api: str
    function: str  # the learner function that made the call
    line: int
    file: str


@dataclass
class _Armed:
    rules: list[Rule]
    learner_root: str
    scope: str = ""  # the learner function called (its path): what a learner thread acts for
    ops: frozenset[str] = frozenset()
    violations: list[Violation] = field(default_factory=list)


_armed: _Armed | None = None
_api_names: dict[object, set[str]] = {}  # an API's object -> its names (not by id(): audited)
_api_types: set[type] = {types.FunctionType}  # theirs, hashed by identity: no learner __hash__
_registered: set[str] = set()
_installed_tripwires: set[str] = set()


# Not wrapped in torch._disable_dynamo, which imports torch._dynamo (1.8 s) at first use.
class _NoDynamoDispatchMode(TorchDispatchMode):
    _should_skip_dynamo = classmethod(lambda cls: False)


class _KernelGuard(_NoDynamoDispatchMode):
    """Sees every kernel PyTorch runs while armed; a forbidden one run on behalf of a learner
    function under its rule is a violation, whatever function reached it."""

    def __init__(self, ops: frozenset[str]) -> None:
        super().__init__()
        self.ops = ops

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        op = f"{OP_PREFIX}{func.overloadpacket.__name__}"
        if op in self.ops:
            _check_kernel(op, sys._getframe(1))
        return func(*args, **(kwargs or {}))


def _check_kernel(op: str, frame: types.FrameType | None) -> None:
    armed = _armed
    if armed is None:
        return
    innermost = frame
    while innermost is not None and not innermost.f_code.co_filename.startswith(armed.learner_root):
        innermost = innermost.f_back
    if innermost is None:
        if _in_learner_thread():
            _thread_violation(armed, {op}, lambda rule: rule.ops)
        return  # no learner code on the stack: a probe or torch itself asked for it
    scopes = _scopes(innermost, armed)
    for rule in armed.rules:
        if op in rule.ops and any(rule.applies_to(s) for s in scopes):
            function = _qualname(innermost)
            armed.violations.append(
                Violation(op, function, innermost.f_lineno, Path(innermost.f_code.co_filename).name)
            )
            raise ForbiddenCall(op, function)


def _scopes(frame: types.FrameType, armed: _Armed) -> list[str]:
    """The learner functions a call is made within: those on the stack and, in a thread learner
    code started, the function being graded (which started it, or handed it the work)."""
    scopes = _learner_qualnames(frame, armed.learner_root)
    return [*scopes, armed.scope] if _in_learner_thread() else scopes


def _in_learner_thread() -> bool:
    return bool(getattr(_learner_thread, "on", False))


def _thread_violation(armed: _Armed, names: set[str], listed_in) -> None:
    """A forbidden API used from a thread learner code started, while one of its functions
    runs: the call counts as made by that function (no learner frame is on this stack)."""
    for rule in armed.rules:
        listed = names & listed_in(rule)
        if listed and rule.applies_to(armed.scope):
            api = sorted(listed)[0]
            armed.violations.append(Violation(api, armed.scope, 0, ""))
            raise ForbiddenCall(api, armed.scope)


def _register_names(rules: list[Rule]) -> None:
    for rule in rules:
        for api in rule.apis - _registered:
            _registered.add(api)
            obj = resolve_api(api)
            if obj is not None:
                _api_names.setdefault(obj, set()).add(api)
                _api_types.add(type(obj))


def install_tripwires(rule_specs: Iterable[dict[str, Iterable[str]]]) -> None:
    """Wrap the forbidden APIs that TorchFunctionMode cannot see. Call before learner imports."""
    specs = list(rule_specs)
    for spec in specs:
        rules = parse_rules(spec)
        _register_names(rules)
        for rule in rules:
            for api in sorted(rule.apis):
                if api not in _installed_tripwires:
                    _install_tripwire(api)
    for spec in specs:  # prepared once here, so that forked workers inherit them
        _prepared(spec)


def _install_tripwire(api: str) -> None:
    obj = resolve_api(api)
    owner_name, _, attr = api.rpartition(".")
    # Tensor methods written in Python (Tensor.backward, Tensor.__matmul__) are wrapped too:
    # the mode misses calls made while it handles another (autograd running a backward).
    owner = (
        torch.Tensor if owner_name == "Tensor" else resolve_api(owner_name) if owner_name else None
    )
    if obj is None or owner is None:
        return
    # Only the object's own mark: AdamW must not look wrapped because Adam is.
    names = (
        vars(obj).get("__grader_names__")
        if isinstance(obj, type)
        else getattr(obj, "__grader_names__", None)
    )
    if names is not None:
        # An alias of an API already wrapped (torch.vmap is torch.func.vmap): one wrapper,
        # which answers to every name, so a rule may list either.
        names.add(api)
        _installed_tripwires.add(api)
        return
    names = {api}
    if isinstance(obj, type):
        original_init = obj.__init__

        @functools.wraps(original_init)
        def checked_init(self, *args, **kwargs):
            _check_call(names, sys._getframe(1))
            return original_init(self, *args, **kwargs)

        obj.__init__ = checked_init  # type: ignore[method-assign]
        obj.__grader_names__ = names  # type: ignore[attr-defined]
    elif isinstance(obj, types.FunctionType):

        @functools.wraps(obj)
        def checked(*args, **kwargs):
            _check_call(names, sys._getframe(1))
            return obj(*args, **kwargs)

        checked.__grader_names__ = names  # type: ignore[attr-defined]
        _api_names[checked] = names
        setattr(owner, attr, checked)
        # torch re-exports some functions (torch.func.vmap is torch.vmap): patch those too.
        for alias_owner in (torch, torch.func, torch.autograd):
            for alias, value in list(vars(alias_owner).items()):
                if value is obj:
                    setattr(alias_owner, alias, checked)
    else:
        return  # builtins and descriptors: the TorchFunctionMode sees them
    _installed_tripwires.add(api)


def _learner_qualnames(frame: types.FrameType | None, root: str) -> list[str]:
    names = []
    while frame is not None:
        if frame.f_code.co_filename.startswith(root):
            names.append(_qualname(frame))
        frame = frame.f_back
    return names


def _qualname(frame: types.FrameType) -> str:
    code = frame.f_code
    qualname = getattr(code, "co_qualname", None)  # Python >= 3.11
    if qualname:
        return qualname
    owner = frame.f_locals.get("self") or frame.f_locals.get("cls")
    if owner is not None:
        owner_type = owner if isinstance(owner, type) else type(owner)
        return f"{owner_type.__name__}.{code.co_name}"
    return code.co_name


def _past_forwarders(frame: types.FrameType | None) -> types.FrameType | None:
    while frame is not None and frame.f_code.co_filename.removeprefix(_STDLIB) in _FORWARDERS:
        frame = frame.f_back
    return frame


def _check_call(names: set[str], caller: types.FrameType | None) -> None:
    armed = _armed
    if armed is None:
        return
    caller = _past_forwarders(caller)
    if caller is None or not caller.f_code.co_filename.startswith(armed.learner_root):
        if _in_learner_thread() and (caller is None or _past_learner(caller, armed) is None):
            _thread_violation(armed, names, lambda rule: rule.apis)
        return  # torch or a probe made this call, not the learner
    scopes = _scopes(caller, armed)
    for rule in armed.rules:
        listed = names & rule.apis
        if listed and any(rule.applies_to(s) for s in scopes):
            api, function = sorted(listed)[0], _qualname(caller)
            armed.violations.append(
                Violation(api, function, caller.f_lineno, Path(caller.f_code.co_filename).name)
            )
            raise ForbiddenCall(api, function)


def _past_learner(frame: types.FrameType | None, armed: _Armed) -> types.FrameType | None:
    """The innermost learner frame on this stack, if any."""
    while frame is not None and not frame.f_code.co_filename.startswith(armed.learner_root):
        frame = frame.f_back
    return frame


class _ThreadKernelGuard(_NoDynamoDispatchMode):
    """_KernelGuard for a learner thread: the kernels forbidden by whatever rules are armed."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        armed = _armed
        if armed is not None and armed.ops:
            op = f"{OP_PREFIX}{func.overloadpacket.__name__}"
            if op in armed.ops:
                _check_kernel(op, sys._getframe(1))
        return func(*args, **(kwargs or {}))


def guard_threads() -> None:
    """Modes are per thread: every thread learner code starts (threading, a thread pool,
    _thread) runs its work under the guard. Call in a worker before learner code runs."""
    original = _thread.start_new_thread

    def start_new_thread(function, args, kwargs=None):
        return original(_guarded_thread, (function, args, kwargs or {}))

    _thread.start_new_thread = start_new_thread
    _thread.start_new = start_new_thread  # the old alias
    threading._start_new_thread = start_new_thread  # type: ignore[attr-defined]


def _guarded_thread(function, args, kwargs):
    _learner_thread.on = True
    with _GuardMode(), _ThreadKernelGuard():
        return function(*args, **kwargs)


class _GuardMode(TorchFunctionMode):
    def __torch_function__(self, func, types_, args=(), kwargs=None):
        if type(func) in _api_types and (names := _api_names.get(func)) is not None:
            _check_call(names, _caller_of(func))
        return func(*args, **(kwargs or {}))


def _caller_of(func: object) -> types.FrameType | None:
    frame = sys._getframe(2)  # skip __torch_function__ itself
    # Python-level torch functions dispatch through torch/overrides.py and their own frame.
    while frame is not None and frame.f_code.co_filename == _TORCH_OVERRIDES_FILE:
        frame = frame.f_back
    code = getattr(func, "__code__", None)
    if frame is not None and code is not None and frame.f_code is code:
        frame = frame.f_back
    return frame


class _CountingMode(TorchFunctionMode):
    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root
        self.count = 0

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        caller = _caller_of(func)
        if caller is not None and caller.f_code.co_filename.startswith(self.root):
            self.count += 1
        return func(*args, **(kwargs or {}))


@contextmanager
def counting_ops(learner_root: Path) -> Iterator[_CountingMode]:
    """Count the torch operations learner code calls directly (e.g. to spot a Python loop)."""
    mode = _CountingMode(str(learner_root) + "/")
    with mode:
        yield mode


@contextmanager
def armed(
    rule_spec: dict[str, Iterable[str]], learner_root: Path, scope: str = ""
) -> Iterator[list[Violation]]:
    """Watch learner code for forbidden calls while the block runs; yields the violations."""
    global _armed
    if not rule_spec:  # an exercise without rules (its spec may be a fresh {} per call)
        yield []
        return
    rules, needs_mode = _prepared(rule_spec)
    if not rules:
        yield []
        return
    ops = frozenset().union(*(rule.ops for rule in rules))
    state = _Armed(rules=rules, learner_root=str(learner_root), scope=scope, ops=ops)
    previous, _armed = _armed, state
    try:
        # The mode puts a Python call in front of every torch op learner code makes: only
        # when a forbidden API is one that no tripwire covers (a builtin, a C method).
        with _GuardMode() if needs_mode else nullcontext():
            with _KernelGuard(ops) if ops else nullcontext():
                yield state.violations
    finally:
        _armed = previous


# id(spec) -> (spec, rules, needs the mode); the spec is kept so that its id is never reused.
_prepared_specs: dict[int, tuple[object, list[Rule], bool]] = {}


def _prepared(rule_spec: dict[str, Iterable[str]]) -> tuple[list[Rule], bool]:
    """Parsed rules, and whether they need the mode: once per spec (each call arms them)."""
    key = id(rule_spec)
    if key not in _prepared_specs:
        rules = parse_rules(rule_spec)
        _register_names(rules)
        needs_mode = any(api not in _installed_tripwires for rule in rules for api in rule.apis)
        _prepared_specs[key] = (rule_spec, rules, needs_mode)
    _, rules, needs_mode = _prepared_specs[key]
    return rules, needs_mode
