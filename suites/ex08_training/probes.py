"""Probes for 08 training: real models, loaders and optimizers, built beside the learner's code.

Models, DataLoaders and optimizers cannot cross to the judge, so each probe builds them from
plain specs (layer sizes, an initial state_dict, data tensors, batch size, learning rate)
sent by the judge, spies on what the learner's loop does with them, and returns plain data:
the values returned, a log of calls, the gradients each optimizer step saw, and the final
weights. The judge runs its own reference loop and compares; nothing here knows the answer.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data._utils.collate import default_collate

from grader.probe import probe

# ---------------------------------------------------------------- shared with the judge


def build_model(spec: dict) -> nn.Sequential:
    """An MLP from a spec: {"sizes": [4, 8, 3], "dropout": 0.0, "batchnorm": False,
    "dtype": torch.float64}. Linear layers, then BatchNorm1d, ReLU and Dropout between them."""
    sizes = spec["sizes"]
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            if spec.get("batchnorm"):
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(nn.ReLU())
            if spec.get("dropout"):
                layers.append(nn.Dropout(spec["dropout"]))
    return nn.Sequential(*layers).to(spec.get("dtype", torch.float32))


def initial_state(spec: dict, seed: int) -> dict[str, torch.Tensor]:
    """The weights of build_model(spec) initialised from `seed`, leaving the global RNG alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(spec)
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def two_blobs(n: int, seed: int, spread: float = 0.8) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian blobs in the plane, centred at (-2, 0) (class 0) and (2, 0) (class 1)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    centres = torch.tensor([[-2.0, 0.0], [2.0, 0.0]])[labels]
    return centres + spread * torch.randn(n, 2, generator=generator), labels


def rings(n: int, seed: int, noise: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """Two concentric rings in the plane: radius 1 (class 0) and 2.5 (class 1), with noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    radius = torch.where(labels == 0, 1.0, 2.5) + noise * torch.randn(n, generator=generator)
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1), labels


# ---------------------------------------------------------------- spies


class Recorder(nn.Module):
    """Wraps the model: logs every forward (mode, autograd on/off, input device, batch size)
    and every model.zero_grad()."""

    def __init__(self, net: nn.Module, log: list) -> None:
        super().__init__()
        self.net = net
        self.log = log

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        device = str(x.device) if isinstance(x, torch.Tensor) else type(x).__name__
        size = int(x.shape[0]) if isinstance(x, torch.Tensor) and x.dim() else -1
        self.log.append(("forward", self.training, torch.is_grad_enabled(), device, size))
        return self.net(x)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.log.append(("zero_grad", "model"))
        super().zero_grad(set_to_none)


class SpyLoss(nn.Module):
    """Cross-entropy that logs each call, and each backward pass through its result."""

    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def forward(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(outputs, targets)
        self.log.append(("loss", int(targets.shape[0]), bool(loss.requires_grad)))
        if loss.requires_grad:
            loss.register_hook(self._backward_seen)
        return loss

    def _backward_seen(self, grad: torch.Tensor) -> None:
        self.log.append(("backward",))


class SpySGD(torch.optim.SGD):
    """torch.optim.SGD that logs zero_grad() and step(), and keeps the gradients each step saw."""

    def __init__(self, params, log: list, **options) -> None:
        super().__init__(params, **options)
        self.log = log
        self.seen_grads: list[list[torch.Tensor | None]] = []

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.log.append(("zero_grad", "optimizer"))
        super().zero_grad(set_to_none)

    def step(self, closure=None):
        self.log.append(("step",))
        self.seen_grads.append(
            [
                None if p.grad is None else p.grad.detach().clone()
                for group in self.param_groups
                for p in group["params"]
            ]
        )
        return super().step(closure)


class MoveWatcher(TorchFunctionMode):
    """Notes which of the loader's batch tensors had .to() / .cuda() / .cpu() called on them."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[torch.Tensor] = []  # every tensor the loader yielded, in order
        self.moved: set[int] = set()

    def collate(self, samples):
        batch = default_collate(samples)
        self.batches.extend(batch)
        return batch

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in (torch.Tensor.to, torch.Tensor.cuda, torch.Tensor.cpu) and args:
            self.moved.add(id(args[0]))
        return func(*args, **(kwargs or {}))

    def report(self) -> list[bool]:
        return [id(t) in self.moved for t in self.batches]


# ---------------------------------------------------------------- scenario set-up


def _model(setup: dict, log: list) -> Recorder:
    net = build_model(setup["model"])
    net.load_state_dict(setup["state"])
    model = Recorder(net, log).to(setup.get("device", "cpu"))
    model.train(setup.get("mode", "train") == "train")
    fill = setup.get("stale_grads")
    if fill is not None:  # gradients left over from before the call
        for p in model.parameters():
            p.grad = torch.full_like(p, fill)
    return model


def _optimizer(setup: dict, model: nn.Module, log: list) -> SpySGD:
    return SpySGD(model.parameters(), log, **setup.get("optimizer", {"lr": 0.1}))


def _loader(data: tuple, batch_size: int, collate=None) -> DataLoader:
    return DataLoader(
        TensorDataset(*data), batch_size=batch_size, shuffle=False, collate_fn=collate
    )


def _seed(setup: dict) -> None:
    if setup.get("seed") is not None:  # Dropout draws from the global RNG: same seed as the judge
        torch.manual_seed(setup["seed"])


def _state(model: Recorder) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.net.state_dict().items()}


