"""03 autograd: using autograd. (Reference solution.)"""

from __future__ import annotations

from collections.abc import Callable

import torch


def _fresh_leaf(x: torch.Tensor) -> torch.Tensor:
    # A new leaf sharing x's values: autograd state (requires_grad, .grad, the graph x may
    # belong to) stays the caller's business.
    return x.detach().requires_grad_(True)


def grad_of(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    leaf = _fresh_leaf(x)
    # autograd.grad returns the gradient instead of accumulating it into leaf.grad.
    (grad,) = torch.autograd.grad(f(leaf), leaf)
    return grad


def vjp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    leaf = _fresh_leaf(x)
    (grad,) = torch.autograd.grad(f(leaf), leaf, grad_outputs=v)
    return grad


def jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    leaf = _fresh_leaf(x)
    out = f(leaf)
    # One backward pass per output element; the graph must survive all but the last.
    rows = [torch.autograd.grad(y, leaf, retain_graph=True)[0] for y in out.reshape(-1)]
    return torch.stack(rows).reshape(out.shape + x.shape)


def numerical_grad(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, eps: float = 1e-6
) -> torch.Tensor:
    x = x.detach()
    grad = torch.empty_like(x)
    step = torch.zeros_like(x)
    for i in range(x.numel()):
        step.view(-1)[i] = eps
        # x + step and x - step are new tensors: x itself is never written.
        grad.view(-1)[i] = (f(x + step) - f(x - step)) / (2 * eps)
        step.view(-1)[i] = 0
    return grad


def second_derivative(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    leaf = _fresh_leaf(x)
    # For an elementwise f, d/dx_i of sum_j f(x_j) is f'(x_i): one pass gives all of f'.
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:  # f is linear: f' is a constant, so f'' is zero
        return torch.zeros_like(x)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
