"""Warm processes: what forking after `import torch` implies, checked."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from helpers import ROOT

from grader.run.judge.channel import Channel, Opening
from grader.run.judge.problems import GraderFault
from grader.run.judge.session import LearnerSession
from grader.run.shared.codec import decode_value
from grader.run.shared.launcher import start_template
from grader.run.shared.plan import Plan

pytestmark = pytest.mark.slow  # grades real submissions


@pytest.fixture(scope="module")
def template():
    process = start_template(ROOT)
    process.wait_ready()
    yield process
    process.stop()


def session(template, tmp_path, source):
    workspace = tmp_path / "ws"
    workspace.mkdir(mode=0o755)
    (workspace / "ex99_warm.py").write_text(source)
    os.chmod(workspace / "ex99_warm.py", 0o644)
    os.chmod(tmp_path, 0o711)
    (tmp_path / "tmp").mkdir(mode=0o711)
    plan = Plan(
        workspace=str(workspace),
        worker_tmp=str(tmp_path / "tmp"),
        sandbox_uid=1_900_654_321,
    )
    return plan, LearnerSession(
        workspace, lambda: Channel(template.socket_path, plan), call_seconds=30, deadline=None
    )


def test_a_fresh_worker_has_one_thread_no_cuda_and_no_privileges(template, tmp_path):
    plan, _ = session(template, tmp_path, "")
    channel = Channel(template.socket_path, plan)
    try:
        stats = decode_value(channel.request({"op": "stats"}, b"", 10).payload)
    finally:
        channel.close()
    assert stats["torch_threads"] == 1
    assert stats["cuda_initialized"] is False, "the template must never initialise CUDA"
    if os.geteuid() == 0:
        assert stats["uid"] == plan.sandbox_uid
    assert set(stats["environment"]) <= {
        "HOME",
        "LANG",
        "GRADER_LANG",  # the run's language, for the few sentences said in the worker
        "MKL_NUM_THREADS",
        "OMP_NUM_THREADS",
        "PATH",
        "PYTHONDONTWRITEBYTECODE",
        "TMPDIR",
        "LD_LIBRARY_PATH",
    }


def test_a_channel_opened_ahead_has_its_first_worker_waiting(template, tmp_path):
    """A judge opens its channel before its first check (channel.Opening): the supervisor
    and a fresh worker are there when the check asks, and the worker answers as any does."""
    plan, _ = session(template, tmp_path, "")
    channel = Opening(template.socket_path, plan)()
    try:
        assert channel.worker is not None, "the first worker should be spawned ahead"
        stats = decode_value(channel.request({"op": "stats"}, b"", 10).payload)
    finally:
        channel.close()
    assert stats["torch_threads"] == 1


def test_a_channel_that_could_not_open_ahead_fails_where_it_is_first_needed(tmp_path):
    opening = Opening(
        str(tmp_path / "no.sock"), Plan(workspace=str(tmp_path), worker_tmp=str(tmp_path))
    )
    with pytest.raises(GraderFault, match="cannot reach the worker template"):
        opening()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to choose from")
def test_a_worker_runs_on_its_judges_cpu(template, tmp_path):
    cpu = sorted(os.sched_getaffinity(0))[-1]
    plan, _ = session(template, tmp_path, "")
    plan.cpu = cpu
    channel = Channel(template.socket_path, plan)
    try:
        stats = decode_value(channel.request({"op": "stats"}, b"", 10).payload)
    finally:
        channel.close()
    assert stats["cpus"] == [cpu]


@pytest.fixture(scope="module")
def batch_template():
    """A template as `grader batch` starts it: meta kernels and torch._dynamo warmed too."""
    process = start_template(ROOT, full_warm=True)
    process.wait_ready()
    yield process
    process.stop()


@pytest.mark.parametrize("which", ["template", "batch_template"])
def test_a_worker_can_use_several_threads(which, request, tmp_path):
    # GNU libgomp does not survive fork once its pool exists: the template never runs a CPU
    # op (its warm-up runs meta ops only), so a worker may start its own pool.
    template = request.getfixturevalue(which)
    source = textwrap.dedent("""
        import torch
        def big():
            torch.set_num_threads(2)
            a = torch.randn(512, 512)
            return float((a @ a).sum()), torch.get_num_threads()
    """)
    _, learner = session(template, tmp_path, source)
    learner.begin_test("t")
    value, threads = learner.call("ex99_warm", "big", (), {}, None)
    assert threads == 2 and value == value
    learner.close()


def test_a_judge_forked_after_warm_up_runs_torch(tmp_path):
    """The grader's own process imports torch (and warms the meta kernels) and then forks
    judges: a child must still run multi-threaded CPU ops, and CUDA stays untouched."""
    script = textwrap.dedent("""
        import os, torch
        from grader.judging import warm_up
        warm_up(meta=True)
        assert not torch.cuda.is_initialized()
        pid = os.fork()
        if pid == 0:
            torch.set_num_threads(2)
            a = torch.randn(512, 512)
            (a @ a).sum().item()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status), torch.cuda.is_initialized())
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "child 0 False", done.stderr


