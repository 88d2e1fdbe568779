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

zh:
04 反向传播规则：手写 backward 的 torch.autograd.Function。

自动求导知道每个内置运算的导数。这里由你自己写出这些导数，写成 `torch.autograd.Function`：每个
Function 有一个 `forward`，负责计算结果（这里可以使用 torch 的内置运算），还有一个 `backward`，它
接收 `grad_output`，即最终损失对 forward 输出的梯度，并返回对 forward 每个输入的梯度（也就是链式
法则中的一步）。

    y = Exp.apply(x)          # 运行 Exp.forward(ctx, x)
    y.backward(g)             # 自动求导调用 Exp.backward(ctx, g)；x.grad 就是它的返回值

每个 backward 都要遵守的规则：
- forward 的每个输入对应返回一个梯度，顺序相同（有多个时返回 tuple），每个梯度与对应的输入形状
  相同；对不是张量的输入（如 `dim` 和 `keepdim`）返回 None；
- 在 forward 中保存 backward 需要的东西：张量用 `ctx.save_for_backward(tensor, ...)`（用
  `ctx.saved_tensors` 读回），其余的用普通属性（`ctx.dim = dim`）；
- 创建新的张量：绝不要就地修改 `grad_output` 或保存下来的张量；
- backward 中不允许使用：torch.autograd.grad、torch.autograd.backward、Tensor.backward、
  torch.func（grad、vjp、jacrev、vmap 等）、torch.vmap 和 torch.autograd.functional：本练习的
  目的就是让你自己写出导数。

评分器会直接调用你的 backward，传入随机的 `grad_output`，把它的返回值与 PyTorch 自己算出的梯度
比较；还会在 float64 下运行 torch.autograd.gradcheck。
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

    zh:
    把 `grad` 求和缩减到 `shape`，撤销广播。

    当形状为 `shape` 的输入在前向计算中被广播时，到达 backward 的梯度具有广播后更大的形状。输入元素的
    每个副本都有贡献，所以它们的梯度要加起来：
    - 广播在前面添加的维度，求和消去；
    - `shape` 中大小为 1（而 grad 中不为 1）的维度，用 keepdim=True 求和。
    如果 `grad` 已经具有形状 `shape`，原样返回。`shape` 可以是 tuple 或 torch.Size（`()` 表示 0 维
    张量：对所有元素求和）。

    >>> unbroadcast(torch.ones(4, 3), (3,))
    tensor([4., 4., 4.])
    >>> unbroadcast(torch.ones(2, 4, 5), (4, 1)).shape
    torch.Size([4, 1])
    """
    raise NotImplementedError("unbroadcast: write this function (see its docstring)")


class Exp(torch.autograd.Function):
    """y = exp(x), like torch.exp.

    d/dx exp(x) = exp(x): save the output in forward and reuse it in backward.

    zh:
    y = exp(x)，与 torch.exp 相同。

    d/dx exp(x) = exp(x)：在 forward 中保存输出，在 backward 中复用它。
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

    zh:
    y = log(x)，与 torch.log 相同（x > 0）。

    d/dx log(x) = 1 / x。
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

    zh:
    out = a * b，带广播的逐元素乘法，与 torch.mul 相同。

    a 和 b 的形状可以不同，只要能够广播，例如 (4, 3) * (3,) 或 (4, 1) * (1, 5)：这时 grad_output 具有
    广播后的形状，每个输入的梯度都必须求和还原到该输入自己的形状（使用 unbroadcast）。backward 返回
    (grad_a, grad_b)。
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

    zh:
    对二维的 a (n, k) 和 b (k, m) 计算 out = a @ b，与 torch.matmul 相同；out 的形状为 (n, m)。

    backward 返回 (grad_a, grad_b)，形状分别与 a 和 b 相同：每一个都是 grad_output 与另一个输入的矩阵
    乘积，按形状的需要做转置。
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

    zh:
    y = max(x, 0)，与 torch.relu 相同。

    x > 0 处导数为 1，其余位置为 0；恰好 x == 0 处，PyTorch 取 0。
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

    zh:
    y = 1 / (1 + exp(-x))，与 torch.sigmoid 相同。

    导数可以只用输出来表示：dy/dx = y * (1 - y)。
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

    zh:
    y = tanh(x)，与 torch.tanh 相同。

    导数可以只用输出来表示：dy/dx = 1 - y²。
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

    zh:
    x.sum(dim=dim, keepdim=keepdim)，与 torch.sum 相同。

    `dim` 为 None（对所有元素求和：结果为 0 维；keepdim=True 时所有维度的大小都为 1）或一个 int（负数
    从末尾往前数）；keepdim=True 会保留被求和的维度，其大小为 1。x 的每个元素得到它所参与的那个和的
    梯度：把 grad_output 扩展回 x 的形状。keepdim=False 时，grad_output 中缺少被求和的维度：先把它补
    回来（unsqueeze）。backward 返回 (grad_x, None, None)。

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

    zh:
    x.mean(dim=dim, keepdim=keepdim)，与 torch.mean 相同；`dim` 和 `keepdim` 与 Sum 中的相同。

    梯度与 Sum 的一样，再除以每个平均值所平均的元素个数。
    backward 返回 (grad_x, None, None)。
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

    zh:
    沿 `dim` 计算 y = softmax(x)，与 torch.softmax(x, dim) 相同。

    沿 `dim` 的每个输出都依赖于沿 `dim` 的每个输入：雅可比矩阵不是对角矩阵。手工推导
    grad_x = Jᵀ · grad_output（dy_i/dx_j = y_i * ([i == j] - y_j)），再用逐元素运算和沿 dim 的求和
    把它写出来（不需要构造雅可比矩阵）。backward 返回 (grad_x, None)。
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

    zh:
    沿 `dim` 计算 y = log(softmax(x))，与 torch.log_softmax(x, dim) 相同。

    y_i = x_i - logsumexp(x)，所以 dy_i/dx_j = [i == j] - softmax(x)_j。
    backward 返回 (grad_x, None)。
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        raise NotImplementedError("LogSoftmax.forward: write this method (see the class docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        raise NotImplementedError(
            "LogSoftmax.backward: write this method (see the class docstring)"
        )
