"""The click layer in-process (click's CliRunner): usage errors, help texts and the commands
that need no grading run. The end-to-end runs of the real command live in test_cli.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import ROOT, captured_half_done

from grader.cli import main
from grader.results_json import to_json


def invoke(*args: str):
    return CliRunner().invoke(main, ["--course", str(ROOT), *args], catch_exceptions=False)


@pytest.fixture
def results_file(tmp_path):
    result = captured_half_done()
    path = tmp_path / "results.json"
    path.write_text(json.dumps(to_json(result)))
    return path


@pytest.mark.parametrize(
    "args, says",
    [
        (["check", "99"], "unknown exercise '99'"),
        (["check", "--target", "/no/such/folder"], "does not exist"),
        (["grade", "/no/such/submission", "--out", "x"], "does not exist"),
        (["grade", str(ROOT / "solutions")], "Missing option '--out'"),
        (["batch", str(ROOT / "solutions"), "--out", "x", "--shard", "3/2"], "--shard must"),
        (["report", str(ROOT / "README.md")], "is not a results file"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, says):
    done = invoke(*args)
    assert done.exit_code == 2, done.output
    assert says in done.output
    assert "Traceback" not in done.output


def test_an_unknown_course_folder_is_a_usage_error(tmp_path):
    done = CliRunner().invoke(main, ["--course", str(tmp_path), "check"])
    assert done.exit_code == 2 and "no suites/ folder" in done.output


@pytest.mark.parametrize("fmt", ["html", "csv", "gradescope", "json", "text"])
def test_report_renders_every_format(results_file, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    done = invoke("report", str(results_file), "--format", fmt, "--out", str(out))
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert ("Total: " if fmt == "text" else "half-done") in text or fmt == "gradescope"
    if fmt in ("json", "gradescope"):
        json.loads(text)


def test_report_to_standard_output(results_file):
    done = invoke("report", str(results_file), "--format", "text")
    assert done.exit_code == 0 and "Total: " in done.output


def test_release_refuses_a_folder_inside_the_course(monkeypatch):
    monkeypatch.setattr("grader.judging.collect_checks", lambda course: [])
    done = invoke("release", "--out", str(ROOT / "kit-inside"))
    assert done.exit_code == 2 and "inside the course folder" in done.output
    assert not (ROOT / "kit-inside").exists()


@pytest.mark.parametrize(
    "command", ["check", "list", "grade", "batch", "merge", "report", "release", "verify", "doctor"]
)
def test_every_command_has_whole_help(command):
    done = invoke(command, "--help")
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output
    for line in done.output.splitlines()[1:]:  # the usage line ends in "..." for many args
        assert not line.rstrip().endswith(("...", "…")), line


def test_the_group_help_lists_every_command_with_a_whole_summary():
    done = invoke("--help")
    for command in ("check", "list", "grade", "batch", "merge", "report", "release", "verify"):
        assert command in done.output
    for line in done.output.splitlines()[1:]:
        assert not line.rstrip().endswith(("...", "…")), line
