"""The namespaces of one submission's workers: their own PIDs, no network, their own System V
IPC and message queues, and their own filesystem view (rootfs.py).

Entered once per submission, by the supervisor's parent, before any worker is forked; each
worker then also gets a mount and IPC namespace of its own (scratch.py).
"""

from __future__ import annotations

import os

from grader.run.shared.plan import Measures, Plan
from grader.run.shared.process import check_libc, libc
from grader.run.workers.rootfs import MS_NODEV, MS_NOEXEC, MS_NOSUID, build_root, mount

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_MEASURES = ("pid_namespace", "network_namespace", "ipc_namespace", "whitelist_root")


def enter_namespaces(plan: Plan, measures: Measures) -> bool:
    """Unshare mount, network, PID and IPC namespaces (through a user namespace when not
    root), then move into the submission's own root. Returns True when a new PID namespace
    was entered: the next child forked is its init."""
    if not plan.isolate:
        for name in NAMESPACE_MEASURES:
            measures.off(name, "isolation turned off (--no-isolation)")
        return False
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
    as_root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()
    try:
        check_libc(libc().unshare(flags if as_root else flags | CLONE_NEWUSER), "unshare")
    except OSError as exc:
        why = f"namespaces unavailable here ({exc.strerror})"
        for name in NAMESPACE_MEASURES:
            measures.off(name, why)
        return False
    if not as_root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    measures.on("network_namespace", "no network: only an unconfigured loopback")
    measures.on("pid_namespace", "every process of a worker dies with it")
    measures.on("ipc_namespace", "System V IPC and message queues of its own, per worker")
    build_root(plan, measures)
    return True


def mount_private_proc(measures: Measures) -> None:
    """Inside a new PID namespace: a /proc that shows only this namespace's processes."""
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        measures.on("private_proc", "/proc shows only the worker's own processes")
    except OSError as exc:
        measures.off("private_proc", f"cannot mount /proc ({exc.strerror})")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)
