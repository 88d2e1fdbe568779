"""Inputs for checks: tensors from seeds (mixed with the grading run's secret in hidden
checks), and families of variants of one input."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from grader.run.judge.seeds import mixed as seeded


def make_tensor(
    *shape: int,
    seed: int,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    low: float = -2.0,
    high: float = 2.0,
    requires_grad: bool = False,
) -> torch.Tensor:
    """Uniform values in [low, high) from a seed: the same on every machine for a public
    check; in a hidden check, the seed is mixed with the grading run's secret (`seeded`)."""
    generator = torch.Generator().manual_seed(seeded(seed))
    if dtype.is_floating_point:
        tensor = torch.empty(shape, dtype=dtype).uniform_(low, high, generator=generator)
    else:
        tensor = torch.randint(int(low), int(high), shape, generator=generator, dtype=dtype)
    tensor = tensor.to(device)
    return tensor.requires_grad_(requires_grad) if requires_grad else tensor


def make_normal(
    *shape: int, seed: int, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu"
) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seeded(seed))
    return torch.randn(shape, generator=generator, dtype=dtype).to(device)


@dataclass(frozen=True)
class Variant:
    """One input of a family built from a base input, and how to name it in a message."""

    label: str  # "float64", "non-contiguous", "requires_grad", "with inf", ...
    tensor: torch.Tensor


def variants(
    base: torch.Tensor,
    *,
    dtypes: tuple[torch.dtype, ...] = (torch.float32, torch.float64),
    layouts: bool = True,
    requires_grad: bool = True,
    specials: tuple[float, ...] = (),
) -> list[Variant]:
    """A family of inputs from one base input, for a check to call the learner's function on
    each and compare with PyTorch's own result on the same variant:

    - each of `dtypes` (floating bases only);
    - `layouts`: the same values in a non-contiguous tensor (a transposed or strided view), so
      code that assumes contiguous memory (`.view`, raw strides) is caught;
    - `requires_grad`: the base as a leaf that requires grad (a function must not break on it,
      nor change its flag or its .grad);
    - `specials`: each value (inf, -inf, nan, 0.0, a huge number) written into a copy, where
      PyTorch defines the result.

    The base keeps its device; every variant is a fresh tensor, so calls cannot share state.
    """
    base = base.detach()
    found = [Variant("as given", base.clone())]
    if base.is_floating_point():
        found += [
            Variant(str(d).removeprefix("torch."), base.to(d)) for d in dtypes if d != base.dtype
        ]
    if layouts and base.dim() >= 1 and base.numel() > 1:
        found.append(Variant("non-contiguous", _non_contiguous(base)))
    if requires_grad and base.is_floating_point():
        found.append(Variant("requires_grad", base.clone().requires_grad_(True)))
    for value in specials:
        special = base.clone()
        special.view(-1)[0] = value  # where it shows: the first element
        found.append(Variant(f"with {value}", special))
    return found


def _non_contiguous(t: torch.Tensor) -> torch.Tensor:
    """The same values in memory laid out otherwise: a transposed copy seen transposed back
    (2-D and up), or every other element of a buffer twice as long (1-D)."""
    if t.dim() >= 2:
        out = t.transpose(-1, -2).contiguous().transpose(-1, -2)
    else:
        buffer = torch.empty(t.shape[0] * 2, dtype=t.dtype, device=t.device)
        out = buffer[::2]
        out.copy_(t)
    assert not out.is_contiguous() and torch.equal(out.cpu(), t.cpu())
    return out
