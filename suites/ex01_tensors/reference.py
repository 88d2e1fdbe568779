"""Hand-written references for 01 tensors (judge-only: `grader release` never ships this file;
the kit reads back the values recorded for the public checks' inputs)."""

from __future__ import annotations

import torch


def description(x: torch.Tensor) -> dict:
    """What describe(x) reports about x's shape, dtype and size (device and requires_grad are
    compared with x's own attributes in the check: the recorded key does not carry them)."""
    return {"shape": tuple(int(n) for n in x.size()), "dtype": x.dtype, "numel": int(x.numel())}


def grid(h: int, w: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """coordinate_grid(h, w) on the CPU: (i, j) at [i, j]."""
    rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return torch.stack([rows, cols], dim=-1).to(dtype)
