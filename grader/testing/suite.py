"""The suite's plumbing: markers, devices, and the modules a suite shares with its neighbours."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from torch.utils._pytree import tree_map

from grader.messages import say
from grader.run.shared import standin

points = pytest.mark.points  # @points(2): what the check is worth
public = pytest.mark.public  # pytestmark = public, in test_public.py
hidden = pytest.mark.hidden  # pytestmark = hidden, in test_hidden.py


def cuda_available() -> bool:
    return torch.cuda.is_available()


def devices(*names: str) -> pytest.MarkDecorator:
    """Run a check once per device, as its `device` argument: "cpu", "cuda", "standin".

    CUDA cases are skipped, with a reason, where the machine has no CUDA device. The
    "standin" device is a pretend GPU that computes on the CPU but refuses to mix devices as
    CUDA does (run/shared/standin.py): it catches code that creates tensors on a fixed
    device, on any machine, and never fails code that is correct on a GPU. A check's device
    cases share its points.
    """
    params = []
    for name in names or ("cpu", "cuda"):
        marks = []
        if name == "cuda":
            marks.append(pytest.mark.skipif(not cuda_available(), reason=say("skipped_cuda")))
        params.append(pytest.param(name, id=name, marks=marks))
    return pytest.mark.parametrize("device", params)


def probes_of(suite_file: str) -> ModuleType:
    """The probes.py beside a suite file, imported here in the judge too, so that a check and
    its probe share one catalogue (e.g. the functions a learner's grad_of must differentiate).
    It is public, trusted course code: importing it never imports learner code."""
    return _sibling(suite_file, "probes.py", "probes")


def public_suite(suite_file: str) -> ModuleType:
    """The test_public.py beside a hidden suite: its helpers and hints, one copy for both.
    Imported under a name of its own, so pytest does not collect its checks twice."""
    return _sibling(suite_file, "test_public.py", "public")


@cache
def _sibling(suite_file: str, file_name: str, role: str) -> ModuleType:
    path = Path(suite_file).resolve().parent / file_name
    name = f"grader_judge_{role}_{path.parent.name}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, f"no {file_name} beside {suite_file}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def on_cpu(reference: Callable) -> Callable:
    """For a reference computed by torch.func or torch.autograd.functional, which look through
    tensor subclasses: run it on the CPU values of stand-in inputs, and put its result back on
    the stand-in device (what the learner's answer must be on)."""

    @functools.wraps(reference)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not standin.has_standin((args, kwargs)):
            return reference(*args, **kwargs)
        plain = tree_map(standin.unwrap, (args, kwargs))
        return tree_map(standin.wrap, reference(*plain[0], **plain[1]))

    return run
