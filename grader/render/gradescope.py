"""Gradescope's autograder results.json for one submission.

One test entry per counted check (skipped checks are left out, as they are of the total).
Every name is unique in the submission and says which function and case it is:
"04 Exp, Log, ReLU: backward of a 0-d input · Tanh [cpu]" (exercise number, the check's title,
its case, its device). Public checks are always "visible"; hidden checks get the visibility
the instructor chose (HIDDEN_VISIBILITIES), and their message only with reveal_hidden, as in
our own report. The top-level output (always shown) never names a hidden check.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from grader.messages import say
from grader.results import PASSED, SKIPPED, Check, ExerciseResult, SubmissionResult

# Gradescope's test visibilities: "hidden" never shows; "after_due_date" and
# "after_published" show once the due date passed / the grades are published.
HIDDEN_VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_published"


def render_gradescope(
    result: SubmissionResult,
    *,
    reveal_hidden: bool = False,
    hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY,
) -> dict[str, Any]:
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {HIDDEN_VISIBILITIES}")
    counted = [
        (exercise, check)
        for exercise in result.exercises
        for check in exercise.checks
        if check.outcome != SKIPPED
    ]
    names = unique_test_names(counted)
    tests = []
    numbers: Counter[str] = Counter()
    for (exercise, check), name in zip(counted, names, strict=True):
        numbers[exercise.id] += 1
        public = check.visibility == "public"
        entry: dict[str, Any] = {
            "name": name,
            "number": f"{int(exercise.number)}.{numbers[exercise.id]}",
            "score": check.earned,
            "max_score": check.points,
            "status": "passed" if check.outcome == PASSED else "failed",
            "visibility": "visible" if public else hidden_visibility,
            "tags": [exercise.id, check.visibility],
        }
        if check.outcome != PASSED and (reveal_hidden or public):
            entry["output"] = check.message
            entry["output_format"] = "text"
        tests.append(entry)
    return {
        "score": result.earned,
        "output": "\n".join(_overall_output(result)),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",  # the grader's own log is for the instructor
        "execution_time": round(result.duration, 1),
        "tests": tests,
        "extra_data": {
            "status": result.status,
            "suites": result.stamp.suites,
            "flags": len(result.flags),
        },
    }


def _overall_output(result: SubmissionResult) -> list[str]:
    lines = [
        say(
            "gradescope_score",
            earned=result.earned,
            possible=result.possible,
            percent=result.percent,
        )
    ]
    if result.status != "graded":
        lines.append(say("gradescope_not_graded", detail=result.status_detail))
    for finding in result.findings:
        # A rejected submission's detail is made of its error findings: say each once.
        if finding.severity != "info" and finding.message not in result.status_detail:
            lines.append(finding.message)
    return lines


def unique_test_names(counted: list[tuple[ExerciseResult, Check]]) -> list[str]:
    """A name per check, unique in the list: "NN title · case [device]"; where two checks
    still read alike, the check's own function name tells them apart."""
    names = [_test_name(exercise, check) for exercise, check in counted]
    clashes = Counter(names)
    names = [
        name if clashes[name] == 1 else f"{name} ({check.name})"
        for name, (_, check) in zip(names, counted, strict=True)
    ]
    seen: Counter[str] = Counter()
    unique = []
    for name in names:  # a last resort that never fires for distinct pytest ids
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return unique


def _test_name(exercise: ExerciseResult, check: Check) -> str:
    name = f"{exercise.number} {check.title}"
    case = _case_of(check)
    if case:
        name += f" · {case}"
    if check.device:
        name += f" [{check.device}]"
    return name


def _case_of(check: Check) -> str:
    """The parameters of a parametrised check, less its device: "test_x[cpu-Tanh]" -> "Tanh"."""
    match = re.search(r"\[(.*)\]$", check.name)
    if not match:
        return ""
    parts = [p for p in match[1].split("-") if p and p != check.device]
    return ", ".join(parts)
