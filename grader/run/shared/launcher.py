"""Starting the worker template (workers/template.py) from the grader or a judge.

Two ways, one result: a process that has imported torch and nothing of any course or class.
- Forked (`prefork_template`): the `grader` command's first step, before it parses its
  options or reads anything of the course or the class, imports torch and forks a child that
  waits; when the grader needs its template, the child takes `python -I`'s environment and
  import path and becomes it. The grader and its template then share one import of torch
  (about 2 s of CPU) instead of paying it twice.
- Started (`start_template`): a separate `python -I -m grader.run.workers.template` process,
  where no fork was made (the grader used as a library, the pytest plugin, a second template,
  a command line that names a hidden seed).
Either way, this side never imports worker code: it names the module.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

TEMPLATE_MODULE = "grader.run.workers.template"


@dataclass
class TemplateProcess:
    """A running template, as seen by whoever started it (the CLI or the pytest plugin)."""

    pid: int
    ready: IO[str]  # the template's standard output: one line, "listening", once it listens
    socket_path: str
    folder: str
    process: subprocess.Popen | None = None  # a started one (None: forked, our own child)

    def wait_ready(self) -> None:
        """Until the template listens (it may still be warming up: connections then wait)."""
        line = self.ready.readline()
        if line.strip() != "listening":
            rest = self.ready.read() if self._ended(0) else ""
            raise RuntimeError(f"the worker template did not start: {line}{rest}".strip())

    def stop(self) -> None:
        if not self._ended(0):
            _signal_group(self.pid, signal.SIGTERM)
            if not self._ended(5):
                _signal_group(self.pid, signal.SIGKILL)
                self._ended(None)
        self.ready.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _ended(self, timeout: float | None) -> bool:
        """Whether it has ended (waited for) within `timeout` seconds (None: wait for it)."""
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                pid, _ = os.waitpid(self.pid, 0 if timeout is None else os.WNOHANG)
            except ChildProcessError:
                return True
            if pid:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def start_template(course_root: Path, full_warm: bool = False) -> TemplateProcess:
    """A template for `course_root`: the forked one if this process made one and has not used
    it yet, else a fresh `python -I` process. Call wait_ready() before the first connection.
    `full_warm` also imports torch._dynamo, which torch.optim imports at its first use."""
    folder = tempfile.mkdtemp(prefix="grader-tpl-")
    os.chmod(folder, 0o700)
    socket_path = os.path.join(folder, "workers.sock")
    global _WAITING
    waiting, _WAITING = _WAITING, None
    if waiting is not None:
        started = waiting.become(socket_path, course_root, full_warm, folder)
        if started is not None:
            return started
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-m",
            TEMPLATE_MODULE,
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
    assert process.stdout is not None
    return TemplateProcess(process.pid, process.stdout, socket_path, folder, process)


# What of the grader's environment the template keeps: the locale and the run's language,
# where programs and temporary files go, and what configures torch, its threads and CUDA.
# Nothing else (a CI token, say) enters a process learner code runs in, not even its memory.
KEPT_ENVIRONMENT = ("PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "GRADER_LANG", "LD_LIBRARY_PATH")
KEPT_PREFIXES = ("LC_", "CUDA_", "NVIDIA_", "PYTORCH_", "TORCH_", "OMP_", "MKL_", "KMP_")


def _template_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT or k.startswith(KEPT_PREFIXES)
    }
    # The template must never initialise CUDA: with the NVML check, is_available() does not.
    env.update(
        {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}
    )
    return env


# ------------------------------------------------------------------ the forked template


@dataclass
class _WaitingChild:
    """A child forked right after `import torch`, waiting for its order (one JSON line)."""

    pid: int
    order: int  # our end of its order pipe (closed unsent: it exits)
    ready: int  # our end of its standard output
    isolated_path: list[str] = field(default_factory=list)

    def become(
        self, socket_path: str, course_root: Path, full_warm: bool, folder: str
    ) -> TemplateProcess | None:
        order = {
            "socket": socket_path,
            "course": str(course_root),
            "full_warm": full_warm,
            "env": _template_env(),
            "path": self.isolated_path,
        }
        try:
            os.write(self.order, json.dumps(order).encode() + b"\n")
        except OSError:  # it is gone: start one the usual way
            os.close(self.order)
            os.close(self.ready)
            os.waitpid(self.pid, 0)
            return None
        os.close(self.order)
        return TemplateProcess(self.pid, os.fdopen(self.ready, "r"), socket_path, folder)


_WAITING: _WaitingChild | None = None


def runs_one_of(argv: list[str], commands: frozenset[str]) -> bool:
    """Does this command line run one of `commands` (and not ask for help or the version)?"""
    asks_help = any(word in ("-h", "--help", "--version") for word in argv)
    return not asks_help and any(word in commands for word in argv)


def prefork_template(argv: list[str], grading: frozenset[str]) -> None:
    """The `grader` command's first step, before click has parsed anything: when `argv` runs
    a grading command, import torch and fork the child that will become the worker template.
    Nothing of the course, the class or the options is in this process yet, and nothing of
    the stack the child keeps (the frames that called this) holds any of it. Not for help,
    and not for a command line that carries a secret (`--hidden-seed`): that one's template
    is a `python -I` process of its own, which never saw the command line. Not with other
    threads running (a fork copies only this one)."""
    global _WAITING
    secret = any(word.startswith("--hidden-seed") for word in argv)
    if not runs_one_of(argv, grading) or secret or _WAITING is not None:
        return
    if threading.active_count() != 1:
        return
    # What `python -I` puts on sys.path here (no PYTHONPATH, no user site, no current folder),
    # asked of python -I itself while this process imports torch.
    asking = subprocess.Popen(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_template_env(),
    )
    # Before torch is imported, as the template and the judges have it (judging.warm_up).
    for name, value in (("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")  # never initialise CUDA
    import numpy  # noqa: F401
    import torch  # noqa: F401

    isolated_path = json.loads(asking.communicate()[0] or b"[]")
    if asking.returncode != 0 or not isolated_path:
        return
    order_read, order_write = os.pipe()
    ready_read, ready_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(order_write)
        os.close(ready_read)
        argv.clear()  # this frame stays under every worker's: it keeps no command line
        _wait_then_serve(order_read, ready_write)
    os.close(order_read)
    os.close(ready_write)
    _WAITING = _WaitingChild(pid, order_write, ready_read, isolated_path)


def forget_waiting_template() -> None:
    """In a child forked after prefork_template (the early judge): close this copy of the
    waiting template's pipes, which are the command's to use or to close."""
    global _WAITING
    if _WAITING is not None:
        os.close(_WAITING.order)
        os.close(_WAITING.ready)
        _WAITING = None


def _wait_then_serve(order_fd: int, ready_fd: int) -> None:
    """In the forked child: wait for the order; then become what `python -I -m
    grader.run.workers.template` would be (its environment, its sys.path, its descriptors)
    and serve. Exits without an order: the grader did not need a template after all."""
    code = 0
    try:
        from grader.run.shared.process import close_all_but  # (loads libc: only here)

        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(ready_fd, 1)
        close_all_but({0, 1, 2, order_fd})
        with os.fdopen(order_fd, "rb") as orders:
            line = orders.readline()
        if not line:
            os._exit(0)
        order = json.loads(line)
        del line  # (as the order's environment below: no frame under the workers keeps it)
        _scrub_startup_copies(sys.orig_argv[1:])
        os.environ.clear()
        os.environ.update(order.pop("env"))
        sys.path[:] = order.pop("path")
        # What python -I -m would have; the grader's command line leaves no trace in sys.
        sys.argv[:] = ["-m"]
        sys.orig_argv[:] = [sys.executable, "-I", "-m", TEMPLATE_MODULE]
        template = importlib.import_module(TEMPLATE_MODULE)
        template.serve(order["socket"], Path(order["course"]), order["full_warm"])
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _scrub_startup_copies(words: list[str]) -> None:
    """CPython keeps wide-character copies of its command line (its startup configuration)
    near the start of its heap, where learner code that reads raw memory would find the
    grader's (the class's folder, the output folder): zero every whole copy of these words
    there (a string of its own: where an allocation starts, ending in a wide NUL)."""
    import ctypes

    try:  # (Linux: elsewhere there is no /proc/self/maps, nor a way to read them)
        with open("/proc/self/maps") as maps:
            heap = next((ln.split()[0] for ln in maps if ln.rstrip().endswith("[heap]")), "")
    except OSError:
        return
    if not heap:
        return
    start, end = (int(part, 16) for part in heap.split("-"))
    data = ctypes.string_at(start, min(end - start, 1 << 20))
    keep = {sys.executable, sys.argv[0], "-m", "-c", "-I", "grader", *sys.path}
    for word in {w for w in words if len(w) > 1 and w not in keep}:
        pattern = word.encode("utf-32-le")
        found = data.find(pattern)
        while found != -1:
            after = found + len(pattern)
            if (start + found) % 16 == 0 and data[after : after + 4] == b"\0\0\0\0":
                ctypes.memset(start + found, 0, len(pattern))
            found = data.find(pattern, after)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
