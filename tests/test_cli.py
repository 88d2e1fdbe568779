"""The real `grader` command, end to end, on solutions, stubs, a half-done submission and broken ones."""

import html
import json
import re
import subprocess
import sys

import pytest
from helpers import ROOT, make_submission, replace_function, run_grader, solution, stub

pytestmark = pytest.mark.slow  # grades real submissions

HALF_DONE = ROOT / "examples" / "submissions" / "half-done"
EX01 = "ex01_tensors.py"


def load_results(out):
    return json.loads((out / "results.json").read_text())


def check_points(results, function_fragment):
    """(earned, possible) over the checks whose title mentions a function."""
    checks = [
        c
        for e in results["exercises"]
        for c in e["checks"]
        if function_fragment in c["title"] and c["outcome"] != "skipped"
    ]
    return sum(c["earned"] for c in checks), sum(c["points"] for c in checks)


# ---------------------------------------------------------------- learner: check


def test_check_on_a_half_done_submission():
    done = run_grader(
        "check",
        "--target",
        str(HALF_DONE / "exercises"),
        "--html",
        str(ROOT / ".grader" / "t.html"),
    )
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "`to_numpy` is not written yet" in out
    assert "softmax([[1e4, -1e4, 0], [1e4, 1e4, 1e4]]): 4 value(s) are NaN or infinite" in out
    assert "Only public checks ran" in out and not re.search(r"All \d+ checks passed", out)
    # the exercises it did not hand in: one line each, not one per check
    assert out.count("ex03_autograd.py is missing from your submission") == 1
    assert re.search(r"All \d+ checks failed, for one reason:", out)
    assert re.search(r"Total: \d+ / \d+ points", out)
    assert (ROOT / ".grader" / "t.html").is_file()


