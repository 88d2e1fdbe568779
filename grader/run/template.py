"""The worker template: a warm `python -I` process that forks one supervisor per submission.

Importing torch costs about two seconds; forking a process that already has it costs a few
milliseconds. The template imports torch and the course's probes, installs the guard's
tripwires, freezes its heap (so children do not copy it page by page) and then only
forks. It never imports learner code, never imports the suites, never runs a torch op
(OpenMP does not survive fork) and never initialises CUDA.

Run as `python -I -m grader.run.template --socket PATH --course ROOT`; prints "listening".
"""

from __future__ import annotations

import os

# Before torch is imported: one intra-op thread per process; the batch runs many processes.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import gc
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HELLO_TIMEOUT = 10.0


def serve(socket_path: str, course_root: Path, full_warm: bool = False) -> None:
    # Listen first: a judge may connect now and wait in the backlog while we warm up, so
    # the grader need not wait for us before it starts its own work.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    os.chmod(socket_path, 0o600)
    listener.listen(64)
    print("listening", flush=True)

    import numpy  # noqa: F401
    import torch  # noqa: F401

    from grader.run import devices, guard, sandbox, supervisor, worker

    # The full warm-up only for a batch: one submission's single worker pays for meta ops
    # and torch._dynamo only if its checks need them, and `grader check` does not wait.
    devices.warm_up(full=full_warm)
    probes = worker.load_probes(course_root)
    guard.install_tripwires(p.forbidden for p in probes.values())
    sandbox.become_subreaper()
    sandbox.set_parent_death_signal(signal.SIGTERM)
    gc.collect()
    gc.freeze()

    listener.settimeout(0.5)
    while True:
        _reap_children()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        try:
            conn.settimeout(HELLO_TIMEOUT)
            header, _ = supervisor.recv_frame(conn)
            plan = sandbox.Plan.from_json(header["plan"])
            conn.settimeout(None)
        except Exception as exc:  # a bad hello: tell the judge, keep serving others
            _try_send(conn, {"status": "refused", "detail": f"{type(exc).__name__}: {exc}"})
            conn.close()
            continue
        if os.fork() == 0:
            try:
                listener.close()
                supervisor.run_supervisor(conn, plan, probes)
            finally:
                os._exit(0)
        conn.close()


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _try_send(conn: socket.socket, header: dict) -> None:
    from grader.run.protocol import send_frame

    try:
        send_frame(conn, header)
    except OSError:
        pass


# ---------------------------------------------------------------- the parent's side


@dataclass
class TemplateProcess:
    """A running template, as seen by whoever started it (the CLI or the pytest plugin)."""

    process: subprocess.Popen
    socket_path: str
    folder: str

    def wait_ready(self) -> None:
        """Until the template listens (it may still be warming up: connections then wait)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "listening":
            rest = self.process.stdout.read() if self.process.poll() is not None else ""
            raise RuntimeError(f"the worker template did not start: {line}{rest}".strip())

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def start_template(course_root: Path, full_warm: bool = False) -> TemplateProcess:
    """Start a template in the background; call wait_ready() before the first connection.
    `full_warm` also imports what only some checks need (worth it for many submissions)."""
    folder = tempfile.mkdtemp(prefix="grader-tpl-")
    os.chmod(folder, 0o700)
    socket_path = os.path.join(folder, "workers.sock")
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-m",
            "grader.run.template",
            "--socket",
            socket_path,
            "--course",
            str(course_root),
            *(["--full-warm"] if full_warm else []),
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env=_template_env(),
    )
    return TemplateProcess(process=process, socket_path=socket_path, folder=folder)


def _template_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    # The template must never initialise CUDA: with the NVML check, is_available() does not.
    env.update(
        {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--course", required=True, type=Path)
    parser.add_argument("--full-warm", action="store_true")
    args = parser.parse_args()
    serve(args.socket, args.course, args.full_warm)


if __name__ == "__main__":
    main()
