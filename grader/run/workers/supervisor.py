"""The supervisor: one per submission, the trusted parent (and namespace init) of its workers.

It forks a worker when the judge asks and hands the judge that worker's end of a socket
(calls then go straight from the judge to the worker: one hop, not two). When a call
overruns or the worker dies, the judge asks the supervisor to end it: the supervisor kills
the worker and everything it started (setsid grandchildren included), says how it ended,
and returns what it printed that the judge had not seen. It never runs learner code, and
holds the captured output by descriptor, so a worker cannot swap the file for a link.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from grader.run.shared.frames import PeerClosed, recv_frame, send_frame
from grader.run.shared.plan import Measures, Plan
from grader.run.shared.process import become_subreaper, close_all_but, pin_to_cpu
from grader.run.workers import guard, integrity, namespaces, tamper
from grader.run.workers.cgroups import Cgroups
from grader.run.workers.confine import confine_worker, static_measures
from grader.run.workers.output import read_output
from grader.run.workers.probes import ExerciseProbes
from grader.run.workers.reaper import kill_all_descendants
from grader.run.workers.rootfs import SUPERVISOR_DIR, WORKSPACE
from grader.run.workers.scratch import enter_scratch, scratch_detail
from grader.run.workers.worker import Worker

WORKER_SETUP_FAILED = 71  # the worker could not confine itself: a grader fault


@dataclass
class _LiveWorker:
    pid: int
    out_fd: int  # its captured output (the file has no name left: only this descriptor)
    tamper_fd: int  # the read end of its tamper pipe (tamper.py)
    ready_fd: int  # the read end of its ready pipe: one byte once it is set up, before learner code
    home: str | None  # a host folder to remove, where there is no root of our own


@dataclass
class Sandbox:
    """What this submission's supervisor could set up (see run_supervisor)."""

    measures: Measures
    in_namespace: bool  # a PID namespace whose init is this supervisor
    rooted: bool  # a root of its own (rootfs.py): workers get their own scratch tmpfs
    cgroups: Cgroups | None


