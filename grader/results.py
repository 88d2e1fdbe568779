"""Results: the typed model of a graded submission, built from the judge's report. No I/O.

A result is reconciled against the list of checks the judge collected before running
any of them: a check missing from the report (the run stopped, the judge died) counts as
not run and earns nothing. It is stamped with what produced it (the suites' hash, torch,
Python, the grader), so a result can be trusted, compared, or skipped on re-runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from grader.messages import say
from grader.records import REPORT_KEY, CollectedCheck, Finding, Tally, Verdict

PASSED, FAILED, SKIPPED, NOT_RUN, ERROR = "passed", "failed", "skipped", "not_run", "error"


@dataclass(frozen=True)
class Check:
    id: str  # the pytest node id
    exercise: str
    name: str
    title: str
    visibility: str  # "public" | "hidden"
    points: float
    earned: float
    outcome: str  # passed | failed | skipped | not_run | error
    kind: str = ""  # why it failed: wrong, raised, not_implemented, timeout, died, forbidden, ...
    message: str = ""
    output: str = ""  # what learner code printed during the check
    output_truncated: bool = False
    device: str | None = None
    duration: float = 0.0
    measured: bool = False  # its verdict relied on measurements made in a worker
    group: str = ""  # the check this is a device variant of (records.group_of)
    shared: bool = False  # a variant whose check's points are counted on another variant
    function: str = ""  # the learner function not written yet, when that is why it failed
    curve: tuple[dict[str, float], ...] = ()  # a training check's learning curve, per epoch

    @property
    def counts(self) -> bool:
        """Skipped checks (e.g. CUDA on a machine without it) are left out of the total."""
        return self.outcome != SKIPPED


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    number: str
    title: str
    checks: tuple[Check, ...]

    @property
    def earned(self) -> float:
        return sum(c.earned for c in self.checks)

    @property
    def possible(self) -> float:
        return sum(c.points for c in self.checks if c.counts)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)


@dataclass(frozen=True)
class Stamp:
    suites: str  # Course.suite_hash()
    torch: str
    python: str
    grader: str


@dataclass(frozen=True)
class SubmissionResult:
    submission: str
    status: str  # "graded" | "rejected" (nothing to grade) | "error" (the grader failed)
    exercises: tuple[ExerciseResult, ...]
    stamp: Stamp
    scope: str = "all"  # "all" | "public": which checks ran
    status_detail: str = ""
    findings: tuple[Finding, ...] = ()  # intake problems
    flags: tuple[Finding, ...] = ()  # what static screening found worth a look
    sandbox: dict[str, Any] = field(default_factory=dict)
    hidden_not_run: Tally = field(default_factory=Tally)  # public-only runs
    started_at: str = ""
    duration: float = 0.0
    source_fingerprint: str = ""  # intake.fingerprint of what was graded
    hidden_seed: int | None = None  # the run's secret for hidden inputs: a regrade reuses it
    local: bool = False  # checked on the learner's own machine (grader check), not graded

    @property
    def earned(self) -> float:
        return sum(e.earned for e in self.exercises)

    @property
    def possible(self) -> float:
        return sum(e.possible for e in self.exercises)

    @property
    def percent(self) -> float:
        return 100.0 * self.earned / self.possible if self.possible else 0.0

    @property
    def checks(self) -> list[Check]:
        return [c for e in self.exercises for c in e.checks]

    @property
    def graded(self) -> bool:
        return self.status == "graded"

    @property
    def all_passed(self) -> bool:
        """Graded, and no check failed, erred or was left unrun (skipped ones do not count)."""
        bad = self.count(FAILED) + self.count(ERROR) + self.count(NOT_RUN)
        return self.graded and bad == 0

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class ExerciseInfo:
    id: str
    number: str
    title: str


def build_result(
    *,
    submission: str,
    exercises: list[ExerciseInfo],
    collected: list[CollectedCheck] | None,
    report: dict[str, Any] | None,
    stamp: Stamp,
    findings: list[Finding] = (),  # type: ignore[assignment]
    flags: list[Finding] = (),  # type: ignore[assignment]
    judge_problem: str = "",
    scope: str = "all",
    hidden_not_run: Tally | None = None,
    started_at: str = "",
    duration: float = 0.0,
    source_fingerprint: str = "",
    hidden_seed: int | None = None,
    local: bool = False,
) -> SubmissionResult:
    """Reconcile the collected checks with the judge's pytest-json-report."""
    reported = {t["nodeid"]: t for t in (report or {}).get("tests", [])}
    checks = [_check(item, reported.get(item.nodeid), judge_problem) for item in collected or []]
    grouped = tuple(
        ExerciseResult(ex.id, ex.number, ex.title, tuple(c for c in checks if c.exercise == ex.id))
        for ex in exercises
    )
    status, detail = "graded", ""
    meta = (report or {}).get(REPORT_KEY) or {}
    flags = [*flags, *(tamper_finding(r) for r in meta.get("tamper") or [] if isinstance(r, dict))]
    integrity = meta.get("learner_code_in_judge") or []
    exit_code = (report or {}).get("exitcode")
    if collected is None:
        status, detail = "error", judge_problem or say("judge_no_checks")
    elif exit_code in PYTEST_FAILED_ITSELF:
        # The course's checks are broken (a suite that does not import, say): no check ran,
        # and that is the grader's failure, not a score of 0 for the learner.
        status = "error"
        detail = judge_problem or say("judge_pytest_failed", code=exit_code)
        grouped = tuple(
            replace(e, checks=tuple(_void(c, detail) for c in e.checks)) for e in grouped
        )
    elif integrity:
        status, detail = "error", say("judge_learner_code", names=", ".join(integrity))
        grouped = tuple(
            replace(e, checks=tuple(_void(c, detail) for c in e.checks)) for e in grouped
        )
    elif judge_problem:
        # The judge itself failed (no report, killed past its deadline, out of memory): the
        # grader's failure, never a score for the learner.
        status, detail = "error", judge_problem
    tampered = [f for f in flags if f.severity == TAMPER]
    if tampered and status == "graded":
        grouped = tuple(
            replace(e, checks=tuple(_withheld(c, tampered[0]) for c in e.checks)) for e in grouped
        )
    grouped = tuple(replace(e, checks=share_points(e.checks)) for e in grouped)
    return SubmissionResult(
        submission=submission,
        status=status,
        status_detail=detail,
        exercises=grouped,
        stamp=stamp,
        scope=scope,
        findings=tuple(findings),
        flags=tuple(flags),
        sandbox=dict(meta.get("sandbox") or {}),
        hidden_not_run=hidden_not_run or Tally(),
        started_at=started_at,
        duration=duration,
        source_fingerprint=source_fingerprint,
        hidden_seed=hidden_seed,
        local=local,
    )