def _grads(model: Recorder) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in model.net.parameters()]


# ---------------------------------------------------------------- probes


@probe
def train_epochs(module, setup: dict, data: tuple, batch_size: int, epochs: int = 1) -> dict:
    """Call train_one_epoch `epochs` times on one model, loader and optimizer."""
    log: list = []
    model = _model(setup, log)
    optimizer = _optimizer(setup, model, log)
    watcher = MoveWatcher()
    loader = _loader(data, batch_size, watcher.collate)
    _seed(setup)
    results = []
    with watcher:
        for _ in range(epochs):
            returned = module.train_one_epoch(
                model, loader, SpyLoss(log), optimizer, setup.get("device", "cpu")
            )
            results.append(returned)
    return {
        "results": results,
        "log": log,
        "step_grads": optimizer.seen_grads,
        "moved": watcher.report(),
        "state": _state(model),
    }


@probe
def evaluate_run(module, setup: dict, data: tuple, batch_size: int) -> dict:
    """Call evaluate once; report what it returned, the log, and the weights and .grad after."""
    log: list = []
    model = _model(setup, log)
    watcher = MoveWatcher()
    loader = _loader(data, batch_size, watcher.collate)
    _seed(setup)
    with watcher:
        returned = module.evaluate(model, loader, SpyLoss(log), setup.get("device", "cpu"))
    return {
        "result": returned,
        "log": log,
        "state": _state(model),
        "grads": _grads(model),
        "moved": watcher.report(),
    }


@probe
def fit_run(module, setup: dict, train: tuple, val: tuple, batch_size: int, epochs: int) -> dict:
    """Call fit; report the history and the final weights."""
    log: list = []
    model = _model(setup, log)
    optimizer = _optimizer(setup, model, log)
    _seed(setup)
    history = module.fit(
        model,
        _loader(train, batch_size),
        _loader(val, batch_size),
        SpyLoss(log),
        optimizer,
        epochs,
        setup.get("device", "cpu"),
    )
    return {"history": history, "state": _state(model)}


@probe
def accumulate_run(module, setup: dict, micro_batches: list) -> dict:
    """Call accumulate_step once on a list of (inputs, targets) micro-batches."""
    log: list = []
    model = _model(setup, log)
    optimizer = _optimizer(setup, model, log)
    batches = [tuple(batch) for batch in micro_batches]
    watcher = MoveWatcher()
    watcher.batches.extend(t for batch in batches for t in batch)
    _seed(setup)
    with watcher:
        returned = module.accumulate_step(
            model, SpyLoss(log), batches, optimizer, setup.get("device", "cpu")
        )
    return {
        "result": returned,
        "log": log,
        "step_grads": optimizer.seen_grads,
        "state": _state(model),
        "moved": watcher.report(),
    }
