"""01 tensors: creating tensors; shape, dtype, device. (Reference solution.)"""

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
    return x.detach().cpu().numpy()


def seeded_normal(
    shape: tuple[int, ...],
    seed: int,
    *,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    generator = torch.Generator(device).manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=dtype, device=device) * std + mean
