"""02 ops: elementwise, broadcasting, matmul, shapes, reductions.

Most of PyTorch is a handful of ideas used together: elementwise arithmetic, broadcasting,
reductions along a dimension, and reshaping. Here you rebuild a few well-known functions
from those pieces. Some PyTorch functions are not allowed in some exercises: the grader
tells you if you call one. Keep the input's dtype and device in everything you return.
"""

from __future__ import annotations

import torch


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that tensors of shapes `a` and `b` broadcast to, like torch.broadcast_shapes.

    Pure Python: compare sizes from the last dimension backwards; sizes match when equal or
    when one of them is 1; a missing dimension counts as 1. Raise ValueError if the shapes
    cannot be broadcast. Not allowed: torch.broadcast_shapes, creating tensors.

    >>> broadcast_shape((2, 1, 3), (4, 1))
    (2, 4, 3)
    """
    raise NotImplementedError("broadcast_shape: write this function (see its docstring)")


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
    """Softmax along `dim`, like torch.softmax, and numerically stable.

    exp() of a large number overflows to inf: subtract the maximum along `dim` first (the
    result does not change). Must give finite results for inputs as large as ±1e4.
    Not allowed: torch.softmax, F.softmax, Tensor.softmax and the log_softmax variants.
    """
    raise NotImplementedError("softmax: write this function (see its docstring)")


def logsumexp(x: torch.Tensor, dim: int, keepdim: bool = False) -> torch.Tensor:
    """log(sum(exp(x))) along `dim`, like torch.logsumexp, numerically stable.

    A slice that is entirely -inf gives -inf (as torch does), not nan.
    Not allowed: torch.logsumexp.
    """
    raise NotImplementedError("logsumexp: write this function (see its docstring)")


def stack(tensors: list[torch.Tensor] | tuple[torch.Tensor, ...], dim: int = 0) -> torch.Tensor:
    """Stack tensors of equal shape along a new dimension `dim`, like torch.stack.

    Use unsqueeze and torch.cat. Negative `dim` counts from the end of the result's shape
    (-1 adds a last dimension). Raise ValueError when the shapes differ.
    Not allowed: torch.stack, hstack, vstack, dstack.
    """
    raise NotImplementedError("stack: write this function (see its docstring)")


def flatten_batch(x: torch.Tensor) -> torch.Tensor:
    """Reshape (B, d1, d2, ...) to (B, d1 * d2 * ...).

    Must work for non-contiguous inputs (e.g. after a transpose) and for B == 0, and must
    return a view of x (sharing its memory) when x is contiguous.
    """
    raise NotImplementedError("flatten_batch: write this function (see its docstring)")


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """The mean along `dim` of the entries of x where the boolean `mask` is True.

    `mask` has the same shape as x. A slice with no True entry gives 0, never nan.
    """
    raise NotImplementedError("masked_mean: write this function (see its docstring)")


def normalize(x: torch.Tensor, dim: int = -1, eps: float = 1e-12) -> torch.Tensor:
    """Divide x by its L2 norm along `dim`, like F.normalize(x, p=2, dim=dim, eps=eps).

    The norm is clamped below at eps, so an all-zero slice stays zero.
    Not allowed: F.normalize.
    """
    raise NotImplementedError("normalize: write this function (see its docstring)")
