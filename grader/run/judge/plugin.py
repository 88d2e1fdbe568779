"""The pytest plugin of the judge: markers, the `learner` fixture, and what each check meant.

Loaded with `-p grader.run.judge.plugin`, both in the grader's own judge runs and in a plain
`pytest` run of the suites (which then grades `solutions/`, or --grader-target).

- every suite check must carry `points(n)` and exactly one of `public`/`hidden`;
- the list of selected checks (records.Collected) is written before any of them runs, so a
  check missing from the final report can be counted as failed rather than forgotten;
- each failure is classified (wrong answer, learner error, grader fault, not run) and its
  learner-facing records.Verdict attached to the pytest-json-report entry under REPORT_KEY.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.course import load_course
from grader.messages import say
from grader.records import (
    DEVICES,
    REPORT_KEY,
    Collected,
    CollectedCheck,
    Tally,
    Verdict,
    curve_of,
)
from grader.run.judge import golden, seeds
from grader.run.judge.channel import Channel, Opening
from grader.run.judge.checks import (
    NotRun,
    about,
    classify,
    collected_check,
    is_suite_item,
    skipped_up_front,
)
from grader.run.judge.config import COLLECTED, JSON_REPORT, JudgeConfig
from grader.run.judge.learner import Learner
from grader.run.judge.problems import GraderFault
from grader.run.judge.process import enter_run, serve_judges
from grader.run.judge.reports import CheapReports, TerminalStandIn
from grader.run.judge.session import LearnerSession
from grader.run.shared import standin
from grader.run.shared.launcher import start_template
from grader.run.shared.plan import Plan

_JUDGE = pytest.StashKey[JudgeConfig]()
_CHECK = pytest.StashKey[CollectedCheck]()
_LISTED = pytest.StashKey[list]()  # the checks to run or skip up front, in suite order
_HIDDEN = pytest.StashKey[Tally]()
_BROKEN = pytest.StashKey[list]()  # suite files that failed to collect (TerminalStandIn)
_OPENING = pytest.StashKey[Opening]()  # the channel, opened before the first check needs it
_SESSION = pytest.StashKey[LearnerSession]()
_VERDICT = pytest.StashKey[Verdict]()
_OUTPUT = pytest.StashKey[tuple]()  # (what learner code printed, whether it was cut)
_MEASURED = pytest.StashKey[bool]()  # it relied on measurements made in a worker
_COLLECTED_TEXT = pytest.StashKey[str]()  # the list of checks, as written for the grader
_RULED = pytest.StashKey[frozenset]()  # the exercises that have forbidden-call rules


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
    group.addoption(
        "--grader-hidden-seed",
        type=int,
        help="the secret hidden checks mix into their inputs (default: a new one per run)",
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
    _open_early(config)
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


def _open_early(config: pytest.Config) -> None:
    """A judge that will run checks opens its channel at once (channel.Opening)."""
    judge = config.stash[_JUDGE]
    if judge.worker_socket and judge.plan and judge.serve_fd is None and not judge.collect_only:
        config.stash[_OPENING] = Opening(judge.worker_socket, judge.plan)


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
    hidden_seed = config.getoption("--grader-hidden-seed")
    return JudgeConfig(
        course_root=str(root),
        workspace=str(workspace),
        run_dir=tmp,
        suite_files=[],
        devices=devices.split(",") if devices else list(DEVICES),
        plan=Plan(workspace=str(workspace), worker_tmp=tmp),
        hidden_seed=seeds.new_secret() if hidden_seed is None else hidden_seed,
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    """A plain run says its secret, so a hidden check that failed can be run again as it was."""
    seed = config.stash[_JUDGE].hidden_seed
    return None if seed is None else f"grader: hidden inputs from --grader-hidden-seed={seed}"


# ---------------------------------------------------------------- collection


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
        check = item.stash[_CHECK] = collected_check(item)
        chosen = judge.functions.get(check.exercise)
        if (chosen and not about(check, chosen)) or (
            check.device is not None and check.device not in judge.devices
        ):
            drop.append(item)
        elif public_only and check.visibility == "hidden":
            hidden.append(item)
        elif in_judge and (reason := skipped_up_front(item)) is not None:
            # Known skipped (a CUDA case without CUDA): listed as such, never run, so a
            # judge does not pay pytest's per-check machinery for it.
            item.stash[_CHECK] = CollectedCheck(**{**check.to_json(), "skipped": reason})
            skipped.append(item)
            listed.append(item)
        else:
            keep.append(item)
            listed.append(item)
    if drop or hidden or skipped:
        config.hook.pytest_deselected(items=drop + hidden + skipped)
    # Every public check runs before any hidden one (the list of checks, and so every report,
    # keeps the suites' order): a worker that served a hidden check never serves a public one,
    # so nothing a learner can see carries what a hidden check handed over.
    items[:] = sorted(
        keep, key=lambda item: is_suite_item(item) and item.stash[_CHECK].visibility == "hidden"
    )
    config.stash[_HIDDEN] = Tally.of([item.stash[_CHECK] for item in hidden])
    config.stash[_LISTED] = listed


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.getoption("--grader-config"):
        _write_collected(session)
        _ruled_exercises(session.config)  # (in a judge server: once, for every judge it forks)


def _write_collected(session: pytest.Session) -> None:
    config = session.config
    text = config.stash.get(_COLLECTED_TEXT, None)
    if text is None:  # the same for every judge a server forks: made before they fork
        collected = Collected(
            checks=[item.stash[_CHECK] for item in config.stash.get(_LISTED, [])],
            hidden_not_run=config.stash.get(_HIDDEN, Tally()),
            broken_suites=list(config.stash.get(_BROKEN, [])),
        )
        text = config.stash[_COLLECTED_TEXT] = json.dumps(collected.to_json())
    (Path(config.stash[_JUDGE].run_dir) / COLLECTED).write_text(text)


def _ruled_exercises(config: pytest.Config) -> frozenset[str]:
    """The course's exercises that have forbidden-call rules (read from every probes.py), read
    once per process that collects."""
    if _RULED not in config.stash:
        course = load_course(Path(config.stash[_JUDGE].course_root))
        config.stash[_RULED] = frozenset(ex.id for ex in course.exercises if ex.has_forbidden_rules)
    return config.stash[_RULED]


# ---------------------------------------------------------------- a judge server


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """In a judge server (process.JudgeServer): serve, and in each forked judge, take on its
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
    _open_early(config)
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
    assert judge.plan is not None, "a judge that runs checks has a sandbox plan"
    plan = judge.plan
    template = None

    def connect() -> Channel:
        nonlocal template
        opening = request.config.stash.get(_OPENING, None)
        if opening is not None:
            return opening()
        socket_path = judge.worker_socket
        if socket_path is None:
            # One template for the whole session, whatever exercises it runs: torch.optim's too.
            template = start_template(Path(judge.course_root), full_warm=True)
            template.wait_ready()
            socket_path = template.socket_path
        return Channel(socket_path, plan)

    deadline = None
    if judge.deadline is not None:
        deadline = time.monotonic() + (judge.deadline - time.time())
    ruled = _ruled_exercises(request.config)
    session = LearnerSession(
        Path(judge.workspace),
        connect,
        call_seconds=judge.call_seconds,
        deadline=deadline,
        ruled=ruled,
    )
    request.config.stash[_SESSION] = session
    _state["session"] = session
    yield session
    session.close()
    if template is not None:
        template.stop()


