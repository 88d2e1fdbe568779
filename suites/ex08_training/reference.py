"""Reference loops for 08 training: the answers, so `grader release` never ships this file.

The public and hidden suites call these through `references(__file__)` with their own inputs
(a setup, data, a batch size), never with what a learner returned: in the learner kit, the
values recorded for those inputs when the kit was made are read back instead. Every function
runs on the CPU (a check on a GPU asks for the same values) and returns plain data.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from grader.testing import probes_of

P = probes_of(__file__)


def loader(data: tuple, batch_size: int) -> DataLoader:
    return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=False)


class Reference:
    """The reference loop, run in the judge with torch's own classes."""

    def __init__(self, setup: dict) -> None:
        self.net = P.build_model(setup["model"])
        self.net.load_state_dict(setup["state"])
        self.net.train(setup["mode"] == "train")
        if setup["stale_grads"] is not None:
            for p in self.net.parameters():
                p.grad = torch.full_like(p, setup["stale_grads"])
        self.optimizer = torch.optim.SGD(self.net.parameters(), **setup["optimizer"])
        self.names = [name for name, _ in self.net.named_parameters()]
        if setup["seed"] is not None:  # as the probe does, right before the learner's call
            torch.manual_seed(setup["seed"])

    def train_epoch(self, batches) -> dict:
        self.net.train()
        losses, sizes, grads = [], [], []
        for inputs, targets in batches:
            loss = F.cross_entropy(self.net(inputs), targets)
            self.optimizer.zero_grad()
            loss.backward()
            grads.append([p.grad.detach().clone() for p in self.net.parameters()])
            self.optimizer.step()
            losses.append(loss.item())
            sizes.append(len(inputs))
        mean = sum(loss * size for loss, size in zip(losses, sizes, strict=True)) / sum(sizes)
        return {"mean": mean, "losses": losses, "sizes": sizes, "grads": grads}

    def evaluate(self, batches) -> dict:
        self.net.eval()
        total, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for inputs, targets in batches:
                outputs = self.net(inputs)
                total += F.cross_entropy(outputs, targets).item() * len(inputs)
                correct += int((outputs.argmax(1) == targets).sum())
                count += len(inputs)
        return {"loss": total / count, "accuracy": correct / count}

    def accumulate(self, micro_batches: list) -> dict:
        """One step on all micro-batches joined into one batch; also each micro-batch's own
        gradient at the starting weights (to recognise the usual mistakes)."""
        params = list(self.net.parameters())
        each = [
            list(torch.autograd.grad(F.cross_entropy(self.net(x), y), params))
            for x, y in micro_batches
        ]
        self.optimizer.zero_grad()
        inputs = torch.cat([x for x, _ in micro_batches])
        targets = torch.cat([y for _, y in micro_batches])
        loss = F.cross_entropy(self.net(inputs), targets)
        loss.backward()
        grad = [p.grad.detach().clone() for p in params]
        self.optimizer.step()
        return {"loss": loss.item(), "grad": grad, "each": each}

    def state(self) -> dict[str, torch.Tensor]:
        return {name: value.detach().clone() for name, value in self.net.state_dict().items()}


def train_epochs(setup: dict, data: tuple, batch_size: int, epochs: int = 1) -> dict:
    """`epochs` calls of the reference train_one_epoch: each epoch's mean loss, batch losses
    and sizes, the gradient each step saw; the weights at the end; the parameters' names."""
    reference = Reference(setup)
    trained = [reference.train_epoch(loader(data, batch_size)) for _ in range(epochs)]
    return {"epochs": trained, "state": reference.state(), "names": reference.names}


def evaluate(setup: dict, data: tuple, batch_size: int) -> dict:
    """The reference evaluate()'s dict, and the weights after it (unchanged)."""
    reference = Reference(setup)
    result = reference.evaluate(loader(data, batch_size))
    return {"result": result, "state": reference.state()}


def fit(setup: dict, train: tuple, val: tuple, batch_size: int, epochs: int) -> dict:
    """The reference fit()'s history, and the weights at the end."""
    reference = Reference(setup)
    history = []
    for epoch in range(1, epochs + 1):
        trained = reference.train_epoch(loader(train, batch_size))
        measured = reference.evaluate(loader(val, batch_size))
        history.append(
            {
                "epoch": epoch,
                "train_loss": trained["mean"],
                "val_loss": measured["loss"],
                "val_accuracy": measured["accuracy"],
            }
        )
    return {"history": history, "state": reference.state()}


def accumulate(setup: dict, micro_batches: list) -> dict:
    """The reference accumulate_step: its loss, the step's gradient, each micro-batch's own
    gradient, the weights after the step, the parameters' names."""
    reference = Reference(setup)
    result = reference.accumulate(micro_batches)
    return {**result, "state": reference.state(), "names": reference.names}
