"""09 devices: CPU and CUDA.

The same PyTorch code runs on a CPU, an NVIDIA GPU (CUDA) or an Apple GPU (MPS): only where
the tensors live changes. Here you choose a device the way real training scripts do, and
move a whole batch (a nest of dicts, lists and tuples) to it. Your code must work on any
machine, with or without a GPU: never hard-code "cpu" or "cuda" where the caller chose.
Run `grader check 09` after each function you finish.
"""

from __future__ import annotations

from typing import Any

import torch


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """The torch.device to run on.

    With `prefer` given ("cpu", "cuda", "cuda:1", "mps", or a torch.device): return exactly
    that device, as torch.device(prefer), if this machine has it; raise ValueError (saying
    which device is missing) if it does not. A CUDA device is there when
    torch.cuda.is_available() and its index (0 when none is written) is below
    torch.cuda.device_count(); MPS is there when torch.backends.mps.is_available(); the CPU
    is always there.

    With no preference: CUDA if available (torch.device("cuda")), else MPS if available,
    else the CPU.

    >>> pick_device("cpu")
    device(type='cpu')
    >>> pick_device()  # on a machine without a GPU
    device(type='cpu')
    """
    raise NotImplementedError("pick_device: write this function (see its docstring)")


def move_to(obj: Any, device: str | torch.device) -> Any:
    """A copy of `obj` with every tensor in it moved to `device` (tensor.to(device)).

    `obj` may be a tensor, or a dict, list, tuple or namedtuple holding tensors and other
    values, nested to any depth. Return the same structure: a dict stays a dict (same keys),
    a list a list, a tuple a tuple, and a namedtuple the same namedtuple type. Everything that
    is not a tensor (numbers, strings, None, NumPy arrays, ...) is returned untouched.
    Do not modify `obj` itself: build new containers.

    >>> batch = {"x": torch.ones(2), "ids": [1, 2], "meta": ("a", torch.zeros(1))}
    >>> moved = move_to(batch, "meta")
    >>> moved["x"].device, moved["ids"], moved["meta"][1].device
    (device(type='meta'), [1, 2], device(type='meta'))
    """
    raise NotImplementedError("move_to: write this function (see its docstring)")
