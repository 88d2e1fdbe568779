"""02 ops: elementwise, broadcasting, matmul, shapes, reductions.

Most of PyTorch is a handful of ideas used together: elementwise arithmetic, broadcasting,
reductions along a dimension, and reshaping. Here you rebuild a few well-known functions
from those pieces. Some PyTorch functions are not allowed in some exercises: the grader
tells you if you call one. Keep the input's dtype and device in everything you return.

zh:
02 运算：逐元素运算、广播、矩阵乘法、形状与归约。

PyTorch 的大部分内容，都是少数几个思想的组合：逐元素运算、广播、沿某个维度的归约，以及改变形状。
这里你要用这些基本构件重新实现几个常用的函数。有些练习不允许使用某些 PyTorch 函数：如果你调用了，
评分器会告诉你。你返回的所有结果都要保持输入的数据类型和设备。
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

    zh:
    形状为 `a` 和 `b` 的两个张量广播后得到的形状，与 torch.broadcast_shapes 相同。

    只用纯 Python：从最后一个维度开始往前比较大小；两个大小相等、或其中一个为 1 时相容；缺少的维度按 1
    计。两个形状无法广播时，抛出 ValueError。不允许：torch.broadcast_shapes，以及创建张量。

    >>> broadcast_shape((2, 1, 3), (4, 1))
    (2, 4, 3)
    """
    raise NotImplementedError("broadcast_shape: write this function (see its docstring)")


def pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances between every row of x (n, d) and every row of y (m, d).

    Returns an (n, m) tensor with out[i, j] = sum_k (x[i, k] - y[j, k]) ** 2. No Python loop
    over rows: use broadcasting. Not allowed: torch.cdist, torch.pdist.

    zh:
    x (n, d) 的每一行与 y (m, d) 的每一行之间欧氏距离的平方。

    返回形状为 (n, m) 的张量，其中 out[i, j] = sum_k (x[i, k] - y[j, k]) ** 2。不要用 Python 循环逐行
    计算：请使用广播。不允许：torch.cdist、torch.pdist。
    """
    raise NotImplementedError("pairwise_sq_dists: write this function (see its docstring)")


def batched_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Matrix product a (..., n, k) @ b (..., k, m) -> (..., n, m), batch dims broadcast.

    Build it from elementwise multiplication and a sum (hint: unsqueeze both inputs so that
    the product has shape (..., n, k, m)). Not allowed: @, matmul, mm, bmm, mv, dot, einsum,
    tensordot, addmm, baddbmm, F.linear.

    zh:
    矩阵乘积 a (..., n, k) @ b (..., k, m) -> (..., n, m)，批次维度按广播规则对齐。

    用逐元素乘法和一次求和来实现（提示：对两个输入都做 unsqueeze，使乘积的形状为 (..., n, k, m)）。
    不允许：@、matmul、mm、bmm、mv、dot、einsum、tensordot、addmm、baddbmm、F.linear。
    """
    raise NotImplementedError("batched_matmul: write this function (see its docstring)")


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along `dim`, like torch.softmax, and numerically stable.

    exp() of a large number overflows to inf: subtract the maximum along `dim` first (the
    result does not change). Must give finite results for inputs as large as ±1e4.
    Not allowed: torch.softmax, F.softmax, Tensor.softmax and the log_softmax variants.

    zh:
    沿 `dim` 计算 softmax，与 torch.softmax 相同，并且数值稳定。

    对很大的数求 exp() 会溢出为 inf：先减去沿 `dim` 的最大值（结果不会改变）。输入大到 ±1e4 时也必须
    给出有限的结果。不允许：torch.softmax、F.softmax、Tensor.softmax 以及各种 log_softmax。
    """
    raise NotImplementedError("softmax: write this function (see its docstring)")


def logsumexp(x: torch.Tensor, dim: int, keepdim: bool = False) -> torch.Tensor:
    """log(sum(exp(x))) along `dim`, like torch.logsumexp, numerically stable.

    A slice that is entirely -inf gives -inf (as torch does), not nan.
    Not allowed: torch.logsumexp.

    zh:
    沿 `dim` 计算 log(sum(exp(x)))，与 torch.logsumexp 相同，并且数值稳定。

    全部为 -inf 的切片给出 -inf（与 torch 一致），而不是 nan。
    不允许：torch.logsumexp。
    """
    raise NotImplementedError("logsumexp: write this function (see its docstring)")


def stack(tensors: list[torch.Tensor] | tuple[torch.Tensor, ...], dim: int = 0) -> torch.Tensor:
    """Stack tensors of equal shape along a new dimension `dim`, like torch.stack.

    Use unsqueeze and torch.cat. Negative `dim` counts from the end of the result's shape
    (-1 adds a last dimension). Raise ValueError when the shapes differ.
    Not allowed: torch.stack, hstack, vstack, dstack.

    zh:
    沿一个新维度 `dim` 堆叠形状相同的张量，与 torch.stack 相同。

    使用 unsqueeze 和 torch.cat。负的 `dim` 从结果形状的末尾往前数（-1 表示在最后添加一个维度）。
    形状不同时抛出 ValueError。
    不允许：torch.stack、hstack、vstack、dstack。
    """
    raise NotImplementedError("stack: write this function (see its docstring)")


def flatten_batch(x: torch.Tensor) -> torch.Tensor:
    """Reshape (B, d1, d2, ...) to (B, d1 * d2 * ...).

    Must work for non-contiguous inputs (e.g. after a transpose) and for B == 0, and must
    return a view of x (sharing its memory) when x is contiguous.

    zh:
    把 (B, d1, d2, ...) 变形为 (B, d1 * d2 * ...)。

    必须适用于非连续的输入（例如转置之后）和 B == 0 的情况；当 x 是连续的时，必须返回 x 的视图
    （与它共享内存）。
    """
    raise NotImplementedError("flatten_batch: write this function (see its docstring)")


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """The mean along `dim` of the entries of x where the boolean `mask` is True.

    `mask` has the same shape as x. A slice with no True entry gives 0, never nan.

    zh:
    沿 `dim` 对 x 中布尔掩码 `mask` 为 True 的元素求平均值。

    `mask` 与 x 的形状相同。没有任何 True 的切片给出 0，绝不能是 nan。
    """
    raise NotImplementedError("masked_mean: write this function (see its docstring)")


def normalize(x: torch.Tensor, dim: int = -1, eps: float = 1e-12) -> torch.Tensor:
    """Divide x by its L2 norm along `dim`, like F.normalize(x, p=2, dim=dim, eps=eps).

    The norm is clamped below at eps, so an all-zero slice stays zero.
    Not allowed: F.normalize.

    zh:
    把 x 除以它沿 `dim` 的 L2 范数，与 F.normalize(x, p=2, dim=dim, eps=eps) 相同。

    范数的下限截断为 eps，因此全零的切片仍然为零。
    不允许：F.normalize。
    """
    raise NotImplementedError("normalize: write this function (see its docstring)")
