"""results.json: a graded submission as versioned JSON, and back (refusing what it cannot read)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from grader.records import Finding, Tally, curve_of
from grader.results import Check, ExerciseResult, Stamp, SubmissionResult

SCHEMA = "torch-course-grader/results"
SCHEMA_VERSION = 1


def to_json(result: SubmissionResult) -> dict[str, Any]:
    data = asdict(result)
    data["findings"] = [f.to_json() for f in result.findings]
    data["flags"] = [f.to_json() for f in result.flags]
    data["totals"] = {
        "earned": result.earned,
        "possible": result.possible,
        "percent": round(result.percent, 2),
    }
    for exercise, raw in zip(result.exercises, data["exercises"], strict=True):
        raw["totals"] = {"earned": exercise.earned, "possible": exercise.possible}
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **data}


def _check_from_json(data: dict[str, Any]) -> Check:
    return Check(**{**data, "curve": curve_of(data.get("curve"))})


class ResultsFormatError(ValueError):
    """A results file that this grader cannot read."""


def from_json(data: dict[str, Any]) -> SubmissionResult:
    if data.get("schema") != SCHEMA:
        raise ResultsFormatError("not a results file of this grader (no matching 'schema')")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ResultsFormatError(
            f"results schema version {data.get('schema_version')} (this grader reads {SCHEMA_VERSION})"
        )
    try:
        exercises = tuple(
            ExerciseResult(
                e["id"], e["number"], e["title"], tuple(_check_from_json(c) for c in e["checks"])
            )
            for e in data["exercises"]
        )
        return SubmissionResult(
            submission=data["submission"],
            status=data["status"],
            status_detail=data.get("status_detail", ""),
            exercises=exercises,
            stamp=Stamp(**data["stamp"]),
            scope=data.get("scope", "all"),
            findings=tuple(Finding.from_json(f) for f in data.get("findings", [])),
            flags=tuple(Finding.from_json(f) for f in data.get("flags", [])),
            sandbox=data.get("sandbox", {}),
            hidden_not_run=Tally.from_json(data.get("hidden_not_run")),
            started_at=data.get("started_at", ""),
            duration=data.get("duration", 0.0),
            source_fingerprint=data.get("source_fingerprint", ""),
            hidden_seed=data.get("hidden_seed"),
            local=bool(data.get("local", False)),
        )
    except (KeyError, TypeError) as exc:
        raise ResultsFormatError(f"malformed results file: {exc}") from None
