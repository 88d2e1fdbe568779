"""Process plumbing both sides need: Linux prctl flags, CPU pinning (via libc), descriptors."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def check_libc(result: int, what: str) -> None:
    """Raise OSError (with errno's text) for a libc call that returned non-zero."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def libc() -> ctypes.CDLL:
    return _libc


def prctl(option: int, arg: int) -> None:
    check_libc(_libc.prctl(option, arg, 0, 0, 0), "prctl")


def set_parent_death_signal(sig: int = signal.SIGKILL) -> None:
    try:
        prctl(PR_SET_PDEATHSIG, sig)
    except OSError:
        pass


def become_subreaper() -> bool:
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        return True
    except OSError:
        return False


def pin_to_cpu(cpu: int | None) -> None:
    """Run this process on one CPU. A judge and its worker take turns (the judge waits while
    the worker answers), so one CPU serves both; on the same CPU, a call's two hand-overs
    are plain context switches instead of wake-ups across CPUs, which in a virtual machine
    cost tens of microseconds each. Learner code may widen its own set: that only moves it."""
    if cpu is None:
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError):
        pass  # a CPU this process may not use: the scheduler decides, as without pinning


def close_all_but(keep: set[int]) -> None:
    """Close every descriptor of this process except `keep` (a fresh child's first step)."""
    low = 0
    for fd in sorted(keep):
        if low < fd:  # os.closerange(n, n) would close every descriptor from n on
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
