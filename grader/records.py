"""The records that cross from one stage to another, written once and read everywhere.

The judge writes `Collected` (collected.json: the checks it will run, before any runs) and
attaches a `Verdict` to each check in its pytest-json-report under `REPORT_KEY`; the grader
reads both back into these types. Intake and screening hand `Finding`s to the results. A
record is read from JSON it did not write itself only through `from_json`, which checks
types and refuses what it cannot use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Every device a check can be parametrized over, in the order reports list them.
DEVICES: tuple[str, ...] = ("cpu", "cuda", "standin")  # standin: see run/shared/standin.py
# Where the judge's plugin puts its own data in pytest-json-report (per test and per run).
REPORT_KEY = "grader"


class RecordError(ValueError):
    """JSON that does not hold the record it should (a grader fault: the judge wrote it)."""


@dataclass(frozen=True)
class Finding:
    """Something about a submission worth telling: an intake problem or a screening flag."""

    severity: str  # "error" (blocks grading of a file), "warning", "info"
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        return cls(**data)


def group_of(nodeid: str, device: str | None) -> str:
    """The check a device variant belongs to: its node id without the device parameter
    (`test_x[float64-cpu]` -> `test_x[float64]`, `test_y[cuda]` -> `test_y`).

    The rule of points: a check is worth its points once, whatever devices it runs on; it
    earns them when every variant that ran passed. A variant this machine cannot run (CUDA
    without a GPU) is skipped and changes neither the total nor the verdict, so a class gets
    the same totals on a CPU grader and on a GPU grader."""
    if device is None or not nodeid.endswith("]") or "[" not in nodeid:
        return nodeid
    head, _, ids = nodeid[:-1].partition("[")
    parts = ids.split("-")
    if device in parts:
        parts.remove(device)
    return f"{head}[{'-'.join(parts)}]" if parts else head


@dataclass(frozen=True)
class CollectedCheck:
    """One check as the judge collected it, before running anything."""

    nodeid: str
    exercise: str  # "ex01_tensors"
    name: str  # "test_one_hot[cpu]"
    title: str  # the first line of the check's docstring
    points: float
    visibility: str  # "public" | "hidden"
    device: str | None = None  # the device parameter, if the check has one
    skipped: str | None = None  # the reason, when its marks skip it whatever happens
    group: str = ""  # the check without its device (group_of): its variants share its points

    @property
    def key(self) -> str:
        """The check this variant belongs to (its points are its group's)."""
        return self.group or group_of(self.nodeid, self.device)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CollectedCheck:
        try:
            check = cls(**data)
        except TypeError as exc:
            raise RecordError(f"not a collected check: {exc}") from None
        if check.visibility not in ("public", "hidden") or not isinstance(
            check.points, (int, float)
        ):
            raise RecordError(f"malformed collected check {check.nodeid!r}")
        return check


@dataclass(frozen=True)
class Tally:
    """How many checks, and what they are worth together (e.g. an exercise's hidden checks)."""

    checks: int = 0
    points: float = 0.0

    @classmethod
    def of(
        cls,
        checks: list[CollectedCheck],
        visibility: str | None = None,
        exercise: str | None = None,
    ) -> Tally:
        """The checks with this visibility (any, if None), in one exercise (all, if None)."""
        chosen = [
            c
            for c in checks
            if (visibility is None or c.visibility == visibility)
            and (exercise is None or c.exercise == exercise)
        ]
        # A check's device variants are one check, worth its points once (see group_of).
        worth = {c.key: c.points for c in chosen}
        return cls(len(worth), float(sum(worth.values())))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.checks + other.checks, self.points + other.points)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Tally:
        if not isinstance(data, dict):
            return cls()
        return cls(int(data.get("checks", 0) or 0), float(data.get("points", 0) or 0))


@dataclass(frozen=True)
class Collected:
    """collected.json: what the judge will run, written before the first check runs."""

    checks: list[CollectedCheck] = field(default_factory=list)
    hidden_not_run: Tally = field(default_factory=Tally)  # public-only runs
    broken_suites: list[str] = field(default_factory=list)  # suite files that did not collect

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": [c.to_json() for c in self.checks],
            "hidden_not_run": self.hidden_not_run.to_json(),
            "broken_suites": list(self.broken_suites),
        }

    @classmethod
    def from_json(cls, data: Any) -> Collected:
        if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
            raise RecordError("not a collected-checks record")
        return cls(
            checks=[CollectedCheck.from_json(c) for c in data["checks"]],
            hidden_not_run=Tally.from_json(data.get("hidden_not_run")),
            broken_suites=[str(s) for s in data.get("broken_suites") or []],
        )


@dataclass(frozen=True)
class Verdict:
    """What the judge's plugin says about one check beyond pass/fail (under REPORT_KEY)."""

    kind: str = ""  # wrong, raised, not_implemented, timeout, died, forbidden, ...
    message: str = ""
    output: str = ""  # what learner code printed during the check
    output_truncated: bool = False
    measured: bool = False  # it relied on measurements made in a worker, beside learner code
    function: str = ""  # the learner function that is not written yet (kind not_implemented)
    # A training check's learning curve: one {"train_loss", "val_loss", "val_accuracy"} of
    # plain floats per epoch, as the suite recorded it (render/curve.py draws it).
    curve: tuple[dict[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        if not isinstance(data, dict):
            return cls()
        return cls(
            kind=str(data.get("kind", "")),
            message=str(data.get("message", "")),
            output=str(data.get("output", "")),
            output_truncated=bool(data.get("output_truncated", False)),
            measured=bool(data.get("measured", False)),
            function=str(data.get("function", ""))[:100],
            curve=curve_of(data.get("curve")),
        )


CURVE_KEYS = ("train_loss", "val_loss", "val_accuracy")
MAX_CURVE_EPOCHS = 1000


def curve_of(data: Any) -> tuple[dict[str, float], ...]:
    """A recorded learning curve, kept only as far as it is a list of dicts of numbers (at most
    MAX_CURVE_EPOCHS); the renderer checks the numbers again."""
    if not isinstance(data, (list, tuple)):
        return ()
    kept = []
    for entry in data[:MAX_CURVE_EPOCHS]:
        if not isinstance(entry, dict):
            break
        values = {k: entry.get(k) for k in CURVE_KEYS}
        if not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()
        ):
            break
        kept.append({k: float(v) for k, v in values.items()})
    return tuple(kept)
