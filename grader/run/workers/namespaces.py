"""Namespaces and mounts for one submission's workers: their own PIDs, no network, and a
filesystem view where the course, other submissions and the grader's files are hidden.

Entered once per submission, by the supervisor's parent, before any worker is forked.
"""

from __future__ import annotations

import os
import site
import sys

from grader.run.shared.plan import Measures, Plan
from grader.run.shared.process import check_libc, libc

MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000

CLONE_NEWNS = 0x00020000


CLONE_NEWUSER = 0x10000000


CLONE_NEWPID = 0x20000000


CLONE_NEWNET = 0x40000000


def unshare(flags: int) -> None:
    check_libc(libc().unshare(flags), "unshare")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    enc = lambda s: s.encode() if s is not None else None
    check_libc(
        libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}"
    )


def enter_namespaces(plan: Plan, measures: Measures) -> bool:
    """Unshare mount, network and PID namespaces (through a user namespace when not root).

    Returns True when a new PID namespace was entered: the next child forked is its init.
    """
    if not plan.isolate:
        for name in ("pid_namespace", "network_namespace", "hidden_paths"):
            measures.off(name, "isolation turned off (--no-isolation)")
        return False
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID
    as_root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()
    try:
        unshare(flags if as_root else flags | CLONE_NEWUSER)
    except OSError as exc:
        why = f"namespaces unavailable here ({exc.strerror})"
        for name in ("pid_namespace", "network_namespace", "hidden_paths"):
            measures.off(name, why)
        return False
    if not as_root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    measures.on("network_namespace", "no network: only an unconfigured loopback")
    measures.on("pid_namespace", "every process of a worker dies with it")
    _hide_paths(plan, measures)
    return True


def _hide_paths(plan: Plan, measures: Measures) -> None:
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    except OSError as exc:
        measures.off("hidden_paths", f"cannot make mounts private ({exc.strerror})")
        measures.off("private_tmp", f"cannot make mounts private ({exc.strerror})")
        return
    keep = _paths_to_keep(plan)
    # Scratch folders first: a worker writes to a /tmp of its own, gone with its namespace.
    try:
        for folder in PRIVATE_SCRATCH:
            if os.path.isdir(folder):
                _replace_with_tmpfs(folder, keep, "size=64m,mode=1777")
        measures.on("private_tmp", ", ".join(PRIVATE_SCRATCH) + " are the worker's own")
    except OSError as exc:
        measures.off("private_tmp", f"cannot mount a private /tmp ({exc.strerror})")
    wanted = {os.path.realpath(p) for p in plan.hide if os.path.isdir(p)}
    if plan.sandbox_uid is not None and os.geteuid() == 0:
        # A folder the sandbox user cannot enter (e.g. /root holding pyenv) on the way to
        # Python is replaced by an enterable one that holds only what the worker needs.
        wanted |= _closed_ancestors(keep)
    hidden = []
    for folder in _outermost(wanted - NEVER_HIDDEN):
        try:
            _replace_with_tmpfs(folder, keep, "size=1m,mode=0755")
        except OSError as exc:
            measures.off("hidden_paths", f"cannot hide {folder} ({exc.strerror})")
            return
        hidden.append(folder)
    measures.on("hidden_paths", ", ".join(hidden) or "nothing to hide")


def _replace_with_tmpfs(folder: str, keep: list[str], options: str) -> None:
    """Mount an empty tmpfs over `folder`, then bind back the kept paths that lie inside it."""
    inside = [k for k in keep if k == folder or k.startswith(folder + "/")]
    fds = [(k, os.open(k, os.O_RDONLY | os.O_DIRECTORY)) for k in inside]
    try:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)
        for path, fd in fds:
            os.makedirs(path, exist_ok=True)
            # Not MS_REC: that would carry the tmpfs just mounted here back over `path`.
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND, None)
    finally:
        for _, fd in fds:
            os.close(fd)


PRIVATE_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")


# System folders a worker's Python needs, whatever a plan asks (e.g. a HOME of "/").
NEVER_HIDDEN = {
    "/",
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/etc",
    "/dev",
    "/proc",
    "/sys",
    "/tmp",
    "/var",
    "/opt",
    "/run",
}


def _outermost(paths: set[str]) -> list[str]:
    """Drop every path that lies inside another: hiding the outer one hides it too."""
    return sorted(
        p for p in paths if not any(p.startswith(q.rstrip("/") + "/") for q in paths if q != p)
    )


def _closed_ancestors(paths: list[str]) -> set[str]:
    closed = set()
    for path in paths:
        folder = os.path.dirname(path)
        while folder not in ("/", ""):
            try:
                if not os.stat(folder).st_mode & 0o001:
                    closed.add(folder)
            except OSError:
                pass
            folder = os.path.dirname(folder)
    return closed


def _paths_to_keep(plan: Plan) -> list[str]:
    """What a worker must still see inside a hidden folder: its own files and Python's."""
    import numpy
    import torch

    wanted = [plan.workspace, plan.worker_tmp, sys.prefix, sys.base_prefix, sys.exec_prefix]
    wanted += site.getsitepackages()
    wanted += [os.path.dirname(os.path.dirname(m.__file__)) for m in (torch, numpy)]
    # A kept folder inside another kept folder comes with it.
    return _outermost({os.path.realpath(p) for p in wanted})


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
