"""The terminal view of a result: a summary per exercise and every failing check's message."""

from __future__ import annotations

import re
import unicodedata

import click

from grader.messages import say
from grader.render.curve import learning_curve_line
from grader.results import (
    ERROR,
    FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    Check,
    ExerciseResult,
    SubmissionResult,
)

# CSI/OSC escape sequences and other control characters: learner text must not drive the terminal.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

OUTPUT_LINES = 20  # of what a check's code printed, at most

_MARKS = {
    PASSED: ("✔", "green"),
    FAILED: ("✘", "red"),
    ERROR: ("!", "magenta"),
    NOT_RUN: ("–", "yellow"),
    SKIPPED: ("○", "bright_black"),
}


STATUS_KEYS = {"graded": "status_graded", "rejected": "status_rejected", "error": "status_error"}


def status_label(status: str) -> str:
    """A result's status ("graded", "rejected", "error") in the run's language."""
    return say(STATUS_KEYS[status]) if status in STATUS_KEYS else status


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `width` columns (on the left when `right`)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def clean(text: str) -> str:
    """Learner-originated text, safe to print: no escape sequences, no control characters."""
    if not isinstance(text, str):  # a missing field renders as nothing, never a crash
        text = "" if text is None else str(text)
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


def render(result: SubmissionResult, *, verbose: bool = False, reveal_hidden: bool = True) -> str:
    lines: list[str] = []
    if result.status != "graded":
        lines.append(
            click.style(
                f"{result.submission}: {status_label(result.status)}: "
                f"{clean(result.status_detail)}",
                fg="red",
                bold=True,
            )
        )
    for finding in result.findings:
        if finding.severity != "info" or verbose:
            lines.append(click.style(f"  ! {clean(finding.message)}", fg="yellow"))
    for flag in result.flags:
        where = f"{flag.file}:{flag.line}" if flag.file else ""
        lines.append(click.style(f"  ⚑ {where} {clean(flag.message)}", fg="yellow"))
    for exercise in result.exercises:
        lines += _exercise(exercise, verbose, reveal_hidden)
    lines.append("")
    lines += _footer(result)
    return "\n".join(lines)


def _exercise(exercise: ExerciseResult, verbose: bool, reveal_hidden: bool) -> list[str]:
    if not exercise.checks:
        return []
    done = exercise.earned == exercise.possible and exercise.possible > 0
    score = say("exercise_score", earned=exercise.earned, possible=exercise.possible)
    title = f"{exercise.number} {exercise.title}"
    lines = [
        "",
        click.style(f"{title}  ", bold=True)
        + click.style(score, fg="green" if done else "yellow", bold=True),
    ]
    counted = [c for c in exercise.checks if c.counts]
    if not verbose and _one_problem(counted):
        # A module that is missing or does not import fails every check the same way: say
        # it once, not once per check.
        show = reveal_hidden or any(c.visibility == "public" for c in counted)
        message = clean(counted[0].message) if show else ""
        lines.append(
            f"  {click.style(_MARKS[FAILED][0], fg='red')} "
            + say("every_check_failed", count=len(counted))
        )
        lines += [f"      {line}" for line in message.splitlines()]
        return lines
    shown: set[str] = set()
    for check in exercise.checks:
        curve = learning_curve_line(check.curve)
        if check.outcome in (SKIPPED, PASSED) and not verbose and not curve:
            continue
        show = reveal_hidden or check.visibility == "public"
        repeat = check.message in shown and check.outcome == FAILED
        lines += _check(check, show and not repeat)
        if curve:  # the learner's own training figures: shown whatever the check's outcome
            lines.append(click.style(f"      {clean(curve)}", fg="cyan"))
        if repeat and show:
            lines.append(click.style(f"      {say('same_as_above')}", fg="bright_black"))
        shown.add(check.message)
    if not verbose:
        passed = say("exercise_passed_count", passed=exercise.count(PASSED), count=len(counted))
        lines.append(click.style(f"  {passed}", fg="bright_black"))
    return lines


def _one_problem(checks: list[Check]) -> bool:
    return (
        len(checks) > 1
        and all(c.outcome == FAILED for c in checks)
        and len({c.message for c in checks}) == 1
        and bool(checks[0].message)
    )


def _check(check: Check, show_message: bool) -> list[str]:
    mark, colour = _MARKS.get(check.outcome, ("?", "white"))
    device = f" [{check.device}]" if check.device else ""
    hidden = say("check_hidden_mark") if check.visibility == "hidden" else ""
    points = "" if check.shared else f"{check.earned:g}/{check.points:g}"
    lines = [
        f"  {click.style(mark, fg=colour)} {clean(check.title)}{device}{hidden}"
        + (f"  {click.style(points, fg='bright_black')}" if points else "")
    ]
    if check.outcome == PASSED:
        return lines
    if check.outcome == SKIPPED:
        skipped = say("check_skipped", reason=clean(check.message))
        return [lines[0] + click.style(f"  {skipped}", fg="bright_black")]
    if show_message and check.message:
        lines += [f"      {line}" for line in clean(check.message).splitlines()]
    if show_message and check.output:
        printed = clean(check.output).splitlines()
        lines.append(click.style(f"      {say('output_header')}", fg="bright_black"))
        lines += [
            click.style(f"      | {line}", fg="bright_black") for line in printed[:OUTPUT_LINES]
        ]
        if len(printed) > OUTPUT_LINES or check.output_truncated:
            lines.append(click.style("      | …", fg="bright_black"))
    return lines


def _footer(result: SubmissionResult) -> list[str]:
    lines = []
    total = say(
        "summary_total", earned=result.earned, possible=result.possible, percent=result.percent
    )
    failed = result.count(FAILED) + result.count(ERROR) + result.count(NOT_RUN)
    lines.append(
        click.style(total, bold=True, fg="green" if failed == 0 and result.possible else "yellow")
    )
    skipped = [c for c in result.checks if c.outcome == SKIPPED]
    if skipped:
        reasons = ", ".join(sorted({clean(c.message) for c in skipped}))
        lines.append(
            click.style(
                say(
                    "summary_skipped", count=len(skipped), reasons=reasons, machine=_machine(result)
                ),
                fg="bright_black",
            )
        )
    if result.scope == "public":
        lines.append(click.style(public_only_note(result), fg="cyan"))
    elif failed == 0 and result.checks:
        lines.append(say("summary_all_passed", count=result.count(PASSED)))
    return lines


def _machine(result: SubmissionResult) -> str:
    return say("this_machine" if result.local else "grading_machine")


def public_only_note(result: SubmissionResult) -> str:
    """Never "all passed" when only the public checks ran."""
    hidden = result.hidden_not_run
    if hidden.checks:
        return say(
            "summary_public_only",
            hidden_count=hidden.checks,
            hidden_points=f"{hidden.points:g}",
        )
    return say("summary_public_only_unknown")
