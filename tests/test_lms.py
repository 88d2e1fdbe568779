"""LMS downloads and rosters: Canvas's loose files, Moodle's folders, GitHub Classroom's
repositories and nested zips are grouped per learner by one printed rule; a roster says who
each submission is; an ambiguous name is listed, never merged. No grading here: the grouping,
the staging and the matching are read directly (test_batch.py grades end to end)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from grader.batch import discover
from grader.render import gradebook
from grader.render.roster import RosterError, load_roster, match
from grader.results import Check, ExerciseResult, Stamp, SubmissionResult

STUB = (ROOT / "exercises" / "ex01_tensors.py").read_text()
SOLVED = (ROOT / "solutions" / "ex01_tensors.py").read_text()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def zip_with(path: Path, files: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def staged(submission) -> dict[str, str]:
    """Every .py file intake would see for a submission, by its path inside it."""
    source = submission.source
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            return {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".py")}
    return {p.relative_to(source).as_posix(): p.read_text() for p in source.rglob("*.py")}


def test_canvas_loose_files_are_grouped_by_login_and_user_id(tmp_path):
    download = tmp_path / "canvas"
    write(download / "smithjohn_12345_67890_ex01_tensors.py", SOLVED)
    write(download / "doejane_LATE_23456_78901_ex01_tensors.py", STUB)
    write(download / "doejane_LATE_23456_78902_ex01_tensors-1.py", SOLVED)  # resubmitted
    zip_with(download / "leeann_34567_88888_work.zip", {"exercises/ex01_tensors.py": SOLVED})
    write(download / "ex01_tensors.py", STUB)  # whose? nobody can say
    submissions, layout = discover(download, staging=tmp_path / "staging")
    assert layout.kind == "canvas" and "Canvas" in layout.rule
    assert [s.name for s in submissions] == ["doejane_23456", "leeann_34567", "smithjohn_12345"]
    files = {s.name: staged(s) for s in submissions}
    assert files["doejane_23456"] == {"ex01_tensors.py": SOLVED}  # the -1 is the latest
    assert files["smithjohn_12345"] == {"ex01_tensors.py": SOLVED}
    assert list(files["leeann_34567"].values()) == [SOLVED]
    assert layout.problems == ["ex01_tensors.py: no Canvas learner prefix in its name; left out"]


def test_canvas_never_merges_two_learners_with_one_login(tmp_path):
    download = tmp_path / "canvas"
    write(download / "smithjohn_12345_1_ex01_tensors.py", SOLVED)
    write(download / "smithjohn_99999_2_ex01_tensors.py", STUB)
    submissions, layout = discover(download, staging=tmp_path / "staging")
    assert [s.name for s in submissions] == ["smithjohn_12345", "smithjohn_99999"]
    assert any("smithjohn names 2 Canvas users" in p for p in layout.problems)


def test_moodle_folders_of_one_learner_are_one_submission(tmp_path):
    download = tmp_path / "moodle"
    write(download / "Jane Doe_881_assignsubmission_file_" / "ex01_tensors.py", SOLVED)
    write(download / "Jane Doe_881_assignsubmission_onlinetext_" / "onlinetext.html", "<p>")
    zip_with(
        download / "Omar Haddad_882_assignsubmission_file_" / "submission.zip",
        {"exercises/ex01_tensors.py": SOLVED},
    )
    write(download / "Jane Doe_991_assignsubmission_file_" / "ex01_tensors.py", STUB)
    submissions, layout = discover(download, staging=tmp_path / "staging")
    assert layout.kind == "moodle"
    names = [s.name for s in submissions]
    assert names == ["Jane Doe_881", "Jane Doe_991", "Omar Haddad_882"]  # two Janes, apart
    omar = staged(submissions[2])
    assert list(omar.values()) == [SOLVED]  # the zip inside the folder was opened


def test_github_classroom_repositories_are_named_by_username(tmp_path):
    download = tmp_path / "classroom"
    for user in ("alice", "bob-smith"):
        write(download / f"hw1-tensors-{user}" / "exercises" / "ex01_tensors.py", SOLVED)
    submissions, layout = discover(download, staging=tmp_path / "staging")
    assert layout.kind == "github-classroom" and "'hw1-tensors-'" in layout.rule
    assert [s.name for s in submissions] == ["alice", "bob-smith"]
    assert submissions[0].source == download / "hw1-tensors-alice"  # as it is: no copy


def test_a_class_download_zip_with_learner_zips_inside(tmp_path):
    inner = tmp_path / "inner.zip"
    zip_with(inner, {"exercises/ex01_tensors.py": SOLVED})
    outer = tmp_path / "class.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "submissions/alice.zip")
        archive.writestr("submissions/bob/ex01_tensors.py", STUB)
        archive.writestr("../evil.py", "x = 1")
    submissions, layout = discover(outer, staging=tmp_path / "staging")
    assert layout.kind == "folders"
    assert [s.name for s in submissions] == ["alice", "bob"]
    assert list(staged(submissions[0]).values()) == [SOLVED]
    assert any("unsafe entry '../evil.py'" in p for p in layout.problems)
    assert not (tmp_path / "evil.py").exists()


def test_plain_folders_and_zips_keep_their_names(tmp_path):
    download = tmp_path / "plain"
    write(download / "bob" / "ex01_tensors.py", SOLVED)
    zip_with(download / "bob.zip", {"ex01_tensors.py": STUB})
    zip_with(download / "carol.zip", {"ex01_tensors.py": STUB})
    submissions, layout = discover(download, staging=tmp_path / "staging")
    assert layout.kind == "folders"
    assert [s.name for s in submissions] == ["bob", "bob.zip", "carol"]
    assert submissions[2].source == download / "carol.zip"


CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (4411)
    Points Possible,,,,,100
"Smith, John",12345,S001,jsmith,Sec A,
"Doe, Jane",23456,S002,jdoe,Sec A,
"Absent, Alex",45678,S004,aabsent,Sec B,
"""


