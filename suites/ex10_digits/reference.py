"""References for 10 digits: what a correct pipeline gives for a check's own inputs.

Kept out of the learner kit (`grader release` never ships reference.py): the public suite
calls these through grader.testing.references, and the kit reads back recorded values.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def pixel_stats(images: torch.Tensor) -> tuple[float, float]:
    pixels = images.to(torch.float32)
    return float(pixels.mean()), float(pixels.std())


def normalised(images: torch.Tensor, stats: tuple[float, float], flatten: bool) -> torch.Tensor:
    mean, std = stats
    shape = (len(images), 64) if flatten else (len(images), 1, 8, 8)
    return ((images.to(torch.float32) - mean) / std).reshape(shape)


def split_order(n: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def momentum_step(params, grads, buffers: list, lr: float, momentum: float) -> None:
    """torch.optim.SGD's step with momentum, written out: its first use in a process imports
    torch._dynamo, seconds that a judge grading this exercise alone would pay."""
    with torch.no_grad():
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            buffers[i] = (
                grad.clone() if buffers[i] is None else buffers[i].mul_(momentum).add_(grad)
            )
            param.sub_(lr * buffers[i])


def loader_batches(
    labels: torch.Tensor, val_size: int, batch_size: int, seed: int, epochs: int
) -> dict:
    """The label batches each loader gives: the training loader for `epochs` epochs (its
    sampler draws from its own generator), the validation loader once."""
    order = split_order(len(labels), seed)
    val_labels, train_labels = labels[order[:val_size]], labels[order[val_size:]]
    train = [
        list(train_labels[permutation].split(batch_size))
        for permutation in shuffled_orders(len(train_labels), seed, epochs)
    ]
    return {"train": train, "val": list(val_labels.split(batch_size))}


def net_state(hidden: int, seed: int) -> dict[str, torch.Tensor]:
    """The weights of Net(64, hidden, 10) right after torch.manual_seed(seed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        fc1, fc2 = nn.Linear(64, hidden), nn.Linear(hidden, 10)
    return {
        "fc1.weight": fc1.weight.detach(),
        "fc1.bias": fc1.bias.detach(),
        "fc2.weight": fc2.weight.detach(),
        "fc2.bias": fc2.bias.detach(),
    }


def logits(state: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    hidden = F.relu(F.linear(x.flatten(1), state["fc1.weight"], state["fc1.bias"]))
    return F.linear(hidden, state["fc2.weight"], state["fc2.bias"])


def training_history(
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    val_size: int,
    batch_size: int,
    hidden: int,
    epochs: int,
    lr: float,
    momentum: float,
    seed: int,
) -> list[dict]:
    """The history of a correct make_loaders + train (SGD with momentum, as torch.optim.SGD)."""
    order = split_order(len(labels), seed)
    val_images, val_labels = images[order[:val_size]], labels[order[:val_size]]
    train_images, train_labels = images[order[val_size:]], labels[order[val_size:]]
    stats = pixel_stats(train_images)
    train_x, val_x = normalised(train_images, stats, True), normalised(val_images, stats, True)
    batches = [
        order.split(batch_size) for order in shuffled_orders(len(train_labels), seed, epochs)
    ]
    state = net_state(hidden, seed)
    params = [p.clone().requires_grad_() for p in state.values()]
    weights = dict(zip(state, params, strict=True))
    buffers: list[torch.Tensor | None] = [None] * len(params)
    history = []
    for epoch, epoch_batches in enumerate(batches, start=1):
        total = 0.0
        for index in epoch_batches:
            loss = F.cross_entropy(logits(weights, train_x[index]), train_labels[index])
            grads = torch.autograd.grad(loss, params)
            momentum_step(params, grads, buffers, lr, momentum)
            total += loss.item() * len(index)
        with torch.no_grad():
            out = logits(weights, val_x)
            history.append(
                {
                    "epoch": epoch,
                    "train_loss": total / len(train_labels),
                    "val_loss": F.cross_entropy(out, val_labels).item(),
                    "val_accuracy": (out.argmax(1) == val_labels).double().mean().item(),
                }
            )
    return history


def shuffled_orders(n: int, seed: int, epochs: int) -> list[torch.Tensor]:
    """The order a DataLoader(shuffle=True, generator=torch.Generator().manual_seed(seed))
    visits n samples in, epoch after epoch: torch's own DataLoader, over the indices."""
    indices = DataLoader(
        TensorDataset(torch.arange(n)),
        batch_size=n,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    return [torch.cat([batch for (batch,) in indices]) for _ in range(epochs)]
