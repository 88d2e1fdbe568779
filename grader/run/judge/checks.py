"""What a suite check is (from its markers and docstring) and what its failure meant."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.course import EXERCISE_DIR, HIDDEN_SUITE, PUBLIC_SUITE
from grader.messages import say, title
from grader.records import CollectedCheck, Verdict, group_of
from grader.run.judge.problems import LearnerProblem

_IS_SUITE = pytest.StashKey[bool]()


class NotRun(Exception):
    """A check that was not started because the submission's time budget ran out."""


def is_suite_item(item: pytest.Item) -> bool:
    """A check of a course suite (not one of the kit's own tests). Asked by every hook of
    every check: the answer is kept on the item."""
    known = item.stash.get(_IS_SUITE, None)
    if known is None:
        path = Path(str(item.path))
        known = path.name in (PUBLIC_SUITE, HIDDEN_SUITE) and bool(
            EXERCISE_DIR.match(path.parent.name)
        )
        item.stash[_IS_SUITE] = known
    return known


def collected_check(item: pytest.Item) -> CollectedCheck:
    """The check's record, from its markers and docstring; a check that breaks the rules
    of a suite (points, visibility) stops the run as a usage error."""
    path = Path(str(item.path))
    points_marks = list(item.iter_markers("points"))
    visibility = [m.name for m in item.iter_markers() if m.name in ("public", "hidden")]
    problems = []
    if len(points_marks) != 1 or len(points_marks[0].args) != 1:
        problems.append("needs exactly one @points(n)")
    elif not isinstance(points_marks[0].args[0], (int, float)) or points_marks[0].args[0] < 0:
        problems.append("points(n) needs a number >= 0")
    if len(set(visibility)) != 1:
        problems.append("needs exactly one of the public/hidden markers")
    elif (visibility[0] == "hidden") != (path.name == HIDDEN_SUITE):
        problems.append(f"is marked {visibility[0]} but lives in {path.name}")
    if problems:
        raise pytest.UsageError(f"suite check {item.nodeid} " + "; ".join(problems))
    function = getattr(item, "function", None)
    doc = getattr(function, "__doc__", None)
    params = getattr(getattr(item, "callspec", None), "params", {})
    return CollectedCheck(
        nodeid=item.nodeid,
        exercise=path.parent.name,
        name=item.name,
        title=title(doc, item.name),
        points=float(points_marks[0].args[0]),
        visibility=visibility[0],
        device=params.get("device"),
        group=group_of(item.nodeid, params.get("device")),
    )


def about(check: CollectedCheck, functions: list[str]) -> bool:
    """Whether a check is about one of these learner functions (`grader check 01::one_hot`):
    its title starts with the call (`one_hot(...)`), or its name holds the function's name
    between underscores (`test_one_hot_bad_label`)."""
    name = "_" + check.name.partition("[")[0] + "_"
    return any(check.title.startswith(f"{f}(") or f"_{f}_" in name for f in functions)


def skipped_up_front(item: pytest.Item) -> str | None:
    """The reason a check will be skipped whatever happens, if its marks say so already:
    `skip`, or `skipif` with a condition that is plainly true (not a string to evaluate)."""
    for mark in item.iter_markers(name="skip"):
        return str(mark.kwargs.get("reason", mark.args[0] if mark.args else ""))
    for mark in item.iter_markers(name="skipif"):
        if mark.args and all(c is True for c in mark.args):
            return str(mark.kwargs.get("reason", ""))
    return None


MESSAGE_CHARS = 6000  # of one check's message: more is cut, with a mark that says so


def classify(exc: BaseException) -> Verdict:
    """What kind of failure this was, and the message a learner should read (capped). Never
    raises: a message that cannot even be built is the grader's error in this one check."""
    try:
        verdict = _classify(exc)
    except Exception as error:  # e.g. a learner error record of a shape nobody foresaw
        verdict = Verdict("grader_error", say("check_crashed", detail=type(error).__name__))
    if len(verdict.message) > MESSAGE_CHARS:
        cut = len(verdict.message) - MESSAGE_CHARS
        message = verdict.message[:MESSAGE_CHARS] + "\n" + say("message_cut", count=cut)
        verdict = replace(verdict, message=message)
    return verdict


def _classify(exc: BaseException) -> Verdict:
    if isinstance(exc, NotRun):
        return Verdict("not_run", say("not_run", reason=str(exc)))
    if isinstance(exc, LearnerProblem):
        return Verdict(exc.kind, str(exc), function=getattr(exc, "function", ""))
    if isinstance(exc, AssertionError):
        return Verdict("wrong", str(exc) or say("check_failed"))
    if type(exc).__name__ == "Failed":  # pytest.fail(...)
        return Verdict("wrong", str(exc))
    detail = f"{type(exc).__name__}: {exc}"
    return Verdict("grader_error", say("check_crashed", detail=detail))
