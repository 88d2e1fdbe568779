"""Building results from captured pytest-json-report files: reconcile, score, serialise."""

import copy
import json

import pytest
from helpers import ROOT

from grader.records import CollectedCheck, Finding, group_of
from grader.results import (
    ERROR,
    FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    ExerciseInfo,
    Stamp,
    build_result,
    rejected_result,
)
from grader.results_json import ResultsFormatError, from_json, to_json

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
    # A check earns its points once, when every device variant that ran passed.
    outcomes = {t["nodeid"]: t["outcome"] for t in report["tests"]}
    groups: dict[str, list] = {}
    for item in map(CollectedCheck.from_json, collected):
        groups.setdefault(item.key, []).append(item)
    expected = sum(
        variants[0].points
        for variants in groups.values()
        if all(outcomes.get(v.nodeid, "skipped") in ("passed", "skipped") for v in variants)
        and any(outcomes.get(v.nodeid) == "passed" for v in variants)
    )
    assert result.earned == expected
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


def variant(name: str, device: str, points: float = 2.0) -> CollectedCheck:
    nodeid = f"suites/ex01_tensors/test_public.py::{name}[{device}]"
    return CollectedCheck(
        nodeid, "ex01_tensors", f"{name}[{device}]", name, points, "public", device
    )


def reported(outcomes: dict[str, str]) -> dict:
    return {"tests": [{"nodeid": n, "outcome": o} for n, o in outcomes.items()]}


def test_device_variants_share_one_checks_points():
    checks = [variant("test_a", "cpu"), variant("test_a", "standin"), variant("test_a", "cuda")]
    ids = [c.nodeid for c in checks]
    everywhere = reported({ids[0]: "passed", ids[1]: "passed", ids[2]: "passed"})
    without_gpu = reported({ids[0]: "passed", ids[1]: "passed", ids[2]: "skipped"})
    hard_coded = reported({ids[0]: "passed", ids[1]: "failed", ids[2]: "skipped"})
    zeros = reported({ids[0]: "failed", ids[1]: "passed", ids[2]: "skipped"})
    results = {
        name: build_result(
            submission="s", exercises=EXERCISES, collected=checks, report=report, stamp=STAMP
        )
        for name, report in [
            ("everywhere", everywhere),
            ("without_gpu", without_gpu),
            ("hard_coded", hard_coded),
            ("zeros", zeros),
        ]
    }
    # The same worth with a GPU or without: the check is worth 2, once.
    assert {r.possible for r in results.values()} == {2.0}
    assert results["everywhere"].earned == results["without_gpu"].earned == 2.0
    # A variant that fails takes the check's points; a stand-in variant never earns alone.
    assert results["hard_coded"].earned == results["zeros"].earned == 0.0
    carrier = [c for c in results["hard_coded"].checks if not c.shared]
    assert [(c.device, c.points, c.earned) for c in carrier] == [("standin", 2.0, 0.0)]
    assert sum(c.points for c in results["hard_coded"].checks) == 2.0


def test_a_variant_is_grouped_without_its_device_parameter():
    assert group_of("t.py::test_x[float64-cpu]", "cpu") == "t.py::test_x[float64]"
    assert group_of("t.py::test_y[cuda]", "cuda") == "t.py::test_y"
    assert group_of("t.py::test_z[cpu-cpu_bound]", "cpu") == "t.py::test_z[cpu_bound]"
    assert group_of("t.py::test_w", None) == "t.py::test_w"


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
