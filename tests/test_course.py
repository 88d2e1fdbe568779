"""Finding the course and its exercises."""

import shutil

import pytest
from helpers import ROOT

from grader.course import UnknownExercise, find_course_root, load_course


def test_exercises_are_found_in_order_with_titles():
    course = load_course(ROOT)
    ids = [ex.id for ex in course.exercises]
    assert ids == sorted(ids) and ids[:2] == ["ex01_tensors", "ex02_ops"]
    assert course.exercises[0].title == "creating tensors; shape, dtype, device"


@pytest.mark.parametrize(
    "name", ["01", "1", "tensors", "01_tensors", "ex01_tensors", "ex01_tensors.py"]
)
def test_an_exercise_can_be_named_many_ways(name):
    assert load_course(ROOT).exercise(name).id == "ex01_tensors"


def test_an_unknown_exercise_says_what_exists():
    with pytest.raises(UnknownExercise, match="01 \\(tensors\\)"):
        load_course(ROOT).select(["99"])


def test_the_course_is_found_from_a_subfolder(monkeypatch):
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    assert find_course_root(ROOT / "suites" / "ex01_tensors") == ROOT


def test_the_suite_hash_changes_when_a_suite_changes(tmp_path):
    for folder in ("suites", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    before = load_course(tmp_path).suite_hash()
    with open(tmp_path / "suites" / "ex01_tensors" / "test_hidden.py", "a") as handle:
        handle.write("\n# changed\n")
    assert load_course(tmp_path).suite_hash() != before


def test_the_suite_hash_covers_the_data_the_checks_read(tmp_path):
    """A changed test split (beside its hidden suite) or training split (data/) is another
    grading: a resumed batch must not keep results made with the old one."""
    for folder in ("suites", "exercises", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    course = load_course(tmp_path)
    digits = (course.exercise("10"),)
    for data in (
        tmp_path / "suites" / "ex10_digits" / "digits_test.npz",
        tmp_path / "data" / "digits_train.npz",
    ):
        before = course.suite_hash(digits)
        data.write_bytes(data.read_bytes() + b"\0")
        assert course.suite_hash(digits) != before, data.name
