"""The worker template: a warm `python -I` process that forks one supervisor per submission.

Importing torch costs about two seconds; forking a process that already has it costs a few
milliseconds. The template imports torch and the course's probes, installs the guard's
tripwires, freezes its heap (so children do not copy it page by page) and then only
forks. It never imports learner code, never imports the suites, never runs a torch op
(OpenMP does not survive fork) and never initialises CUDA.

Run as `python -I -m grader.run.workers.template --socket PATH --course ROOT`, or forked from
the `grader` command right after its `import torch` (shared/launcher.py: prefork_template);
prints "listening".
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
from pathlib import Path

HELLO_TIMEOUT = 10.0


def serve(socket_path: str, course_root: Path, full_warm: bool = False) -> None:
    forget_how_it_was_started()
    # Listen first: a judge may connect now and wait in the backlog while we warm up, so
    # the grader need not wait for us before it starts its own work.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    os.chmod(socket_path, 0o600)
    listener.listen(64)
    print("listening", flush=True)

    import numpy  # noqa: F401
    import torch  # noqa: F401

    from grader.run.shared import devices
    from grader.run.shared.frames import recv_frame
    from grader.run.shared.plan import Plan
    from grader.run.shared.process import become_subreaper, set_parent_death_signal
    from grader.run.workers import guard, supervisor
    from grader.run.workers.probes import load_probes

    # torch imports torch._dynamo lazily, at the first call of some ops (an optimizer's
    # constructor and step(), functions wrapped by torch._disable_dynamo). Paid in a worker,
    # it falls inside a learner's call: 1.3 s on a quiet machine, past a 10 s call limit on a
    # loaded one, and correct code "did not finish". So the template imports it when it serves
    # an exercise whose checks use torch.optim (`full_warm`, pipeline.py), and only then: the
    # grader's own dispatch modes never import it (guard._NoDynamoDispatchMode).
    devices.warm_up(full=full_warm)
    probes = load_probes(course_root)
    guard.install_tripwires(p.forbidden for p in probes.values())
    become_subreaper()
    set_parent_death_signal(signal.SIGTERM)
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
            header, _ = recv_frame(conn)
            plan = Plan.from_json(header["plan"])
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


def forget_how_it_was_started() -> None:
    """Every worker is forked from here, and /proc/PID/cmdline and /proc/PID/environ read the
    memory where this process's command line and first environment are: for a template forked
    from the `grader` command, its whole command line (a `--hidden-seed` given there, the class's
    folders) and the instructor's environment. Overwrite both, as setproctitle does, once
    nothing points there any more: the environment is set again from Python's copy first."""
    import ctypes

    kept = dict(os.environ)
    os.environ.clear()  # unsetenv: the C environment no longer points into that memory...
    os.environ.update(kept)  # ...and putenv gives it copies of its own
    try:  # (Linux: elsewhere there is no /proc to read them from either)
        with open("/proc/self/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        # arg_start, arg_end, env_start, env_end: fields 48 to 51 of proc(5); [0] is the 3rd.
        arg_start, arg_end, env_start, env_end = (int(fields[n - 3]) for n in (48, 49, 50, 51))
    except (OSError, IndexError, ValueError):
        return
    if 0 < arg_start < arg_end and 0 < env_start < env_end:
        ctypes.memset(env_start, 0, env_end - env_start)
        name = b"grader-worker-template"[: arg_end - arg_start - 1]
        ctypes.memset(arg_start, 0, arg_end - arg_start)
        ctypes.memmove(arg_start, name, len(name))


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _try_send(conn: socket.socket, header: dict) -> None:
    from grader.run.shared.frames import send_frame

    try:
        send_frame(conn, header)
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--course", required=True, type=Path)
    parser.add_argument("--full-warm", action="store_true")
    args = parser.parse_args()
    serve(args.socket, args.course, args.full_warm)


if __name__ == "__main__":
    main()
