"""09 devices: CPU and CUDA.

The same PyTorch code runs on a CPU, an NVIDIA GPU (CUDA) or an Apple GPU (MPS): only where
the tensors live changes. Here you choose a device the way real training scripts do, and
move a whole batch (a nest of dicts, lists and tuples) to it. Your code must work on any
machine, with or without a GPU: never hard-code "cpu" or "cuda" where the caller chose.
Run `grader check 09` after each function you finish.

zh:
09 设备：CPU 与 CUDA。

同一份 PyTorch 代码可以在 CPU、NVIDIA GPU（CUDA）或 Apple GPU（MPS）上运行：变的只是张量所在的
位置。这里你要像真实的训练脚本那样选择一个设备，并把整个批次（由 dict、list 和 tuple 嵌套而成）
移到它上面。你的代码必须在任何机器上都能运行，无论有没有 GPU：调用者已经选定设备的地方，绝不要
写死 "cpu" 或 "cuda"。每写完一个函数，就运行 `grader check 09`。
"""

from __future__ import annotations

from typing import Any

import torch


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """The torch.device to run on.

    With `prefer` given ("cpu", "cuda", "cuda:1", "mps", or a torch.device): return exactly
    that device, as torch.device(prefer), if this machine has it; raise ValueError (saying
    which device is missing) if it does not. A CUDA device is there when
    torch.cuda.is_available() and its index (0 when none is written) is below
    torch.cuda.device_count(); MPS is there when torch.backends.mps.is_available(); the CPU
    is always there.

    With no preference: CUDA if available (torch.device("cuda")), else MPS if available,
    else the CPU.

    >>> pick_device("cpu")
    device(type='cpu')
    >>> pick_device()  # on a machine without a GPU
    device(type='cpu')

    zh:
    要在其上运行的 torch.device。

    给出 `prefer` 时（"cpu"、"cuda"、"cuda:1"、"mps" 或一个 torch.device）：如果这台机器有这个
    设备，就原样返回它，即 torch.device(prefer)；如果没有，就抛出 ValueError（说明缺少的是哪个
    设备）。当 torch.cuda.is_available() 为真且设备编号（没写编号时为 0）小于
    torch.cuda.device_count() 时，CUDA 设备存在；当 torch.backends.mps.is_available() 为真时，
    MPS 存在；CPU 总是存在。

    没有指定时：CUDA 可用就用 CUDA（torch.device("cuda")），否则 MPS 可用就用 MPS，否则用 CPU。

    >>> pick_device("cpu")
    device(type='cpu')
    >>> pick_device()  # on a machine without a GPU
    device(type='cpu')
    """
    raise NotImplementedError("pick_device: write this function (see its docstring)")


def move_to(obj: Any, device: str | torch.device) -> Any:
    """A copy of `obj` with every tensor in it moved to `device` (tensor.to(device)).

    `obj` may be a tensor, or a dict, list, tuple or namedtuple holding tensors and other
    values, nested to any depth. Return the same structure: a dict stays a dict (same keys),
    a list a list, a tuple a tuple, and a namedtuple the same namedtuple type. Everything that
    is not a tensor (numbers, strings, None, NumPy arrays, ...) is returned untouched.
    Do not modify `obj` itself: build new containers.

    >>> batch = {"x": torch.ones(2), "ids": [1, 2], "meta": ("a", torch.zeros(1))}
    >>> moved = move_to(batch, "meta")
    >>> moved["x"].device, moved["ids"], moved["meta"][1].device
    (device(type='meta'), [1, 2], device(type='meta'))

    zh:
    `obj` 的一份拷贝，其中的每个张量都移到了 `device`（tensor.to(device)）。

    `obj` 可以是一个张量，也可以是装着张量和其他值的 dict、list、tuple 或 namedtuple，可以嵌套
    任意多层。返回同样的结构：dict 仍是 dict（键相同），list 仍是 list，tuple 仍是 tuple，
    namedtuple 仍是同一种 namedtuple 类型。不是张量的一切（数字、字符串、None、NumPy 数组……）
    都原样返回。不要修改 `obj` 本身：构建新的容器。

    >>> batch = {"x": torch.ones(2), "ids": [1, 2], "meta": ("a", torch.zeros(1))}
    >>> moved = move_to(batch, "meta")
    >>> moved["x"].device, moved["ids"], moved["meta"][1].device
    (device(type='meta'), [1, 2], device(type='meta'))
    """
    raise NotImplementedError("move_to: write this function (see its docstring)")
