"""Where learner code was when its call ran out of time.

A worker arms `faulthandler.dump_traceback_later` just before the judge's clock runs out,
so that a call stopped for time leaves, in its output, the stack it was stuck in. The judge
takes the learner's frames from that dump (to say where: file, line, code) and removes the
dump from the output the learner reads. The dump is untrusted text like any output: at worst
a learner misleads their own message.
"""

from __future__ import annotations

import re
from pathlib import Path

_DUMP_START = re.compile(r"^Timeout \(\d+:\d\d:\d\d(?:\.\d+)?\)!$", re.MULTILINE)
_FRAME = re.compile(r'^\s+File "(?P<path>[^"]*)", line (?P<line>\d+) in (?P<function>\S+)$')
_DUMP_LINE = re.compile(
    r'^(Thread 0x[0-9a-f]+ .*|Current thread 0x[0-9a-f]+ .*|\s+File ".*|\s+\.\.\.|'
    r"\s+<no Python frame>|\s*)$"
)


def split_dump(output: str) -> tuple[str, list[tuple[str, int, str]]]:
    """The output without the dump, and the dump's frames (path, line, function), innermost
    first; no frames when there is no dump."""
    # The last dump is the one of the call that ran out of time.
    match = next(reversed(list(_DUMP_START.finditer(output))), None)
    if match is None:
        return output, []
    before, dump = output[: match.start()], output[match.end() :].splitlines()
    frames, rest = [], []
    for index, line in enumerate(dump):
        if not _DUMP_LINE.match(line):
            rest = dump[index:]
            break
        found = _FRAME.match(line)
        if found:
            frames.append((found["path"], int(found["line"]), found["function"]))
    return before + "\n".join(rest), frames


def learner_frames(
    frames: list[tuple[str, int, str]], module_file: str, workspace: Path
) -> list[dict]:
    """The frames in the learner's module, outermost first, as problems.format_problem
    shows them (the code of each line read from the judge's own copy of the module)."""
    try:
        lines = (workspace / module_file).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    chosen = []
    for path, line, function in reversed(frames):
        if Path(path).name != module_file:
            continue
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        chosen.append({"file": module_file, "line": line, "function": function, "code": code})
    return chosen[-12:]