def rejected_result(
    *,
    submission: str,
    exercises: list[ExerciseInfo],
    findings: list[Finding],
    stamp: Stamp,
    started_at: str = "",
    scope: str = "all",
    source_fingerprint: str = "",
) -> SubmissionResult:
    """Nothing could be taken from the submission: a result that says why, scoring nothing."""
    detail = "; ".join(f.message for f in findings if f.severity == "error") or say(
        "nothing_to_grade"
    )
    return SubmissionResult(
        submission=submission,
        status="rejected",
        status_detail=detail,
        exercises=tuple(ExerciseResult(e.id, e.number, e.title, ()) for e in exercises),
        stamp=stamp,
        scope=scope,
        findings=tuple(findings),
        started_at=started_at,
        source_fingerprint=source_fingerprint,
    )


# pytest's exit codes for "interrupted" (collection errors), "internal error", "usage error".
PYTEST_FAILED_ITSELF = (2, 3, 4)


def _check(item: CollectedCheck, test: dict[str, Any] | None, judge_problem: str) -> Check:
    base = dict(
        id=item.nodeid,
        exercise=item.exercise,
        name=item.name,
        title=item.title,
        visibility=item.visibility,
        points=float(item.points),
        device=item.device,
        group=item.key,
    )
    if test is None and item.skipped is not None:  # skipped up front (checks.skipped_up_front)
        return Check(**base, earned=0.0, outcome=SKIPPED, kind="skipped", message=item.skipped)
    if test is None:
        reason = (
            say("not_run_judge", detail=judge_problem) if judge_problem else say("not_run_budget")
        )
        return Check(
            **base,
            earned=0.0,
            outcome=NOT_RUN,
            kind="not_run",
            message=say("not_run", reason=reason),
        )
    verdict = Verdict.from_json((test.get("metadata") or {}).get(REPORT_KEY))
    outcome = _outcome(test.get("outcome", "failed"), verdict.kind)
    duration = sum(
        float((test.get(s) or {}).get("duration", 0.0)) for s in ("setup", "call", "teardown")
    )
    return Check(
        **base,
        earned=float(item.points) if outcome == PASSED else 0.0,
        outcome=outcome,
        kind=verdict.kind if outcome != PASSED else "",
        message=verdict.message if outcome != PASSED else "",
        output=verdict.output,
        output_truncated=verdict.output_truncated,
        duration=duration,
        measured=verdict.measured,
        function=verdict.function if outcome != PASSED else "",
        curve=verdict.curve,
    )


