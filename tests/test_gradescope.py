"""Gradescope: results.json names every test uniquely, hides hidden checks as asked and says a
rejection once; `grader gradescope` makes a package that Gradescope runs as it is, tried end to
end here in a stand-in for /autograder (AUTOGRADER_ROOT)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, run_grader

from grader.cli import main
from grader.records import CollectedCheck, Finding
from grader.render.gradescope import HIDDEN_VISIBILITIES, render_gradescope
from grader.results import ExerciseInfo, Stamp, build_result, rejected_result

CAPTURED = ROOT / "tests" / "data" / "reports" / "half_done"
EXERCISES = [ExerciseInfo("ex01_tensors", "01", "tensors"), ExerciseInfo("ex02_ops", "02", "ops")]
STAMP = Stamp("abc", "2.13.0", "3.11.7", "0.1.0")


@pytest.fixture
def result():
    collected = json.loads((CAPTURED / "collected.json").read_text())["checks"]
    return build_result(
        submission="half-done",
        exercises=EXERCISES,
        collected=[CollectedCheck.from_json(c) for c in collected],
        report=json.loads((CAPTURED / "report.json").read_text()),
        stamp=STAMP,
    )


def test_every_test_name_is_unique_and_names_its_case(result):
    exercise = result.exercises[0]
    template = next(c for c in exercise.checks if c.device == "cpu")
    # Two parametrised cases of one check share a title: their names must still differ.
    cases = [
        replace(template, id=f"{template.id}-{case}", name=f"test_x[cpu-{case}]")
        for case in ("Exp", "Tanh")
    ]
    widened = replace(result, exercises=(replace(exercise, checks=(*exercise.checks, *cases)),))
    names = [t["name"] for t in render_gradescope(widened)["tests"]]
    assert len(names) == len(set(names))
    assert f"01 {template.title} · Exp [cpu]" in names
    assert f"01 {template.title} · Tanh [cpu]" in names


@pytest.mark.parametrize("visibility", HIDDEN_VISIBILITIES)
def test_hidden_checks_get_the_chosen_visibility_and_never_leak(result, visibility):
    data = render_gradescope(result, hidden_visibility=visibility)
    checks = [c for e in result.exercises for c in e.checks if c.outcome != "skipped"]
    hidden_titles = {c.title for c in checks if c.visibility == "hidden"}
    assert hidden_titles, "the captured result must have hidden checks"
    for test, check in zip(data["tests"], checks, strict=True):
        expected = "visible" if check.visibility == "public" else visibility
        assert test["visibility"] == expected
        if check.visibility == "hidden":
            assert "output" not in test  # its message only with reveal_hidden
    public_text = data["output"] + "".join(
        t.get("output", "") + t["name"] for t in data["tests"] if t["visibility"] == "visible"
    )
    leaked = [t for t in hidden_titles if t in public_text]
    assert visibility == "visible" or not leaked
    assert data["stdout_visibility"] == "hidden"


def test_a_rejected_submission_says_why_once():
    findings = [Finding("error", "empty", "The submission is empty: it holds no files.")]
    rejected = rejected_result(
        submission="empty", exercises=EXERCISES, findings=findings, stamp=STAMP
    )
    output = render_gradescope(rejected)["output"]
    assert output.count("The submission is empty") == 1


def test_the_package_holds_the_suites_and_never_a_solution(tmp_path):
    out = tmp_path / "autograder.zip"
    done = CliRunner().invoke(
        main,
        ["--course", str(ROOT), "gradescope", "--out", str(out), "--hidden-visibility", "hidden"],
    )
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert "course/suites/ex01_tensors/test_hidden.py" in names
    assert "course/grader/cli/__init__.py" in names and "course/pyproject.toml" in names
    assert not [n for n in names if "solutions" in n]
    shipped = {n.removeprefix("course/exercises/") for n in names if "/exercises/" in n}
    for name in shipped:  # the stubs, not the answers
        assert (ROOT / "exercises" / name).read_text() != (ROOT / "solutions" / name).read_text()
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert "--hidden-visibility hidden" in run and "AUTOGRADER_ROOT" in run
    assert "download.pytorch.org/whl/cpu" in setup and "pip install ./course" in setup


def test_a_package_must_be_a_zip(tmp_path):
    done = CliRunner().invoke(
        main, ["--course", str(ROOT), "gradescope", "--out", str(tmp_path / "x.tar")]
    )
    assert done.exit_code == 2 and "must be a .zip" in done.output


@pytest.mark.slow
def test_the_package_grades_the_sample_class_as_grader_grade_does(tmp_path):
    package = tmp_path / "autograder.zip"
    made = run_grader("gradescope", "--out", str(package), "--hidden-visibility", "after_due_date")
    assert made.returncode == 0, made.stderr
    own_out = tmp_path / "own"  # the README's first command: `grader batch` (as `grader grade`)
    batch = run_grader("batch", str(ROOT / "examples" / "submissions"), "--out", str(own_out))
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert {p.name for p in (own_out / "submissions").iterdir()} == {
        "broken",
        "half-done",
        "perfect",
    }
    perfect = json.loads((own_out / "submissions" / "perfect" / "results.json").read_text())
    assert perfect["totals"]["earned"] == perfect["totals"]["possible"] > 0
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    # The package on two of them: half done (some points: the same sum) and broken (a syntax
    # error, a missing exercise: 0). The third, solved in full, adds a whole grading and
    # nothing the batch above does not already show.
    for sample in (ROOT / "examples" / "submissions" / n for n in ("broken", "half-done")):
        root = tmp_path / sample.name / "autograder"  # Gradescope's layout, in a stand-in
        with zipfile.ZipFile(package) as archive:
            archive.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        (root / "run_autograder").chmod(0o755)
        shutil.copytree(sample, root / "submission")  # (an upload, as Gradescope unzips it)
        ran = subprocess.run(
            [str(root / "run_autograder")],
            env={**env, "AUTOGRADER_ROOT": str(root)},
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        own = json.loads((own_out / "submissions" / sample.name / "results.json").read_text())
        names = [t["name"] for t in results["tests"]]
        assert len(names) == len(set(names))
        assert results["score"] == own["totals"]["earned"], sample.name
        assert {t["visibility"] for t in results["tests"]} <= {"visible", "after_due_date"}
        if own["status"] == "graded":
            assert "after_due_date" in {t["visibility"] for t in results["tests"]}
