"""A cgroup per submission's workers: memory and process limits that count what is used."""

from __future__ import annotations

import os

from grader.run.shared.plan import Limits, Measures


class Cgroups:
    """Memory and process-count limits for one submission's workers, in a cgroup of their own
    (v2, or v1's memory and pids controllers), where this process may create one (root).
    Unlike RLIMIT_AS, a cgroup limit counts the memory actually used, and it holds when CUDA
    rules out address-space limits."""

    ROOT = "/sys/fs/cgroup"

    def __init__(self, limits: Limits, measures: Measures) -> None:
        self.folders: list[str] = []
        name = f"grader-{os.getpid()}-{os.urandom(3).hex()}"
        try:
            if os.path.exists(f"{self.ROOT}/cgroup.controllers"):
                folder = self._make(self.ROOT, _own_cgroup(""), name)
                _write(f"{folder}/memory.max", str(limits.memory_mb << 20))
                _write(f"{folder}/pids.max", str(limits.processes))
            else:
                memory = self._make(f"{self.ROOT}/memory", _own_cgroup("memory"), name)
                _write(f"{memory}/memory.limit_in_bytes", str(limits.memory_mb << 20))
                pids = self._make(f"{self.ROOT}/pids", _own_cgroup("pids"), name)
                _write(f"{pids}/pids.max", str(limits.processes))
        except OSError as exc:
            self.remove()
            measures.off("cgroup_limits", f"no cgroup could be made here ({exc.strerror or exc})")
            return
        measures.on(
            "cgroup_limits",
            f"{limits.memory_mb} MiB of memory, {limits.processes} processes per worker",
        )

    def _make(self, hierarchy: str, own: str, name: str) -> str:
        folder = os.path.join(hierarchy + own, name)
        os.mkdir(folder)
        self.folders.append(folder)
        return folder

    def add(self, pid: int) -> None:
        for folder in self.folders:
            try:
                _write(f"{folder}/cgroup.procs", str(pid))
            except OSError:
                pass

    def remove(self) -> None:
        for folder in reversed(self.folders):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        self.folders = []


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