def result(name: str, earned: float) -> SubmissionResult:
    check = Check("c", "ex01_tensors", "test_c", "c", "public", 33.0, earned, "failed")
    exercise = ExerciseResult("ex01_tensors", "01", "tensors", (check,))
    return SubmissionResult(name, "graded", (exercise,), Stamp("abc", "2.13.0", "3.11", "0.1"))


def test_a_canvas_export_is_a_roster_and_matching_goes_both_ways(tmp_path):
    students = load_roster(write(tmp_path / "roster.csv", CANVAS_ROSTER))
    assert [s.name for s in students] == ["Smith, John", "Doe, Jane", "Absent, Alex"]
    found = match(["smithjohn_12345", "doejane_23456", "stranger_777"], students)
    assert found.students["smithjohn_12345"].id == "12345"
    assert found.students["doejane_23456"].canvas["SIS User ID"] == "S002"
    assert found.unmatched == ["stranger_777"]
    assert [s.name for s in found.missing] == ["Absent, Alex"]


def test_a_name_that_fits_two_students_is_given_to_neither(tmp_path):
    roster = "name,email\nJane Doe,jane1@x.org\nJane Doe,jane2@x.org\nOmar Haddad,omar@x.org\n"
    students = load_roster(write(tmp_path / "roster.csv", roster))
    found = match(["Jane Doe_881", "Omar Haddad_882", "jane2"], students)
    assert "Jane Doe_881" in found.ambiguous and "Jane Doe_881" not in found.students
    assert found.students["jane2"].email == "jane2@x.org"  # an email's name part: strong
    assert found.students["Omar Haddad_882"].email == "omar@x.org"


def test_a_roster_without_an_id_email_or_login_is_refused(tmp_path):
    with pytest.raises(RosterError, match="no id, email or login column"):
        load_roster(write(tmp_path / "roster.csv", "name,grade\nJane,1\n"))


def test_lms_exports_carry_ids_scores_and_escape_formulas(tmp_path):
    roster = CANVAS_ROSTER.replace('"Doe, Jane"', '"=HYPERLINK(1)"')
    students = load_roster(write(tmp_path / "roster.csv", roster))
    results = [result("smithjohn_12345", 30.0), result("doejane_23456", 12.5)]
    found = match([r.submission for r in results], students)
    canvas = gradebook.canvas_csv(results, found, "Homework 1 (4411)").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (4411)"
    assert canvas[1].startswith("Points Possible")
    assert canvas[1] == "Points Possible,,,,,33"
    assert "'=HYPERLINK(1),23456,S002,jdoe,Sec A,12.5" in canvas
    assert gradebook.ids_csv(results, found).splitlines() == ["id,score", "23456,12.5", "12345,30"]
    rows = gradebook.render_csv(results, found).splitlines()
    assert rows[0].startswith("submission,student_id,email,name,status")
    assert rows[2].startswith('smithjohn_12345,12345,,"Smith, John",graded')
