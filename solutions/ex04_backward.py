"""04 backward rules: torch.autograd.Function with a hand-written backward. (Reference solution.)"""

from __future__ import annotations

import torch


def unbroadcast(grad: torch.Tensor, shape: tuple[int, ...] | torch.Size) -> torch.Tensor:
    shape = tuple(shape)
    # Broadcasting added dimensions in front: they are summed away entirely.
    # (Guard the empty case: sum(dim=()) would sum over every dimension.)
    leading = grad.dim() - len(shape)
    if leading > 0:
        grad = grad.sum(dim=tuple(range(leading)))
    # A size-1 dimension of the input was stretched: sum it back to size 1.
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = torch.exp(x)
        ctx.save_for_backward(y)  # exp is its own derivative: keep the output, not the input
        return y

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad_output * y


class Log(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.log(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output / x


class Mul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = ctx.saved_tensors
        # grad_output has the broadcast shape: each gradient goes back to its input's shape.
        return unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)


class MatMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = ctx.saved_tensors
        # (n, k) @ (k, m) -> (n, m): the shapes alone leave one way to combine the factors.
        return grad_output @ b.T, a.T @ grad_output


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.relu(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        # Strictly positive only: torch takes the derivative at 0 to be 0.
        return grad_output * (x > 0)


class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = torch.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad_output * y * (1 - y)


class Tanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad_output * (1 - y * y)


def _expand_back(grad: torch.Tensor, ctx) -> torch.Tensor:
    """Spread the gradient of a reduction back over the input's shape."""
    if ctx.dim is not None and not ctx.keepdim:
        grad = grad.unsqueeze(ctx.dim)  # put the reduced dimension back, with size 1
    return grad.expand(ctx.shape)


class Sum(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, x: torch.Tensor, dim: int | None = None, keepdim: bool = False
    ) -> torch.Tensor:
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        return x.sum(dim=dim, keepdim=keepdim)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        return _expand_back(grad_output, ctx), None, None


class Mean(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, x: torch.Tensor, dim: int | None = None, keepdim: bool = False
    ) -> torch.Tensor:
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.count = x.numel() if dim is None else x.shape[dim]
        return x.mean(dim=dim, keepdim=keepdim)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        return _expand_back(grad_output, ctx) / ctx.count, None, None


class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        y = torch.softmax(x, dim=dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (y,) = ctx.saved_tensors
        # J = diag(y) - y yᵀ along dim, so gᵀJ = y * (g - <g, y>).
        inner = (grad_output * y).sum(dim=ctx.dim, keepdim=True)
        return y * (grad_output - inner), None


class LogSoftmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        y = torch.log_softmax(x, dim=dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (y,) = ctx.saved_tensors
        # y_i = x_i - logsumexp(x): dy_i/dx_j = [i == j] - softmax(x)_j.
        total = grad_output.sum(dim=ctx.dim, keepdim=True)
        return grad_output - y.exp() * total, None
