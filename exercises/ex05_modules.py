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
        """x (..., in_features) -> x @ weight.T + bias, of shape (..., out_features)."""
        raise NotImplementedError("Linear.forward: write this method (see the class docstring)")

    def extra_repr(self) -> str:
        """The text nn.Linear shows, e.g. "in_features=3, out_features=4, bias=True"."""
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
    """

    def __init__(self, sizes: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        raise NotImplementedError("MLP.__init__: write this method (see the class docstring)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., sizes[0]) -> (..., sizes[-1])."""
        raise NotImplementedError("MLP.forward: write this method (see the class docstring)")


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """The number of parameter values (elements) in `module`, as a Python int.

    With trainable_only=True (the default) count only the parameters with
    requires_grad=True (frozen ones are not trained); with False, count them all.
    Buffers (e.g. BatchNorm's running statistics) are not parameters. A parameter shared
    by two layers counts once, as module.parameters() yields it once.

    >>> count_parameters(nn.Linear(3, 4))
    16
    """
    raise NotImplementedError("count_parameters: write this function (see its docstring)")
