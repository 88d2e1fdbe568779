"""The class gradebook: one CSV row per submission, who it is (from a roster, if given), a
column per exercise, and the total."""

from __future__ import annotations

import csv
import io

from grader.render.roster import CANVAS_COLUMNS, Matching
from grader.render.terminal import clean
from grader.results import SubmissionResult


def render_csv(results: list[SubmissionResult], matching: Matching | None = None) -> str:
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
            "student_id",
            "email",
            "name",
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
        student = matching.students.get(result.submission) if matching else None
        who = [student.id, student.email, student.name] if student else ["", "", ""]
        scores = [f"{by_id[e].earned:g}" if e in by_id else "" for e, _ in exercises]
        writer.writerow(
            [
                cell(result.submission),
                *(cell(text) for text in who),
                result.status,
                *scores,
                f"{result.earned:g}",
                f"{result.possible:g}",
                f"{result.percent:.1f}",
                cell(result.status_detail),
            ]
        )
    return buffer.getvalue()


def cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: learner-chosen names
    # (a folder called "=HYPERLINK(...)") must stay text.
    text = clean(text).replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def canvas_csv(results: list[SubmissionResult], matching: Matching, assignment: str) -> str:
    """Canvas's gradebook import: its five student columns, then the assignment's; the row
    after the header holds the points possible. Only students the roster names."""
    possible = max((r.possible for r in results), default=0.0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Student", *CANVAS_COLUMNS, assignment])
    writer.writerow(["Points Possible", "", "", "", "", f"{possible:g}"])
    for result in sorted(results, key=lambda r: r.submission):
        student = matching.students.get(result.submission)
        if student is None:
            continue
        canvas = [student.canvas.get(c, "") for c in CANVAS_COLUMNS]
        if not canvas[0]:
            canvas[0] = student.id
        writer.writerow([cell(student.name), *canvas, f"{result.earned:g}"])
    return buffer.getvalue()


def ids_csv(results: list[SubmissionResult], matching: Matching) -> str:
    """The plainest import: id,score, one row per student the roster names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "score"])
    for result in sorted(results, key=lambda r: r.submission):
        student = matching.students.get(result.submission)
        if student is not None:
            writer.writerow([student.id or student.email, f"{result.earned:g}"])
    return buffer.getvalue()
