"""03 autograd: using autograd.

PyTorch records the operations made on tensors that require grad; `backward()` and
`torch.autograd.grad` walk that record backwards and compute gradients. Here you use
autograd as a tool: gradients, vector-Jacobian products, Jacobians and second derivatives,
and a numerical check that needs no autograd at all.

Every function receives a function `f` and a tensor `x`. Two rules hold for all of them:

- Leave the caller's `x` exactly as it was: its values, its `requires_grad` (False stays
  False) and its `.grad`. `backward()` *adds* into the `.grad` of the leaves it reaches,
  so differentiate with respect to a fresh leaf, `x.detach().requires_grad_(True)`,
  never the caller's `x` itself.
- Keep the device and dtype of `x` in what you return.

Run `grader check 03` after each function you finish.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def grad_of(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The gradient of the scalar f(x) with respect to x: a tensor of x's shape.

    `f` takes a tensor shaped like x and returns a 0-d tensor, e.g. `lambda t: t.sin().sum()`.
    Use `torch.autograd.grad` (it returns the gradient and writes no `.grad`) or `backward()`
    on a fresh leaf. The caller's x must be left as it was, including when it already
    requires grad and holds an old gradient in x.grad: calling grad_of twice gives the same
    answer twice, never a doubled one.

    >>> grad_of(lambda t: (t**2).sum(), torch.tensor([1.0, -3.0]))
    tensor([ 2., -6.])
    """
    raise NotImplementedError("grad_of: write this function (see its docstring)")


def vjp(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """The vector-Jacobian product vᵀ·J, where J = ∂f(x)/∂x: a tensor of x's shape.

    Here f(x) is not a scalar, and `v` has the shape of f(x). The result is
    sum over i of v[i] * ∂f(x)[i]/∂x. `backward()` on a non-scalar output needs exactly this
    weighting: pass v as its `gradient=` argument (or as `grad_outputs=` of
    torch.autograd.grad). Leave x and v unchanged.

    >>> vjp(lambda t: t**2, torch.tensor([1.0, 2.0]), torch.tensor([10.0, 1.0]))
    tensor([20.,  4.])
    """
    raise NotImplementedError("vjp: write this function (see its docstring)")


def jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The Jacobian of f at x, of shape f(x).shape + x.shape.

    out[i..., j...] = ∂f(x)[i...] / ∂x[j...]: the first dimensions index the outputs, the
    last ones the inputs, so out[i] is the gradient of the single output f(x)[i]. One way:
    flatten f(x), take the gradient of each output element in turn (retain_graph=True keeps
    the graph alive between them), then stack and reshape. For a scalar f(x) the Jacobian is
    the gradient. Leave x unchanged.
    Not allowed: torch.autograd.functional.jacobian, torch.func.jacrev, torch.func.jacfwd,
    torch.vmap.

    >>> jacobian(lambda t: torch.stack([t.sum(), t[0] * t[1]]), torch.tensor([2.0, 3.0]))
    tensor([[1., 1.],
            [3., 2.]])
    """
    raise NotImplementedError("jacobian: write this function (see its docstring)")


def numerical_grad(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, eps: float = 1e-6
) -> torch.Tensor:
    """The gradient of the scalar f at x estimated from values of f alone (no autograd).

    Use central differences, one element of x at a time:
        grad[i] = (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)
    where e_i is 1 at position i and 0 elsewhere. A central difference is off by about eps²;
    a one-sided one, (f(x + eps * e_i) - f(x)) / eps, by about eps, which is far too much.
    x is a float64 tensor (in float32, rounding would swamp the tiny differences); return a
    float64 tensor of x's shape on x's device. torch.autograd.gradcheck works this way.

    x must be exactly as it was afterwards: perturb copies of x, not x itself (adding eps and
    subtracting it again does not always give back the same float).
    """
    raise NotImplementedError("numerical_grad: write this function (see its docstring)")


def second_derivative(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """d²f/dx² at every element of x, for an elementwise f (like torch.sin: f(x)[i] depends
    only on x[i]). A tensor of x's shape.

    Differentiate twice: the gradient of f(x).sum() is f'(x), elementwise; the gradient of
    f'(x).sum() is f''(x). The second step needs a graph of the first one, which autograd
    only records when asked: create_graph=True. If f is linear, f'(x) is a constant that
    does not require grad at all: the second derivative is then zero everywhere.

    >>> second_derivative(torch.sin, torch.tensor([0.0, 1.0]))
    tensor([-0.0000, -0.8415])
    """
    raise NotImplementedError("second_derivative: write this function (see its docstring)")
