"""`grader doctor`: which sandbox protections workers get on this machine, seen from inside one."""

from __future__ import annotations

import os
import shutil
from typing import Any

from grader.pipeline import Grader
from grader.run.judge.channel import Channel
from grader.run.shared.codec import decode_value


def inspect_sandbox(grader: Grader) -> tuple[dict[str, Any], dict[str, Any]]:
    """The protections a worker gets here, and how a fresh worker looks from inside."""
    plan, root = grader.scratch_plan()
    channel = Channel(grader.worker_socket, plan)
    try:
        reply = channel.request({"op": "stats"}, b"", 10.0)
        stats = decode_value(reply.payload) if reply.payload else {}
    finally:
        channel.close()
        shutil.rmtree(root, ignore_errors=True)
    return channel.measures, stats


def describe(measures: dict[str, Any], stats: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(state, name, detail) per protection, "on" first; then a line about a fresh worker."""
    rows = [("on", name, detail) for name, detail in sorted(measures.get("active", {}).items())]
    rows += [("off", name, why) for name, why in sorted(measures.get("inactive", {}).items())]
    return rows


def worker_line(stats: dict[str, Any]) -> str:
    floor = stats["vm_size_kib"] // 1024
    return (
        f"A fresh worker: uid {stats['uid']}, {floor} MiB of address space before any learner "
        f"code (torch's floor; the memory limit comes on top), {stats['rss_kib'] // 1024} MiB "
        f"resident, {stats['torch_threads']} torch thread(s), CUDA initialised: "
        f"{stats['cuda_initialized']}, HOME {stats['home']}, environment: "
        f"{', '.join(stats['environment'])}"
    )


def running_as() -> str:
    return "root" if os.geteuid() == 0 else f"uid {os.geteuid()} (not root)"
