"""The naive baseline of bench/bench_grading.py: the same suites, with the learner's code
imported into the test process, as instructors commonly script it (and as the grader never
does: in-process learner code can fool the checks). For measuring only.

    python -m pytest -c bench/naive.ini -p inprocess --target SUBMISSION_DIR suites/...
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from grader.course import EXERCISE_DIR
from grader.run.judge.checks import skipped_up_front
from grader.run.judge.learner import Watched
from grader.run.judge.problems import LearnerRaised, NotImplementedYet
from grader.run.shared import standin
from grader.run.shared.codec import decode_value, encode_value
from grader.run.workers import guard
from grader.run.workers.worker import _rebuild as _rebuilt
from grader.testing import probes_of


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--target", required=True, help="folder of learner modules")


def pytest_configure(config: pytest.Config) -> None:
    for marker in ("points(n): points", "public: public", "hidden: hidden"):
        config.addinivalue_line("markers", marker)
    import torch

    torch.set_num_threads(1)
    # Start as warm as the grader's judges do (the same imports, meta kernels, frozen heap),
    # so that the checks' durations measure the checks, not one-time imports: the first
    # check on a meta tensor or the first optimizer step would otherwise carry about 2 s.
    from grader.judging import warm_up

    warm_up(meta=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    # As a judge does: checks skipped whatever happens (CUDA without CUDA) are not run.
    skipped = {item for item in items if skipped_up_front(item) is not None}
    if skipped:
        config.hook.pytest_deselected(items=[item for item in items if item in skipped])
        items[:] = [item for item in items if item not in skipped]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    # As a judge does: a stand-in check builds its inputs and references on the stand-in too
    # (in-process, the learner's code then runs under it as well, as a worker runs it).
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("device") == "standin":
        with standin.active():
            return (yield)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _loop["seconds"] = time.perf_counter() - started


@pytest.hookimpl(optionalhook=True)
def pytest_json_modifyreport(json_report: dict) -> None:
    # The checks and pytest's machinery around them (the report's durations hold the checks).
    json_report["runtestloop_seconds"] = _loop.get("seconds", 0.0)


_loop: dict[str, float] = {}


class InProcess:
    """Duck-types grader.run.judge.learner.Learner, calling the module directly."""

    def __init__(self, module, suite_file: str, root: Path, watch: bool = False) -> None:
        self._module, self._suite_file, self._root, self._watch = module, suite_file, root, watch

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Call(self, name)

    def probe(self, name, *args, describe=None, **kwargs):
        fn = getattr(probes_of(self._suite_file), name)
        args, kwargs = _copied((args, kwargs))
        return _run(lambda: fn(self._module, *_rebuilt(args), **_rebuilt(kwargs)), name)

    def each(self, name, calls):
        return [getattr(self, name)(*args, **kwargs) for args, kwargs in calls]

    def with_timeout(self, seconds):
        return self

    @property
    def output(self):
        return ""

    @property
    def watch(self):
        return InProcess(self._module, self._suite_file, self._root, watch=True)


class _Call:
    def __init__(self, owner: InProcess, path: str) -> None:
        self._owner, self._path = owner, path

    def __getattr__(self, name):
        return _Call(self._owner, f"{self._path}.{name}")

    def __call__(self, *args, **kwargs):
        target = self._owner._module
        for part in self._path.split("."):
            target = getattr(target, part)
        args, kwargs = _copied((args, kwargs))
        args, kwargs = _rebuilt(args), _rebuilt(kwargs)
        if not self._owner._watch:
            return _run(lambda: target(*args, **kwargs), self._path)
        with guard.counting_ops(self._owner._root) as mode:
            result = _run(lambda: target(*args, **kwargs), self._path)
        return Watched(result, *_copied((args, kwargs)), mode.count)


def _copied(value):
    """Through the grader's own codec: the learner gets copies, the check gets plain data, as
    with a worker (the codec costs tens of microseconds; no process boundary)."""
    return decode_value(encode_value(value))


def _run(thunk, name):
    try:
        return _copied(thunk())
    except AssertionError:
        raise
    except Exception as exc:
        record = {
            "type": type(exc).__name__,
            "mro": [c.__name__ for c in type(exc).__mro__],
            "message": str(exc),
        }
        kind = NotImplementedYet if isinstance(exc, NotImplementedError) else LearnerRaised
        raise kind(f"{name} raised {type(exc).__name__}: {exc}", record, name) from None


_modules: dict[str, object] = {}


@pytest.fixture
def learner(request: pytest.FixtureRequest) -> InProcess:
    root = Path(request.config.getoption("--target")).resolve()
    exercise = Path(str(request.node.path)).parent.name
    assert EXERCISE_DIR.match(exercise)
    if exercise not in _modules:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        spec = importlib.util.spec_from_file_location(exercise, root / f"{exercise}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[exercise] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            _modules[exercise] = exc
        else:
            _modules[exercise] = module
    module = _modules[exercise]
    if isinstance(module, Exception):
        pytest.fail(f"{exercise} could not be imported: {module}")
    return InProcess(module, str(request.node.path), root)
