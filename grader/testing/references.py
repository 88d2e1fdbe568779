"""Hand-written references, kept out of the learner kit.

A reference that is not one of PyTorch's own functions (a training loop to compare with, a
describe() dict) is an answer: it lives in `suites/exNN/reference.py`, which `grader release`
never ships. A public suite calls it through `R = references(__file__)`, `R.name(inputs...)`:

- in the course, the reference runs, here in the judge (and while a kit is made, its value
  is recorded: run/judge/golden.py);
- in a learner kit, the value recorded for these inputs is read back instead.

So a reference may only be called with a check's own inputs (seeded tensors, numbers, specs),
never with what the learner's code returned: those differ from kit to kit.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from grader.messages import say
from grader.run.judge import golden

REFERENCE_FILE = "reference.py"


@cache
def references(suite_file: str) -> References:
    """The references of the suite beside `suite_file` (call as `R = references(__file__)`)."""
    return References(Path(suite_file).resolve().parent)


class References:
    def __init__(self, folder: Path) -> None:
        self.exercise = folder.name
        self.folder = folder
        self._module = (
            _load(folder / REFERENCE_FILE) if (folder / REFERENCE_FILE).is_file() else None
        )
        self._values: dict[str, Any] | None = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._call(name, args, kwargs)

    def _call(self, name: str, args: tuple, kwargs: dict) -> Any:
        key = golden.key_of(name, args, kwargs)
        if self._module is not None:
            value = getattr(self._module, name)(*args, **kwargs)
            golden.record(self.exercise, key, value)
            return value
        values = self._recorded()
        if key not in values:
            raise golden.GoldenMissing(say("golden_missing", name=name))
        return golden.placed(values[key], args, kwargs)

    def _recorded(self) -> dict[str, Any]:
        if self._values is None:
            path = self.folder / golden.GOLDEN_FILE
            try:
                self._values = golden.load(path, golden.stamp_of(self.folder))
            except golden.GoldenStale as stale:
                pytest.skip(say("golden_stale", made=str(stale), have=golden.torch_version()))
        return self._values


def _load(path: Path):
    name = f"grader_judge_reference_{path.parent.name}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
