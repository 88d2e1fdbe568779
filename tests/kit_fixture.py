"""A stub with its Chinese side by side, and the same stub before it was translated: the
fixture of the kit's language tests (tests/test_kit_stubs.py, tests/test_release_zh.py)."""

# A stub as it was before anyone translated it ...
TODAY = '''\
"""01 tensors: creating tensors; shape, dtype, device.

Every function here builds or inspects tensors. 中文注释 in a docstring is fine.
"""

from __future__ import annotations

import torch  # 张量: a comment survives, also one with CJK in it


def describe(x: torch.Tensor) -> dict:
    """Describe a tensor as a dict with exactly these keys:

    - "shape": the shape as a tuple of ints, e.g. (2, 3)

    >>> describe(torch.zeros(2, 3))["shape"]
    (2, 3)
    """
    raise NotImplementedError("describe: write this function (see its docstring)")


def share_numpy(a):
    """A tensor that shares memory with `a`: a write to one shows in the other."""
    raise NotImplementedError(
        "share_numpy: write this function (see its docstring)"
    )


def raw(x):
    r"""A raw docstring: \\d+ stays as written."""
    return x  # not a stub


class Exp(torch.autograd.Function):
    \'\'\'y = exp(x), like torch.exp.

    d/dx exp(x) = exp(x).\'\'\'

    @staticmethod
    def forward(ctx, x):
        """Compute exp(x); save what backward needs."""
        raise NotImplementedError("Exp.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("Exp: write backward (see the class docstring)")
'''

# ... and with its Chinese side by side (one docstring, Exp.forward's, not translated yet).
BOTH = '''\
"""01 tensors: creating tensors; shape, dtype, device.

Every function here builds or inspects tensors. 中文注释 in a docstring is fine.

zh:
01 张量：创建张量；形状、数据类型、设备。

这里的每个函数都创建或查看张量。
"""

from __future__ import annotations

import torch  # 张量: a comment survives, also one with CJK in it


def describe(x: torch.Tensor) -> dict:
    """Describe a tensor as a dict with exactly these keys:

    - "shape": the shape as a tuple of ints, e.g. (2, 3)

    >>> describe(torch.zeros(2, 3))["shape"]
    (2, 3)

    zh:
    把张量描述成一个 dict，恰好包含这些键：

    - "shape"：形状，一个由 int 组成的 tuple，例如 (2, 3)

    >>> describe(torch.zeros(2, 3))["shape"]
    (2, 3)
    """
    raise NotImplementedError("describe: write this function (see its docstring)")


def share_numpy(a):
    """A tensor that shares memory with `a`: a write to one shows in the other.

    zh:
    与 `a` 共享内存的张量：写入其中一个，另一个也能看到。
    """
    raise NotImplementedError(
        "share_numpy: write this function (see its docstring)"
    )


def raw(x):
    r"""A raw docstring: \\d+ stays as written.

    zh:
    原始字符串文档：\\d+ 保持原样。"""
    return x  # not a stub


class Exp(torch.autograd.Function):
    \'\'\'y = exp(x), like torch.exp.

    d/dx exp(x) = exp(x).

    zh:
    y = exp(x)，与 torch.exp 相同。

    d/dx exp(x) = exp(x)。\'\'\'

    @staticmethod
    def forward(ctx, x):
        """Compute exp(x); save what backward needs."""
        raise NotImplementedError("Exp.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("Exp: write backward (see the class docstring)")
'''
