"""02 ops: elementwise, broadcasting, matmul, shapes, reductions. (Reference solution.)"""

from __future__ import annotations

import math

import torch


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            raise ValueError(f"shapes {a} and {b} cannot be broadcast: {x} vs {y} at dim -{i}")
        result.append(y if x == 1 else x)
    return tuple(reversed(result))


def pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    diff = x.unsqueeze(1) - y.unsqueeze(0)  # (n, m, d)
    return (diff * diff).sum(dim=-1)


def batched_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # (..., n, k, 1) * (..., 1, k, m) summed over k
    return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(dim=-2)


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    shifted = x - x.amax(dim=dim, keepdim=True)
    e = shifted.exp()
    return e / e.sum(dim=dim, keepdim=True)


def logsumexp(x: torch.Tensor, dim: int, keepdim: bool = False) -> torch.Tensor:
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    out = (x - m).exp().sum(dim=dim, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dim)


def stack(tensors: list[torch.Tensor] | tuple[torch.Tensor, ...], dim: int = 0) -> torch.Tensor:
    if len(tensors) == 0:
        raise ValueError("stack needs at least one tensor")
    shape = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != shape:
            raise ValueError(
                f"stack needs tensors of equal shape, got {tuple(shape)} and {tuple(t.shape)}"
            )
    # unsqueeze and cat take a negative dim as torch.stack does, and refuse one out of range
    # with IndexError, as torch.stack does: no arithmetic on dim here.
    return torch.cat([t.unsqueeze(dim) for t in tensors], dim=dim)


def flatten_batch(x: torch.Tensor) -> torch.Tensor:
    # reshape(B, -1) cannot infer -1 when B == 0: give the size explicitly.
    # reshape returns a view whenever the memory layout allows it, a copy otherwise.
    return x.reshape(x.shape[0], math.prod(x.shape[1:]))


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    weights = mask.to(x.dtype)
    total = (x * weights).sum(dim=dim)
    count = weights.sum(dim=dim)
    return total / count.clamp_min(1)


def normalize(x: torch.Tensor, dim: int = -1, eps: float = 1e-12) -> torch.Tensor:
    norm = (x * x).sum(dim=dim, keepdim=True).sqrt()
    return x / norm.clamp_min(eps)
