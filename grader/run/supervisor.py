"""The supervisor: one per submission, the trusted parent (and namespace init) of its workers.

It relays the judge's requests to a worker, enforces the wall clock on each call, captures
what learner code prints, and when a worker dies or overruns it reports how, kills every
process the worker left behind, and forks a fresh worker for the next request. It never
runs learner code itself and never decodes a worker's answer: it passes the bytes on.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from grader.run import sandbox
from grader.run.protocol import (
    PeerClosed,
    ProtocolError,
    frame_bytes,
    recv_frame,
    recv_raw_frame,
    send_frame,
)
from grader.run.worker import ExerciseProbes, Worker

OUTPUT_FILE = "output.txt"
WORKER_SETUP_FAILED = 71  # the worker could not confine itself: a grader fault


@dataclass
class _LiveWorker:
    pid: int
    sock: socket.socket
    home: str
    out_fd: int
    out_offset: int = 0
    served: bool = False  # has answered once: from then on, learner code has run


class Supervisor:
    def __init__(
        self,
        judge: socket.socket,
        plan: sandbox.Plan,
        measures: sandbox.Measures,
        probes: dict[str, ExerciseProbes],
        in_namespace: bool,
    ) -> None:
        self.judge = judge
        self.plan = plan
        self.measures = measures
        self.probes = probes
        self.in_namespace = in_namespace
        self.worker: _LiveWorker | None = None
        self.cgroups = sandbox.Cgroups(plan.limits, measures) if plan.isolate else None

    def serve(self) -> None:
        send_frame(self.judge, {"status": "ready", "measures": self.measures.to_json()})
        try:
            while True:
                try:
                    header, payload = recv_frame(self.judge)
                except PeerClosed:
                    return
                op = header.get("op")
                if op == "relay":
                    reply, body = self.relay(payload, float(header.get("timeout") or 0))
                    send_frame(self.judge, reply, body)
                elif op == "restart":
                    self.stop_worker()
                    send_frame(self.judge, {"status": "ok"})
                elif op == "shutdown":
                    return
                else:
                    send_frame(self.judge, {"status": "bad_request"})
        finally:
            self.stop_worker()
            if self.cgroups is not None:
                self.cgroups.remove()

    # ------------------------------------------------------------ one request

    def relay(self, request: bytes, timeout: float) -> tuple[dict[str, Any], bytes]:
        limit = timeout or self.plan.limits.call_seconds
        worker = self.worker or self.spawn_worker()
        deadline = time.monotonic() + limit
        try:
            worker.sock.settimeout(limit)
            worker.sock.sendall(request)
            answer = recv_raw_frame(worker.sock, deadline=deadline)
        except TimeoutError:
            output = self.take_output(worker)
            self.stop_worker()
            return {"status": "timeout", "seconds": limit, **output}, b""
        except (PeerClosed, BrokenPipeError, ConnectionError):
            output = self.take_output(worker)
            how = self.reap(worker)
            self.stop_worker()
            if how.get("code") == WORKER_SETUP_FAILED and not worker.served:
                return {"status": "worker_failed", "detail": output["output"]}, b""
            return {"status": "died", "how": how, **output}, b""
        except ProtocolError as exc:
            output = self.take_output(worker)
            self.stop_worker()
            return {"status": "protocol_error", "detail": str(exc), **output}, b""
        worker.served = True
        return {"status": "answered", **self.take_output(worker)}, answer

    def take_output(self, worker: _LiveWorker) -> dict[str, Any]:
        """What learner code printed since the last request, capped."""
        cap = self.plan.limits.output_chars
        try:
            size = os.fstat(worker.out_fd).st_size
            if size < worker.out_offset:  # the learner truncated the file
                worker.out_offset = 0
            new_bytes = size - worker.out_offset
            data = os.pread(worker.out_fd, min(new_bytes, cap * 4), worker.out_offset)
        except OSError:
            return {"output": "", "output_truncated": False}
        worker.out_offset = size
        text = data.decode("utf-8", errors="replace")
        truncated = new_bytes > len(data) or len(text) > cap
        return {"output": text[:cap], "output_truncated": truncated}

    # ------------------------------------------------------------ worker lifecycle

    def spawn_worker(self) -> _LiveWorker:
        home = tempfile.mkdtemp(prefix="w-", dir=self.plan.worker_tmp)
        out_path = os.path.join(home, OUTPUT_FILE)
        # Opened here and read by descriptor: the worker cannot swap the file for a link.
        out_fd = os.open(out_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        uid = self.plan.sandbox_uid if self._drops_user() else None
        if uid is not None:
            os.chown(home, uid, uid)
            os.chown(out_path, uid, uid)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                ours.close()
                self.judge.close()
                self._become_worker(theirs, out_fd, home)
            except BaseException:
                traceback.print_exc()
                code = WORKER_SETUP_FAILED
            finally:
                os._exit(code)
        theirs.close()
        if self.cgroups is not None:
            self.cgroups.add(pid)  # before the first request: no learner code has run yet
        self.worker = _LiveWorker(pid=pid, sock=ours, home=home, out_fd=out_fd)
        return self.worker

    def _become_worker(self, conn: socket.socket, out_fd: int, home: str) -> None:
        """Confine this fresh child, then serve; only then is learner code imported."""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        keep = conn.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
        sandbox.confine_worker(self.plan, home)
        torch.set_num_threads(1)
        worker = Worker(Path(self.plan.workspace), self.probes)
        # From here on, a crash is the learner's: exit codes are theirs to choose.
        try:
            worker.serve(conn)
        except BaseException:
            os._exit(0)

    def _drops_user(self) -> bool:
        return self.plan.isolate and self.plan.sandbox_uid is not None and os.geteuid() == 0

    def reap(self, worker: _LiveWorker) -> dict[str, Any]:
        """How the worker ended, in plain data."""
        try:
            _, status = os.waitpid(worker.pid, 0)
        except ChildProcessError:
            return {"kind": "unknown"}
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            return {"kind": "signal", "signal": sig, "name": _signal_name(sig)}
        return {"kind": "exit", "code": os.WEXITSTATUS(status)}

    def stop_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is None:
            return
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sandbox.kill_all_descendants(self.in_namespace)
        worker.sock.close()
        os.close(worker.out_fd)
        shutil.rmtree(worker.home, ignore_errors=True)


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def run_supervisor(
    conn: socket.socket, plan: sandbox.Plan, probes: dict[str, ExerciseProbes]
) -> None:
    """Entered in a child of the template: set up this submission's sandbox, then serve."""
    measures = sandbox.Measures()
    sandbox.static_measures(plan, measures)
    in_namespace = sandbox.enter_namespaces(plan, measures)
    if in_namespace:
        if os.fork() != 0:
            os._exit(0)  # our child is the new namespace's init; the template reaps it
        sandbox.mount_private_proc(measures)
    else:
        sandbox.become_subreaper()
        measures.on("process_tree_kill", "orphans are reparented here and killed")
    Supervisor(conn, plan, measures, probes, in_namespace).serve()


def request_frame(header: dict[str, Any], payload: bytes = b"") -> bytes:
    """A worker request, wrapped for the supervisor's relay op."""
    return frame_bytes(header, payload)