@pytest.fixture
def learner(request: pytest.FixtureRequest, learner_session: LearnerSession) -> Learner:
    """The learner's module for this suite's exercise; calls on it run in a worker."""
    if not is_suite_item(request.node):
        raise GraderFault(
            f"the learner fixture is for suites/exNN_*/ checks, not {request.node.nodeid}"
        )
    check = request.node.stash[_CHECK]
    learner_session.begin_test(request.node.nodeid, room=check.visibility)
    return Learner(learner_session, Path(str(request.node.path)).parent.name)


# ---------------------------------------------------------------- running


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A stand-in check builds its inputs and references on the stand-in device too."""
    if is_suite_item(item) and item.stash[_CHECK].device == "standin":
        with standin.active():
            return (yield)
    return (yield)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not is_suite_item(item):
        return
    judge = item.config.stash[_JUDGE]
    seeds.enter_check(item.nodeid, item.stash[_CHECK].visibility == "hidden", judge.hidden_seed)
    if judge.deadline is not None and time.time() > judge.deadline:
        raise NotRun(say("not_run_budget"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not is_suite_item(item):
        return report
    if _VERDICT not in item.stash:
        if report.failed and call.excinfo is not None:
            item.stash[_VERDICT] = classify(call.excinfo.value)
        elif report.skipped:
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            item.stash[_VERDICT] = Verdict("skipped", reason.removeprefix("Skipped: "))
    if report.when == "teardown":
        session = item.config.stash.get(_SESSION, None)
        if session is not None and session.output:
            item.stash[_OUTPUT] = ("".join(session.output), session.output_truncated)
            session.output = []
        if session is not None and session.measured:
            item.stash[_MEASURED] = True
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """When a learner kit is made: keep what the references computed (run/judge/golden.py)."""
    folder = session.config.stash[_JUDGE].record_golden
    if folder:
        golden.write(Path(folder), Path(session.config.stash[_JUDGE].course_root) / "suites")


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo) -> dict | None:
    # Asked after each stage; a check's verdict and output are whole after its teardown, and
    # the report keeps the last (each answer is also serialised once to validate it).
    if call.when != "teardown" or not is_suite_item(item):
        return None
    verdict = item.stash.get(_VERDICT, Verdict())
    output, truncated = item.stash.get(_OUTPUT, ("", False))
    measured = item.stash.get(_MEASURED, False)
    # What a suite recorded with record_property (or request.node.user_properties).
    curve = curve_of(dict(item.user_properties).get("learning_curve"))
    verdict = replace(
        verdict, output=output, output_truncated=truncated, measured=measured, curve=curve
    )
    data = verdict.to_json()
    return {REPORT_KEY: data} if data else None


@pytest.hookimpl(optionalhook=True)
def pytest_json_modifyreport(json_report: dict) -> None:
    session = _state.get("session")
    json_report[REPORT_KEY] = {
        "learner_code_in_judge": _learner_modules_in_judge(),
        "sandbox": session.measures if session is not None else {},
        "tamper": session.tamper if session is not None else [],
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
