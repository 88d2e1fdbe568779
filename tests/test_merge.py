"""`grader merge` refuses what cannot be a class: an input with no results, the same input
twice, a submission in two inputs (unless --allow-duplicates). Each refusal is one line and
exit code 2; a roster given to merge reaches grades.csv."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from helpers import ROOT

from grader.cli import main
from grader.results import Stamp, SubmissionResult
from grader.results_json import to_json


def shard(folder, *names):
    for name in names:
        result = SubmissionResult(name, "graded", (), Stamp("abc", "2.13.0", "3.11", "0.1"))
        path = folder / "submissions" / name / "results.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(to_json(result)))
    return str(folder)


def merge(*args):
    return CliRunner().invoke(main, ["--course", str(ROOT), "merge", *args])


def one_line_refusal(done, says):
    assert done.exit_code == 2, done.output
    errors = [line for line in done.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and says in errors[0], done.output


def test_an_input_with_no_results_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    a = shard(tmp_path / "a", "ada")
    done = merge(a, str(tmp_path / "empty"), "--out", str(tmp_path / "out"))
    one_line_refusal(done, "holds no results of a batch")


def test_the_same_input_twice_is_refused(tmp_path):
    a = shard(tmp_path / "a", "ada")
    one_line_refusal(merge(a, a, "--out", str(tmp_path / "out")), "is given twice")


def test_a_submission_in_two_inputs_is_refused_unless_allowed(tmp_path):
    a, b = shard(tmp_path / "a", "ada", "bob"), shard(tmp_path / "b", "bob")
    one_line_refusal(merge(a, b, "--out", str(tmp_path / "out")), "bob is in both")
    assert not (tmp_path / "out" / "grades.csv").exists()
    done = merge(a, b, "--out", str(tmp_path / "out"), "--allow-duplicates")
    assert done.exit_code == 0 and "Merged 2 submission(s)" in done.output


def test_a_roster_given_to_merge_reaches_the_gradebook(tmp_path):
    a, b = shard(tmp_path / "a", "ada"), shard(tmp_path / "b", "bob")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,login,id\nAda King,ada,A1\nCy Absent,cy,C3\n")
    done = merge(a, b, "--out", str(tmp_path / "out"), "--roster", str(roster))
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "grades.csv").read_text())))
    assert [(r["submission"], r["student_id"], r["name"]) for r in rows] == [
        ("ada", "A1", "Ada King"),
        ("bob", "", ""),
    ]
    assert (tmp_path / "out" / "grades-ids.csv").read_text() == "id,score\nA1,0\n"
    summary = (tmp_path / "out" / "summary.html").read_text()
    assert "Cy Absent" in summary and "Submissions with no roster row" in summary


def test_report_csv_with_a_roster_says_who_it_is(tmp_path):
    shard(tmp_path / "a", "ada")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAda King,ada@x.org\n")
    results = tmp_path / "a" / "submissions" / "ada" / "results.json"
    done = CliRunner().invoke(
        main, ["report", str(results), "--format", "csv", "--roster", str(roster)]
    )
    assert done.exit_code == 0, done.output
    row = next(csv.DictReader(io.StringIO(done.output)))
    assert (row["email"], row["name"]) == ("ada@x.org", "Ada King")
