"""05 modules: nn.Module, Linear, MLP.

Every model in PyTorch is an nn.Module: an object that holds parameters (tensors that
training will change) and a `forward` that computes with them. Here you write the most
common layer, Linear, yourself, then stack your layers into a small network.

Three rules of nn.Module that everything below depends on:
- call `super().__init__()` first in your `__init__`;
- a tensor becomes a parameter only when it is an `nn.Parameter` assigned to an attribute
  (`self.weight = nn.Parameter(...)`): then parameters(), state_dict(), optimizers and
  .to() see it;
- a sub-module is registered only when assigned to an attribute, or kept in an
  nn.ModuleList / nn.Sequential; a module kept in a plain Python list is invisible.

Run `grader check 05` after each part you finish.

zh:
05 模块：nn.Module、Linear、MLP。

PyTorch 中的每个模型都是一个 nn.Module：它持有参数（训练时会被改变的张量），并有一个用这些参数进行
计算的 `forward`。这里你先亲手写出最常用的层 Linear，再把你的层堆叠成一个小网络。

下面的一切都依赖于 nn.Module 的三条规则：
- 在你的 `__init__` 中首先调用 `super().__init__()`；
- 张量只有作为 `nn.Parameter` 赋值给一个属性（`self.weight = nn.Parameter(...)`）时，才会成为
  参数：这样 parameters()、state_dict()、优化器和 .to() 才能看到它；
- 子模块只有赋值给一个属性，或放在 nn.ModuleList / nn.Sequential 中时，才会被注册；放在普通
  Python list 中的模块是看不见的。

每完成一部分，就运行一次 `grader check 05`。
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class Linear(nn.Module):
    """A fully connected layer, y = x @ weight.T + bias, like torch.nn.Linear.

    - `weight`: an nn.Parameter of shape (out_features, in_features) (out first, as in
      nn.Linear).
    - `bias`: an nn.Parameter of shape (out_features,); with bias=False there is no bias
      parameter and `self.bias` is None (hint: `self.register_parameter("bias", None)`).
    - Both are created with the given `device` and `dtype` (None means the defaults) and
      initialised like nn.Linear's: uniformly at random in [-1/sqrt(in_features),
      1/sqrt(in_features)] (hint: Tensor.uniform_, inside `with torch.no_grad():`).
    - Keep `in_features` and `out_features` as attributes.
    - `state_dict()` has the keys "weight" and "bias" (or only "weight"), so that it loads
      into an nn.Linear of the same size, and an nn.Linear's state_dict loads into yours.
    - `forward(x)` accepts x of shape (..., in_features), with any number of leading
      dimensions (also none), and returns (..., out_features).
    - `extra_repr()` returns the same text as nn.Linear's, so that print(layer) shows e.g.
      `Linear(in_features=3, out_features=4, bias=True)`.

    Not allowed: torch.nn.functional.linear, torch.nn.Linear (do not subclass it either).

    >>> layer = Linear(3, 4)
    >>> layer.weight.shape, layer(torch.zeros(2, 3)).shape
    (torch.Size([4, 3]), torch.Size([2, 4]))

    zh:
    全连接层，y = x @ weight.T + bias，与 torch.nn.Linear 相同。

    - `weight`：形状为 (out_features, in_features) 的 nn.Parameter（out 在前，与 nn.Linear 一致）。
    - `bias`：形状为 (out_features,) 的 nn.Parameter；bias=False 时没有 bias 参数，`self.bias` 为
      None（提示：`self.register_parameter("bias", None)`）。
    - 两者都按给定的 `device` 和 `dtype` 创建（None 表示默认值），并与 nn.Linear 一样初始化：在
      [-1/sqrt(in_features), 1/sqrt(in_features)] 上均匀随机取值（提示：在 `with torch.no_grad():`
      中使用 Tensor.uniform_）。
    - 把 `in_features` 和 `out_features` 保存为属性。
    - `state_dict()` 的键为 "weight" 和 "bias"（或只有 "weight"），这样它能加载到同样大小的
      nn.Linear 中，nn.Linear 的 state_dict 也能加载到你的层中。
    - `forward(x)` 接受形状为 (..., in_features) 的 x，前面可以有任意多个维度（也可以没有），返回
      (..., out_features)。
    - `extra_repr()` 返回与 nn.Linear 相同的文字，使 print(layer) 显示例如
      `Linear(in_features=3, out_features=4, bias=True)`。

    不允许：torch.nn.functional.linear、torch.nn.Linear（也不要继承它）。

    >>> layer = Linear(3, 4)
    >>> layer.weight.shape, layer(torch.zeros(2, 3)).shape
    (torch.Size([4, 3]), torch.Size([2, 4]))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        raise NotImplementedError("Linear.__init__: write this method (see the class docstring)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in_features) -> x @ weight.T + bias, of shape (..., out_features).

        zh:
        x (..., in_features) -> x @ weight.T + bias，形状为 (..., out_features)。
        """
        raise NotImplementedError("Linear.forward: write this method (see the class docstring)")

    def extra_repr(self) -> str:
        """The text nn.Linear shows, e.g. "in_features=3, out_features=4, bias=True".

        zh:
        nn.Linear 显示的文字，例如 "in_features=3, out_features=4, bias=True"。
        """
        raise NotImplementedError("Linear.extra_repr: write this method (see the class docstring)")


class MLP(nn.Module):
    """A multi-layer perceptron: your Linear layers for consecutive `sizes`, with an
    activation between layers.

    MLP([4, 8, 8, 3]) is Linear(4, 8), activation(), Linear(8, 8), activation(),
    Linear(8, 3): one Linear per consecutive pair of sizes (`sizes` has at least two
    entries), a new `activation()` between two layers, and none after the last layer (the
    output stays unbounded, as a loss function expects). `activation` is a class such as
    nn.ReLU or nn.Tanh.

    Every parameter must be registered, so that parameters(), state_dict(), optimizers and
    .to() see all of them: keep the layers in an nn.Sequential or nn.ModuleList, never in a
    plain Python list.

    Not allowed: torch.nn.Linear, torch.nn.functional.linear (use your own Linear).

    zh:
    多层感知机：按 `sizes` 中相邻的大小依次使用你的 Linear 层，层与层之间加一个激活函数。

    MLP([4, 8, 8, 3]) 就是 Linear(4, 8)、activation()、Linear(8, 8)、activation()、Linear(8, 3)：每对
    相邻的大小对应一个 Linear（`sizes` 至少有两项），每两层之间放一个新的 `activation()`，最后一层之后
    不放（输出保持无界，这正是损失函数所期望的）。`activation` 是一个类，例如 nn.ReLU 或 nn.Tanh。

    每个参数都必须被注册，这样 parameters()、state_dict()、优化器和 .to() 才能看到全部参数：把这些层
    放在 nn.Sequential 或 nn.ModuleList 中，绝不要放在普通的 Python list 中。

    不允许：torch.nn.Linear、torch.nn.functional.linear（请使用你自己的 Linear）。
    """

    def __init__(self, sizes: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        raise NotImplementedError("MLP.__init__: write this method (see the class docstring)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., sizes[0]) -> (..., sizes[-1]).

        zh:
        把形状为 (..., sizes[0]) 的 x 变为 (..., sizes[-1])。
        """
        raise NotImplementedError("MLP.forward: write this method (see the class docstring)")


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """The number of parameter values (elements) in `module`, as a Python int.

    With trainable_only=True (the default) count only the parameters with
    requires_grad=True (frozen ones are not trained); with False, count them all.
    Buffers (e.g. BatchNorm's running statistics) are not parameters. A parameter shared
    by two layers counts once, as module.parameters() yields it once.

    >>> count_parameters(nn.Linear(3, 4))
    16

    zh:
    `module` 中参数值（元素）的个数，以 Python int 返回。

    trainable_only=True（默认）时只统计 requires_grad=True 的参数（冻结的参数不参与训练）；为 False 时
    统计全部参数。缓冲区（例如 BatchNorm 的运行统计量）不是参数。被两个层共享的参数只计一次，就像
    module.parameters() 只给出它一次。

    >>> count_parameters(nn.Linear(3, 4))
    16
    """
    raise NotImplementedError("count_parameters: write this function (see its docstring)")
