"""Devices, as far as both sides need them: is an error a device error, and what a warm process
imports once before it forks (the stand-in device itself is in standin.py)."""

from __future__ import annotations


def is_device_error(message: str) -> bool:
    """Does an exception's message say that tensors met on different devices?"""
    text = message.lower()
    return "device" in text and ("expected" in text or "two devices" in text)


def warm_up(full: bool) -> None:
    """What a warm process (the worker template, the grader's own process) does once before it
    forks. With `full` (a batch): import torch._dynamo, which torch.optim imports at its first
    step() (about 1.3 s, 350 modules) and which every forked child would otherwise pay again."""
    if full:
        import torch._dynamo  # noqa: F401
