"""Ending every process below a supervisor: workers, their children, and setsid grandchildren."""

from __future__ import annotations

import os
import signal


def kill_all_descendants(use_namespace: bool) -> None:
    """Kill every process below this one and reap them: workers, their children, and
    grandchildren that called setsid (they are reparented here: we are init or subreaper)."""
    if use_namespace:
        try:
            os.kill(-1, signal.SIGKILL)  # as a namespace's init: everyone in it but us
        except ProcessLookupError:
            pass
    for _ in range(1000):
        children = _children_of(os.getpid())
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reaped = _reap_all()
        if not children and not reaped:
            return


def _reap_all() -> bool:
    reaped = False
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped = True


def _children_of(parent: int) -> list[int]:
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: parse after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(name))
    return found
