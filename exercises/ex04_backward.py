"""04 backward rules: torch.autograd.Function with a hand-written backward.

Autograd knows the derivative of every builtin operation. Here you write those derivatives
yourself, as `torch.autograd.Function`s: each has a `forward` that computes the result
(builtin torch ops are fine there) and a `backward` that receives `grad_output`, the
gradient of the final loss with respect to forward's output, and returns the gradient with
respect to each input of forward (the chain rule, one step of it).

    y = Exp.apply(x)          # runs Exp.forward(ctx, x)
    y.backward(g)             # autograd calls Exp.backward(ctx, g); x.grad is what it returned

Rules for every backward:
- return one gradient per input of forward, in the same order (a tuple when there are
  several), each with the shape of its input; return None for inputs that are not tensors
  (such as `dim` and `keepdim`);
- save what backward needs in forward: `ctx.save_for_backward(tensor, ...)` for tensors
  (read back with `ctx.saved_tensors`), plain attributes (`ctx.dim = dim`) for the rest;
- build new tensors: never modify `grad_output` or the saved tensors in place;
- not allowed inside backward: torch.autograd.grad, torch.autograd.backward,
  Tensor.backward, torch.func (grad, vjp, jacrev, vmap, ...), torch.vmap and
  torch.autograd.functional: the point is to write the derivative yourself.

The grader calls your backward directly, with a random `grad_output`, and compares what it
returns with PyTorch's own gradient; it also runs torch.autograd.gradcheck in float64.
"""

from __future__ import annotations

import torch


def unbroadcast(grad: torch.Tensor, shape: tuple[int, ...] | torch.Size) -> torch.Tensor:
    """Sum `grad` down to `shape`, undoing broadcasting.

    When an input of shape `shape` was broadcast in the forward, the gradient arriving in
    backward has the bigger, broadcast shape. Every copy of an input element contributed,
    so their gradients add up:
    - dimensions that broadcasting added in front are summed away;
    - dimensions where `shape` has size 1 (and grad does not) are summed with keepdim=True.
    If `grad` already has `shape`, return it as it is. `shape` may be a tuple or a torch.Size
    (`()` means a 0-d tensor: sum everything).

    >>> unbroadcast(torch.ones(4, 3), (3,))
    tensor([4., 4., 4.])
    >>> unbroadcast(torch.ones(2, 4, 5), (4, 1)).shape
    torch.Size([4, 1])
    """
    raise NotImplementedError("unbroadcast: write this function (see its docstring)")


class Exp(torch.autograd.Function):
    """y = exp(x), like torch.exp.

    d/dx exp(x) = exp(x): save the output in forward and reuse it in backward.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Exp.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Exp.backward: write this method (see the class docstring)")


class Log(torch.autograd.Function):
    """y = log(x), like torch.log (x > 0).

    d/dx log(x) = 1 / x.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Log.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Log.backward: write this method (see the class docstring)")


class Mul(torch.autograd.Function):
    """out = a * b, elementwise with broadcasting, like torch.mul.

    a and b may have different shapes that broadcast, e.g. (4, 3) * (3,) or (4, 1) * (1, 5):
    grad_output then has the broadcast shape, and each input's gradient must be summed back
    to that input's own shape (use unbroadcast). backward returns (grad_a, grad_b).
    """

    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Mul.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("Mul.backward: write this method (see the class docstring)")


class MatMul(torch.autograd.Function):
    """out = a @ b for 2-D a (n, k) and b (k, m), like torch.matmul; out is (n, m).

    backward returns (grad_a, grad_b) with the shapes of a and b: each is a matrix product
    of grad_output with the other input, transposed where the shapes require it.
    """

    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("MatMul.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("MatMul.backward: write this method (see the class docstring)")


class ReLU(torch.autograd.Function):
    """y = max(x, 0), like torch.relu.

    The derivative is 1 where x > 0 and 0 elsewhere; at exactly x == 0 PyTorch uses 0.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("ReLU.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("ReLU.backward: write this method (see the class docstring)")


class Sigmoid(torch.autograd.Function):
    """y = 1 / (1 + exp(-x)), like torch.sigmoid.

    The derivative can be written with the output alone: dy/dx = y * (1 - y).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Sigmoid.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Sigmoid.backward: write this method (see the class docstring)")


class Tanh(torch.autograd.Function):
    """y = tanh(x), like torch.tanh.

    The derivative can be written with the output alone: dy/dx = 1 - y².
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Tanh.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Tanh.backward: write this method (see the class docstring)")


class Sum(torch.autograd.Function):
    """x.sum(dim=dim, keepdim=keepdim), like torch.sum.

    `dim` is None (sum every element: a 0-d result, or all sizes 1 with keepdim=True) or an
    int (negative counts from the end); keepdim=True keeps the summed dimension with size 1.
    Every element of x gets the gradient of the sum it went into: expand grad_output back
    to x's shape. With keepdim=False the summed dimension is missing from grad_output: put
    it back first (unsqueeze). backward returns (grad_x, None, None).

    >>> Sum.apply(torch.ones(2, 3), 1, False)
    tensor([3., 3.])
    """

    @staticmethod
    def forward(
        ctx, x: torch.Tensor, dim: int | None = None, keepdim: bool = False
    ) -> torch.Tensor:
        raise NotImplementedError("Sum.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        raise NotImplementedError("Sum.backward: write this method (see the class docstring)")


class Mean(torch.autograd.Function):
    """x.mean(dim=dim, keepdim=keepdim), like torch.mean; `dim` and `keepdim` as in Sum.

    Like Sum's gradient, divided by how many elements each mean averaged.
    backward returns (grad_x, None, None).
    """

    @staticmethod
    def forward(
        ctx, x: torch.Tensor, dim: int | None = None, keepdim: bool = False
    ) -> torch.Tensor:
        raise NotImplementedError("Mean.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        raise NotImplementedError("Mean.backward: write this method (see the class docstring)")


class Softmax(torch.autograd.Function):
    """y = softmax(x) along `dim`, like torch.softmax(x, dim).

    Every output along `dim` depends on every input along `dim`: the Jacobian is not
    diagonal. Work out grad_x = Jᵀ · grad_output by hand (dy_i/dx_j = y_i * ([i == j] - y_j))
    and write it with elementwise ops and a sum along dim (no Jacobian matrix needed).
    backward returns (grad_x, None).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        raise NotImplementedError("Softmax.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        raise NotImplementedError("Softmax.backward: write this method (see the class docstring)")


class LogSoftmax(torch.autograd.Function):
    """y = log(softmax(x)) along `dim`, like torch.log_softmax(x, dim).

    y_i = x_i - logsumexp(x), so dy_i/dx_j = [i == j] - softmax(x)_j.
    backward returns (grad_x, None).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        raise NotImplementedError("LogSoftmax.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        raise NotImplementedError(
            "LogSoftmax.backward: write this method (see the class docstring)"
        )
