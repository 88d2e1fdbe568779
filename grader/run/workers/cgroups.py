"""A cgroup for one submission's workers: the CPUs they may run on, a CPU-time quota, memory
and a process count, none of which a worker can widen (it cannot write to its cgroup).

Made by the supervisor while it still sees the host's /sys/fs/cgroup (where this process may
create one: root), with descriptors kept open: the supervisor then moves into its own root,
and adds workers and removes the cgroup through those descriptors. Works with cgroup v2 or
v1's cpuset, cpu, memory and pids controllers, each limit where its controller is there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from grader.run.shared.plan import Limits, Measures

ROOT = "/sys/fs/cgroup"
CPU_PERIOD_US = 100_000


@dataclass
class _Group:
    parent_fd: int  # the folder holding it, to remove it by name
    name: str
    procs_fd: int  # its cgroup.procs, to add a worker


class Cgroups:
    def __init__(self, limits: Limits, measures: Measures, cpu: int | None) -> None:
        self.groups: list[_Group] = []
        self.applied: list[str] = []
        name = f"grader-{os.getpid()}-{os.urandom(3).hex()}"
        try:
            if os.path.exists(f"{ROOT}/cgroup.controllers"):
                self._v2(name, limits, cpu)
            else:
                self._v1(name, limits, cpu)
        except OSError as exc:
            self.remove()
            measures.off("cgroup_limits", f"no cgroup could be made here ({exc.strerror or exc})")
            return
        if not self.groups:
            measures.off("cgroup_limits", "no cgroup controller is available here")
            return
        measures.on("cgroup_limits", "per submission: " + ", ".join(self.applied))

    # ------------------------------------------------------------ making them

    def _v2(self, name: str, limits: Limits, cpu: int | None) -> None:
        parent = ROOT + _own_cgroup("")
        _try_write(f"{parent}/cgroup.subtree_control", "+cpuset +cpu +memory +pids")
        folder = self._make(parent, name)
        self._limit(f"{folder}/memory.max", str(limits.memory_mb << 20), f"{limits.memory_mb} MiB")
        self._limit(f"{folder}/pids.max", str(limits.processes), f"{limits.processes} processes")
        self._limit(f"{folder}/cpu.max", f"{CPU_PERIOD_US} {CPU_PERIOD_US}", "1 CPU of time")
        if cpu is not None:
            self._limit(f"{folder}/cpuset.cpus", str(cpu), f"CPU {cpu} only")

    def _v1(self, name: str, limits: Limits, cpu: int | None) -> None:
        wanted = {
            "cpuset": cpu is not None,
            "cpu": True,
            "memory": True,
            "pids": True,
        }
        for controller, use in wanted.items():
            hierarchy = f"{ROOT}/{controller}"
            if not use or not os.path.isdir(hierarchy):
                continue
            folder = self._make(hierarchy + _own_cgroup(controller), name)
            if controller == "cpuset":
                with open(f"{os.path.dirname(folder)}/cpuset.mems") as handle:
                    _write(f"{folder}/cpuset.mems", handle.read().strip())
                self._limit(f"{folder}/cpuset.cpus", str(cpu), f"CPU {cpu} only")
            elif controller == "cpu":
                _write(f"{folder}/cpu.cfs_period_us", str(CPU_PERIOD_US))
                self._limit(f"{folder}/cpu.cfs_quota_us", str(CPU_PERIOD_US), "1 CPU of time")
            elif controller == "memory":
                value = str(limits.memory_mb << 20)
                self._limit(f"{folder}/memory.limit_in_bytes", value, f"{limits.memory_mb} MiB")
            else:
                self._limit(
                    f"{folder}/pids.max", str(limits.processes), f"{limits.processes} processes"
                )

    def _make(self, parent: str, name: str) -> str:
        folder = os.path.join(parent, name)
        os.mkdir(folder)
        parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        procs_fd = os.open(f"{folder}/cgroup.procs", os.O_WRONLY)
        self.groups.append(_Group(parent_fd, name, procs_fd))
        return folder

    def _limit(self, path: str, value: str, what: str) -> None:
        """Set one limit; one whose controller is missing here is left out of the report."""
        try:
            _write(path, value)
        except OSError:
            return
        self.applied.append(what)

    # ------------------------------------------------------------ using them

    def add(self, pid: int) -> None:
        """Move a fresh worker in, before it runs anything of the learner's."""
        for group in self.groups:
            os.write(group.procs_fd, str(pid).encode())

    def remove(self) -> None:
        """Once every worker has ended: nothing of the submission is left in the hierarchy."""
        for group in reversed(self.groups):
            os.close(group.procs_fd)
            try:
                os.rmdir(group.name, dir_fd=group.parent_fd)
            except OSError:
                pass
            os.close(group.parent_fd)
        self.groups = []


def _own_cgroup(controller: str) -> str:
    """This process's cgroup path in a hierarchy ("" for the v2 unified one)."""
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(",") or (not controller and controllers == ""):
                return path.rstrip("/")
    raise OSError(f"not in a {controller or 'v2'} cgroup")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _try_write(path: str, text: str) -> None:
    try:
        _write(path, text)
    except OSError:
        pass  # a controller that cannot be delegated here: its limit is simply not applied
