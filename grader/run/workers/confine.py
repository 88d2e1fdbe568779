"""Confinement of one worker, applied after it is forked and before learner code is imported:
resource limits, a clean environment, an unprivileged user, and the measures that hold."""

from __future__ import annotations

import os
import resource
import signal

from grader.messages import language
from grader.run.shared.plan import Measures, Plan
from grader.run.shared.process import set_parent_death_signal


def confine_worker(plan: Plan, home: str) -> None:
    """In a freshly forked worker, before learner code: limits, clean room, user drop."""
    limits = plan.limits
    os.setsid()
    _scrub_environment(home)
    os.chdir(home)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, limits.file_size_mb << 20)
    _limit(resource.RLIMIT_NOFILE, limits.open_files)
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    if not _cuda_present():
        _limit(resource.RLIMIT_AS, _address_space_now() + (limits.memory_mb << 20))
    dropped = plan.isolate and plan.sandbox_uid is not None and os.geteuid() == 0
    if dropped:
        _limit(resource.RLIMIT_NPROC, limits.processes)
        os.setgroups([])
        os.setgid(plan.sandbox_uid)  # type: ignore[arg-type]
        os.setuid(plan.sandbox_uid)  # type: ignore[arg-type]
    set_parent_death_signal()  # last: a change of user clears it


def _limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        # Lowering the soft limit always works; a hard limit below the current use may not.
        _, hard = resource.getrlimit(kind)
        if hard == resource.RLIM_INFINITY or value <= hard:
            resource.setrlimit(kind, (value, hard))


def _scrub_environment(home: str) -> None:
    keep = {k: v for k, v in os.environ.items() if k.startswith("CUDA_") or k == "LD_LIBRARY_PATH"}
    # The few sentences a probe writes in the worker speak the learner's language too.
    keep["GRADER_LANG"] = language()
    os.environ.clear()
    os.environ.update(keep)
    os.environ.update(
        {
            "HOME": home,
            "TMPDIR": home,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )


def _address_space_now() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _cuda_present() -> bool:
    # Cheap and never initialises CUDA: the device nodes exist only where a driver is loaded.
    return os.path.exists("/dev/nvidiactl")


def static_measures(plan: Plan, measures: Measures) -> None:
    """The measures that hold for every worker of this plan, whatever the platform."""
    limits = plan.limits
    measures.on("wall_clock_per_call", f"{limits.call_seconds:g} s, then the worker is killed")
    measures.on("cpu_limit", f"{limits.cpu_seconds} s of CPU per worker")
    measures.on("file_size_limit", f"{limits.file_size_mb} MiB per file written")
    measures.on("open_files_limit", str(limits.open_files))
    measures.on("no_core_dumps", "")
    measures.on("output_cap", f"{limits.output_chars} characters kept per call")
    measures.on(
        "isolated_python",
        "workers come from a template with `python -I`'s environment and import path",
    )
    measures.on("clean_room", "scrubbed environment, a fresh HOME and working folder per worker")
    if _cuda_present():
        measures.off(
            "address_space_limit", "not set: CUDA maps more address space than any useful limit"
        )
    else:
        measures.on("address_space_limit", f"torch's own footprint + {limits.memory_mb} MiB")
    if not plan.isolate:
        measures.off("unprivileged_user", "isolation turned off (--no-isolation)")
    elif os.geteuid() == 0 and plan.sandbox_uid is not None:
        measures.on(
            "unprivileged_user", f"uid {plan.sandbox_uid}, at most {limits.processes} processes"
        )
    else:
        measures.off("unprivileged_user", "the grader is not running as root")
