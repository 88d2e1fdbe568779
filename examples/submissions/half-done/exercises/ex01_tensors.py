"""01 tensors: creating tensors; shape, dtype, device.

Every function here builds or inspects tensors. Read each docstring: it is the
specification, and the grader checks exactly what it says, against real PyTorch.
Run `grader check 01` after each function you finish.
"""

from __future__ import annotations

import numpy as np
import torch


def describe(x: torch.Tensor) -> dict:
    return {
        "shape": tuple(x.shape),
        "dtype": x.dtype,
        "device": x.device,
        "numel": x.numel(),
        "requires_grad": x.requires_grad,
    }


def coordinate_grid(
    h: int, w: int, *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> torch.Tensor:
    rows = torch.arange(h, dtype=dtype, device=device)
    cols = torch.arange(w, dtype=dtype, device=device)
    ii, jj = torch.meshgrid(rows, cols, indexing="ij")
    return torch.stack([ii, jj], dim=-1)


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        raise ValueError(f"label {labels[bad][0].item()} is outside [0, {num_classes})")
    out = torch.zeros(*labels.shape, num_classes, dtype=torch.int64, device=labels.device)
    return out.scatter_(-1, labels.long().unsqueeze(-1), 1)


def share_numpy(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a)


def copy_numpy(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a)


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
