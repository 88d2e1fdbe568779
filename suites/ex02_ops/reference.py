"""Hand-written references for 02 ops (judge-only: `grader release` never ships this file; the
kit reads back the values recorded for the public checks' inputs)."""

from __future__ import annotations

import torch


def sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Every squared distance between a row of x and a row of y, by broadcasting."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """The mean of x where mask is True along dim; 0 for a slice with no True entry."""
    return (x * mask).sum(dim) / mask.sum(dim).clamp_min(1)
