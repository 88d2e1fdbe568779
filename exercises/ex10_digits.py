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

zh:
10 手写数字：综合练习：在真实的手写数字上训练课程的网络。

到目前为止，一切都运行在编造的张量上。这里用同样的部件训练一个真正的分类器：UCI 光学手写数字，
数字 0 到 9 的 8x8 灰度图像（像素值 0..16）。你要写出它们的 Dataset、DataLoader、网络（两个
Linear 层，中间一个 ReLU），用你自己的 SGD（练习 07）和 fit（练习 08）训练，并保存和加载训练好的
权重。请先完成练习 07 和 08：train() 要用到它们。

课程在 data/digits_train.npz 中提供训练集（1,438 张图像；来源和许可见 data/README.md）。用 numpy
加载它：

    data = np.load("data/digits_train.npz")
    images = torch.from_numpy(data["images"])   # uint8, (1438, 8, 8)
    labels = torch.from_numpy(data["labels"])   # int64, (1438,)
    train_loader, val_loader = make_loaders(images, labels)
    model, history = train(train_loader, val_loader)

评分时，评分器会这样训练你的流程，并在另外 359 张从不离开评分器的测试图像上衡量模型：目标是
95 % 或更高。每完成一部分，就运行 `grader check 10`。
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

    zh:
    作为 Dataset 的手写数字：第 i 项是一对（归一化后的图像，标签）。

    DigitsDataset(images, labels, stats=None, *, flatten=True, transform=None)
    - `images`：uint8 张量 (N, 8, 8)；`labels`：int64 张量 (N,)。保持它们原样：不要修改它们。
    - `stats`：(mean, std)，两个 Python float。None 表示"从这些图像计算"：images.float() 在所有
      图像的所有像素上的平均值和标准差（torch.std 的默认方式）。把你使用的统计量以两个 float
      组成的 tuple 保存在 `self.stats` 中：验证集或测试集必须用训练集的统计量归一化，所以要把它们
      传过去（`DigitsDataset(val_images, val_labels, stats=train_set.stats)`）。
    - `len(dataset)` 为 N。
    - `dataset[i]` 是一对 (image, label)：图像为 float32，按 (image - mean) / std 归一化，
      `flatten` 为 True 时形状为 (64,)，为 False 时形状为 (1, 8, 8)（一个通道）；然后，如果给了
      `transform`，就返回 transform(image)。标签是 int64 张量 labels[i]（形状为 ()）。

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

    zh:
    把图像划分为训练集和验证集，返回 (train_loader, val_loader)。

    - 划分方式：order = torch.randperm(N, generator=torch.Generator().manual_seed(seed))；
      验证集是 images[order[:val_size]]（以及对应的标签），训练集是其余部分，
      images[order[val_size:]]。
    - 训练集计算它自己的统计量（stats=None）；验证集使用训练集的统计量（stats=train_set.stats），
      绝不用它自己的，也绝不用全部图像的。
    - 两个 loader 都给出大小为 `batch_size` 的批次，并保留最后一个较小的批次。
    - 只有训练 loader 打乱顺序（shuffle=True），使用它自己的、以 `seed` 为种子的生成器
      （generator=torch.Generator().manual_seed(seed)），这样相同的种子给出相同的批次；验证
      loader 保持原有顺序。

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

    zh:
    课程的网络：Linear -> ReLU -> Linear。

    Net(in_features=64, hidden=64, num_classes=10) 恰好有三个子模块，依次为：`fc1` =
    nn.Linear(in_features, hidden)，`relu` = nn.ReLU()，`fc2` = nn.Linear(hidden, num_classes)。
    forward(x) 先把每个样本展平（x.flatten(1)：(B, 1, 8, 8) 和 (B, 64) 都变成 (B, 64)），再依次
    应用 fc1、relu 和 fc2，返回 logits (B, num_classes)（不做 softmax：CrossEntropyLoss 接受的就是
    logits）。

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

    zh:
    一个新的 Net(64, hidden, 10)，权重由 `seed` 抽取，放在 `device` 上。

    先调用 torch.manual_seed(seed)（这样相同的种子给出相同的权重），再构建 Net，并用
    .to(device) 移动它。
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

    zh:
    在手写数字上训练一个新模型；返回 (model, history)。

    模型是 build_model(hidden, seed=seed, device=device)；损失函数是 nn.CrossEntropyLoss()；
    优化器是你在练习 07 中写的 SGD（`from ex07_optim import SGD`），使用 `lr` 和 `momentum`；
    循环是你在练习 08 中写的 fit（`from ex08_training import fit`），在 `device` 上训练 `epochs`
    轮。history 就是 fit 的返回值：每轮一个 dict，含 "epoch"、"train_loss"、"val_loss" 和
    "val_accuracy"。

    >>> model, history = train(train_loader, val_loader, epochs=10)
    >>> history[-1]["val_accuracy"]
    0.96...
    """
    raise NotImplementedError("train: write this function (see its docstring)")


def save(model: nn.Module, path: str | Path) -> None:
    """Save the model's weights (its state_dict(), not the model object) to `path` with torch.save.

    zh:
    用 torch.save 把模型的权重（它的 state_dict()，而不是模型对象）保存到 `path`。
    """
    raise NotImplementedError("save: write this function (see its docstring)")


def load(path: str | Path, *, hidden: int = 64, device: torch.device | str = "cpu") -> Net:
    """A Net(64, hidden, 10) with the weights saved at `path`, on `device`.

    Read the file with torch.load(path, map_location="cpu", weights_only=True): a weights file
    from elsewhere may hold code that unpickling would run, and weights_only=True refuses it.
    Load the weights into a fresh Net (load_state_dict) and move it to `device`.

    zh:
    一个带有保存在 `path` 中的权重的 Net(64, hidden, 10)，放在 `device` 上。

    用 torch.load(path, map_location="cpu", weights_only=True) 读取文件：来自别处的权重文件可能
    含有反序列化（unpickle）时会运行的代码，而 weights_only=True 会拒绝它。把权重加载到一个新的
    Net 中（load_state_dict），再把它移到 `device`。
    """
    raise NotImplementedError("load: write this function (see its docstring)")
