"""Building results from captured pytest-json-report files: reconcile, score, serialise."""

import copy
import json

import pytest
from helpers import ROOT

from grader.records import CollectedCheck, Finding
from grader.results import (
    ERROR,
    FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    ExerciseInfo,
    ResultsFormatError,
    Stamp,
    build_result,
    from_json,
    rejected_result,
    to_json,
)

CAPTURED = ROOT / "tests" / "data" / "reports" / "half_done"
EXERCISES = [ExerciseInfo("ex01_tensors", "01", "tensors"), ExerciseInfo("ex02_ops", "02", "ops")]
STAMP = Stamp(suites="abc", torch="2.13.0", python="3.11.7", grader="0.1.0")


@pytest.fixture
def captured():
    collected = json.loads((CAPTURED / "collected.json").read_text())["checks"]
    report = json.loads((CAPTURED / "report.json").read_text())
    return collected, report


def build(collected, report, **extra):
    return build_result(
        submission="half-done",
        exercises=EXERCISES,
        collected=None if collected is None else [CollectedCheck.from_json(c) for c in collected],
        report=report,
        stamp=STAMP,
        **extra,
    )


def test_scores_follow_the_report(captured):
    collected, report = captured
    result = build(collected, report)
    assert result.status == "graded"
    passed = [t for t in report["tests"] if t["outcome"] == "passed"]
    assert result.count(PASSED) == len(passed)
    by_id = {c["nodeid"]: c for c in collected}
    assert result.earned == sum(by_id[t["nodeid"]]["points"] for t in passed)
    assert 0 < result.earned < result.possible


def test_skipped_checks_are_left_out_of_the_total(captured):
    collected, report = captured
    result = build(collected, report)
    skipped = [c for c in result.checks if c.outcome == SKIPPED]
    assert skipped and all(c.device == "cuda" for c in skipped)
    assert result.possible == sum(c.points for c in result.checks if c.outcome != SKIPPED)


def test_checks_skipped_up_front_are_skipped_with_their_reason(captured):
    # A judge does not run a check its marks skip already (a CUDA case without CUDA): it
    # lists it with the reason, and the report has no entry for it.
    collected, report = captured
    collected, report = copy.deepcopy(collected), copy.deepcopy(report)
    cuda = {c["nodeid"] for c in collected if c["device"] == "cuda"}
    for item in collected:
        if item["nodeid"] in cuda:
            item["skipped"] = "no CUDA device here"
    report["tests"] = [t for t in report["tests"] if t["nodeid"] not in cuda]
    result = build(collected, report)
    skipped = [c for c in result.checks if c.outcome == SKIPPED]
    assert {c.id for c in skipped} == cuda
    assert all(c.message == "no CUDA device here" and c.earned == 0 for c in skipped)
    assert result.possible == build(*captured).possible  # the same total as when run


def test_a_check_missing_from_the_report_counts_as_not_run(captured):
    collected, report = captured
    report = copy.deepcopy(report)
    dropped = next(t for t in report["tests"] if t["outcome"] == "passed")
    report["tests"].remove(dropped)
    result = build(collected, report, judge_problem="the judge was killed")
    check = next(c for c in result.checks if c.id == dropped["nodeid"])
    assert (
        check.outcome == NOT_RUN and check.earned == 0 and "the judge was killed" in check.message
    )


def test_no_report_at_all_earns_nothing(captured):
    collected, _ = captured
    result = build(collected, None, judge_problem="no report")
    assert result.earned == 0 and all(c.outcome == NOT_RUN for c in result.checks)


def test_learner_code_in_the_judge_voids_the_run(captured):
    collected, report = captured
    report = copy.deepcopy(report)
    report["grader"]["learner_code_in_judge"] = ["ex01_tensors"]
    result = build(collected, report)
    assert result.status == "error" and result.earned == 0
    assert all(c.outcome == ERROR for c in result.checks)


def test_failure_messages_and_kinds_come_through(captured):
    collected, report = captured
    result = build(collected, report)
    failed = [c for c in result.checks if c.outcome == FAILED]
    assert {c.kind for c in failed} >= {"not_implemented", "wrong"}
    assert all(c.message for c in failed)


def test_json_round_trip(captured):
    collected, report = captured
    result = build(collected, report, findings=[Finding("info", "ignored_files", "x")])
    data = json.loads(json.dumps(to_json(result)))
    assert data["totals"]["earned"] == result.earned
    assert from_json(data) == result


def test_other_schemas_are_refused(captured):
    collected, report = captured
    data = to_json(build(collected, report))
    with pytest.raises(ResultsFormatError):
        from_json({**data, "schema_version": 99})
    with pytest.raises(ResultsFormatError):
        from_json({"hello": 1})


def test_a_rejected_submission_scores_nothing_and_says_why():
    finding = Finding("error", "bad_zip", "class.zip is not a readable .zip file")
    result = rejected_result(submission="x", exercises=EXERCISES, findings=[finding], stamp=STAMP)
    assert result.status == "rejected" and result.earned == 0 and "readable" in result.status_detail


def test_a_recorded_learning_curve_reaches_the_check_and_survives_json(captured):
    collected, report = captured
    passed = next(t for t in report["tests"] if t["outcome"] == "passed")
    curve = [{"train_loss": 1.25, "val_loss": 0.3, "val_accuracy": 0.9}]
    metadata = passed.setdefault("metadata", {}).setdefault("grader", {})
    metadata["curve"] = [*curve, "not an epoch", {"train_loss": "x"}]
    result = build(collected, report)
    check = next(c for c in result.checks if c.id == passed["nodeid"])
    assert check.curve == tuple(curve)  # kept up to the first entry that is not an epoch
    data = json.loads(json.dumps(to_json(result)))
    assert from_json(data) == result
    assert all(c.curve == () for c in result.checks if c.id != passed["nodeid"])
