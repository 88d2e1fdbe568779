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

zh:
03 自动求导：使用自动求导。

PyTorch 会记录对需要梯度（requires_grad）的张量所做的运算；`backward()` 和 `torch.autograd.grad`
沿这份记录反向遍历，计算梯度。这里你把自动求导当作工具来用：梯度、向量-雅可比积、雅可比矩阵和二阶
导数，再加上一个完全不需要自动求导的数值检验。

每个函数都接收一个函数 `f` 和一个张量 `x`。以下两条规则对所有函数都成立：

- 调用者的 `x` 必须保持原样：它的值、它的 `requires_grad`（False 仍为 False）以及它的 `.grad`。
  `backward()` 会把梯度*累加*到它所到达的叶子张量的 `.grad` 中，所以要对一个新的叶子张量
  `x.detach().requires_grad_(True)` 求导，绝不能对调用者的 `x` 本身求导。
- 返回结果要保持 `x` 的设备和数据类型。

每完成一个函数，就运行一次 `grader check 03`。
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

    zh:
    标量 f(x) 对 x 的梯度：一个与 x 形状相同的张量。

    `f` 接收一个与 x 形状相同的张量，返回一个 0 维张量，例如 `lambda t: t.sin().sum()`。使用
    `torch.autograd.grad`（它返回梯度，不写入任何 `.grad`），或对一个新的叶子张量调用 `backward()`。
    调用者的 x 必须保持原样，即使它已经需要梯度、并且 x.grad 中存有旧的梯度也是如此：调用两次 grad_of，
    两次都得到同样的结果，绝不会翻倍。

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

    zh:
    向量-雅可比积 vᵀ·J，其中 J = ∂f(x)/∂x：一个与 x 形状相同的张量。

    这里 f(x) 不是标量，`v` 与 f(x) 的形状相同。结果是 v[i] * ∂f(x)[i]/∂x 对 i 求和。对非标量的输出
    调用 `backward()` 时，需要的正是这样的加权：把 v 作为它的 `gradient=` 参数传入（或作为
    torch.autograd.grad 的 `grad_outputs=`）。x 和 v 都不得改变。

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

    zh:
    f 在 x 处的雅可比矩阵，形状为 f(x).shape + x.shape。

    out[i..., j...] = ∂f(x)[i...] / ∂x[j...]：前面的维度索引输出，后面的维度索引输入，因此 out[i] 就是
    单个输出 f(x)[i] 的梯度。一种做法：把 f(x) 展平，依次求每个输出元素的梯度（retain_graph=True 让计算
    图在两次求导之间保留下来），然后堆叠并变形。f(x) 为标量时，雅可比矩阵就是梯度。x 不得改变。
    不允许：torch.autograd.functional.jacobian、torch.func.jacrev、torch.func.jacfwd、
    torch.vmap。

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

    zh:
    只用 f 的函数值（不用自动求导）估计标量 f 在 x 处的梯度。

    使用中心差分，每次处理 x 的一个元素：
        grad[i] = (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)
    其中 e_i 在位置 i 为 1，其余位置为 0。中心差分的误差约为 eps²；单侧差分
    (f(x + eps * e_i) - f(x)) / eps 的误差约为 eps，大得太多了。x 是 float64 张量（在 float32 下，
    舍入误差会淹没微小的差值）；返回一个与 x 形状相同、位于 x 的设备上的 float64 张量。
    torch.autograd.gradcheck 就是这样做的。

    调用结束后，x 必须与原来完全一样：扰动 x 的副本，而不是 x 本身（先加上 eps 再减去，得到的浮点数
    不一定与原来相同）。
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

    zh:
    对逐元素函数 f（如 torch.sin：f(x)[i] 只取决于 x[i]），求 x 每个元素处的 d²f/dx²。返回一个与 x
    形状相同的张量。

    求导两次：f(x).sum() 的梯度就是逐元素的 f'(x)；f'(x).sum() 的梯度就是 f''(x)。第二步需要第一步的
    计算图，而自动求导只有在被要求时才会记录它：create_graph=True。如果 f 是线性的，f'(x) 是一个根本
    不需要梯度的常数：这时二阶导数处处为零。

    >>> second_derivative(torch.sin, torch.tensor([0.0, 1.0]))
    tensor([-0.0000, -0.8415])
    """
    raise NotImplementedError("second_derivative: write this function (see its docstring)")