def test_every_check_is_reseeded(template, tmp_path):
    """Forked workers all start from the template's RNG state, and one worker serves many
    checks: each check reseeds (from its id) on its first request."""
    _, learner = session(
        template, tmp_path, "import torch\ndef draw():\n    return torch.rand(3)\n"
    )
    draws = {}
    for check in ("a", "b", "a"):
        learner.begin_test(check)
        draws.setdefault(check, []).append(learner.call("ex99_warm", "draw", (), {}, None))
    assert torch.equal(draws["a"][0], draws["a"][1])
    assert not torch.equal(draws["a"][0], draws["b"][0])
    learner.close()


FORKED_TEMPLATE = textwrap.dedent(
    """
    import json, os, sys, tempfile
    from pathlib import Path
    from grader.run.judge.channel import Channel
    from grader.run.shared import launcher
    from grader.run.shared.codec import decode_value
    from grader.run.shared.plan import Plan

    launcher.prefork_template(sys.argv[1:], frozenset(["batch"]))  # as `grader` calls it
    template = launcher.start_template(Path(os.environ["COURSE_ROOT"]))
    template.wait_ready()
    tmp = Path(tempfile.mkdtemp())
    os.chmod(tmp, 0o711)
    (tmp / "ws").mkdir(mode=0o755)
    (tmp / "tmp").mkdir(mode=0o711)
    plan = Plan(workspace=str(tmp / "ws"), worker_tmp=str(tmp / "tmp"), sandbox_uid=1_900_654_322)
    channel = Channel(template.socket_path, plan)
    stats = decode_value(channel.request({"op": "stats"}, b"", 30).payload)
    channel.close()
    print(json.dumps({"forked": template.process is None, **stats}))
    template.stop()
    """
)


def worker_stats(tmp_path, *command_line: str) -> tuple[dict, Path]:
    """A fresh worker's own view (process_stats) under a template made as the `grader` command
    makes it for `command_line`, run with a planted PYTHONPATH and environment."""
    planted = tmp_path / "planted"
    planted.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": f"{planted}:{ROOT}",
        "PYTHON_PLANTED": "1",
        "COURSE_ROOT": str(ROOT),
        "INSTRUCTORS_TOKEN": "s3cr3t-t0ken",
    }
    done = subprocess.run(
        [sys.executable, "-c", FORKED_TEMPLATE, *command_line],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), planted


