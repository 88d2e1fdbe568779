"""The pytest plugin of the judge: markers, the `learner` fixture, and what each check meant.

Loaded with `-p grader.run.plugin`, both in the grader's own judge runs and in a plain
`pytest` run of the suites (which then grades `solutions/`, or --grader-target).

- every suite check must carry `points(n)` and exactly one of `public`/`hidden`;
- the list of selected checks is written before any of them runs, so a check missing
  from the final report can be counted as failed rather than forgotten;
- each failure is classified (wrong answer, learner error, grader fault, not run) and its
  learner-facing message attached to the pytest-json-report entry as metadata.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from grader.course import EXERCISE_DIR, HIDDEN_SUITE, PUBLIC_SUITE
from grader.messages import say
from grader.run.judge import JSON_REPORT, JudgeConfig, enter_run, serve_judges
from grader.run.learner import Channel, GraderFault, Learner, LearnerProblem, LearnerSession
from grader.run.sandbox import Plan

META_KEY = "grader"
_INFO = pytest.StashKey[dict]()


class NotRun(Exception):
    """A check that was not started because the submission's time budget ran out."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--grader-config", help="judge configuration written by the grader CLI")
    group.addoption("--grader-target", help="folder of learner modules to check (plain runs)")
    group.addoption("--grader-devices", help="comma-separated devices to keep: cpu,cuda,meta")
    group.addoption(
        "--grader-public-only",
        action="store_true",
        help="deselect hidden checks, counting them only",
    )
    parser.addini(
        "grader_target", "default folder of learner modules for plain runs", default="solutions"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-json-report's, which reads --tb
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): what a check is worth")
    config.addinivalue_line("markers", "public: a check learners can run themselves")
    config.addinivalue_line("markers", "hidden: a check that runs only at grading time")
    config.stash[_JUDGE] = _judge_config(config)
    if config.getoption("--grader-config"):
        config.pluginmanager.register(CheapReports(), "grader-cheap-reports")
        config.option.tbstyle = "no"  # the terminal plugin's option, which a judge runs without
        config.stash[_BROKEN] = []
        config.pluginmanager.register(
            TerminalStandIn(config.stash[_BROKEN]), "grader-terminal-stand-in"
        )
    # Reference values are small tensors: one thread is fastest, and a batch runs many judges.
    import torch

    torch.set_num_threads(1)


_JUDGE = pytest.StashKey[JudgeConfig]()


def _judge_config(config: pytest.Config) -> JudgeConfig:
    path = config.getoption("--grader-config")
    if path:
        return JudgeConfig.load(path)
    # A plain `pytest` run: grade a folder in place, with our own worker template.
    root = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
    target = config.getoption("--grader-target") or config.getini("grader_target")
    workspace = (root / target).resolve()
    devices = config.getoption("--grader-devices")
    tmp = os.environ.get("TMPDIR", "/tmp")
    return JudgeConfig(
        course_root=str(root),
        workspace=str(workspace),
        run_dir=tmp,
        suite_files=[],
        devices=devices.split(",") if devices else ["cpu", "cuda", "meta"],
        plan=Plan(workspace=str(workspace), worker_tmp=tmp).to_json(),
    )


# ---------------------------------------------------------------- collection


def is_suite_item(item: pytest.Item) -> bool:
    """A check of a course suite (not one of the kit's own tests). Asked by every hook of
    every check: the answer is kept on the item."""
    known = item.stash.get(_IS_SUITE, None)
    if known is None:
        path = Path(str(item.path))
        known = path.name in (PUBLIC_SUITE, HIDDEN_SUITE) and bool(
            EXERCISE_DIR.match(path.parent.name)
        )
        item.stash[_IS_SUITE] = known
    return known


_IS_SUITE = pytest.StashKey[bool]()


