"""The words a learner reads: hints that follow the docstring's contract, differences that
mean something, "not written yet" whatever the check, where a stopped call was, progress."""

from __future__ import annotations

import pytest
import torch

from grader.records import CollectedCheck
from grader.render import progress
from grader.results import ExerciseInfo, Stamp, build_result
from grader.run.judge import stuck
from grader.run.judge.checks import about
from grader.run.judge.problems import LearnerRaised, NotImplementedYet
from grader.testing.compare import CheckFailed, assert_close, expect_raises


def failure(action) -> str:
    with pytest.raises(CheckFailed) as caught:
        action()
    return str(caught.value)


def test_a_fixed_dtype_is_named_as_fixed_never_as_the_inputs():
    got, expected = torch.zeros(3), torch.zeros(3, dtype=torch.int64)
    message = failure(lambda: assert_close(got, expected, what="one_hot(...)", dtype_from="fixed"))
    assert "always torch.int64" in message and "dtype of the input" not in message


def test_a_dtype_or_device_from_an_argument_names_the_argument():
    got, expected = torch.zeros(3), torch.zeros(3, dtype=torch.float64)
    message = failure(lambda: assert_close(got, expected, what="grid", dtype_from="dtype="))
    assert "`dtype=` argument" in message and "input" not in message
    standin = torch.zeros(3, device="meta")
    message = failure(lambda: assert_close(got, standin, what="grid", device_from="device="))
    assert "`device=` argument" in message and "x.device" not in message


def test_the_default_hint_is_the_inputs_dtype():
    message = failure(
        lambda: assert_close(torch.zeros(2), torch.zeros(2, dtype=torch.float64), what="f(x)")
    )
    assert "Keep the dtype of the input" in message


def test_where_the_expected_value_is_0_only_the_absolute_difference_is_given():
    message = failure(lambda: assert_close(torch.tensor([1e-3, 0.0]), torch.zeros(2), what="f"))
    assert "absolute difference" in message and "relative" not in message
    message = failure(lambda: assert_close(torch.tensor([2.0, 1.0]), torch.ones(2), what="f"))
    assert "relative difference" in message


def raised(type_name: str, *, stub: bool) -> LearnerRaised:
    record = {"type": type_name, "mro": [type_name, "Exception"], "message": "m", "frames": []}
    kind = NotImplementedYet if stub else LearnerRaised
    return kind("`one_hot` is not written yet", record, "one_hot(...)")


def test_a_raises_check_on_a_stub_says_not_written_yet():
    with pytest.raises(NotImplementedYet), expect_raises("ValueError", what="one_hot(...)"):
        raise raised("NotImplementedError", stub=True)
    with expect_raises("ValueError", what="one_hot(...)"):
        raise raised("ValueError", stub=False)
    message = failure(lambda: _raises_inside(raised("TypeError", stub=False)))
    assert "expected ValueError, but your code raised TypeError" in message


def _raises_inside(problem: LearnerRaised) -> None:
    with expect_raises("ValueError", what="one_hot(...)"):
        raise problem


DUMP = (
    "what the learner printed\n"
    "Timeout (0:00:09.500000)!\n"
    "Thread 0x00007f337a81fb80 (most recent call first):\n"
    '  File "/workspace/ex01_tensors.py", line 3 in helper\n'
    '  File "/workspace/ex01_tensors.py", line 6 in share_numpy\n'
    '  File "/suites/ex01_tensors/probes.py", line 20 in numpy_memory\n'
    "  ...\n"
)


def test_a_call_stopped_for_time_says_where_the_learners_code_was(tmp_path):
    (tmp_path / "ex01_tensors.py").write_text("x = 1\n\ny = 2\n\n\nz = share()\n")
    output, frames = stuck.split_dump(DUMP)
    assert output == "what the learner printed\n"
    found = stuck.learner_frames(frames, "ex01_tensors.py", tmp_path)
    assert [(f["function"], f["line"], f["code"]) for f in found] == [
        ("share_numpy", 6, "z = share()"),
        ("helper", 3, "y = 2"),
    ]
    assert stuck.split_dump("no dump here") == ("no dump here", [])


def check(name: str, title: str) -> CollectedCheck:
    return CollectedCheck(f"t.py::{name}", "ex01_tensors", name, title, 1.0, "public")


def test_one_function_is_chosen_by_its_checks_names_or_titles():
    assert about(check("test_one_hot_bad_label", "raises ValueError"), ["one_hot"])
    assert about(check("test_labels", "one_hot() equals F.one_hot"), ["one_hot"])
    assert not about(check("test_describe", "describe() reports"), ["one_hot"])
    assert not about(check("test_hot", "x"), ["one_hot"])


def test_ci_stays_green_while_only_unwritten_functions_fail():
    checks = [check("test_a", "a() works"), check("test_b", "b() works")]
    exercises = [ExerciseInfo("ex01_tensors", "01", "tensors")]
    stamp = Stamp("s", "t", "p", "g")

    def result(b_kind: str, b_function: str = ""):
        meta = {"kind": b_kind, "message": "m", "function": b_function}
        report = {
            "tests": [
                {"nodeid": "t.py::test_a", "outcome": "passed"},
                {"nodeid": "t.py::test_b", "outcome": "failed", "metadata": {"grader": meta}},
            ]
        }
        return build_result(
            submission="s", exercises=exercises, collected=checks, report=report, stamp=stamp
        )

    unwritten, wrong = result("not_implemented", "b"), result("wrong")
    assert progress.only_unwritten_fail(unwritten)
    assert not progress.only_unwritten_fail(wrong)
    table = progress.markdown(unwritten)
    assert "| 01 tensors | 1/2 | 1/2 | `b` |" in table
    assert "01 tensors ✘" in progress.markdown(wrong)
