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
        """Check the options, then call super().__init__(params, defaults) with a dict of them."""
        raise NotImplementedError("SGD.__init__: write this method (see the class docstring)")

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter of every group once; return the closure's loss (or None)."""
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
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """Check the options, then call super().__init__(params, defaults) with a dict of them."""
        raise NotImplementedError("Adam.__init__: write this method (see the class docstring)")

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter of every group once; return the closure's loss (or None)."""
        raise NotImplementedError("Adam.step: write this method (see the class docstring)")
