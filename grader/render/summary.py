"""A class at a glance, computed from its results: distribution, pass rates, who needs a look."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from grader.results import PASSED, SKIPPED, SubmissionResult

BINS = 11  # score distribution: 0-10 %, ..., 90-100 % (not 100), and 100 % on its own


@dataclass
class CheckRate:
    id: str
    exercise: str
    title: str
    device: str | None
    visibility: str
    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass
class ExerciseRate:
    id: str
    number: str
    title: str
    earned: float = 0.0
    possible: float = 0.0
    full_marks: int = 0
    graded: int = 0

    @property
    def rate(self) -> float:
        return self.earned / self.possible if self.possible else 0.0


@dataclass
class ClassSummary:
    results: list[SubmissionResult]
    histogram: list[int] = field(default_factory=list)
    exercises: list[ExerciseRate] = field(default_factory=list)
    checks: list[CheckRate] = field(default_factory=list)

    @property
    def graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.graded]

    @property
    def not_graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if not r.graded]

    @property
    def flagged(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.flags]

    @property
    def mean(self) -> float:
        return statistics.fmean(r.percent for r in self.graded) if self.graded else 0.0

    @property
    def median(self) -> float:
        return statistics.median(r.percent for r in self.graded) if self.graded else 0.0

    @property
    def hardest_checks(self) -> list[CheckRate]:
        """Checks by pass rate, lowest first: what the class struggles with."""
        return sorted(self.checks, key=lambda c: (c.rate, c.exercise, c.title))


def summarise(results: list[SubmissionResult]) -> ClassSummary:
    results = sorted(results, key=lambda r: r.submission)
    summary = ClassSummary(results=results, histogram=[0] * BINS)
    exercises: dict[str, ExerciseRate] = {}
    checks: dict[str, CheckRate] = {}
    for result in summary.graded:
        summary.histogram[score_bin(result.percent)] += 1
        for exercise in result.exercises:
            rate = exercises.setdefault(
                exercise.id, ExerciseRate(exercise.id, exercise.number, exercise.title)
            )
            rate.earned += exercise.earned
            rate.possible += exercise.possible
            rate.graded += 1
            rate.full_marks += int(exercise.possible > 0 and exercise.earned == exercise.possible)
            for check in exercise.checks:
                if check.outcome == SKIPPED:
                    continue
                entry = checks.setdefault(
                    check.id,
                    CheckRate(
                        check.id, exercise.number, check.title, check.device, check.visibility
                    ),
                )
                entry.total += 1
                entry.passed += int(check.outcome == PASSED)
    summary.exercises = sorted(exercises.values(), key=lambda e: e.number)
    summary.checks = list(checks.values())
    return summary


def score_bin(percent: float) -> int:
    """0 for 0-10 %, ..., 9 for 90 % up to (not with) 100 %, and 10 for full marks."""
    return BINS - 1 if percent >= 100 else min(int(percent // 10), BINS - 2)


def histogram_svg(counts: list[int], width: int = 480, height: int = 180) -> dict:
    """Bar geometry for an inline SVG (the template draws it): no script, no external file.
    The tallest bar leaves room above it for its count, and the axis labels below."""
    top_room, axis_room = 18, 20
    tallest = max(counts) or 1
    bar = width / len(counts)
    drawable = height - top_room - axis_room
    bars = []
    for i, count in enumerate(counts):
        h = drawable * count / tallest
        label = "100%" if i == BINS - 1 else f"{i * 10}–{i * 10 + 10}%"
        bars.append(
            {
                "x": round(i * bar + 2, 1),
                "y": round(height - axis_room - h, 1),
                "w": round(bar - 4, 1),
                "h": round(h, 1),
                "count": count,
                "tick": "100" if i == BINS - 1 else str(i * 10),
                "label": label,
            }
        )
    return {"width": width, "height": height, "bars": bars, "axis": height - axis_room}
