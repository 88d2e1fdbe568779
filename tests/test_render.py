"""Rendering: the terminal summary and the self-contained HTML report."""

import json
import re
import zipfile
from dataclasses import replace

import click
import pytest
from helpers import ROOT

from grader.records import CollectedCheck, Tally
from grader.render import html, terminal
from grader.results import ExerciseInfo, Stamp, build_result

CAPTURED = ROOT / "tests" / "data" / "reports" / "half_done"
HOSTILE = '<script>alert(1)</script>\x1b[2J\x1b]0;pwned\x07<img src="http://evil.example/x.png">'


@pytest.fixture
def result():
    collected = json.loads((CAPTURED / "collected.json").read_text())["checks"]
    collected = [CollectedCheck.from_json(c) for c in collected]
    report = json.loads((CAPTURED / "report.json").read_text())
    return build_result(
        submission="half-done",
        exercises=[
            ExerciseInfo("ex01_tensors", "01", "tensors"),
            ExerciseInfo("ex02_ops", "02", "ops"),
        ],
        collected=collected,
        report=report,
        stamp=Stamp("abc", "2.13.0", "3.11.7", "0.1.0"),
    )


def with_hostile_text(result):
    exercise = result.exercises[0]
    failing = next(i for i, c in enumerate(exercise.checks) if c.outcome == "failed")
    checks = list(exercise.checks)
    checks[failing] = replace(checks[failing], message=HOSTILE, output=HOSTILE)
    return replace(
        result,
        submission=HOSTILE,
        exercises=(replace(exercise, checks=tuple(checks)), *result.exercises[1:]),
    )


def test_terminal_shows_scores_and_failing_messages(result):
    text = click.unstyle(terminal.render(result))
    assert "Total: " in text and f"{result.earned:g} / {result.possible:g}" in text
    assert "is not written yet" in text
    assert "skipped" in text


def test_an_exercise_failing_for_one_reason_says_it_once(result):
    exercise = result.exercises[1]
    missing = "ex02_ops.py is missing from your submission, so nothing in it could be checked."
    checks = tuple(
        replace(c, outcome="failed", earned=0.0, message=missing)
        for c in exercise.checks
        if c.outcome != "skipped"
    )
    text = click.unstyle(
        terminal.render(
            replace(result, exercises=(result.exercises[0], replace(exercise, checks=checks)))
        )
    )
    assert text.count(missing) == 1
    assert f"All {len(checks)} checks failed, for one reason:" in text
    assert text.count("is not written yet") >= 1, "the other exercise still lists its checks"


def test_terminal_strips_control_sequences(result):
    text = terminal.render(with_hostile_text(result))
    assert "\x1b[2J" not in text and "\x1b]0;" not in text and "\x07" not in text


def test_public_only_runs_never_say_everything_passed(result):
    public = replace(result, scope="public", hidden_not_run=Tally(12, 30))
    text = click.unstyle(terminal.render(public))
    assert "Only public checks ran" in text and "12 checks, 30 points" in text
    assert "All " not in text


def test_html_is_self_contained_and_escapes_learner_text(result):
    page = html.render_report(with_hostile_text(result))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert '<img src="http://evil' not in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "no external requests"
    assert "Content-Security-Policy" in page and "<style>" in page


def test_hidden_messages_are_not_revealed_unless_asked(result):
    public_messages = {c.message for c in result.checks if c.visibility == "public"}
    hidden_failure = next(
        c
        for c in result.checks
        if c.visibility == "hidden" and c.outcome == "failed" and c.message not in public_messages
    )
    secret_line = hidden_failure.message.splitlines()[0]
    assert secret_line not in html.render_report(result)
    assert hidden_failure.title in html.render_report(result)
    assert secret_line in html.render_report(result, reveal_hidden=True)


@pytest.mark.slow
def test_templates_ship_inside_the_wheel(tmp_path):
    import subprocess
    import sys

    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0 and "hatchling" in built.stderr:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
            capture_output=True,
            text=True,
        )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/templates/report.html.j2" in names and "grader/templates/_style.css" in names
    assert not any(n.startswith(("solutions/", "suites/")) for n in names)
    # Rendering from the unpacked wheel finds the templates there.
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import grader.render.html as h; "
        "print(h.templates_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(tmp_path / "site")], capture_output=True, text=True
    )
    assert out.stdout.strip() == str(tmp_path / "site" / "grader" / "templates"), out.stderr
