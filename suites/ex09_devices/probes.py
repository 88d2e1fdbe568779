"""Probes for 09 devices: pick_device on machines this one pretends to be."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from grader.probe import probe


@contextmanager
def pretend_machine(
    cuda: bool, cuda_count: int, mps: bool, count_without_cuda: bool = False
) -> Iterator[None]:
    """For the duration of the block, torch reports the given CUDA and MPS availability.

    Only the Python-level questions are answered differently (is_available, device_count and
    the torch.accelerator equivalents); everything is put back afterwards. With
    `count_without_cuda`, device_count() still reports `cuda_count` while is_available() is
    False (as when NVML sees a GPU whose CUDA driver fails to start).
    """
    count = cuda_count if cuda or count_without_cuda else 0
    accelerator = torch.device("cuda") if cuda else torch.device("mps") if mps else None
    patches = [
        (torch.cuda, "is_available", lambda: cuda),
        (torch.cuda, "device_count", lambda: count),
        (torch.backends.mps, "is_available", lambda: mps),
        (torch.backends.mps, "is_built", lambda: mps),
    ]
    if hasattr(torch, "accelerator"):  # torch >= 2.6
        patches += [
            (torch.accelerator, "is_available", lambda: accelerator is not None),
            (torch.accelerator, "current_accelerator", lambda *a, **k: accelerator),
            (torch.accelerator, "device_count", lambda: count if cuda else int(mps)),
        ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


@probe
def pick_device_on(module, machine: dict, *args, **kwargs):
    """Call pick_device(*args, **kwargs) on a pretend machine:
    {"cuda": bool, "cuda_count": int, "mps": bool}."""
    with pretend_machine(
        machine["cuda"],
        machine["cuda_count"],
        machine["mps"],
        machine.get("count_without_cuda", False),
    ):
        return module.pick_device(*args, **kwargs)


class Settings:
    """Not a namedtuple, though it has a `_fields` attribute (as SQLAlchemy's Row does): a
    value move_to must return as it is. It cannot cross to the judge, so a probe makes it."""

    _fields = ("lr", "epochs")

    def __init__(self) -> None:
        self.lr, self.epochs = 0.1, 3


@probe
def move_to_settings(module, device: str) -> dict:
    """move_to({"x": tensor, "settings": Settings()}, device): was the Settings object returned
    as it is (the same object)?"""
    settings = Settings()
    out = module.move_to({"x": torch.zeros(2), "settings": settings}, device)
    inner = out.get("settings") if isinstance(out, dict) else out
    return {"kept": inner is settings, "got": type(inner).__name__}
