"""The course's probes, as the worker template loads them: trusted code that runs beside
learner code (see grader/probe.py for how a probe is written)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.probe import PROBE_MARK


@dataclass
class ExerciseProbes:
    """What an exercise's probes.py provides: its probes and its forbidden-call rules."""

    probes: dict[str, Any] = field(default_factory=dict)
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    # API -> what to do instead: one sentence, or (English, Chinese)
    hints: dict[str, str | tuple[str, str]] = field(default_factory=dict)


def load_probes(course_root: Path) -> dict[str, ExerciseProbes]:
    """Import every suites/<exercise>/probes.py (trusted course code) by path."""
    found: dict[str, ExerciseProbes] = {}
    for path in sorted((course_root / "suites").glob("ex[0-9][0-9]_*/probes.py")):
        exercise = path.parent.name
        spec = importlib.util.spec_from_file_location(f"grader_probes_{exercise}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        found[exercise] = ExerciseProbes(
            probes={
                name: fn for name, fn in vars(module).items() if getattr(fn, PROBE_MARK, False)
            },
            forbidden=dict(getattr(module, "FORBIDDEN", {})),
            hints=dict(getattr(module, "FORBIDDEN_HINTS", {})),
        )
    return found