def test_a_template_forked_from_the_grader_is_what_python_minus_i_would_be(tmp_path):
    """`grader check`/`batch` fork their template after `import torch` (one import, not two):
    its workers must see python -I's import path (no PYTHONPATH, no current folder) and
    environment, exactly as a template started as `python -I -m ...` has them, and nothing of
    the grader's command line or first environment (sys.argv, sys.orig_argv, /proc/self)."""
    stats, planted = worker_stats(tmp_path, "batch", "class-424242", "--out", "out-424242")
    assert stats["forked"], "the template was not forked from the grader's process"
    isolated = subprocess.run(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = json.loads(isolated.stdout)
    workspace = [p for p in stats["import_path"] if p not in expected]
    # The learner's modules: /workspace in a root of its own, else the workspace folder.
    assert len(workspace) == 1 and (workspace[0] == "/workspace" or workspace[0].endswith("/ws"))
    assert [p for p in stats["import_path"] if p in expected] == expected
    assert not any(str(planted) in p or p in ("", str(tmp_path)) for p in stats["import_path"])
    assert stats["torch_threads"] == 1 and stats["cuda_initialized"] is False
    assert not any(name.startswith("PYTHON_") for name in stats["environment"])
    shown = [stats["command_line"], stats["first_environment"], " ".join(stats["argv"])]
    for text in shown:
        assert "424242" not in text and "s3cr3t-t0ken" not in text, text
        assert str(planted) not in text, text


def test_a_command_line_with_a_hidden_seed_gets_a_template_of_its_own(tmp_path):
    """The secret never enters a process learner code runs in: no fork for such a command."""
    stats, _ = worker_stats(tmp_path, "batch", "class", "--hidden-seed", "4242424242")
    assert not stats["forked"]
    assert not any("4242424242" in text for text in [stats["command_line"], *stats["argv"]])


SCRUBBED = textwrap.dedent(
    """
    import ctypes, json, sys
    import torch
    from grader.run.shared import launcher

    patterns = [w.encode("utf-32-le") for w in sys.orig_argv[3:]]  # (after -c and its code)
    ours = {id(p) + sys.getsizeof(b"") - 1 for p in patterns}  # where these bytes keep theirs

    def copies():
        with open("/proc/self/maps") as maps:
            heap = next(line.split()[0] for line in maps if line.rstrip().endswith("[heap]"))
        start, end = (int(part, 16) for part in heap.split("-"))
        data = ctypes.string_at(start, end - start)
        count = 0
        for pattern in patterns:
            found = data.find(pattern)
            while found != -1:
                count += start + found not in ours
                found = data.find(pattern, found + 1)
        return count

    before = copies()
    launcher._scrub_startup_copies(sys.orig_argv[1:])
    after = copies()
    works = float(torch.ones(3).sum()) == 3.0 and json.loads("[1]") == [1]
    print(json.dumps({"before": before, "after": after, "works": works}))
    """
)


def test_the_forked_template_zeroes_pythons_copies_of_the_command_line():
    """CPython keeps wide-character copies of its command line on its heap, where learner code
    reading raw memory (numpy's as_strided) found the class's folder: the forked template
    zeroes them, and goes on working."""
    done = subprocess.run(
        [sys.executable, "-c", SCRUBBED, "batch", "/tmp/class-QQ424242", "--out", "/tmp/out-QQ"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["before"] >= 3 and counts["after"] == 0 and counts["works"], counts


def test_without_proc_the_template_forgets_what_it_can_and_goes_on():
    """Where there is no /proc (macOS, a learner's laptop), a template cannot overwrite its
    command line: it must still start."""
    code = textwrap.dedent(
        """
        import builtins
        real = open

        def no_proc(path, *args, **kwargs):
            if str(path).startswith("/proc"):
                raise FileNotFoundError(path)
            return real(path, *args, **kwargs)

        builtins.open = no_proc
        from grader.run.shared.launcher import _scrub_startup_copies
        from grader.run.workers.template import forget_how_it_was_started

        forget_how_it_was_started()
        _scrub_startup_copies(["batch", "/tmp/class"])
        print("started")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "started", done.stderr
