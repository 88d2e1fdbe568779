"""06 losses: MSE, cross-entropy, binary cross-entropy.

A loss turns a model's output and the right answer into one number to minimise. You
write the three losses almost every model uses, exactly as PyTorch defines them, and
numerically stable: logits (a model's raw scores) can be large, and exp() of a large
number overflows to inf while the probability of a very unlikely class underflows to 0,
whose log is -inf. Stable formulas never compute either.

Every loss takes `reduction`:
- "mean" (the default): the mean of the per-element losses, a 0-d tensor;
- "sum": their sum, a 0-d tensor;
- "none": the per-element losses themselves;
- anything else: raise ValueError.

The loss must keep the input's dtype and device, be differentiable (the gradient with
respect to the logits is what trains a model), and leave its inputs unchanged. The grader
also runs your losses on the "meta" device, whose tensors have shapes but no values: do
not use boolean-mask indexing (x[mask]), .item() or `if tensor:` (torch.where and sums do
the same work without looking at values), and make every new tensor on the input's device
(e.g. torch.arange(n, device=logits.device)).

Run `grader check 06` after each function you finish.
"""

from __future__ import annotations

import torch


def mse_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error, like torch.nn.functional.mse_loss: (pred - target) ** 2, reduced.

    `pred` and `target` must have the same shape: raise ValueError if they differ. (PyTorch
    only warns: a pred of shape (N, 1) against a target of shape (N,) broadcasts to (N, N),
    compares every prediction with every target, and silently trains on nonsense.)

    >>> mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    raise NotImplementedError("mse_loss: write this function (see its docstring)")


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Cross-entropy of (N, C) logits, like torch.nn.functional.cross_entropy.

    log_probs = log_softmax(logits) along dim 1, computed stably as
    logits - logsumexp(logits) (torch.logsumexp is allowed). The result must be finite for
    logits as large as ±1e4: log(softmax(x)) is not (softmax gives exactly 0 for a class far
    below the best one, and log(0) = -inf).

    `target` is one of:
    - class indices: an int64 tensor of shape (N,) with values in [0, C). The loss of
      sample i is -log_probs[i, target[i]]. Samples whose target equals `ignore_index` do
      not count: their loss is 0 (reduction="none"), and "mean" divides by the number of
      samples that are not ignored (nan if every sample is ignored, as in PyTorch).
    - class probabilities: a floating tensor of shape (N, C) whose rows sum to 1. The loss
      of sample i is -sum_c target[i, c] * log_probs[i, c]; "mean" divides by N.
      (`ignore_index` does not apply to these.)

    label_smoothing = ε in [0, 1) mixes the target with the uniform distribution over all
    C classes: the target becomes (1 - ε) * one_hot(target) + ε / C for class indices, and
    (1 - ε) * target + ε / C for probabilities.

    Not allowed: F.cross_entropy, F.nll_loss, F.log_softmax, torch.log_softmax,
    Tensor.log_softmax (and nn.CrossEntropyLoss, nn.NLLLoss).

    >>> cross_entropy(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    tensor(0.6931)
    """
    raise NotImplementedError("cross_entropy: write this function (see its docstring)")


def binary_cross_entropy_with_logits(
    logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Binary cross-entropy of logits, like F.binary_cross_entropy_with_logits.

    With p = sigmoid(logits), the per-element loss is -[t * log(p) + (1 - t) * log(1 - p)]
    for targets t in [0, 1] (not only 0 and 1). Computed that way it is not stable: for a
    logit of -1e4, sigmoid gives exactly 0 and log(0) = -inf. Rewrite it so that exp() only
    ever sees numbers <= 0 (hint: max(x, 0) - x * t + log(1 + exp(-|x|)), and torch.log1p).
    The result must be finite for logits as large as ±1e4.

    `logits` and `target` must have the same shape: raise ValueError otherwise (as PyTorch).

    Not allowed: F.binary_cross_entropy_with_logits, F.binary_cross_entropy (and
    nn.BCEWithLogitsLoss, nn.BCELoss).

    >>> binary_cross_entropy_with_logits(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)
    """
    raise NotImplementedError(
        "binary_cross_entropy_with_logits: write this function (see its docstring)"
    )
