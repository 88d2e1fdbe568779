"""07 optim: optimizers.

An optimizer holds a model's parameters and, at each `step()`, moves every parameter using
its `.grad`. Here you write two of PyTorch's optimizers, SGD and Adam, on the base class
that torch.optim itself uses, `torch.optim.Optimizer`. The grader gives your optimizer and
torch.optim's the same parameters and the same gradients for many steps, and compares every
parameter after every step. Run `grader check 07` after each step of your work.

What the base class does for you (do not rewrite these):
- `super().__init__(params, defaults)` turns `params` into `self.param_groups`, a list of
  dicts, each with a "params" list and every option. `params` is either an iterable of
  tensors (such as `model.parameters()`: one group) or of dicts ("parameter groups"), e.g.
  `[{"params": [w], "lr": 0.5}, {"params": [b]}]`; an option a group does not give is
  taken from `defaults`.
- `self.state` maps each parameter to a dict of your own (a momentum buffer, Adam's
  averages). Keep everything a parameter needs between steps there: the inherited
  `state_dict()` and `load_state_dict()` save and restore exactly `self.state` and
  `self.param_groups`, so a training run can stop and resume.
- `zero_grad()` sets every parameter's `.grad` back to None.

What your `step(closure=None)` must do, as torch.optim's optimizers do:
- run under `@torch.no_grad()` and update each parameter in place (e.g. `p.add_(...)`);
- read the options from each group at every step (a learning-rate scheduler changes
  `group["lr"]` between steps);
- skip a parameter whose `.grad` is None: leave it unchanged, and create or advance no
  state for it (a parameter's state is created at its first step with a gradient);
- if `closure` is given, call it inside `with torch.enable_grad():` before updating, and
  return what it returned (without a closure, return None).

zh:
07 优化器：优化器。

优化器持有模型的参数，并在每次 `step()` 时用每个参数的 `.grad` 移动它。这里你要在 torch.optim
自己使用的基类 `torch.optim.Optimizer` 之上，写出 PyTorch 的两个优化器：SGD 和 Adam。评分器把相同
的参数和相同的梯度交给你的优化器和 torch.optim 的优化器，运行许多步，并在每一步之后比较每个参数。
每完成一步工作，就运行 `grader check 07`。

基类替你做的事（不要重写这些）：
- `super().__init__(params, defaults)` 把 `params` 变成 `self.param_groups`，一个由 dict 组成的
  列表，每个 dict 有一个 "params" 列表和每个选项。`params` 要么是张量的可迭代对象（例如
  `model.parameters()`：一个参数组），要么是 dict（"参数组"）的可迭代对象，例如
  `[{"params": [w], "lr": 0.5}, {"params": [b]}]`；参数组没有给出的选项取自 `defaults`。
- `self.state` 把每个参数映射到一个你自己的 dict（动量缓冲区、Adam 的平均值）。一个参数在步与步
  之间需要的一切都放在这里：继承来的 `state_dict()` 和 `load_state_dict()` 保存和恢复的恰好是
  `self.state` 和 `self.param_groups`，这样训练可以中断后再接着进行。
- `zero_grad()` 把每个参数的 `.grad` 设回 None。

你的 `step(closure=None)` 必须像 torch.optim 的优化器那样：
- 在 `@torch.no_grad()` 下运行，并以就地修改的方式更新每个参数（例如 `p.add_(...)`）；
- 每一步都从每个参数组读取选项（学习率调度器会在两步之间修改 `group["lr"]`）；
- 跳过 `.grad` 为 None 的参数：保持它不变，也不为它创建或推进任何状态（参数的状态在它第一次带
  梯度的那一步创建）；
- 如果给了 `closure`，在更新之前于 `with torch.enable_grad():` 中调用它，并返回它的返回值（没有
  closure 时返回 None）。
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch


class SGD(torch.optim.Optimizer):
    """Stochastic gradient descent, giving the same results as torch.optim.SGD.

    For each parameter p whose gradient g = p.grad is not None, one step does:

        if weight_decay != 0:  g = g + weight_decay * p
        if momentum != 0:
            at p's first step:  buf = a copy of g        (no dampening on this step)
            at later steps:     buf = momentum * buf + (1 - dampening) * g
            if nesterov:        g = g + momentum * buf
            else:               g = buf
        p = p - lr * g          (in place)

    Each parameter has its own momentum buffer `buf`, kept in `self.state[p]`.

    Like torch, raise ValueError for lr < 0, momentum < 0 or weight_decay < 0, and for
    nesterov=True without momentum (momentum <= 0) or with dampening != 0.
    Not allowed: torch.optim.SGD and torch's functional SGD (torch.optim.sgd.sgd).

    >>> w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    >>> opt = SGD([w], lr=0.1)
    >>> w.grad = torch.tensor([1.0, -1.0])
    >>> opt.step()
    >>> w.detach()
    tensor([0.9000, 2.1000])

    zh:
    随机梯度下降，给出与 torch.optim.SGD 相同的结果。

    对每个梯度 g = p.grad 不为 None 的参数 p，一步执行：

        if weight_decay != 0:  g = g + weight_decay * p
        if momentum != 0:
            p 的第一步：       buf = g 的一份拷贝        （这一步不做 dampening）
            之后的步：         buf = momentum * buf + (1 - dampening) * g
            if nesterov:        g = g + momentum * buf
            else:               g = buf
        p = p - lr * g          （就地修改）

    每个参数有自己的动量缓冲区 `buf`，保存在 `self.state[p]` 中。

    与 torch 一样，lr < 0、momentum < 0 或 weight_decay < 0 时抛出 ValueError；nesterov=True 而
    没有动量（momentum <= 0）或 dampening != 0 时也抛出 ValueError。
    不允许使用：torch.optim.SGD 和 torch 的函数式 SGD（torch.optim.sgd.sgd）。

    >>> w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    >>> opt = SGD([w], lr=0.1)
    >>> w.grad = torch.tensor([1.0, -1.0])
    >>> opt.step()
    >>> w.detach()
    tensor([0.9000, 2.1000])
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        """Check the options, then call super().__init__(params, defaults) with a dict of them.

        zh:
        先检查选项，再用由它们组成的 dict 调用 super().__init__(params, defaults)。
        """
        raise NotImplementedError("SGD.__init__: write this method (see the class docstring)")

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter of every group once; return the closure's loss (or None).

        zh:
        把每个参数组的每个参数更新一次；返回 closure 的损失（或 None）。
        """
        raise NotImplementedError("SGD.step: write this method (see the class docstring)")


class Adam(torch.optim.Optimizer):
    """Adam, giving the same results as torch.optim.Adam.

    For each parameter p whose gradient g = p.grad is not None, one step does (t counts
    p's own steps with a gradient: 1 at its first step; m and v start as zeros):

        if weight_decay != 0:  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)          (bias correction)
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)     (in place; eps after the sqrt)

    where (beta1, beta2) = betas. Keep t (a Python int), m and v (tensors like p, on p's
    device) in `self.state[p]`.

    Like torch, raise ValueError for lr < 0, eps < 0, weight_decay < 0, and for a beta
    outside [0, 1).
    Not allowed: torch.optim.Adam, torch.optim.AdamW and their functional forms
    (torch.optim.adam.adam, torch.optim.adamw.adamw).

    zh:
    Adam，给出与 torch.optim.Adam 相同的结果。

    对每个梯度 g = p.grad 不为 None 的参数 p，一步执行（t 计数 p 自己带梯度的步数：第一步为 1；
    m 和 v 从零开始）：

        if weight_decay != 0:  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)          （偏差修正）
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)     （就地修改；eps 加在 sqrt 之后）

    其中 (beta1, beta2) = betas。把 t（Python int）、m 和 v（与 p 一样的张量，在 p 的设备上）保存在
    `self.state[p]` 中。

    与 torch 一样，lr < 0、eps < 0、weight_decay < 0 或某个 beta 不在 [0, 1) 内时抛出 ValueError。
    不允许使用：torch.optim.Adam、torch.optim.AdamW 及其函数式形式
    （torch.optim.adam.adam、torch.optim.adamw.adamw）。
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """Check the options, then call super().__init__(params, defaults) with a dict of them.

        zh:
        先检查选项，再用由它们组成的 dict 调用 super().__init__(params, defaults)。
        """
        raise NotImplementedError("Adam.__init__: write this method (see the class docstring)")

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter of every group once; return the closure's loss (or None).

        zh:
        把每个参数组的每个参数更新一次；返回 closure 的损失（或 None）。
        """
        raise NotImplementedError("Adam.step: write this method (see the class docstring)")