class Supervisor:
    def __init__(
        self,
        judge: socket.socket,
        plan: Plan,
        sandbox: Sandbox,
        probes: dict[str, ExerciseProbes],
    ) -> None:
        self.judge = judge
        self.plan = plan
        self.sandbox = sandbox
        self.measures = sandbox.measures
        self.probes = probes
        self.in_namespace = sandbox.in_namespace
        self.cgroups = sandbox.cgroups
        self.worker: _LiveWorker | None = None
        # Signs the tripwire's records: a worker's learner code can write on the tamper pipe
        # (it is one of its descriptors) but cannot read this key (tamper.py).
        self._tamper_key = os.urandom(16)

    def serve(self) -> None:
        send_frame(self.judge, {"status": "ready", "measures": self.measures.to_json()})
        try:
            while True:
                try:
                    header, _ = recv_frame(self.judge)
                except PeerClosed:
                    return
                op = header.get("op")
                if op == "spawn":
                    self.stop_worker()
                    self.hand_over(self.spawn_worker())
                elif op == "end":
                    send_frame(self.judge, self.end_worker(_int(header.get("seen"))))
                elif op == "shutdown":
                    return
                else:
                    send_frame(self.judge, {"status": "bad_request"})
        finally:
            self.stop_worker()
            if self.cgroups is not None:
                self.cgroups.remove()

    def hand_over(self, ours: socket.socket) -> None:
        """Give the judge our end of the worker's socket; keep no copy."""
        socket.send_fds(self.judge, [b"F"], [ours.fileno()])
        ours.close()

    def end_worker(self, seen: int) -> dict[str, Any]:
        """Stop the worker (it overran, died, or answered garbage): how it ended, and what it
        printed after the first `seen` bytes (the judge had the rest with its answers)."""
        worker = self.worker
        if worker is None:
            return {
                "status": "ended",
                "how": {"kind": "unknown"},
                "output": "",
                "output_truncated": False,
            }
        text, truncated, _ = read_output(worker.out_fd, max(0, seen), self.plan.limits.output_chars)
        output = {"output": text, "output_truncated": truncated}
        try:
            os.kill(worker.pid, signal.SIGKILL)  # if still running: it overran
        except ProcessLookupError:
            pass
        how = self.reap(worker)
        reports = tamper.read_reports(worker.tamper_fd, self._tamper_key)
        ready = _was_ready(worker.ready_fd)
        self.stop_worker(reaped=True)
        if not ready:
            # It ended before any learner code ran: whatever happened is the grader's. Once
            # ready, an exit code (71 included) is the learner's to choose, and theirs.
            return {"status": "worker_failed", "detail": text}
        return {"status": "ended", "how": how, "tamper": reports, **output}

    # ------------------------------------------------------------ worker lifecycle

    def spawn_worker(self) -> socket.socket:
        """Fork a confined worker; returns our end of its socket, for the judge."""
        uid = self.plan.sandbox_uid if self._drops_user() else None
        home = None
        if self.sandbox.rooted:
            folder = SUPERVISOR_DIR  # a tmpfs of ours, which workers cannot enter
        else:
            home = folder = tempfile.mkdtemp(prefix="w-", dir=self.plan.worker_tmp)
            if uid is not None:
                os.chown(home, uid, uid)
        out_path = os.path.join(folder, f"output-{os.urandom(4).hex()}.txt")
        # Opened here, then unlinked: read by descriptor, it cannot be swapped for a link.
        out_fd = os.open(out_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.unlink(out_path)
        tamper_read, tamper_write = os.pipe()
        ready_read, ready_write = os.pipe()
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                ours.close()
                self.judge.close()
                os.close(tamper_read)
                os.close(ready_read)
                self._become_worker(theirs, out_fd, tamper_write, ready_write, home)
            except BaseException:
                traceback.print_exc()
                code = WORKER_SETUP_FAILED
            finally:
                os._exit(code)
        theirs.close()
        os.close(tamper_write)
        os.close(ready_write)
        if self.cgroups is not None:
            self.cgroups.add(pid)  # before the first request: no learner code has run yet
        self.worker = _LiveWorker(
            pid=pid, out_fd=out_fd, tamper_fd=tamper_read, ready_fd=ready_read, home=home
        )
        return ours

    def _become_worker(
        self, conn: socket.socket, out_fd: int, tamper_fd: int, ready_fd: int, home: str | None
    ) -> None:
        """Confine this fresh child, then serve; only then is learner code imported."""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        close_all_but({0, 1, 2, conn.fileno(), tamper_fd, ready_fd})
        if self.sandbox.rooted:
            uid = self.plan.sandbox_uid if self._drops_user() else None
            home = enter_scratch(self.plan.limits, uid)
        assert home is not None
        confine_worker(self.plan, home)
        torch.set_num_threads(1)
        workspace = WORKSPACE if self.sandbox.rooted else self.plan.workspace
        worker = Worker(Path(workspace), self.probes, output_chars=self.plan.limits.output_chars)
        guard.guard_threads()
        snapshot = integrity.Snapshot()  # before hide_machinery: the grader's modules too
        tamper.hide_machinery()
        trip = tamper.install(worker.learner_root, tamper_fd, self._tamper_key)
        worker.verify = integrity.verifier(snapshot, trip)
        self._tamper_key = b""  # only the tripwire's closure holds it in here now
        os.write(ready_fd, b"R")  # set up: from here on learner code may run
        os.close(ready_fd)
        # From here on, a crash is the learner's: exit codes are theirs to choose.
        try:
            worker.serve(conn)
        except BaseException:
            os._exit(0)

    def _drops_user(self) -> bool:
        return self.plan.isolate and self.plan.sandbox_uid is not None and os.geteuid() == 0

    def reap(self, worker: _LiveWorker) -> dict[str, Any]:
        """How the worker ended, in plain data (a SIGKILL here means we stopped it)."""
        try:
            _, status = os.waitpid(worker.pid, 0)
        except ChildProcessError:
            return {"kind": "unknown"}
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            return {"kind": "signal", "signal": sig, "name": _signal_name(sig)}
        return {"kind": "exit", "code": os.WEXITSTATUS(status)}

    def stop_worker(self, reaped: bool = False) -> None:
        """Kill the worker and all it started; `reaped`: its pid is already gone (and may
        be reused), so only its group and descendants are left to kill."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not reaped:
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kill_all_descendants(self.in_namespace)
        os.close(worker.out_fd)
        os.close(worker.tamper_fd)
        os.close(worker.ready_fd)
        if worker.home is not None:
            shutil.rmtree(worker.home, ignore_errors=True)


def _was_ready(fd: int) -> bool:
    """Whether the worker said it was set up (the byte waits in the pipe, even after it died)."""
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 1) == b"R"
    except BlockingIOError:
        return False


def _int(value: Any) -> int:
    return value if type(value) is int else 0


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def run_supervisor(conn: socket.socket, plan: Plan, probes: dict[str, ExerciseProbes]) -> None:
    """Entered in a child of the template: set up this submission's sandbox, then serve."""
    pin_to_cpu(plan.cpu)  # its workers inherit the judge's CPU
    measures = Measures()
    static_measures(plan, measures)
    # Before the namespaces: the cgroup hierarchy is out of sight in the new root.
    cgroups = Cgroups(plan.limits, measures, plan.cpu) if plan.isolate else None
    in_namespace = namespaces.enter_namespaces(plan, measures)
    if in_namespace:
        if os.fork() != 0:
            os._exit(0)  # our child is the new namespace's init; the template reaps it
        namespaces.mount_private_proc(measures)
    else:
        become_subreaper()
        measures.on("process_tree_kill", "orphans are reparented here and killed")
    rooted = "whitelist_root" in measures.active
    if rooted:
        measures.on("private_scratch", scratch_detail(plan.limits))
    else:
        measures.off("private_scratch", "no root of its own here: HOME is a host folder")
    sandbox = Sandbox(measures, in_namespace, rooted, cgroups)
    Supervisor(conn, plan, sandbox, probes).serve()
