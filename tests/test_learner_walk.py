"""Every failure kind of every check of exercise 01, on deliberately wrong code: the message
names the learner's function, never the grader's own names, and never contradicts the
docstring; and one submission is worth the same in every place that shows a total."""

from __future__ import annotations

import ast
import csv
import json
import re

import pytest
from helpers import ROOT, make_submission, run_grader, solution

pytestmark = pytest.mark.slow

FILE = "ex01_tensors.py"
FUNCTIONS = [
    "describe",
    "coordinate_grid",
    "one_hot",
    "share_numpy",
    "copy_numpy",
    "to_numpy",
    "seeded_normal",
]
# Where each result's dtype and device come from, by the docstrings.
DTYPE_NOT_THE_INPUTS = {"coordinate_grid", "seeded_normal", "one_hot"}
DEVICE_NOT_THE_INPUTS = {"coordinate_grid", "seeded_normal"}

# Each failure kind, as a change of what every function returns (or of how it behaves).
KINDS = {
    "dtype": "r.to(_torch.float16) if isinstance(r, _torch.Tensor) and r.is_floating_point() "
    "else (r.to(_torch.float32) if isinstance(r, _torch.Tensor) else r)",
    "device": "r.cpu() if isinstance(r, _torch.Tensor) else r",
    "shape": "r.unsqueeze(0) if isinstance(r, _torch.Tensor) else r",
    "values": "r + 1 if isinstance(r, _torch.Tensor) and r.dtype != _torch.bool else r",
    "raises": "_boom()",
    "timeout": "_forever()",
    "exit": "_sys.exit(3)",
}

WRAPPER = """

import sys as _sys

import torch as _torch


def _boom():
    raise RuntimeError("something went wrong")


def _forever():
    while True:
        pass


"""


def wrong_module(kind: str) -> str:
    source = solution(FILE) + WRAPPER
    for name in FUNCTIONS:  # the function, written again around the right one
        source += (
            f"_right_{name} = {name}\n\n\n"
            f"def {name}(*args, **kwargs):\n"
            f"    r = _right_{name}(*args, **kwargs)\n"
            f"    return {KINDS[kind]}\n\n\n"
        )
    return source


def probe_names() -> set[str]:
    tree = ast.parse((ROOT / "suites" / "ex01_tensors" / "probes.py").read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)} - set(FUNCTIONS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("walk")
    klass = root / "class"
    for kind in KINDS:
        make_submission(klass / kind, {FILE: wrong_module(kind)})
    out = root / "out"
    done = run_grader(
        "batch", str(klass), "--out", str(out), "-e", "01", "-j", "2", "--call-timeout", "1.5"
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    results = {}
    for kind in KINDS:
        (path,) = (out / "submissions").glob(f"{kind}/results.json")
        results[kind] = json.loads(path.read_text())
    return results


def failed_checks(result: dict) -> list[dict]:
    return [c for e in result["exercises"] for c in e["checks"] if c["outcome"] == "failed"]


def function_of(check: dict) -> str:
    base = "_" + check["name"].partition("[")[0] + "_"
    for name in FUNCTIONS:
        if check["title"].startswith(f"{name}(") or f"_{name}_" in base:
            return name
    raise AssertionError(f"no function for {check['name']}")


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_failure_names_the_function_and_never_the_graders_own_names(graded, kind):
    checks = failed_checks(graded[kind])
    assert checks, f"{kind}: nothing failed"
    internal = probe_names()
    for check in checks:
        message = check["message"]
        assert "scenario" not in message, (check["name"], message)
        leaked = [name for name in internal if re.search(rf"\b{name}\b", message)]
        assert not leaked, (check["name"], leaked, message)
        named = [f for f in FUNCTIONS if f in message]
        assert named, (check["name"], message)
        if kind in ("timeout", "exit", "raises") and "was not called again" not in message:
            assert f"{FILE}, line" in message, (check["name"], message)


@pytest.mark.parametrize("kind", ["dtype", "device"])
def test_hints_never_contradict_the_docstring(graded, kind):
    for check in failed_checks(graded[kind]):
        function, message = function_of(check), check["message"]
        if function in DTYPE_NOT_THE_INPUTS:
            assert "dtype of the input" not in message, (check["name"], message)
        if function in DEVICE_NOT_THE_INPUTS:
            assert "input's device" not in message, (check["name"], message)
            assert "x.device" not in message, (check["name"], message)


def test_one_submission_is_worth_the_same_everywhere(tmp_path):
    submission = ROOT / "examples" / "submissions" / "half-done"
    out = tmp_path / "out"
    graded = run_grader("grade", str(submission), "--out", str(out), "-e", "01", "-e", "02")
    assert graded.returncode in (0, 1), graded.stdout + graded.stderr
    result = json.loads((out / "results.json").read_text())
    possible = {e["number"]: e["totals"]["possible"] for e in result["exercises"]}
    # grader list: public + hidden, per exercise.
    listing = run_grader("list").stdout
    for number in ("01", "02"):
        row = re.search(rf"^{number} \S+\s+([\d.]+)\s+([\d.]+)", listing, re.M)
        assert row, listing
        assert float(row[1]) + float(row[2]) == possible[number], (number, listing, possible)
    # Gradescope: the tests' max scores add up to the same total.
    gradescope = json.loads((out / "gradescope.json").read_text())
    assert sum(t["max_score"] for t in gradescope["tests"]) == result["totals"]["possible"]
    # grades.csv, re-rendered from results.json.
    table = run_grader("report", str(out / "results.json"), "--format", "csv").stdout
    (row,) = list(csv.DictReader(table.splitlines()))
    assert float(row["possible"]) == result["totals"]["possible"]
    # grader check, all checks (as an instructor runs it in the course).
    checked = run_grader(
        "check", "01", "02", "--hidden", "--target", str(submission / "exercises")
    ).stdout
    total = re.search(r"Total: ([\d.]+) / ([\d.]+) points", checked)
    assert total and float(total[2]) == result["totals"]["possible"], checked
