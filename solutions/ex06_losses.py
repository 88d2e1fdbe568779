"""06 losses: MSE, cross-entropy, binary cross-entropy. (Reference solution.)"""

from __future__ import annotations

import torch

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid reduction: use 'mean', 'sum' or 'none'")


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def mse_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    _check_reduction(reduction)
    # (N, 1) - (N,) would broadcast to (N, N): a silent bug, so refuse any shape difference.
    if pred.shape != target.shape:
        raise ValueError(
            f"mse_loss: pred has shape {tuple(pred.shape)} but target has shape "
            f"{tuple(target.shape)}; they must be equal"
        )
    return _reduce((pred - target) ** 2, reduction)


def _log_softmax(logits: torch.Tensor, dim: int) -> torch.Tensor:
    # log(softmax(x)) = x - logsumexp(x); logsumexp subtracts the maximum first, so no
    # exp() overflows and no probability underflows to a log(0).
    return logits - torch.logsumexp(logits, dim=dim, keepdim=True)


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    _check_reduction(reduction)
    n_classes = logits.shape[1]
    log_probs = _log_softmax(logits, dim=1)
    if target.dtype.is_floating_point:  # class probabilities, (N, C)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        return _reduce(-(target * log_probs).sum(dim=1), reduction)

    # Class indices, (N,). No boolean-mask indexing: torch.where keeps every shape fixed
    # (so the loss also runs on "meta" tensors, and a GPU never waits for a count).
    keep = target != ignore_index
    safe_target = torch.where(keep, target, torch.zeros_like(target))  # a valid index
    loss = -log_probs.gather(1, safe_target.unsqueeze(1)).squeeze(1)
    if label_smoothing > 0:
        # The smoothed target puts ε/C on every class: (1 - ε)·nll + ε·mean_c(-log p_c).
        uniform = -log_probs.mean(dim=1)
        loss = (1 - label_smoothing) * loss + label_smoothing * uniform
    loss = torch.where(keep, loss, torch.zeros_like(loss))
    if reduction == "mean":
        return loss.sum() / keep.sum()  # over the targets that count (nan if none does)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    _check_reduction(reduction)
    if logits.shape != target.shape:
        raise ValueError(
            f"target size ({tuple(target.shape)}) must be the same as input size "
            f"({tuple(logits.shape)})"
        )
    # -[t·log σ(x) + (1 - t)·log(1 - σ(x))] = max(x, 0) - x·t + log(1 + exp(-|x|)):
    # exp() only ever sees -|x| <= 0, so nothing overflows, and no log(0) appears.
    loss = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))
    return _reduce(loss, reduction)
