"""The class gradebook: one CSV row per submission, a column per exercise, and the total."""

from __future__ import annotations

import csv
import io

from grader.render.terminal import clean
from grader.results import SubmissionResult


def render_csv(results: list[SubmissionResult]) -> str:
    exercises: list[tuple[str, str]] = []
    for result in results:
        for exercise in result.exercises:
            if (exercise.id, exercise.number) not in exercises:
                exercises.append((exercise.id, exercise.number))
    exercises.sort(key=lambda e: e[1])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "submission",
            "status",
            *[e[0] for e in exercises],
            "total",
            "possible",
            "percent",
            "detail",
        ]
    )
    for result in sorted(results, key=lambda r: r.submission):
        by_id = {e.id: e for e in result.exercises}
        scores = [f"{by_id[e].earned:g}" if e in by_id else "" for e, _ in exercises]
        writer.writerow(
            [
                _cell(result.submission),
                result.status,
                *scores,
                f"{result.earned:g}",
                f"{result.possible:g}",
                f"{result.percent:.1f}",
                _cell(result.status_detail),
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: learner-chosen names
    # (a folder called "=HYPERLINK(...)") must stay text.
    text = clean(text).replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
