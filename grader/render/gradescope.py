"""Gradescope's autograder results.json for one submission.

One test entry per counted check (skipped checks are left out, as they are of the total),
named "NN exercise: check title". Hidden checks show their name and score, and their message
only with reveal_hidden, as in our own report.
"""

from __future__ import annotations

from typing import Any

from grader.messages import say
from grader.results import PASSED, SKIPPED, SubmissionResult


def render_gradescope(result: SubmissionResult, *, reveal_hidden: bool = False) -> dict[str, Any]:
    tests = []
    for exercise in result.exercises:
        for number, check in enumerate(
            (c for c in exercise.checks if c.outcome != SKIPPED), start=1
        ):
            name = f"{exercise.number} {exercise.title}: {check.title}"
            if check.device:
                name += f" [{check.device}]"
            entry: dict[str, Any] = {
                "name": name,
                "number": f"{int(exercise.number)}.{number}",
                "score": check.earned,
                "max_score": check.points,
                "status": "passed" if check.outcome == PASSED else "failed",
                "visibility": "visible",
                "tags": [exercise.id, check.visibility],
            }
            if check.outcome != PASSED and (reveal_hidden or check.visibility == "public"):
                entry["output"] = check.message
                entry["output_format"] = "text"
            tests.append(entry)
    output = [
        say(
            "gradescope_score",
            earned=result.earned,
            possible=result.possible,
            percent=result.percent,
        )
    ]
    if result.status != "graded":
        output.append(say("gradescope_not_graded", detail=result.status_detail))
    output += [f.message for f in result.findings if f.severity != "info"]
    return {
        "score": result.earned,
        "output": "\n".join(output),
        "output_format": "text",
        "visibility": "visible",
        "execution_time": round(result.duration, 1),
        "tests": tests,
        "extra_data": {
            "status": result.status,
            "suites": result.stamp.suites,
            "flags": len(result.flags),
        },
    }
