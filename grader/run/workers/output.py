"""What learner code printed: stdout and stderr go to one file per worker, read by offset."""

from __future__ import annotations

import os
import sys


def read_output(fd: int, offset: int, cap: int) -> tuple[str, bool, int]:
    """What was written to `fd` (a file) past `offset`: at most `cap` characters, whether
    there was more, and the offset where it ends. The worker reads its own output with it
    after each answer; the supervisor reads a dead worker's last words."""
    try:
        size = os.fstat(fd).st_size
        new_bytes = max(0, size - offset)
        data = os.pread(fd, min(new_bytes, cap * 4), offset) if new_bytes else b""
    except OSError:
        return "", False, offset
    text = data.decode("utf-8", errors="replace")
    return text[:cap], new_bytes > len(data) or len(text) > cap, size


def flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
