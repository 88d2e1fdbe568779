"""The filesystem a submission's workers see: a whitelist, not a blacklist.

In the submission's own mount namespace, the supervisor builds a new root on a small tmpfs
and moves into it (pivot_root): the system folders, Python and its packages, and the
submission's workspace are bound in read-only, at the paths they have on the host; nothing
else of the host is there (no course, no other submission, no output folder, no home). The
places a program may write (/tmp, /var/tmp, /dev/shm, /run/lock, HOME) are empty mount points
here: each worker mounts its own size-limited tmpfs on them (scratch.py).
"""

from __future__ import annotations

import os
import site
import sys

from grader.run.shared.plan import Measures, Plan
from grader.run.shared.process import check_libc, libc

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 2

# Read-only: the system, as far as a Python process needs it.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Where a program may write: each worker's own tmpfs (scratch.py) goes on every one of them.
WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
# The supervisor's own files (captured output): a tmpfs the workers cannot list.
SUPERVISOR_DIR = "/.supervisor"
SKELETON_OPTIONS = "size=1m,mode=0755"
WORKSPACE = "/workspace"  # where the learner's modules are, seen from a worker
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # the syscall's number: glibc has no wrapper


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    enc = lambda s: s.encode() if s is not None else None
    check_libc(
        libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}"
    )


def build_root(plan: Plan, measures: Measures) -> bool:
    """Move this (supervisor) process into a new root holding only what workers need.
    Returns False, with the measure off and the host's filesystem untouched, where the
    platform does not allow it."""
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        new_root = os.path.join(plan.worker_tmp, "root")
        os.makedirs(new_root, exist_ok=True)
        mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, SKELETON_OPTIONS)
        for path in kept_paths():
            _bind_read_only(path, new_root + path)
        _bind_read_only(os.path.realpath(plan.workspace), new_root + WORKSPACE)
        for device in DEVICES + _gpu_devices():
            _bind_device(device, new_root + device)
        for path in (*WRITABLE, "/proc"):
            os.makedirs(new_root + path, mode=0o755, exist_ok=True)
        os.makedirs(new_root + SUPERVISOR_DIR, mode=0o700)
        for name, target in DEVICE_LINKS.items():
            os.symlink(target, f"{new_root}/dev/{name}")
        _pivot_into(new_root)
        mount(
            "tmpfs", SUPERVISOR_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=0700"
        )
        mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    except OSError as exc:
        measures.off("whitelist_root", f"cannot build a root of its own ({exc.strerror or exc})")
        return False
    measures.on(
        "whitelist_root",
        "workers see only the system, Python and their workspace, all read-only",
    )
    return True


DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}


def kept_paths() -> list[str]:
    """What a worker must see besides its workspace: the system, Python and its packages."""
    import numpy
    import torch

    wanted = [p for p in SYSTEM if os.path.lexists(p)]
    wanted += [sys.prefix, sys.base_prefix, sys.exec_prefix]
    wanted += site.getsitepackages()
    wanted += [os.path.dirname(os.path.dirname(m.__file__)) for m in (torch, numpy)]
    # /bin -> usr/bin stays a link; Python's folders are kept where they really are.
    real = {p if os.path.islink(p) and p in SYSTEM else os.path.realpath(p) for p in wanted}
    return outermost({p for p in real if os.path.lexists(p)})


def outermost(paths: set[str]) -> list[str]:
    """Drop every path that lies inside another: binding the outer one brings it along."""
    return sorted(
        p for p in paths if not any(p.startswith(q.rstrip("/") + "/") for q in paths if q != p)
    )


def _bind_read_only(source: str, target: str) -> None:
    """Bind `source` at `target` read-only (symlinks, like /bin -> usr/bin, are copied as such)."""
    if os.path.islink(source):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.readlink(source), target)
        return
    os.makedirs(target, mode=0o755, exist_ok=True)
    # Not recursive: what is mounted below (cgroup folders under /sys/fs) stays out of sight.
    mount(source, target, None, MS_BIND, None)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _bind_device(source: str, target: str) -> None:
    if not os.path.exists(source):
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    with open(target, "w"):
        pass
    mount(source, target, None, MS_BIND, None)


def _gpu_devices() -> tuple[str, ...]:
    try:
        return tuple(f"/dev/{n}" for n in sorted(os.listdir("/dev")) if n.startswith("nvidia"))
    except OSError:
        return ()


def _pivot_into(new_root: str) -> None:
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"pivot_root's number on {os.uname().machine} is not known here")
    old = os.path.join(new_root, ".old")
    os.makedirs(old, mode=0o700)
    check_libc(libc().syscall(number, new_root.encode(), old.encode()), "pivot_root")
    os.chdir("/")
    check_libc(libc().umount2(b"/.old", MNT_DETACH), "umount /.old")
    os.rmdir("/.old")