def test_check_passes_on_the_solutions():
    done = run_grader("check", "01", "02", "--target", str(ROOT / "solutions"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(100%)" in done.stdout


def test_verify_proves_the_suites():
    done = run_grader("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: solutions score 100 % and stubs 0" in done.stdout
    assert re.search(r"01 creating tensors.*\s(\d+)/\1\s+0/", done.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--target", "/no/such/folder"],
        ["check", "99"],
        ["grade", "/no/such/submission", "--out", "/tmp/x"],
        ["grade", str(HALF_DONE)],
        ["frobnicate"],
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_code_2(args):
    done = run_grader(*args, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().splitlines()[-1].startswith(
        "Error:"
    )


# ---------------------------------------------------------------- instructor: grade


def test_grade_writes_results_and_report(tmp_path):
    done = run_grader("grade", str(HALF_DONE), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = load_results(tmp_path)
    assert results["status"] == "graded" and results["scope"] == "all"
    assert 0 < results["totals"]["earned"] < results["totals"]["possible"]
    assert results["stamp"]["torch"].startswith("2.")
    page = (tmp_path / "report.html").read_text()
    assert "half-done" in page and "hidden" in page


BROKEN = {
    "syntax_error": (solution(EX01) + "\ndef oops(:\n    pass\n", "syntax error on line"),
    "import_exception": (
        solution(EX01) + "\nraise RuntimeError('config file missing')\n",
        "could not be imported: RuntimeError: config file missing",
    ),
    "missing_function": (
        solution(EX01).replace("def describe(", "def descibe("),
        "has no `describe`",
    ),
    # copy_numpy's check reaches it through a probe (it writes on both sides after the call)
    "missing_function_of_a_probe": (
        solution(EX01).replace("def copy_numpy(", "def copy_nmupy("),
        "has no `copy_numpy`. Check the spelling: the name must be exactly `copy_numpy`. "
        "It defines: copy_nmupy,",
    ),
    "wrong_return_type": (
        replace_function(solution(EX01), "coordinate_grid", "    return [[0, 0]]\n"),
        "expected a torch.Tensor, got list",
    ),
    "infinite_loop": (
        replace_function(solution(EX01), "one_hot", "    while True:\n        pass\n"),
        "did not finish within 2 s",
    ),
    "sys_exit": (
        replace_function(solution(EX01), "to_numpy", "    import sys\n    sys.exit()\n"),
        "called sys.exit()",
    ),
}


@pytest.fixture(scope="module")
def class_of_mistakes(tmp_path_factory):
    """The broken and the tampering submissions below and a shipped conftest, graded in one
    batch (-e 01, 2 s per call): each submission's results.json and report.html, by name."""
    tmp = tmp_path_factory.mktemp("mistakes")
    submissions = {f"broken_{case}": {EX01: source} for case, (source, _) in BROKEN.items()}
    for case, code in TAMPERING.items():
        submissions[f"tampering_{case}"] = {EX01: GARBAGE + "\n" + code}
    submissions["shipped_conftest"] = SHIPPED_CONFTEST
    for name, files in submissions.items():
        make_submission(tmp / "subs" / name, files)
    out = tmp / "out"
    args = ["batch", str(tmp / "subs"), "--out", str(out), "-e", "01", "--call-timeout", "2"]
    done = run_grader(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    folders = {name: out / "submissions" / name for name in submissions}
    return {name: (load_results(f), (f / "report.html").read_text()) for name, f in folders.items()}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_submission_gets_a_complete_report(class_of_mistakes, case):
    _, expected_message = BROKEN[case]
    results, page = class_of_mistakes[f"broken_{case}"]
    assert results["status"] == "graded"
    messages = [c["message"] for e in results["exercises"] for c in e["checks"]]
    assert any(expected_message in m for m in messages), messages
    assert html.escape(expected_message.split(":")[0], quote=True) in page
    if case not in ("syntax_error", "import_exception"):
        # Only the broken function loses points: the others still grade.
        earned, possible = check_points(results, "seeded_normal")
        assert earned == possible > 0


# An honest wrong answer: every function of 01 returns a useless tensor.
GARBAGE = "import torch\n" + "".join(
    f"\ndef {name}(*args, **kwargs):\n    return torch.zeros(1)\n"
    for name in (
        "describe",
        "coordinate_grid",
        "one_hot",
        "share_numpy",
        "copy_numpy",
        "to_numpy",
        "seeded_normal",
    )
)

TAMPERING = {
    "honest_wrong_answers": "",
    "patched_comparisons": (
        "import torch\nimport torch.testing\n"
        "torch.allclose = lambda *a, **k: True\n"
        "torch.equal = lambda *a, **k: True\n"
        "torch.testing.assert_close = lambda *a, **k: None\n"
        "torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)\n"
    ),
    "os_exit_at_import": "import os\nos._exit(0)\n",
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_earns_nothing(class_of_mistakes, case):
    results, _ = class_of_mistakes[f"tampering_{case}"]
    assert results["totals"]["earned"] == 0, [
        c["title"] for e in results["exercises"] for c in e["checks"] if c["earned"]
    ]


CONFTEST = (
    "import pytest\n"
    "@pytest.hookimpl(hookwrapper=True)\n"
    "def pytest_runtest_makereport(item, call):\n"
    "    outcome = yield\n"
    "    outcome.get_result().outcome = 'passed'\n"
)
SHIPPED_CONFTEST = {
    f"exercises/{EX01}": stub(EX01),
    "exercises/conftest.py": CONFTEST,
    "conftest.py": CONFTEST,
    "pytest.ini": "[pytest]\naddopts = -p no:grader\n",
}


def test_a_shipped_conftest_cannot_force_a_pass(class_of_mistakes):
    results, _ = class_of_mistakes["shipped_conftest"]
    assert results["totals"]["earned"] == 0
    assert any("conftest.py" in f["message"] for f in results["findings"])


@pytest.mark.parametrize("code, status", [(3, 3), (None, 0), ("stopped: why", 1)])
def test_the_command_ends_at_once_as_python_would(tmp_path, code, status):
    """Without Python's teardown of torch, but with what an exit must do: the status, the
    output flushed, a message printed, the exit handlers (temporary folders) run."""
    marker = tmp_path / "handler-ran"
    program = (
        "import atexit, pathlib, sys, torch\n"
        "from grader.cli import exit_at_once\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).touch)\n"
        "sys.stdout.write('unflushed')\n"
        f"exit_at_once({code!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == status
    assert done.stdout == "unflushed"
    assert marker.exists()
    assert ("stopped: why" in done.stderr) == isinstance(code, str)
