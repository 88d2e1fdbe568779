"""A batch's judges fork from one pytest session that collected the suites once."""

import os
import signal
from pathlib import Path

import pytest
from helpers import ROOT, copy_course

from grader.course import load_course
from grader.pipeline import Grader, Options, Submission

pytestmark = pytest.mark.slow  # grades real submissions

SOLUTIONS = Submission(name="solutions", source=ROOT / "solutions")
STUBS = Submission(name="stubs", source=ROOT / "exercises")


def grade_many(course_root: Path, submissions: list[Submission], kill_server: bool = False):
    course = load_course(course_root)
    results, servers = [], []
    with Grader(course, Options(exercises=("ex01_tensors",), many=True)) as grader:
        for result in grader.grade_many(submissions, jobs=1):
            results.append(result)
            servers.append(grader._server)
            if kill_server and grader._server is not None:
                os.kill(grader._server.pid, signal.SIGKILL)
    return results, servers


def test_judges_fork_from_the_server_and_grade_as_before():
    results, servers = grade_many(ROOT, [SOLUTIONS, STUBS])
    assert all(server is not None for server in servers), "the server should serve the batch"
    assert results[0].percent == 100.0
    assert results[1].status == "graded" and results[1].earned == 0


def test_a_batch_goes_on_without_its_server(tmp_path):
    results, servers = grade_many(ROOT, [SOLUTIONS, STUBS, SOLUTIONS], kill_server=True)
    assert servers[-1] is None, "once the server is gone, judges start pytest themselves"
    assert [r.status for r in results] == ["graded"] * 3
    assert [r.percent for r in results] == [100.0, 0.0, 100.0]


def test_suites_that_do_not_collect_are_the_graders_error_not_a_zero(tmp_path):
    root = copy_course(tmp_path / "course")
    suite = root / "suites" / "ex01_tensors" / "test_public.py"
    suite.write_text(suite.read_text() + "\ndef broken(:\n")
    results, _ = grade_many(root, [SOLUTIONS, STUBS])
    for result in results:
        assert result.status == "error"
        assert "ex01_tensors/test_public.py" in result.status_detail
        assert "grader verify" in result.status_detail
        assert all(check.outcome != "passed" for check in result.checks)


def test_one_submission_is_graded_while_the_command_does_something_else():
    """One judge, forked with no server: `meanwhile` (the command importing its renderers)
    runs once, after the judge has started and before its result is read."""
    seen = []
    with Grader(load_course(ROOT), Options(exercises=("ex01_tensors",))) as grader:
        result = grader.grade(SOLUTIONS, meanwhile=lambda: seen.append(grader._server))
    assert seen == [None]
    assert result.percent == 100.0
