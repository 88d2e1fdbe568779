"""10 digits: the capstone: the course's network on real handwritten digits.

Everything so far ran on made-up tensors. Here the same pieces train a real classifier: the
UCI optical handwritten digits, 8x8 grey images (pixel values 0..16) of the digits 0 to 9.
You write a Dataset over them, the DataLoaders, the network (two Linear layers with a ReLU
between them), training with your own SGD (exercise 07) and fit (exercise 08), and saving and
loading the trained weights. Finish exercises 07 and 08 first: train() uses them.

The course ships the training split in data/digits_train.npz (1,438 images; its source and
licence are in data/README.md). Load it with numpy:

    data = np.load("data/digits_train.npz")
    images = torch.from_numpy(data["images"])   # uint8, (1438, 8, 8)
    labels = torch.from_numpy(data["labels"])   # int64, (1438,)
    train_loader, val_loader = make_loaders(images, labels)
    model, history = train(train_loader, val_loader)

When your work is graded, the grader trains your pipeline like this and measures the model on
a test split of 359 other images that never leaves the grader: aim for 95 % or more. Run
`grader check 10` after each piece you finish.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

Stats = tuple[float, float]  # (mean, std) of the pixel values


class DigitsDataset(Dataset):
    """The digits as a Dataset: item i is (normalised image, label).

    DigitsDataset(images, labels, stats=None, *, flatten=True, transform=None)
    - `images`: a uint8 tensor (N, 8, 8); `labels`: an int64 tensor (N,). Keep them as they
      are: do not modify them.
    - `stats`: (mean, std), two Python floats. None means "compute them from these images":
      the mean and the standard deviation (torch.std's default) of images.float(), over all
      pixels of all images. Keep what you use in `self.stats`, as a tuple of two floats:
      a validation or test set must be normalised with the TRAINING set's statistics, so
      those are handed over (`DigitsDataset(val_images, val_labels, stats=train_set.stats)`).
    - `len(dataset)` is N.
    - `dataset[i]` is a pair (image, label): the image as float32, normalised as
      (image - mean) / std, of shape (64,) when `flatten` is True and (1, 8, 8) (one channel)
      when it is False; then, if `transform` is given, transform(image) is what you return.
      The label is the int64 tensor labels[i] (shape ()).

    >>> train_set = DigitsDataset(images, labels)
    >>> len(train_set), train_set.stats
    (1438, (4.89..., 6.01...))
    >>> x, y = train_set[0]
    >>> x.shape, x.dtype, y
    (torch.Size([64]), torch.float32, tensor(0))
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        stats: Stats | None = None,
        *,
        flatten: bool = True,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        raise NotImplementedError("DigitsDataset: write __init__ (see the class docstring)")

    def __len__(self) -> int:
        raise NotImplementedError("DigitsDataset: write __len__ (see the class docstring)")

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("DigitsDataset: write __getitem__ (see the class docstring)")


def make_loaders(
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    val_size: int = 200,
    batch_size: int = 64,
    seed: int = 0,
) -> tuple[DataLoader, DataLoader]:
    """Split the images into training and validation sets and return (train_loader, val_loader).

    - The split: order = torch.randperm(N, generator=torch.Generator().manual_seed(seed));
      the validation set is images[order[:val_size]] (and their labels), the training set
      the rest, images[order[val_size:]].
    - The training set computes its own statistics (stats=None); the validation set gets the
      training set's (stats=train_set.stats), never its own, never those of all the images.
    - Both loaders give batches of `batch_size` and keep the last, smaller batch.
    - Only the training loader shuffles (shuffle=True), with its own generator seeded with
      `seed` (generator=torch.Generator().manual_seed(seed)), so that the same seed gives the
      same batches; the validation loader keeps its order.

    >>> train_loader, val_loader = make_loaders(images, labels, seed=0)
    >>> len(train_loader.dataset), len(val_loader.dataset)
    (1238, 200)
    """
    raise NotImplementedError("make_loaders: write this function (see its docstring)")


class Net(nn.Module):
    """The course's network: Linear -> ReLU -> Linear.

    Net(in_features=64, hidden=64, num_classes=10) has exactly three submodules, in this
    order: `fc1` = nn.Linear(in_features, hidden), `relu` = nn.ReLU(), `fc2` =
    nn.Linear(hidden, num_classes). forward(x) flattens each sample first (x.flatten(1):
    (B, 1, 8, 8) and (B, 64) both become (B, 64)), then applies fc1, relu and fc2, and
    returns the logits (B, num_classes) (no softmax: CrossEntropyLoss takes logits).

    >>> Net()(torch.zeros(5, 64)).shape
    torch.Size([5, 10])
    """

    def __init__(self, in_features: int = 64, hidden: int = 64, num_classes: int = 10) -> None:
        raise NotImplementedError("Net: write __init__ (see the class docstring)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Net: write forward (see the class docstring)")


def build_model(hidden: int = 64, *, seed: int = 0, device: torch.device | str = "cpu") -> Net:
    """A fresh Net(64, hidden, 10) with weights drawn from `seed`, on `device`.

    Call torch.manual_seed(seed) first (so the same seed gives the same weights), build the
    Net, and move it with .to(device).
    """
    raise NotImplementedError("build_model: write this function (see its docstring)")


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
    """Train a fresh model on the digits; return (model, history).

    The model is build_model(hidden, seed=seed, device=device); the loss nn.CrossEntropyLoss();
    the optimizer YOUR SGD from exercise 07 (`from ex07_optim import SGD`) with `lr` and
    `momentum`; the loop YOUR fit from exercise 08 (`from ex08_training import fit`) for
    `epochs` epochs on `device`. history is what fit returned: one dict per epoch with
    "epoch", "train_loss", "val_loss" and "val_accuracy".

    >>> model, history = train(train_loader, val_loader, epochs=10)
    >>> history[-1]["val_accuracy"]
    0.96...
    """
    raise NotImplementedError("train: write this function (see its docstring)")


def save(model: nn.Module, path: str | Path) -> None:
    """Save the model's weights (its state_dict(), not the model object) to `path` with torch.save."""
    raise NotImplementedError("save: write this function (see its docstring)")


def load(path: str | Path, *, hidden: int = 64, device: torch.device | str = "cpu") -> Net:
    """A Net(64, hidden, 10) with the weights saved at `path`, on `device`.

    Read the file with torch.load(path, map_location="cpu", weights_only=True): a weights file
    from elsewhere may hold code that unpickling would run, and weights_only=True refuses it.
    Load the weights into a fresh Net (load_state_dict) and move it to `device`.
    """
    raise NotImplementedError("load: write this function (see its docstring)")