def check_info(item: pytest.Item) -> dict[str, Any]:
    """What the results need to know about a check, from its markers and docstring."""
    path = Path(str(item.path))
    points_marks = list(item.iter_markers("points"))
    visibility = [m.name for m in item.iter_markers() if m.name in ("public", "hidden")]
    problems = []
    if len(points_marks) != 1 or len(points_marks[0].args) != 1:
        problems.append("needs exactly one @points(n)")
    elif not isinstance(points_marks[0].args[0], (int, float)) or points_marks[0].args[0] < 0:
        problems.append("points(n) needs a number >= 0")
    if len(set(visibility)) != 1:
        problems.append("needs exactly one of the public/hidden markers")
    elif (visibility[0] == "hidden") != (path.name == HIDDEN_SUITE):
        problems.append(f"is marked {visibility[0]} but lives in {path.name}")
    if problems:
        raise pytest.UsageError(f"suite check {item.nodeid} " + "; ".join(problems))
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    params = getattr(getattr(item, "callspec", None), "params", {})
    return {
        "nodeid": item.nodeid,
        "exercise": path.parent.name,
        "name": item.name,
        "title": doc.splitlines()[0] if doc else item.name,
        "points": float(points_marks[0].args[0]),
        "visibility": visibility[0],
        "device": params.get("device"),
    }


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list
) -> None:
    judge = config.stash[_JUDGE]
    public_only = config.getoption("--grader-public-only") or judge.public_only
    in_judge = bool(config.getoption("--grader-config"))
    keep, drop, hidden, skipped, listed = [], [], [], [], []
    for item in items:
        if not is_suite_item(item):
            keep.append(item)
            continue
        info = item.stash[_INFO] = check_info(item)
        if info["device"] is not None and info["device"] not in judge.devices:
            drop.append(item)
        elif public_only and info["visibility"] == "hidden":
            hidden.append(item)
        elif in_judge and (reason := skipped_up_front(item)) is not None:
            # Known skipped (a CUDA case without CUDA): listed as such, never run, so a
            # judge does not pay pytest's per-check machinery for it.
            info["skipped"] = reason
            skipped.append(item)
            listed.append(item)
        else:
            keep.append(item)
            listed.append(item)
    if drop or hidden or skipped:
        config.hook.pytest_deselected(items=drop + hidden + skipped)
        items[:] = keep
    config.stash[_HIDDEN] = {
        "checks": len(hidden),
        "points": sum(item.stash[_INFO]["points"] for item in hidden),
    }
    config.stash[_LISTED] = listed


def skipped_up_front(item: pytest.Item) -> str | None:
    """The reason a check will be skipped whatever happens, if its marks say so already:
    `skip`, or `skipif` with a condition that is plainly true (not a string to evaluate)."""
    for mark in item.iter_markers(name="skip"):
        return str(mark.kwargs.get("reason", mark.args[0] if mark.args else ""))
    for mark in item.iter_markers(name="skipif"):
        if mark.args and all(c is True for c in mark.args):
            return str(mark.kwargs.get("reason", ""))
    return None


_LISTED = pytest.StashKey[list]()  # the checks to run or skip up front, in suite order
_HIDDEN = pytest.StashKey[dict]()
_BROKEN = pytest.StashKey[list]()  # suite files that failed to collect (TerminalStandIn)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.getoption("--grader-config"):
        _write_collected(session)


def _write_collected(session: pytest.Session) -> None:
    judge = session.config.stash[_JUDGE]
    collected = {
        "checks": [item.stash[_INFO] for item in session.config.stash.get(_LISTED, [])],
        "hidden_not_run": session.config.stash.get(_HIDDEN, {}),
        "broken_suites": session.config.stash.get(_BROKEN, []),
    }
    path = Path(judge.run_dir) / "collected.json"
    path.write_text(json.dumps(collected))


# ---------------------------------------------------------------- a judge server


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """In a judge server (judge.JudgeServer): serve, and in each forked judge, take on its
    submission's config, then let pytest run the checks as in any judge."""
    serve_fd = session.config.stash[_JUDGE].serve_fd
    if serve_fd is None or session.testsfailed:
        # Suites that did not collect: no server (pytest stops here); each judge then
        # collects, and logs why, itself.
        return None
    judge = JudgeConfig.load(serve_judges(serve_fd))
    enter_run(judge)
    config = session.config
    config.stash[_JUDGE] = judge
    config.option.json_report_file = str(Path(judge.run_dir) / JSON_REPORT)
    report = getattr(config, "_json_report", None)
    if report is not None:
        report._start_time = time.time()  # its duration is this judge's, not the server's
    _write_collected(session)
    return None  # pytest's own loop runs the checks


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def learner_session(request: pytest.FixtureRequest):
    judge = request.config.stash[_JUDGE]
    template = None

    def connect() -> Channel:
        nonlocal template
        socket_path = judge.worker_socket
        if socket_path is None:
            from grader.run.template import start_template

            template = start_template(Path(judge.course_root))
            template.wait_ready()
            socket_path = template.socket_path
        return Channel(socket_path, Plan.from_json(judge.plan))

    deadline = None
    if judge.deadline is not None:
        deadline = time.monotonic() + (judge.deadline - time.time())
    session = LearnerSession(
        Path(judge.workspace), connect, call_timeout=judge.call_timeout, deadline=deadline
    )
    request.config.stash[_SESSION] = session
    _state["session"] = session
    yield session
    session.close()
    if template is not None:
        template.stop()


_SESSION = pytest.StashKey[LearnerSession]()


