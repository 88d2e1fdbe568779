"""08 training: the loop: forward → loss → zero_grad → backward → step. (Reference solution.)"""

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
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()  # backward() adds to .grad: start this batch from zero
        loss.backward()
        optimizer.step()
        # .item() gives a Python float: keeping `loss` would keep this batch's graph alive.
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


def evaluate(
    model: nn.Module, loader: Iterable[Batch], loss_fn: LossFn, device: torch.device | str
) -> dict:
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():  # no graph: nothing here will be backpropagated
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            total += loss_fn(outputs, targets).item() * len(inputs)
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            count += len(inputs)
    return {"loss": total / count, "accuracy": correct / count}


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str,
) -> list[dict]:
    history = []
    for epoch in range(1, epochs + 1):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        measured = evaluate(model, val_loader, loss_fn, device)
        history.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_loss": measured["loss"],
                "val_accuracy": measured["accuracy"],
            }
        )
    return history


def accumulate_step(
    model: nn.Module,
    loss_fn: LossFn,
    micro_batches: Sequence[Batch],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
) -> float:
    optimizer.zero_grad()  # once, before the first micro-batch: then let .grad add up
    total = 0.0
    for inputs, targets in micro_batches:
        inputs, targets = inputs.to(device), targets.to(device)
        # Equal-sized micro-batches: the mean of their mean losses is the big batch's mean.
        loss = loss_fn(model(inputs), targets) / len(micro_batches)
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total
