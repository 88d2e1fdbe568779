"""02 ops: elementwise, broadcasting, matmul, shapes, reductions.

Most of PyTorch is a handful of ideas used together: elementwise arithmetic, broadcasting,
reductions along a dimension, and reshaping. Here you rebuild a few well-known functions
from those pieces. Some PyTorch functions are not allowed in some exercises: the grader
tells you if you call one. Keep the input's dtype and device in everything you return.
"""

from __future__ import annotations

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
    """Squared Euclidean distances between every row of x (n, d) and every row of y (m, d).

    Returns an (n, m) tensor with out[i, j] = sum_k (x[i, k] - y[j, k]) ** 2. No Python loop
    over rows: use broadcasting. Not allowed: torch.cdist, torch.pdist.
    """
    raise NotImplementedError("pairwise_sq_dists: write this function (see its docstring)")


def batched_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Matrix product a (..., n, k) @ b (..., k, m) -> (..., n, m), batch dims broadcast.

    Build it from elementwise multiplication and a sum (hint: unsqueeze both inputs so that
    the product has shape (..., n, k, m)). Not allowed: @, matmul, mm, bmm, mv, dot, einsum,
    tensordot, addmm, baddbmm, F.linear.
    """
    raise NotImplementedError("batched_matmul: write this function (see its docstring)")


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along `dim` (a first try: not yet stable for large inputs)."""
    e = x.exp()
    return e / e.sum(dim=dim, keepdim=True)


def logsumexp(x: torch.Tensor, dim: int, keepdim: bool = False) -> torch.Tensor:
    """log(sum(exp(x))) along `dim`, like torch.logsumexp, numerically stable.

    A slice that is entirely -inf gives -inf (as torch does), not nan.
    Not allowed: torch.logsumexp.
    """
    raise NotImplementedError("logsumexp: write this function (see its docstring)")


def stack(tensors: list[torch.Tensor] | tuple[torch.Tensor, ...], dim: int = 0) -> torch.Tensor:
    if len(tensors) == 0:
        raise ValueError("stack needs at least one tensor")
    shape = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != shape:
            raise ValueError(f"stack needs tensors of equal shape, got {tuple(shape)} and {tuple(t.shape)}")
    if dim < 0:
        dim += len(shape) + 1
    return torch.cat([t.unsqueeze(dim) for t in tensors], dim=dim)


def flatten_batch(x: torch.Tensor) -> torch.Tensor:
    """Reshape (B, d1, d2, ...) to (B, d1 * d2 * ...)."""
    return x.view(x.shape[0], -1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    weights = mask.to(x.dtype)
    total = (x * weights).sum(dim=dim)
    count = weights.sum(dim=dim)
    return total / count.clamp_min(1)


def normalize(x: torch.Tensor, dim: int = -1, eps: float = 1e-12) -> torch.Tensor:
    """Divide x by its L2 norm along `dim`, like F.normalize(x, p=2, dim=dim, eps=eps).

    The norm is clamped below at eps, so an all-zero slice stays zero.
    Not allowed: F.normalize.
    """
    raise NotImplementedError("normalize: write this function (see its docstring)")
