"""The grader's side of the judges: warming up the process they fork from, listing the
course's checks, sharing out CPUs, waiting for judges to end, and reading what they wrote."""

from __future__ import annotations

import gc
import json
import os
import select
import tempfile
import time
from pathlib import Path

from grader.course import Course
from grader.messages import say
from grader.records import Collected, CollectedCheck, RecordError
from grader.run.judge import process as judges
from grader.run.judge.config import COLLECTED, JUDGE_LOG, JudgeConfig
from grader.run.shared import devices


def collect_checks(course: Course) -> list[CollectedCheck]:
    """Every check of the course (public and hidden), with its points: nothing is run."""
    with tempfile.TemporaryDirectory(prefix="grader-list-") as tmp:
        config = JudgeConfig(
            course_root=str(course.root),
            workspace=tmp,
            run_dir=tmp,
            suite_files=[str(f) for ex in course.exercises for f in ex.suite_files()],
            collect_only=True,
        )
        exit_ = judges.wait_judge(judges.fork_judge(config), time.monotonic() + 120)
        collected = read_collected(Path(tmp) / COLLECTED)
        if collected is None:
            log = (Path(tmp) / JUDGE_LOG).read_text(errors="replace")[-2000:]
            raise RuntimeError(f"collecting the checks failed (exit {exit_.code}):\n{log}")
        return collected.checks


def cpus_for(jobs: int) -> list[int]:
    """CPUs to give judges one each (a judge and its worker take turns on one CPU), or none
    when there are more judges than CPUs: then the scheduler balances them better."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except OSError:
        return []
    if max(1, jobs) > len(allowed):
        return []
    # With CPUs to spare, leave the first one to this process (reports, intake).
    return allowed[1:] + allowed[:1] if max(1, jobs) < len(allowed) else allowed


def wait_any(deadlines: dict[int, float]) -> list[int]:
    """Block until at least one of these judges (pid: time.monotonic() deadline) has ended or
    passed its deadline; return their pids."""
    while True:
        now = time.monotonic()
        finished = [
            pid for pid, deadline in deadlines.items() if has_exited(pid) or now >= deadline
        ]
        if finished:
            return finished
        soonest = min(deadlines.values()) - now
        fds = [fd for fd in (judges.pidfd(pid) for pid in deadlines) if fd is not None]
        try:
            select.select(fds, [], [], max(0.0, min(soonest, 1.0)) if fds else 0.02)
        finally:
            for fd in fds:
                os.close(fd)


def has_exited(pid: int) -> bool:
    # waitid with WNOWAIT looks without reaping: wait_judge reaps it and reads its status.
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def suites_problem(broken: list | None, exit_code: int) -> str:
    """Which suite files pytest could not collect, by name only (their tracebacks, in the
    judge's log, may quote hidden suites, and this text reaches learners' reports)."""
    if broken:
        return say("judge_suites_broken", files=", ".join(sorted(set(map(str, broken)))))
    return say("judge_pytest_failed", code=exit_code)


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_collected(path: Path) -> Collected | None:
    data = read_json(path)
    try:
        return Collected.from_json(data) if data is not None else None
    except RecordError:
        return None


def judge_environment() -> None:
    """What judges forked from this process find in their environment."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")  # never initialise CUDA here


def warm_up(meta: bool = False) -> None:
    """Import what every judge needs, once, in this (parent) process; then freeze the heap so
    forked judges share it instead of copying it when Python's GC touches every object.

    With `meta`, also the machinery of meta-device ops and torch._dynamo (which torch.optim
    imports at its first step): about 2 s, which pays off when many judges fork from here."""
    judge_environment()
    import pytest  # noqa: F401
    import pytest_jsonreport.plugin  # noqa: F401

    import grader.run.judge.plugin
    import grader.testing  # noqa: F401

    devices.warm_up(full=meta)  # checks compute meta references too
    gc.freeze()  # (no collection first: 0.08 s, and next to nothing to free)
