"""Hand-written references for 03 autograd (judge-only: `grader release` never ships this file;
the kit reads back the values recorded for the public checks' inputs)."""

from __future__ import annotations

import torch

from grader.testing import probes_of

P = probes_of(__file__)


def one_sided(name: str, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """The forward difference (f(x + eps·e_i) - f(x)) / eps: the usual wrong answer, which a
    hint recognises."""
    f, flat = P.FUNCTIONS[name], x.reshape(-1)
    basis = torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    rows = [(f((flat + eps * e).reshape(x.shape)) - f(x)) / eps for e in basis]
    return torch.stack(rows).reshape(x.shape)
