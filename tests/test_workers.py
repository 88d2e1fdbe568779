"""Workers, through the real template and supervisor: what learner code does becomes data."""

import os
import time
from pathlib import Path

import pytest
import torch
from helpers import ROOT

from grader.run.judge.channel import Channel
from grader.run.judge.problems import (
    LearnerChangedInput,
    LearnerDied,
    LearnerRaised,
    LearnerTimeout,
    MissingName,
    ModuleProblem,
    NotImplementedYet,
)
from grader.run.judge.session import LearnerSession
from grader.run.shared.launcher import start_template
from grader.run.shared.plan import Limits, Plan
from grader.testing import variants

pytestmark = pytest.mark.slow  # grades real submissions

EX = "ex99_scratch"
MARKER = "4242.125"  # an argument no other process on the machine has


@pytest.fixture(scope="module")
def template():
    process = start_template(ROOT)
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture
def session_for(template, tmp_path):
    sessions = []

    def make(source: str, call_seconds: float = 1.5, output_chars: int = 2000) -> LearnerSession:
        root = tmp_path / f"s{len(sessions)}"
        workspace = root / "ws"
        workspace.mkdir(parents=True)
        (workspace / f"{EX}.py").write_text(source)
        os.chmod(root, 0o711)
        os.chmod(workspace, 0o755)
        os.chmod(workspace / f"{EX}.py", 0o644)
        (root / "tmp").mkdir(mode=0o711)
        plan = Plan(
            workspace=str(workspace),
            worker_tmp=str(root / "tmp"),
            limits=Limits(call_seconds=call_seconds, output_chars=output_chars),
            sandbox_uid=1_900_123_456,
        )
        session = LearnerSession(
            workspace,
            lambda: Channel(template.socket_path, plan),
            call_seconds=call_seconds,
            deadline=None,
        )
        session.begin_test("t")
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


def call(session, name, *args, **kwargs):
    return session.call(EX, name, args, kwargs, None)


def test_values_come_back_as_tensors(session_for):
    session = session_for("import torch\ndef f(x):\n    return x * 2\n")
    assert torch.equal(call(session, "f", torch.ones(3)), torch.full((3,), 2.0))


def test_many_calls_in_one_round_trip_keep_their_layouts(session_for):
    session = session_for(
        "import torch\n"
        "def info(x):\n"
        "    return x.is_contiguous(), x.requires_grad, x * 2\n"
        "def careless(x):\n"
        "    if x.shape[0] > 2:\n"
        "        x.mul_(2)\n"
        "    return x\n"
    )
    family = variants(torch.arange(6.0).reshape(2, 3))
    got = session.call_each(EX, "info", [((v.tensor,), {}) for v in family], None)
    assert [(c, g) for c, g, _ in got] == [
        (v.tensor.is_contiguous(), v.tensor.requires_grad) for v in family
    ]
    calls = [((torch.ones(2),), {}), ((torch.ones(3),), {}), ((torch.ones(4),), {})]
    with pytest.raises(LearnerChangedInput) as caught:  # the second call's, named as such
        session.call_each(EX, "careless", calls, None)
    assert "careless(<tensor 3 float32>)` changed its input `x`" in str(caught.value)


def test_an_exception_carries_the_learners_own_traceback(session_for):
    session = session_for("def f(x):\n    y = 1\n    raise ValueError(f'bad {x}')\n")
    with pytest.raises(LearnerRaised) as caught:
        call(session, "f", 7)
    text = str(caught.value)
    assert "raised ValueError: bad 7" in text and f"{EX}.py, line 3, in f" in text
    assert "grader" not in text.split("Where it happened")[1], "only the learner's frames"


def test_a_stub_says_it_is_not_written_yet(session_for):
    session = session_for("def f(x):\n    raise NotImplementedError('todo')\n")
    with pytest.raises(NotImplementedYet, match="`f` is not written yet"):
        call(session, "f", 1)


def test_a_missing_name_lists_what_exists(session_for):
    session = session_for("def softmaxx(x):\n    return x\n")
    with pytest.raises(MissingName, match="has no `softmax`.*softmaxx"):
        call(session, "softmax", 1)


def test_an_infinite_loop_is_stopped_and_the_next_call_gets_a_fresh_worker(session_for):
    session = session_for("def spin():\n    while True:\n        pass\n\ndef ok():\n    return 1\n")
    started = time.monotonic()
    with pytest.raises(LearnerTimeout, match="did not finish within 1.5 s"):
        call(session, "spin")
    assert time.monotonic() - started < 10
    assert call(session, "ok") == 1
    with pytest.raises(LearnerTimeout):
        call(session, "spin")
    started = time.monotonic()
    with pytest.raises(LearnerTimeout, match="was not called again"):
        call(session, "spin")
    assert time.monotonic() - started < 0.5


def test_sys_exit_in_a_function_is_an_ordinary_failure(session_for):
    session = session_for("import sys\ndef f():\n    sys.exit(0)\n\ndef g():\n    return 2\n")
    with pytest.raises(LearnerRaised, match="called sys.exit"):
        call(session, "f")
    assert call(session, "g") == 2


def test_os_exit_and_segfaults_end_the_call_not_the_grader(session_for):
    session = session_for(
        "import os, ctypes\n"
        "def leave():\n    os._exit(3)\n"
        "def crash():\n    ctypes.string_at(0)\n"
        "def ok():\n    return 'still here'\n"
    )
    with pytest.raises(LearnerDied, match="exited with code 3"):
        call(session, "leave")
    with pytest.raises(LearnerDied, match="SIGSEGV"):
        call(session, "crash")
    assert call(session, "ok") == "still here"


def test_printed_output_is_captured_and_capped(session_for):
    session = session_for(
        "def talk():\n    print('hello from f')\n    return 1\n"
        "def shout():\n    print('x' * 5_000_000)\n    return 2\n",
        output_chars=1000,
    )
    assert call(session, "talk") == 1
    assert "hello from f" in "".join(session.output)
    session.begin_test("t2")
    assert call(session, "shout") == 2
    assert len("".join(session.output)) <= 1000 and session.output_truncated


def test_a_syntax_error_is_reported_with_its_line(session_for):
    session = session_for("def f(:\n    return 1\n")
    with pytest.raises(ModuleProblem, match="syntax error on line 1"):
        call(session, "f")


def test_an_endless_import_fails_once_then_fast(session_for):
    session = session_for("while True:\n    pass\n")
    with pytest.raises(ModuleProblem, match="Importing ex99_scratch.py did not finish"):
        call(session, "f")
    started = time.monotonic()
    with pytest.raises(ModuleProblem):
        call(session, "g")
    assert time.monotonic() - started < 0.5


def _processes_with(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(pid))
    return found


def test_a_grandchild_that_called_setsid_dies_with_the_call(session_for):
    session = session_for(
        "import os, time\n"
        "def escape():\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['sleep', '{MARKER}'])\n"
        "        os._exit(0)\n"
        "    time.sleep(60)\n"
    )
    with pytest.raises(LearnerTimeout):
        call(session, "escape")
    deadline = time.monotonic() + 5
    while _processes_with(MARKER) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(MARKER) == []
