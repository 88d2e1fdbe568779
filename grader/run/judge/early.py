"""A judge forked early: the `grader` command's second child, made right after its
`import torch` (beside the worker template's, launcher.prefork_template), before the command
has even loaded its own modules. It imports pytest and the judge's plugins while the command
parses its options and reads the course and the class, then waits for one order and becomes
whatever the command needs first: one submission's judge (`grader check`, `grader grade`), or
a batch's judge server, which also imports torch._dynamo then when the exercises use
torch.optim. Without it, the command did that work itself before forking, one step after the
other (pytest alone: about 0.27 s of `grader check 01`).

The child is the grader's own (trusted) process: it holds nothing of a submission until its
order names one. Unused, it exits when the command does (its order pipe closes unsent), or
with it (it asks for SIGKILL when its parent dies).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import traceback
from dataclasses import dataclass

from grader.run.judge.config import JudgeConfig, pytest_args
from grader.run.judge.process import JudgeServer, run_pytest
from grader.run.shared import devices, launcher
from grader.run.shared.process import become_subreaper, set_parent_death_signal


@dataclass
class _Waiting:
    """The waiting child, as the command sees it."""

    pid: int
    order: int  # our end of its order pipe (one JSON line; closed unsent: it exits)
    serve: socket.socket  # our end of the socket it serves judges on, if it becomes a server
    serve_fd: int  # that socket's other end, by its number in the child


_WAITING: _Waiting | None = None


def prefork_judge(argv: list[str], judging: frozenset[str]) -> None:
    """For a command line that runs judges (a word of `judging`, and no help asked for): fork
    the early judge. Not with other threads running (a fork copies only this one)."""
    global _WAITING
    if not launcher.runs_one_of(argv, judging) or _WAITING is not None:
        return
    if threading.active_count() != 1:
        return
    ours, theirs = socket.socketpair()
    order_read, order_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(order_write)
        ours.close()
        launcher.forget_waiting_template()  # its pipes are the command's, not this child's
        _wait_then_judge(order_read, theirs.detach())
    os.close(order_read)
    serve_fd = theirs.detach()
    os.close(serve_fd)
    _WAITING = _Waiting(pid, order_write, ours, serve_fd)


def waiting() -> bool:
    """Is there an early judge that has had no order yet?"""
    return _WAITING is not None


def judge(config: JudgeConfig) -> int | None:
    """Make the early judge `config`'s judge; returns its pid (None: there is none)."""
    early = _take()
    if early is None:
        return None
    early.serve.close()
    return early.pid if _order(early, config, warm_meta=False) else None


def server(config: JudgeConfig, warm_meta: bool) -> JudgeServer | None:
    """Make the early judge a judge server that collects what `config` says (and imports
    torch._dynamo first, with `warm_meta`); None: there is none."""
    if _WAITING is None or not become_subreaper():
        return None
    early = _take()
    assert early is not None
    config.serve_fd = early.serve_fd
    if not _order(early, config, warm_meta):
        config.serve_fd = None
        early.serve.close()
        return None
    return JudgeServer(early.pid, early.serve)


def _take() -> _Waiting | None:
    global _WAITING
    early, _WAITING = _WAITING, None
    return early


def _order(early: _Waiting, config: JudgeConfig, warm_meta: bool) -> bool:
    """Send the order; False if the child is gone (then it has been waited for)."""
    path = config.save()
    # The environment as the command has it now, as a judge forked now would find it: the
    # run's language (GRADER_LANG, which `--lang` sets after this child was forked), above all.
    order = {"config": str(path), "args": pytest_args(config, path), "meta": warm_meta}
    line = json.dumps({**order, "env": dict(os.environ)})
    try:
        os.write(early.order, line.encode() + b"\n")
        return True
    except OSError:
        try:
            os.waitpid(early.pid, 0)
        except ChildProcessError:
            pass  # (someone has already waited for it)
        return False
    finally:
        os.close(early.order)


def _wait_then_judge(order_fd: int, serve_fd: int) -> None:
    """In the forked child: import what a judge runs on, wait for the order, run it."""
    try:
        set_parent_death_signal()
        import pytest  # noqa: F401
        import pytest_jsonreport.plugin  # noqa: F401

        import grader.run.judge.plugin  # noqa: F401

        with os.fdopen(order_fd, "rb") as orders:
            line = orders.readline()
        if not line:
            os._exit(0)
        set_parent_death_signal(0)  # a judge from here on, which the command waits for
        order = json.loads(line)
        os.environ.clear()
        os.environ.update(order["env"])
        config = JudgeConfig.load(order["config"])
        if config.serve_fd != serve_fd:
            os.close(serve_fd)
        if order["meta"]:
            devices.warm_up(full=True)
        run_pytest(config, order["args"])
    except BaseException:
        traceback.print_exc()
    os._exit(70)
