"""Each worker's own writable space: one size-limited tmpfs behind every place a program may
write (/tmp, /var/tmp, /dev/shm, /run/lock, and HOME inside /tmp), in a mount and IPC namespace
of the worker's own. Nothing a worker writes reaches the host's disk, another submission, or
the next worker of its own submission (a public check's worker never sees what a hidden
check's worker wrote); all of it is gone when the worker ends."""

from __future__ import annotations

import os
import re

from grader.run.shared.plan import Limits
from grader.run.shared.process import check_libc, libc
from grader.run.workers.rootfs import (
    MS_BIND,
    MS_NODEV,
    MS_NOSUID,
    MS_RDONLY,
    MS_REMOUNT,
    WRITABLE,
    mount,
)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
SCRATCH = "/tmp"  # the tmpfs itself; the other writable places are folders of it
HOME = "/tmp/home"


def enter_scratch(limits: Limits, owner: int | None) -> str:
    """In a fresh worker, before learner code: its own mount and IPC namespaces and its
    scratch tmpfs, owned by `owner` (the sandbox user; None: this process's user). Returns
    HOME. Raises OSError where the platform does not allow it."""
    check_libc(libc().unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    kept = _kept_below(WRITABLE)  # e.g. a virtualenv under /tmp: it must stay visible
    size = f"size={limits.scratch_mb}m,nr_inodes={limits.scratch_files},mode=1777"
    mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, size)
    for path in WRITABLE:
        if path != SCRATCH and os.path.isdir(path):
            folder = f"{SCRATCH}/.{path.strip('/').replace('/', '-')}"
            os.mkdir(folder)
            os.chmod(folder, 0o1777)  # as /tmp itself: anyone writes, only owners delete
            mount(folder, path, None, MS_BIND, None)
    os.mkdir(HOME, 0o700)
    if owner is not None:
        os.chown(HOME, owner, owner)
    for path, fd in kept:
        os.makedirs(path, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND, None)
        mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        os.close(fd)
    return HOME


def _kept_below(places: tuple[str, ...]) -> list[tuple[str, int]]:
    """Mount points below the writable places (read-only binds of Python's folders), each with
    a descriptor opened now, before the scratch tmpfs covers them."""
    kept = []
    with open("/proc/self/mountinfo") as handle:
        # Field 5 is the mount point, with space, tab, newline and backslash as octal escapes.
        points = [
            re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4]) for line in handle
        ]
    for point in points:
        if any(point.startswith(place + "/") for place in places):
            kept.append((point, os.open(point, os.O_RDONLY | os.O_DIRECTORY)))
    return kept


def scratch_detail(limits: Limits) -> str:
    return (
        f"each worker writes only to its own tmpfs ({limits.scratch_mb} MiB, "
        f"{limits.scratch_files} files): HOME, {', '.join(WRITABLE)}; IPC of its own"
    )
