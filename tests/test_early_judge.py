"""The `grader` command's early judge (run/judge/early.py): forked right after its `import torch`,
it warms up while the command parses its options, then becomes the command's first judge, or
its batch's judge server; unused, it never outlives the command."""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # each case starts a process that imports torch

PREAMBLE = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from grader.run.judge import early
    from grader.run.shared import launcher

    ROOT = Path(os.environ["COURSE_ROOT"])
    launcher.prefork_template(["batch"], frozenset(["batch"]))  # as `grader` calls them
    early.prefork_judge(["batch"], frozenset(["batch"]))
    child = early._WAITING.pid
    from grader.course import load_course
    from grader.pipeline import Grader, Options, Submission

    SOLUTIONS = Submission(name="solutions", source=ROOT / "solutions")
    STUBS = Submission(name="stubs", source=ROOT / "exercises")
    OPTIONS = dict(exercises=("ex01_tensors",))
    """
)


def run_script(body: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PREAMBLE + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_ROOT": str(ROOT)},
        cwd=ROOT,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_early_judge_grades_the_one_submission_of_a_command():
    seen = run_script(
        """
        given = []
        make_judge = early.judge
        early.judge = lambda config: given.append(make_judge(config)) or given[-1]
        with Grader(load_course(ROOT), Options(**OPTIONS)) as grader:
            result = grader.grade(SOLUTIONS)
        print(json.dumps({"child": child, "judges": given, "left": early.waiting(),
                          "percent": result.percent, "status": result.status}))
        """
    )
    assert seen["judges"] == [seen["child"]], "the judge should be the early child"
    assert not seen["left"]
    assert (seen["status"], seen["percent"]) == ("graded", 100.0)


def test_the_early_judge_takes_the_environment_the_command_has_when_it_orders():
    """`--lang zh` sets GRADER_LANG after the early judge was forked: its checks speak it."""
    seen = run_script(
        """
        os.environ["GRADER_LANG"] = "zh"  # as `grader --lang zh` does, after the fork
        with Grader(load_course(ROOT), Options(**OPTIONS)) as grader:
            result = grader.grade(STUBS)
        print(json.dumps({"said": repr(result)}))
        """
    )
    assert "还没有写" in seen["said"], "the judge spoke English"


def test_the_early_judge_serves_a_batch_and_the_command_never_imports_pytest():
    seen = run_script(
        """
        with Grader(load_course(ROOT), Options(**OPTIONS, many=True)) as grader:
            results = list(grader.grade_many([SOLUTIONS, STUBS, SOLUTIONS], jobs=1))
            server = grader._server.pid
        print(json.dumps({"child": child, "server": server, "pytest": "pytest" in sys.modules,
                          "results": sorted((r.submission, r.status, r.percent) for r in results)}))
        """
    )
    assert seen["server"] == seen["child"], "the server should be the early child"
    assert not seen["pytest"], "the command warmed itself up although its early judge did"
    assert seen["results"] == [
        ["solutions", "graded", 100.0],
        ["solutions", "graded", 100.0],
        ["stubs", "graded", 0.0],
    ]


def test_an_early_judge_that_is_gone_is_replaced_by_a_forked_one():
    seen = run_script(
        """
        import signal
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        with Grader(load_course(ROOT), Options(**OPTIONS, many=True)) as grader:
            results = list(grader.grade_many([SOLUTIONS, STUBS], jobs=1))
        print(json.dumps({"results": sorted((r.submission, r.status, r.percent) for r in results)}))
        """
    )
    assert seen["results"] == [["solutions", "graded", 100.0], ["stubs", "graded", 0.0]]


def test_an_unused_early_judge_ends_with_the_command():
    seen = run_script(
        """
        print(json.dumps({"child": child}), flush=True)
        os._exit(0)  # a command that never needed a judge (a usage error, say)
        """
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and alive(seen["child"]):
        time.sleep(0.1)
    assert not alive(seen["child"]), "the early judge outlived its command"


def test_an_early_judge_whose_order_never_comes_exits_cleanly():
    seen = run_script(
        """
        waiting = early._take()
        os.close(waiting.order)  # the command closes its order pipe unsent
        _, status = os.waitpid(waiting.pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}))
        """
    )
    assert seen["code"] == 0


def alive(pid: int) -> bool:
    """Running (a zombie that nobody has reaped yet has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
