"""Judge processes: one pytest run of the trusted suites per submission.

A judge is forked from a warm parent (the grader's own process, which has imported torch,
pytest and the plugins but never runs a torch op), so a submission costs a fork rather than
a fresh interpreter. For many submissions, a JudgeServer goes one step further: a pytest
session that has started and collected the suites once, and forks each submission's judge
from there.
"""

from __future__ import annotations

import gc
import os
import resource
import select
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from grader.run.judge.config import JUDGE_LOG, JudgeConfig, pytest_args
from grader.run.shared.process import become_subreaper, pin_to_cpu


def fork_judge(config: JudgeConfig) -> int:
    """Start a judge as a child of this (warm) process; returns its pid."""
    config_path = config.save()
    args = pytest_args(config, config_path)
    pid = os.fork()
    if pid != 0:
        return pid
    run_pytest(config, args)


def enter_run(config: JudgeConfig) -> None:
    """In a fresh judge process: a session of its own (the grader kills it as a group), its
    CPU (its workers run there too), a memory limit, its log as stdout and stderr, no stdin,
    its run folder as working folder."""
    os.setsid()
    if config.plan is not None:
        pin_to_cpu(config.plan.cpu)
        limit_memory(config.plan.limits.judge_memory_mb)
    sys.stdout.flush()
    sys.stderr.flush()
    log = os.open(Path(config.run_dir) / JUDGE_LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    # By descriptor: a caller's own sys.stdout (pytest's capture, when the kit's tests run
    # the grader in-process) must not take the judge's output away from its log.
    if sys.__stdout__ is not None and sys.__stderr__ is not None:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(config.run_dir)


def run_pytest(config: JudgeConfig, args: list[str]) -> NoReturn:
    """The body of a forked judge (or judge server): pytest, then exit without returning."""
    code = 70
    try:
        enter_run(config)
        _judge_environment()
        import pytest  # (the plugin sets torch's thread count before any op)

        if os.environ.get("GRADER_PROFILE_JUDGE"):  # for suite authors: where does a run go?
            import cProfile

            profiler = cProfile.Profile()
            code = int(profiler.runcall(pytest.main, args))
            # In the working folder: a judge forked by a JudgeServer is in its own run folder.
            profiler.dump_stats("judge.prof")
        else:
            code = int(pytest.main(args))
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def limit_memory(extra_mb: int) -> None:
    """A judge may grow by `extra_mb` (decoding answers, reference values) and no more: past it,
    its allocation fails and the run ends without a report, which is the grader's error, not a
    score. Not where CUDA is present: it maps more address space than any useful limit."""
    if os.path.exists("/dev/nvidiactl"):
        return
    with open("/proc/self/statm") as handle:
        now = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = now + (extra_mb << 20)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit <= hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class ServerGone(Exception):
    """The judge server is not there (it failed to collect the suites, or died)."""


class JudgeServer:
    """A pytest session that has started and collected the suites once; it forks one judge
    per submission from there, sparing each pytest's start-up and collection (about 0.2 s).

    The server forks a short-lived middle process, which forks the judge and exits: this
    process is a child subreaper, so the orphaned judge becomes its child, and is waited for
    and killed exactly as a judge from fork_judge is.
    """

    def __init__(self, pid: int, sock: socket.socket) -> None:
        """A server running as `pid` (this process's child), serving on `sock`."""
        self.pid = pid
        self.sock = sock
        self._replies = sock.makefile("rb")
        self._ready = False

    @classmethod
    def fork(cls, config: JudgeConfig) -> JudgeServer:
        """Fork a server from this (warm) process. `config` says what to collect (suites,
        devices, public only) and where the server's own log goes; each judge gets its
        submission's config later."""
        if not become_subreaper():
            raise ServerGone("this process cannot adopt the judges (no child subreaper)")
        ours, theirs = socket.socketpair()
        config.serve_fd = theirs.fileno()
        args = pytest_args(config, config.save())
        pid = os.fork()
        if pid == 0:
            ours.close()
            run_pytest(config, args)
        theirs.close()
        return cls(pid, ours)

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Until the server has collected the suites and serves (its first line says so)."""
        if self._ready:
            return
        try:
            self.sock.settimeout(timeout)
            line = self._replies.readline()
        except OSError as exc:
            raise ServerGone(f"the judge server did not start ({exc})") from None
        if line.strip() != b"ready":
            raise ServerGone("the judge server ended (see its judge.log)")
        self._ready = True

    def fork_judge(self, config: JudgeConfig, timeout: float = 60.0) -> int:
        self.wait_ready()
        path = config.save()
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(f"{path}\n".encode())
            reply = self._replies.readline()
        except OSError as exc:
            raise ServerGone(f"the judge server did not answer ({exc})") from None
        if not reply.strip().isdigit():
            raise ServerGone("the judge server ended (see its judge.log)")
        return int(reply)

    def stop(self) -> None:
        self._replies.close()
        self.sock.close()  # the server reads the end of its requests and exits
        wait_judge(self.pid, time.monotonic() + 10)


def serve_judges(serve_fd: int) -> str:
    """The judge server's loop (from the plugin's pytest_runtestloop, after collection):
    for each request (a judge config's path), fork a judge. Returns only in a judge, with
    its config's path; the server itself exits when the grader closes the socket."""
    conn = socket.socket(fileno=serve_fd)
    requests = conn.makefile("rb")
    # Judges share the collected session instead of copying it (a collection first would
    # cost 0.08 s with torch._dynamo loaded, and finds next to nothing to free).
    gc.freeze()
    conn.sendall(b"ready\n")
    for line in requests:
        path = line.decode().strip()
        sys.stdout.flush()
        sys.stderr.flush()
        pid_in, pid_out = os.pipe()
        middle = os.fork()
        if middle == 0:
            judge = os.fork()
            if judge == 0:
                os.close(pid_in)
                os.close(pid_out)
                requests.close()
                conn.close()
                return path
            os.write(pid_out, str(judge).encode())
            os._exit(0)
        os.close(pid_out)
        os.waitpid(middle, 0)  # once it is gone, the judge is the grader's child
        judge_pid = os.read(pid_in, 32)
        os.close(pid_in)
        conn.sendall(judge_pid + b"\n")
    os._exit(0)


def _judge_environment() -> None:
    """Nothing from the environment configures a judge: no PYTEST_ADDOPTS, no plugins of
    whatever happens to be installed."""
    for name in [k for k in os.environ if k.startswith(("PYTEST_", "PYTHON"))]:
        del os.environ[name]
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"


@dataclass
class JudgeExit:
    code: int | None  # pytest's exit code; None when killed
    timed_out: bool
    seconds: float


def wait_judge(pid: int, deadline: float | None) -> JudgeExit:
    """Wait for one judge; past `deadline` (time.monotonic()), kill its whole group."""
    started = time.monotonic()
    fd = pidfd(pid)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if fd is not None:
                os.close(fd)
            return JudgeExit(_exit_code(status), False, time.monotonic() - started)
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            kill_group(pid)
            os.waitpid(pid, 0)
            if fd is not None:
                os.close(fd)
            return JudgeExit(None, True, time.monotonic() - started)
        wait = 0.05 if remaining is None else min(max(remaining, 0.0), 0.05)
        if fd is not None:
            select.select([fd], [], [], remaining if remaining is not None else 1.0)
        else:
            time.sleep(wait)


def kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` ends (None where Linux has none)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _exit_code(status: int) -> int | None:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return None
