"""The rule `grader verify` enforces: solutions earn every point, untouched stubs earn none."""

from __future__ import annotations

from dataclasses import dataclass

from grader.results import ERROR, FAILED, NOT_RUN, PASSED, SubmissionResult


@dataclass(frozen=True)
class Violation:
    check: str  # node id
    side: str  # "solutions" | "stubs"
    problem: str


def violations(solutions: SubmissionResult, stubs: SubmissionResult) -> list[Violation]:
    found = []
    for result, side in ((solutions, "solutions"), (stubs, "stubs")):
        if not result.graded:
            found.append(Violation("(whole run)", side, f"{result.status}: {result.status_detail}"))
    for check in solutions.checks:
        if check.outcome in (FAILED, ERROR, NOT_RUN):
            found.append(Violation(check.id, "solutions", f"{check.outcome}: {check.message}"))
    for check in stubs.checks:
        if check.outcome == PASSED and check.points > 0:
            found.append(Violation(check.id, "stubs", "passes on the untouched stub"))
        elif check.outcome == ERROR:
            found.append(Violation(check.id, "stubs", f"error: {check.message}"))
    ids_solutions = {c.id for c in solutions.checks}
    ids_stubs = {c.id for c in stubs.checks}
    for missing in sorted(ids_solutions ^ ids_stubs):
        found.append(Violation(missing, "both", "collected for one side only"))
    return found


@dataclass(frozen=True)
class Row:
    """One exercise's line of `grader verify`'s table."""

    exercise: str  # "01 tensors: creating tensors"
    solutions: str  # "48/48"
    stubs: str  # "0/48"
    solutions_ok: bool
    stubs_ok: bool


def table(solutions: SubmissionResult, stubs: SubmissionResult) -> list[Row]:
    rows = []
    for mine, theirs in zip(solutions.exercises, stubs.exercises, strict=True):
        rows.append(
            Row(
                exercise=f"{mine.number} {mine.title}",
                solutions=f"{mine.earned:g}/{mine.possible:g}",
                stubs=f"{theirs.earned:g}/{theirs.possible:g}",
                solutions_ok=mine.earned == mine.possible,
                stubs_ok=theirs.earned == 0,
            )
        )
    return rows
