"""Confinement for workers: namespaces, an unprivileged user, resource limits, a clean room.

Each measure is applied where the platform allows it and reported by name, so every
result says which were active. Namespaces and mounts are entered once per submission
(by the supervisor's parent); limits, the user drop and the clean environment are
applied in each worker after it is forked and before any learner code is imported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import resource
import signal
import site
import sys
from dataclasses import asdict, dataclass, field

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


@dataclass
class Limits:
    """Per-worker and per-call limits. Defaults suit the course's small tensors."""

    call_seconds: float = 10.0  # wall clock per call
    cpu_seconds: int = 300  # CPU time for one worker (it serves one submission)
    memory_mb: int = 2048  # address space above what torch itself maps
    file_size_mb: int = 32  # any file the worker writes, its captured output included
    open_files: int = 256
    processes: int = 64  # processes and threads of the sandbox user
    output_chars: int = 20_000  # captured stdout+stderr kept per call


@dataclass
class Plan:
    """What the supervisor of one submission sets up."""

    workspace: str
    worker_tmp: str  # where per-worker HOME/working folders are made
    limits: Limits = field(default_factory=Limits)
    hide: list[str] = field(default_factory=list)  # folders workers must not see
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


# ---------------------------------------------------------------- syscalls


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    enc = lambda s: s.encode() if s is not None else None
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), "prctl")


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


# ---------------------------------------------------------------- per submission


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


# ---------------------------------------------------------------- per worker


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
    measures.on("isolated_python", "workers come from a `python -I` template")
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


def is_errno(exc: OSError, *codes: int) -> bool:
    return exc.errno in codes


__all__ = ["Limits", "Measures", "Plan", "errno"]
