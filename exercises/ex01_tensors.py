"""01 tensors: creating tensors; shape, dtype, device.

Every function here builds or inspects tensors. Read each docstring: it is the
specification, and the grader checks exactly what it says, against real PyTorch.
Run `grader check 01` after each function you finish.

zh:
01 张量：创建张量；形状、数据类型与设备。

这里的每个函数都会创建或查看张量。请仔细阅读每个文档字符串：它就是规格说明，评分器会对照真实的
PyTorch，逐条检查其中所说的内容。每完成一个函数，就运行一次 `grader check 01`。
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

    zh:
    用一个 dict 描述张量，这个 dict 恰好包含以下键：

    - "shape"：形状，由 int 组成的 tuple，例如 (2, 3)
    - "dtype"：torch 的数据类型，例如 torch.float32
    - "device"：torch.device，例如 device(type='cpu')
    - "numel"：元素个数，为 int
    - "requires_grad"：一个 bool

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

    zh:
    返回形状为 (h, w, 2) 的张量，其 [i, j] 处的元素是数对 (i, j)。

    结果使用给定的数据类型，位于给定的设备上（None 表示默认设备，即 CPU）。提示：torch.arange 和
    torch.meshgrid，或者利用广播。

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

    zh:
    对整数类别标签做 one-hot 编码，与 torch.nn.functional.one_hot 相同。

    结果的数据类型为 torch.int64，形状为 labels.shape + (num_classes,)，与 `labels` 位于同一设备上。
    若有任何标签超出 [0, num_classes)，抛出 ValueError，并在消息中指明出错的标签。
    不允许使用：torch.nn.functional.one_hot。

    >>> one_hot(torch.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    raise NotImplementedError("one_hot: write this function (see its docstring)")


def share_numpy(a: np.ndarray) -> torch.Tensor:
    """A tensor that shares memory with the NumPy array `a`: a write to one shows in the other.

    zh:
    返回与 NumPy 数组 `a` 共享内存的张量：写入其中一方，另一方也会看到。
    """
    raise NotImplementedError("share_numpy: write this function (see its docstring)")


def copy_numpy(a: np.ndarray) -> torch.Tensor:
    """A tensor with the same values, dtype and shape as `a` that shares no memory with it.

    zh:
    返回与 `a` 数值、数据类型和形状都相同，但与它不共享任何内存的张量。
    """
    raise NotImplementedError("copy_numpy: write this function (see its docstring)")


def to_numpy(x: torch.Tensor) -> np.ndarray:
    """The values of `x` as a NumPy array.

    Must work for a tensor on any device (a CUDA tensor must come to the CPU first) and for a
    tensor with requires_grad=True (which NumPy cannot see until it is detached).

    zh:
    以 NumPy 数组的形式返回 `x` 的值。

    必须适用于任何设备上的张量（CUDA 张量要先移到 CPU），也必须适用于 requires_grad=True 的张量
    （这样的张量要先 detach，NumPy 才能读取它）。
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

    zh:
    只取决于 `seed` 的正态分布随机数。

    必须给出与下式相同的值：
        torch.randn(shape, generator=torch.Generator(device).manual_seed(seed),
                    dtype=dtype, device=device) * std + mean
    并且必须保持 PyTorch 的全局随机状态不变（所以不要调用 torch.manual_seed）。
    """
    raise NotImplementedError("seeded_normal: write this function (see its docstring)")
