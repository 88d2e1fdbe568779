"""What one submission's run is given: its limits, its sandbox plan, and which protections held.

Written by the grader (from the command line's options), carried to the judge in its
config and to the worker template in a hello frame; every limit has one name, here, from
the option that sets it to the code that enforces it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Limits:
    """Per-worker and per-call limits. Defaults suit the course's small tensors."""

    call_seconds: float = 10.0  # wall clock per call
    submission_seconds: float = 600.0  # wall clock for all of a submission's checks
    cpu_seconds: int = 300  # CPU time for one worker (it serves one submission)
    memory_mb: int = 2048  # address space above what torch itself maps
    file_size_mb: int = 32  # any file the worker writes, its captured output included
    scratch_mb: int = 64  # all a worker may write, together (its own tmpfs: HOME, /tmp, ...)
    scratch_files: int = 4096  # files and folders in that tmpfs
    open_files: int = 256
    processes: int = 64  # processes and threads of the sandbox user
    output_chars: int = 20_000  # captured stdout+stderr kept per call
    answer_mb: int = 64  # the largest answer a judge reads from a worker
    judge_memory_mb: int = 4096  # address space a judge may add to what it has at start


@dataclass
class Plan:
    """What the supervisor of one submission sets up."""

    workspace: str
    worker_tmp: str  # where per-worker HOME/working folders are made
    limits: Limits = field(default_factory=Limits)
    sandbox_uid: int | None = None  # user to drop to when running as root
    isolate: bool = True  # namespaces, user drop (off only for debugging)
    cpu: int | None = None  # the CPU its judge runs on: workers share it (see pin_to_cpu)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        data = dict(data)
        data["limits"] = Limits(**data.get("limits", {}))
        return cls(**data)


@dataclass
class Measures:
    """Which protections are active, by name: shown in results and in `grader doctor`."""

    active: dict[str, str] = field(default_factory=dict)  # name -> detail
    inactive: dict[str, str] = field(default_factory=dict)  # name -> why not

    def on(self, name: str, detail: str = "") -> None:
        self.active[name] = detail
        self.inactive.pop(name, None)

    def off(self, name: str, why: str) -> None:
        self.inactive[name] = why
        self.active.pop(name, None)

    def to_json(self) -> dict:
        return {"active": self.active, "inactive": self.inactive}


def stack_dump_at(seconds: float) -> float:
    """When a worker writes the stack of a call allowed `seconds` (judge/stuck.py): a little
    before the judge stops it, so the dump is there when it does."""
    return max(0.01, seconds - min(0.5, seconds * 0.1))
