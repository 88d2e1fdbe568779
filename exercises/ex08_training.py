"""08 training: the loop: forward → loss → zero_grad → backward → step.

Every PyTorch training program has the same heart: for each batch, run the model, compute
the loss, clear the old gradients, backpropagate, and let the optimizer update the weights.
Here you write that loop, an evaluation pass, a `fit` that alternates them, and gradient
accumulation. Use PyTorch's own classes (nn.Module models, torch.optim optimizers,
DataLoaders): the grader hands you real ones and watches what your loop does with them.
Run `grader check 08` after each function you finish.

zh:
08 训练：训练循环：前向 → 损失 → zero_grad → 反向传播 → step。

每个 PyTorch 训练程序的核心都一样：对每个批次，运行模型，计算损失，清除旧的梯度，反向传播，再让
优化器更新权重。这里你要写出这个循环、一次评估、交替进行两者的 `fit`，以及梯度累加。请使用 PyTorch
自己的类（nn.Module 模型、torch.optim 优化器、DataLoader）：评分器交给你真实的对象，并观察你的
循环对它们做了什么。每写完一个函数，就运行 `grader check 08`。
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

    zh:
    在 `loader` 上把 `model` 训练一遍；以 float 返回这一轮的平均损失。

    先把模型置于训练模式（model.train()）。然后对每个 (inputs, targets) 批次：把两者都移到
    `device`，运行模型，用 loss_fn(outputs, targets) 计算损失，清除梯度（optimizer.zero_grad()），
    反向传播（loss.backward()），并更新权重（optimizer.step()）。每一步使用的梯度必须只来自它自己
    的批次：backward() 会累加到 .grad 上，所以每次 backward 之前都要清除它。

    结果是所有样本上的平均损失，按批次大小加权：最后一个批次可能比其他批次小，一个 2 个样本的批次
    只算一个 4 个样本的批次的一半。loss_fn 返回的是一个批次上的平均值，所以要把 loss * batch_size
    加起来，再除以样本数。返回 Python float（loss.item()），而不是张量：需要梯度的张量会让它所在
    批次的整个自动求导计算图一直存活。

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

    zh:
    在 `loader` 上衡量 `model`，但不训练它：{"loss": float, "accuracy": float}。

    把模型置于评估模式（model.eval()：Dropout 不再丢弃，BatchNorm 使用它的滑动统计量），并且不构建
    自动求导的计算图（在 torch.no_grad() 下运行）。把每个批次移到 `device`。"loss" 是按样本加权的
    平均损失，与 train_one_epoch 相同；"accuracy" 是预测类别（输出在维度 1 上的 argmax）等于目标的
    样本所占的比例，在 [0, 1] 内。两者都是 Python float。评估不得改变任何参数和任何 .grad。

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

    zh:
    训练 `epochs` 轮，每轮之后评估一次；返回历史记录，每轮一个 dict。

    每一轮：在 train_loader 上调用 train_one_epoch，然后在 val_loader 上调用 evaluate。一轮的 dict
    恰好有这些键："epoch"（int，从 1 开始计数），"train_loss"（train_one_epoch 的返回值），
    "val_loss" 和 "val_accuracy"（evaluate 的返回值）。

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

    zh:
    在几个大小相同的微批次上走一步优化器，就像它们是一个批次一样。

    当一个大批次放不进内存时，就把它拆开：对每个 (inputs, targets) 微批次（移到 `device`）做前向，
    并对它的损失调用 backward()，中间不清除梯度，让梯度在 .grad 中累加起来；然后调用一次
    optimizer.step()。这一步的梯度必须等于所有微批次合在一起的平均损失的梯度，即一个大批次的梯度：
    由于 backward() 会把梯度加起来，要先把每个微批次的损失除以微批次的个数。调用之前留下的梯度
    不能算进去：在开头就清除它们。

    以 Python float 返回所有微批次上的平均损失。
    """
    raise NotImplementedError("accumulate_step: write this function (see its docstring)")
