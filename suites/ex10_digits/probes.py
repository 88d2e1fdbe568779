"""Probes for 10 digits: the learner's Dataset, loaders, model and training, run beside their code.

DataLoaders and models cannot cross to the judge, so each probe builds them with the learner's
functions from plain inputs sent by the judge (images, labels, seeds, sizes) and returns plain
data: items, label batches, weights, a log of forward passes, predictions. The judge computes
every expected value itself; nothing here knows an answer, and no test label ever comes here.
"""

from __future__ import annotations

import builtins
import contextlib
import tempfile
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import RandomSampler

from grader.probe import probe

CODE_RAN = "_grader_unpickled_code_ran"


class AffineTransform:
    """A transform the judge can predict: x * 2 + 1, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x * 2 + 1


@probe
def dataset_items(
    module, images, labels, indices: list, stats=None, flatten=True, transform=False
) -> dict:
    """Build DigitsDataset(images, labels, stats, flatten=..., transform=...) and read items
    (flatten None: left out, so the default is used)."""
    images_before, labels_before = images.clone(), labels.clone()
    affine = AffineTransform() if transform else None
    options = (
        {"transform": affine} if flatten is None else {"flatten": flatten, "transform": affine}
    )
    dataset = module.DigitsDataset(images, labels, stats, **options)
    items = [tuple(dataset[i]) for i in indices]
    return {
        "length": len(dataset),
        "stats": getattr(dataset, "stats", None),
        "items": items,
        "transform_calls": affine.calls if affine else 0,
        "inputs_unchanged": torch.equal(images, images_before)
        and torch.equal(labels, labels_before),
    }


def describe_loader(loader, epochs: int) -> dict:
    dataset = getattr(loader, "dataset", None)
    epochs_seen = [[(inputs, targets) for inputs, targets in loader] for _ in range(epochs)]
    return {
        "size": len(dataset) if dataset is not None else -1,
        "stats": getattr(dataset, "stats", None),
        "shuffles": isinstance(getattr(loader, "sampler", None), RandomSampler),
        "labels": [[targets for _, targets in batches] for batches in epochs_seen],
        "inputs": [inputs for inputs, _ in epochs_seen[0]] if epochs_seen else [],
    }


@probe
def loaders(module, images, labels, options: dict, epochs: int = 2) -> dict:
    """make_loaders(images, labels, **options); each loader's dataset and batches, the
    training loader for `epochs` epochs."""
    train_loader, val_loader = module.make_loaders(images, labels, **options)
    return {"train": describe_loader(train_loader, epochs), "val": describe_loader(val_loader, 1)}


def plain_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


@probe
def net_run(module, args: tuple, inputs: list) -> dict:
    """Net(*args): its submodules, weights, and outputs for each input batch."""
    net = module.Net(*args)
    with torch.no_grad():
        outputs = [net(x) for x in inputs]
    return {
        "children": [(name, type(child).__name__) for name, child in net.named_children()],
        "is_module": isinstance(net, nn.Module),
        "parameters": sum(p.numel() for p in net.parameters()),
        "state": plain_state(net),
        "outputs": outputs,
    }


@probe
def built(module, hidden: int | None, seed: int | None, device: str) -> dict:
    """build_model(hidden, seed=seed, device=device); hidden and seed None: left out."""
    options = {"device": device} if seed is None else {"seed": seed, "device": device}
    model = (
        module.build_model(**options) if hidden is None else module.build_model(hidden, **options)
    )
    return {
        "state": plain_state(model),
        "devices": sorted({str(p.device) for p in model.parameters()}),
    }


@contextlib.contextmanager
def forward_log(net_class: type):
    """Every forward pass of a `net_class` model while the block runs: (training mode,
    autograd on, the input's device)."""
    log: list = []

    def seen(model, args):
        if isinstance(model, net_class):
            x = args[0] if args else None
            where = str(x.device) if isinstance(x, torch.Tensor) else type(x).__name__
            log.append((bool(model.training), torch.is_grad_enabled(), where))

    handle = nn.modules.module.register_module_forward_pre_hook(seen)
    try:
        yield log
    finally:
        handle.remove()


@probe
def train_run(module, images, labels, loader_options: dict, train_options: dict) -> dict:
    """make_loaders, then train, logging every forward pass of the learner's Net."""
    train_loader, val_loader = module.make_loaders(images, labels, **loader_options)
    with forward_log(module.Net) as log:
        model, history = module.train(train_loader, val_loader, **train_options)
    return {
        "history": history,
        "state": plain_state(model),
        "devices": sorted({str(p.device) for p in model.parameters()}),
        "forwards": log,
    }


@probe
def save_and_load(module, hidden: int, seed: int) -> dict:
    """build_model, save, then read the file back with torch.load(weights_only=True) and with
    the learner's load."""
    model = module.build_model(hidden, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digits.pt"
        module.save(model, path)
        saved = torch.load(path, map_location="cpu", weights_only=True)
        loaded = module.load(path, hidden=hidden)
    return {
        "built": plain_state(model),
        "saved": saved if isinstance(saved, dict) else type(saved).__name__,
        "loaded": plain_state(loaded),
    }


@probe
def load_file(module, file_bytes: torch.Tensor, hidden: int | None, device: str) -> dict:
    """load() a weights file the judge wrote (its bytes come as a uint8 tensor); hidden None:
    left out."""
    options = {"device": device} if hidden is None else {"hidden": hidden, "device": device}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weights.pt"
        path.write_bytes(file_bytes.numpy().tobytes())
        loaded = module.load(path, **options)
    return {
        "loaded": plain_state(loaded),
        "devices": sorted({str(p.device) for p in loaded.parameters()}),
    }


class RunsCode:
    """Unpickled without weights_only, this object runs code (here: it only sets a flag)."""

    def __reduce__(self):
        return (exec, (f"import builtins; builtins.{CODE_RAN} = True",))


@probe
def load_hostile_file(module) -> dict:
    """Hand load() a weights file that would run code if unpickled without weights_only."""
    setattr(builtins, CODE_RAN, False)
    state = plain_state(module.build_model(64, seed=0))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.pt"
        torch.save({**state, "payload": RunsCode()}, path)
        raised = None
        try:
            module.load(path)
        except Exception as exc:  # refusing the file is what load() should do
            raised = type(exc).__name__
    return {"code_ran": bool(getattr(builtins, CODE_RAN, False)), "raised": raised}


@probe
def outcome(module, images, labels, test_images) -> dict:
    """Train the learner's pipeline with its defaults; predict the test images (no labels come
    here: a placeholder of zeros stands in, and the judge keeps the real ones)."""
    train_loader, val_loader = module.make_loaders(images, labels)
    model, history = module.train(train_loader, val_loader)
    placeholder = torch.zeros(len(test_images), dtype=torch.int64)
    test_set = module.DigitsDataset(test_images, placeholder, stats=train_loader.dataset.stats)
    inputs = torch.stack([test_set[i][0] for i in range(len(test_set))])
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        predictions = model(inputs.to(device)).argmax(dim=1).cpu()
    return {"predictions": predictions, "history": history}
