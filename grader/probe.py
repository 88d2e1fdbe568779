"""What a probe author needs: the `@probe` decorator.

A probe is a small trusted function, kept in `suites/<exercise>/probes.py`, that runs in a
worker beside the learner's code: it receives the learner's module, calls into it, and
returns plain data (tensors, numbers, strings, containers) for the judge to check. Probes
are public (they ship in the learner kit), so they hold no expected values and no hidden
inputs: the judge sends inputs and computes every expected value itself.

A probes file may also define FORBIDDEN: {learner function (or glob): [API names]}.
Probes import from this module only (its `__all__`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from grader.run.shared.devices import is_device_error

__all__ = ["PROBE_MARK", "is_device_error", "probe"]

F = TypeVar("F", bound=Callable)
PROBE_MARK = "__grader_probe__"


def probe(fn: F) -> F:
    """Register `fn(module, *args, **kwargs)` as a probe under its own name."""
    setattr(fn, PROBE_MARK, True)
    return fn
