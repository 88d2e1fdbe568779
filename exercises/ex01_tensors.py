"""01 tensors: creating tensors; shape, dtype, device.

Every function here builds or inspects tensors. Read each docstring: it is the
specification, and the grader checks exactly what it says, against real PyTorch.
Run `grader check 01` after each function you finish.
"""

from __future__ import annotations

import numpy as np
import torch


def describe(x: torch.Tensor) -> dict:
    """Describe a tensor as a dict with exactly these keys:

    - "shape": the shape as a tuple of ints, e.g. (2, 3)
    - "dtype": the torch dtype, e.g. torch.float32
    - "device": the torch.device, e.g. device(type='cpu')
    - "numel": the number of elements, as an int
    - "requires_grad": a bool

    >>> describe(torch.zeros(2, 3))["shape"]
    (2, 3)
    """
    raise NotImplementedError("describe: write this function (see its docstring)")


def coordinate_grid(
    h: int, w: int, *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> torch.Tensor:
    """A (h, w, 2) tensor whose entry [i, j] is the pair (i, j).

    The result has the given dtype and lives on the given device (None means the default
    device, the CPU). Hint: torch.arange and torch.meshgrid, or broadcasting.

    >>> coordinate_grid(2, 3)[1, 2]
    tensor([1., 2.])
    """
    raise NotImplementedError("coordinate_grid: write this function (see its docstring)")


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One-hot encode integer class labels, like torch.nn.functional.one_hot.

    The result has dtype torch.int64, shape labels.shape + (num_classes,), and lives on the
    same device as `labels`. If any label is outside [0, num_classes), raise ValueError with
    a message that names the bad label. Not allowed: torch.nn.functional.one_hot.

    >>> one_hot(torch.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    raise NotImplementedError("one_hot: write this function (see its docstring)")


def share_numpy(a: np.ndarray) -> torch.Tensor:
    """A tensor that shares memory with the NumPy array `a`: a write to one shows in the other."""
    raise NotImplementedError("share_numpy: write this function (see its docstring)")


def copy_numpy(a: np.ndarray) -> torch.Tensor:
    """A tensor with the same values, dtype and shape as `a` that shares no memory with it."""
    raise NotImplementedError("copy_numpy: write this function (see its docstring)")


def to_numpy(x: torch.Tensor) -> np.ndarray:
    """The values of `x` as a NumPy array.

    Must work for a tensor on any device (a CUDA tensor must come to the CPU first) and for a
    tensor with requires_grad=True (which NumPy cannot see until it is detached).
    """
    raise NotImplementedError("to_numpy: write this function (see its docstring)")


def seeded_normal(
    shape: tuple[int, ...],
    seed: int,
    *,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Normal random numbers that depend only on `seed`.

    Must give the same values as
        torch.randn(shape, generator=torch.Generator(device).manual_seed(seed),
                    dtype=dtype, device=device) * std + mean
    and must leave PyTorch's global random state unchanged (so do not call torch.manual_seed).
    """
    raise NotImplementedError("seeded_normal: write this function (see its docstring)")
