"""08 training: the loop: forward → loss → zero_grad → backward → step.

Every PyTorch training program has the same heart: for each batch, run the model, compute
the loss, clear the old gradients, backpropagate, and let the optimizer update the weights.
Here you write that loop, an evaluation pass, a `fit` that alternates them, and gradient
accumulation. Use PyTorch's own classes (nn.Module models, torch.optim optimizers,
DataLoaders): the grader hands you real ones and watches what your loop does with them.
Run `grader check 08` after each function you finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

Batch = tuple[torch.Tensor, torch.Tensor]  # (inputs, targets)
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def train_one_epoch(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
) -> float:
    """Train `model` for one pass over `loader`; return the epoch's mean loss as a float.

    Put the model in training mode first (model.train()). Then, for each (inputs, targets)
    batch: move both to `device`, run the model, compute the loss with loss_fn(outputs,
    targets), clear the gradients (optimizer.zero_grad()), backpropagate (loss.backward())
    and update the weights (optimizer.step()). The gradient each step uses must come from
    its own batch alone: backward() adds to .grad, so clear it before every backward.

    The result is the mean loss over all samples, weighted by batch size: the last batch
    may be smaller than the others, and a batch of 2 samples counts half as much as one of 4.
    loss_fn returns the mean over a batch, so add up loss * batch_size and divide by the
    number of samples. Return a Python float (loss.item()), not a tensor: a tensor that
    requires grad keeps the whole autograd graph of its batch alive.

    >>> train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, "cpu")
    0.6931...
    """
    raise NotImplementedError("train_one_epoch: write this function (see its docstring)")


def evaluate(
    model: nn.Module, loader: Iterable[Batch], loss_fn: LossFn, device: torch.device | str
) -> dict:
    """Measure `model` on `loader` without training it: {"loss": float, "accuracy": float}.

    Put the model in evaluation mode (model.eval(): Dropout stops dropping and BatchNorm
    uses its running statistics) and build no autograd graph (run under torch.no_grad()).
    Move each batch to `device`. "loss" is the sample-weighted mean loss, as in
    train_one_epoch; "accuracy" is the fraction of samples, in [0, 1], whose predicted class
    (the argmax of the outputs over dim 1) equals the target. Both are Python floats.
    Evaluating must change no parameter and no .grad.

    >>> evaluate(model, val_loader, nn.CrossEntropyLoss(), "cpu")
    {'loss': 0.35..., 'accuracy': 0.9...}
    """
    raise NotImplementedError("evaluate: write this function (see its docstring)")


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str,
) -> list[dict]:
    """Train for `epochs` epochs, evaluating after each; return the history, one dict per epoch.

    Each epoch: train_one_epoch on train_loader, then evaluate on val_loader. The dict for an
    epoch has exactly these keys: "epoch" (an int, counting from 1), "train_loss" (what
    train_one_epoch returned), "val_loss" and "val_accuracy" (what evaluate returned).

    >>> fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, 2, "cpu")
    [{'epoch': 1, 'train_loss': 0.61..., 'val_loss': 0.52..., 'val_accuracy': 0.8...},
     {'epoch': 2, 'train_loss': 0.47..., 'val_loss': 0.41..., 'val_accuracy': 0.9...}]
    """
    raise NotImplementedError("fit: write this function (see its docstring)")


def accumulate_step(
    model: nn.Module,
    loss_fn: LossFn,
    micro_batches: Sequence[Batch],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
) -> float:
    """One optimizer step over several equal-sized micro-batches, as if they were one batch.

    When a big batch does not fit in memory, split it: run each (inputs, targets)
    micro-batch (moved to `device`) forward and call backward() on its loss, WITHOUT
    clearing the gradients in between, so that they add up in .grad; then call
    optimizer.step() once. The step's gradient must equal the gradient of the mean loss
    over all the micro-batches together, i.e. of one big batch: since backward() adds
    gradients up, divide each micro-batch's loss by the number of micro-batches first.
    Gradients left over from before the call must not count: clear them at the start.

    Return the mean loss over all micro-batches, as a Python float.
    """
    raise NotImplementedError("accumulate_step: write this function (see its docstring)")
