"""Progress by exercise: the table that ends `grader check`, and the same as Markdown for a
CI job's summary (GitHub's $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from dataclasses import dataclass

import click

from grader.messages import say
from grader.render.terminal import display_width, pad
from grader.results import FAILED, PASSED, SubmissionResult


@dataclass(frozen=True)
class Row:
    exercise: str  # "01 tensors"
    points: str  # "3/14"
    passed: str  # "2/13" checks
    todo: tuple[str, ...]  # functions not written yet
    broken: bool  # a check of a written function failed


def rows(result: SubmissionResult) -> list[Row]:
    found = []
    for exercise in result.exercises:
        if not exercise.checks:
            continue
        counted = [c for c in exercise.checks if c.counts]
        found.append(
            Row(
                exercise=exercise.id.removeprefix("ex").replace("_", " ", 1),
                points=f"{exercise.earned:g}/{exercise.possible:g}",
                passed=f"{exercise.count(PASSED)}/{len(counted)}",
                todo=tuple(dict.fromkeys(c.function for c in counted if c.function)),
                broken=any(c.outcome != PASSED and not c.function for c in counted),
            )
        )
    return found


def only_unwritten_fail(result: SubmissionResult) -> bool:
    """Every check that did not pass failed only because its function is not written yet:
    what is written works (a learner's CI stays green while the course is in progress)."""
    if not result.graded:
        return False
    return all(
        c.outcome == PASSED or (c.outcome == FAILED and c.function)
        for c in result.checks
        if c.counts
    )


def text_table(result: SubmissionResult) -> str:
    head = (say("table_exercise"), say("table_points"), say("table_passed"), say("table_todo"))
    table = [head] + [(r.exercise, r.points, r.passed, ", ".join(r.todo)) for r in rows(result)]
    widths = [max(display_width(row[i]) for row in table) for i in range(3)]
    lines = [""]
    for index, row in enumerate(table):
        line = "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        lines.append(click.style(line.rstrip(), bold=index == 0))
    return "\n".join(lines)


def markdown(result: SubmissionResult) -> str:
    """A short progress summary in Markdown (names and numbers only: no learner text)."""
    head = (say("table_exercise"), say("table_points"), say("table_passed"), say("table_todo"))
    lines = [
        f"### {say('progress_heading')}: {result.earned:g} / {result.possible:g}",
        "",
        "| " + " | ".join(head) + " |",
        "| --- | ---: | ---: | --- |",
    ]
    for row in rows(result):
        mark = " ✘" if row.broken else ""
        todo = ", ".join(f"`{name}`" for name in row.todo)
        lines.append(f"| {row.exercise}{mark} | {row.points} | {row.passed} | {todo} |")
    return "\n".join(lines) + "\n"
