"""10 digits: the capstone: the course's network on real handwritten digits. (Reference solution.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from ex07_optim import SGD
from ex08_training import fit
from torch import nn
from torch.utils.data import DataLoader, Dataset

Stats = tuple[float, float]  # (mean, std) of the pixel values


class DigitsDataset(Dataset):
    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        stats: Stats | None = None,
        *,
        flatten: bool = True,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        self.images = images
        self.labels = labels
        if stats is None:  # a training set: its own statistics, and only its own
            pixels = images.float()
            stats = (pixels.mean().item(), pixels.std().item())
        self.stats = (float(stats[0]), float(stats[1]))
        self.flatten = flatten
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        mean, std = self.stats
        image = (self.images[index].float() - mean) / std
        image = image.reshape(64) if self.flatten else image.reshape(1, 8, 8)
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]


def make_loaders(
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    val_size: int = 200,
    batch_size: int = 64,
    seed: int = 0,
) -> tuple[DataLoader, DataLoader]:
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    val_part, train_part = order[:val_size], order[val_size:]
    train_set = DigitsDataset(images[train_part], labels[train_part])
    # The validation set is normalised as the model will see new data: with training stats.
    val_set = DigitsDataset(images[val_part], labels[val_part], stats=train_set.stats)
    # Its own seeded generator: the same seed gives the same batches, epoch after epoch.
    train_loader = DataLoader(
        train_set,
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    val_loader = DataLoader(val_set, batch_size=batch_size, shuffle=False)
    return train_loader, val_loader


class Net(nn.Module):
    def __init__(self, in_features: int = 64, hidden: int = 64, num_classes: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


def build_model(hidden: int = 64, *, seed: int = 0, device: torch.device | str = "cpu") -> Net:
    torch.random.manual_seed(seed)  # the global generator, which nn.Linear draws from
    return Net(64, hidden, 10).to(device)


def train(
    train_loader: DataLoader,
    val_loader: DataLoader,
    *,
    hidden: int = 64,
    epochs: int = 10,
    lr: float = 0.1,
    momentum: float = 0.9,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> tuple[Net, list[dict]]:
    model = build_model(hidden, seed=seed, device=device)
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    history = fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, epochs, device)
    return model, history


def save(model: nn.Module, path: str | Path) -> None:
    torch.save(model.state_dict(), path)


def load(path: str | Path, *, hidden: int = 64, device: torch.device | str = "cpu") -> Net:
    # weights_only=True: unpickling a file from elsewhere could run its code; tensors only.
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = Net(64, hidden, 10)
    model.load_state_dict(state)
    return model.to(device)