@pytest.fixture
def learner(request: pytest.FixtureRequest, learner_session: LearnerSession) -> Learner:
    """The learner's module for this suite's exercise; calls on it run in a worker."""
    exercise = Path(str(request.node.path)).parent.name
    if not EXERCISE_DIR.match(exercise):
        raise GraderFault(
            f"the learner fixture is for suites/exNN_*/ checks, not {request.node.nodeid}"
        )
    learner_session.begin_test(request.node.nodeid)
    return Learner(learner_session, exercise)


# ---------------------------------------------------------------- running


class CheapReports:
    """Failed checks' reports without pytest's traceback formatting (judge runs only).

    pytest renders every failure's traceback with source lines, tens of milliseconds each;
    a submission of stubs fails hundreds of checks, and nobody reads those tracebacks: the
    learner reads our message. A suite author reads them in a plain pytest run of the suite,
    where this class is not registered.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> pytest.TestReport | None:
        excinfo = call.excinfo
        if (
            excinfo is None
            or not is_suite_item(item)
            or excinfo.errisinstance(pytest.skip.Exception)
        ):
            return None
        first_line = (str(excinfo.value).strip().splitlines() or [""])[0]
        sections = [(f"Captured {key} {when}", text) for when, key, text in item._report_sections]
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {name: 1 for name in item.keywords},
            "failed",
            f"{excinfo.typename}: {first_line[:500]}",
            call.when,
            sections,
            call.duration,
            call.start,
            call.stop,
            item.user_properties,
        )


class TerminalStandIn:
    """What a judge still needs of pytest's terminal plugin, which it runs without (its
    end-of-run summary of failures costs time quadratic in their number; see
    judge.JUDGE_WITHOUT)."""

    def __init__(self, broken: list[str]) -> None:
        self.broken = broken  # written to collected.json, for the grader's message

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Note a suite file that failed to collect, and log its traceback for the suite's
        author in the judge's log."""
        if report.failed:
            self.broken.append(report.nodeid)
            sys.stderr.write(f"ERROR collecting {report.nodeid}\n{report.longreprtext}\n")
            sys.stderr.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str]:
        """A check's outcome as the terminal plugin words it (pytest-json-report asks): a
        failure outside the check's call is an "error"."""
        outcome = report.outcome
        if outcome == "failed" and report.when in ("collect", "setup", "teardown"):
            outcome = "error"
        return outcome, outcome[0].upper(), outcome.upper()


def pytest_runtest_setup(item: pytest.Item) -> None:
    judge = item.config.stash[_JUDGE]
    if judge.deadline is not None and time.time() > judge.deadline and is_suite_item(item):
        raise NotRun(say("not_run_budget"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not is_suite_item(item):
        return report
    info = item.stash.setdefault(_VERDICT, {})
    if report.failed and call.excinfo is not None and "kind" not in info:
        info.update(classify(call.excinfo.value))
    elif report.skipped and "kind" not in info:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        info.update({"kind": "skipped", "message": reason.removeprefix("Skipped: ")})
    if report.when == "teardown":
        session = item.config.stash.get(_SESSION, None)
        if session is not None and session.output:
            info["output"] = "".join(session.output)
            info["output_truncated"] = session.output_truncated
            session.output = []
    return report


_VERDICT = pytest.StashKey[dict]()


def classify(exc: BaseException) -> dict[str, str]:
    """What kind of failure this was, and the message a learner should read."""
    if isinstance(exc, NotRun):
        return {"kind": "not_run", "message": say("not_run", reason=str(exc))}
    if isinstance(exc, LearnerProblem):
        return {"kind": exc.kind, "message": str(exc)}
    if isinstance(exc, AssertionError):
        return {"kind": "wrong", "message": str(exc) or "the check failed"}
    if type(exc).__name__ == "Failed":  # pytest.fail(...)
        return {"kind": "wrong", "message": str(exc)}
    detail = f"{type(exc).__name__}: {exc}"
    return {"kind": "grader_error", "message": say("check_crashed", detail=detail)}


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo) -> dict | None:
    if not is_suite_item(item):
        return None
    verdict = item.stash.get(_VERDICT, {})
    return {META_KEY: dict(verdict)} if verdict else None


@pytest.hookimpl(optionalhook=True)
def pytest_json_modifyreport(json_report: dict) -> None:
    session = _state.get("session")
    json_report[META_KEY] = {
        "learner_code_in_judge": _learner_modules_in_judge(),
        "sandbox": session.measures if session is not None else {},
    }


# The json-report hook receives no config: the session fixture leaves its session here.
_state: dict[str, Any] = {}


def _learner_modules_in_judge() -> list[str]:
    """The judge must never import learner code: name any module that came from the workspace."""
    session = _state.get("session")
    if session is None:
        return []
    root = str(Path(session.workspace).resolve()) + os.sep
    return [
        name
        for name, module in list(sys.modules.items())
        if (getattr(module, "__file__", None) or "").startswith(root)
    ]