def _outcome(pytest_outcome: str, kind: str) -> str:
    if pytest_outcome == "passed":
        return PASSED
    if pytest_outcome == "skipped":
        return SKIPPED
    if kind == "not_run":
        return NOT_RUN
    if kind == "grader_error":
        return ERROR
    return FAILED


def share_points(checks: tuple[Check, ...]) -> tuple[Check, ...]:
    """A check's device variants share its points (records.group_of): earned when every
    variant that ran passed. They sit on the first variant that failed (the row that lost
    them), else the first that ran; the others are `shared`, with 0, so sums stay totals."""
    variants: dict[str, list[int]] = {}
    for index, check in enumerate(checks):
        variants.setdefault(check.group or check.id, []).append(index)
    shared = list(checks)
    for indexes in variants.values():
        if len(indexes) < 2:
            continue
        group = [checks[i] for i in indexes]
        ran = [c for c in group if c.counts]
        carrier = next((c for c in ran if c.outcome != PASSED), ran[0] if ran else group[0])
        worth = max(c.points for c in group)
        earned = worth if ran and all(c.outcome == PASSED for c in ran) else 0.0
        for i in indexes:
            if checks[i] is carrier:
                shared[i] = replace(checks[i], points=worth, earned=earned, shared=False)
            else:
                shared[i] = replace(checks[i], points=0.0, earned=0.0, shared=True)
    return tuple(shared)


TAMPER = "tamper"  # the severity of a finding that is a sign of tampering


def tamper_finding(record: dict[str, Any]) -> Finding:
    """What the tamper tripwire reported, as a flag for the instructor (and the learner)."""
    event, detail = str(record.get("event", ""))[:80], str(record.get("detail", ""))[:200]
    line = str(record.get("line", ""))
    return Finding(
        TAMPER,
        "tamper_runtime",
        say("flag_tamper_runtime", what=f"{event} {detail}".strip()),
        str(record.get("file") or ""),  # always a string: "" when no learner file asked
        int(line) if line.isdigit() and int(line) > 0 else None,
    )


def _withheld(check: Check, sign: Finding) -> Check:
    """A measured check of a tampered submission: its points are held back."""
    if not check.measured or check.outcome != PASSED:
        return check
    where = f" ({sign.file}:{sign.line})" if sign.file and sign.line else ""
    return replace(
        check,
        earned=0.0,
        outcome=FAILED,
        kind=TAMPER,
        message=say("tamper_withheld", sign=sign.message + where),
    )


def _void(check: Check, why: str) -> Check:
    return replace(
        check,
        earned=0.0,
        outcome=ERROR,
        kind="grader_error",
        message=say("check_crashed", detail=why),
    )
