"""05 modules: nn.Module, Linear, MLP. (Reference solution.)"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import torch
from torch import nn


class Linear(nn.Module):
    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        factory = {"device": device, "dtype": dtype}
        # Assigning an nn.Parameter to an attribute registers it with the module.
        self.weight = nn.Parameter(torch.empty(out_features, in_features, **factory))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features, **factory))
        else:
            # Keeps `self.bias` readable (None) and out of parameters(), as nn.Linear does.
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        # In-place init of leaf parameters must not be recorded by autograd.
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # matmul broadcasts over any leading dimensions of x: (..., in) @ (in, out).
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class MLP(nn.Module):
    def __init__(self, sizes: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least two sizes (input and output), got {sizes}")
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(pairwise(sizes)):
            if i > 0:
                layers.append(activation())  # between layers only, never after the last
            layers.append(Linear(n_in, n_out))
        # nn.Sequential registers every layer, so parameters(), state_dict() and .to() see them.
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    # parameters() yields a shared (tied) parameter once and never yields buffers.
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
