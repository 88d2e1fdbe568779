"""06 losses: MSE, cross-entropy, binary cross-entropy.

A loss turns a model's output and the right answer into one number to minimise. You
write the three losses almost every model uses, exactly as PyTorch defines them, and
numerically stable: logits (a model's raw scores) can be large, and exp() of a large
number overflows to inf while the probability of a very unlikely class underflows to 0,
whose log is -inf. Stable formulas never compute either.

Every loss takes `reduction`:
- "mean" (the default): the mean of the per-element losses, a 0-d tensor;
- "sum": their sum, a 0-d tensor;
- "none": the per-element losses themselves;
- anything else: raise ValueError.

The loss must keep the input's dtype and device, be differentiable (the gradient with
respect to the logits is what trains a model), and leave its inputs unchanged. The grader
also runs your losses on the "meta" device, whose tensors have shapes but no values: do
not use boolean-mask indexing (x[mask]), .item() or `if tensor:` (torch.where and sums do
the same work without looking at values), and make every new tensor on the input's device
(e.g. torch.arange(n, device=logits.device)).

Run `grader check 06` after each function you finish.

zh:
06 损失函数：MSE、交叉熵、二元交叉熵。

损失函数把模型的输出和正确答案变成一个要最小化的数。这里你要写出几乎每个模型都会用到的三个
损失函数，与 PyTorch 的定义完全一致，并且数值稳定：logits（模型的原始分数）可能很大，对很大的数
做 exp() 会上溢为 inf，而极不可能的类别的概率会下溢为 0，其 log 为 -inf。稳定的公式两者都不会算出。

每个损失函数都接受 `reduction`：
- "mean"（默认）：逐元素损失的平均值，一个 0 维张量；
- "sum"：逐元素损失的和，一个 0 维张量；
- "none"：逐元素损失本身；
- 其他任何值：抛出 ValueError。

损失函数必须保持输入的数据类型和设备，必须可微（损失对 logits 的梯度正是训练模型所用的），并且
不得修改输入。评分器还会在 "meta" 设备上运行你的损失函数，该设备上的张量只有形状、没有值：不要
用布尔掩码索引（x[mask]）、.item() 或 `if tensor:`（torch.where 和求和无需查看值就能完成同样的
工作），并且每个新张量都要建在输入所在的设备上（例如 torch.arange(n, device=logits.device)）。

每写完一个函数，就运行 `grader check 06`。
"""

from __future__ import annotations

import torch


def mse_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error, like torch.nn.functional.mse_loss: (pred - target) ** 2, reduced.

    `pred` and `target` must have the same shape: raise ValueError if they differ. (PyTorch
    only warns: a pred of shape (N, 1) against a target of shape (N,) broadcasts to (N, N),
    compares every prediction with every target, and silently trains on nonsense.)

    >>> mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)

    zh:
    均方误差，与 torch.nn.functional.mse_loss 相同：(pred - target) ** 2，再做归约。

    `pred` 和 `target` 的形状必须相同：形状不同时抛出 ValueError。（PyTorch 只给出警告：形状为
    (N, 1) 的 pred 与形状为 (N,) 的 target 会广播成 (N, N)，把每个预测与每个目标相比较，悄无声息地
    在无意义的数据上训练。）

    >>> mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    raise NotImplementedError("mse_loss: write this function (see its docstring)")


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Cross-entropy of (N, C) logits, like torch.nn.functional.cross_entropy.

    log_probs = log_softmax(logits) along dim 1, computed stably as
    logits - logsumexp(logits) (torch.logsumexp is allowed). The result must be finite for
    logits as large as ±1e4: log(softmax(x)) is not (softmax gives exactly 0 for a class far
    below the best one, and log(0) = -inf).

    `target` is one of:
    - class indices: an int64 tensor of shape (N,) with values in [0, C). The loss of
      sample i is -log_probs[i, target[i]]. Samples whose target equals `ignore_index` do
      not count: their loss is 0 (reduction="none"), and "mean" divides by the number of
      samples that are not ignored (nan if every sample is ignored, as in PyTorch).
    - class probabilities: a floating tensor of shape (N, C) whose rows sum to 1. The loss
      of sample i is -sum_c target[i, c] * log_probs[i, c]; "mean" divides by N.
      (`ignore_index` does not apply to these.)

    label_smoothing = ε in [0, 1) mixes the target with the uniform distribution over all
    C classes: the target becomes (1 - ε) * one_hot(target) + ε / C for class indices, and
    (1 - ε) * target + ε / C for probabilities.

    Not allowed: F.cross_entropy, F.nll_loss, F.log_softmax, torch.log_softmax,
    Tensor.log_softmax (and nn.CrossEntropyLoss, nn.NLLLoss).

    >>> cross_entropy(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    tensor(0.6931)

    zh:
    (N, C) 的 logits 的交叉熵，与 torch.nn.functional.cross_entropy 相同。

    log_probs = 沿维度 1 的 log_softmax(logits)，用 logits - logsumexp(logits) 稳定地计算（允许使用
    torch.logsumexp）。对大到 ±1e4 的 logits，结果也必须是有限值：log(softmax(x)) 做不到（对远低于
    最佳类别的类别，softmax 恰好给出 0，而 log(0) = -inf）。

    `target` 是以下两者之一：
    - 类别索引：形状为 (N,)、值在 [0, C) 内的 int64 张量。样本 i 的损失为
      -log_probs[i, target[i]]。目标等于 `ignore_index` 的样本不计入：它们的损失为 0
      （reduction="none"），"mean" 除以未被忽略的样本数（若所有样本都被忽略则为 nan，与 PyTorch
      相同）。
    - 类别概率：形状为 (N, C)、每行之和为 1 的浮点张量。样本 i 的损失为
      -sum_c target[i, c] * log_probs[i, c]；"mean" 除以 N。（`ignore_index` 对它不适用。）

    label_smoothing = ε ∈ [0, 1) 把目标与全部 C 个类别上的均匀分布混合：对类别索引，目标变为
    (1 - ε) * one_hot(target) + ε / C；对概率，目标变为 (1 - ε) * target + ε / C。

    不允许使用：F.cross_entropy、F.nll_loss、F.log_softmax、torch.log_softmax、
    Tensor.log_softmax（以及 nn.CrossEntropyLoss、nn.NLLLoss）。

    >>> cross_entropy(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    tensor(0.6931)
    """
    raise NotImplementedError("cross_entropy: write this function (see its docstring)")


def binary_cross_entropy_with_logits(
    logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Binary cross-entropy of logits, like F.binary_cross_entropy_with_logits.

    With p = sigmoid(logits), the per-element loss is -[t * log(p) + (1 - t) * log(1 - p)]
    for targets t in [0, 1] (not only 0 and 1). Computed that way it is not stable: for a
    logit of -1e4, sigmoid gives exactly 0 and log(0) = -inf. Rewrite it so that exp() only
    ever sees numbers <= 0 (hint: max(x, 0) - x * t + log(1 + exp(-|x|)), and torch.log1p).
    The result must be finite for logits as large as ±1e4.

    `logits` and `target` must have the same shape: raise ValueError otherwise (as PyTorch).

    Not allowed: F.binary_cross_entropy_with_logits, F.binary_cross_entropy (and
    nn.BCEWithLogitsLoss, nn.BCELoss).

    >>> binary_cross_entropy_with_logits(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)

    zh:
    logits 的二元交叉熵，与 F.binary_cross_entropy_with_logits 相同。

    记 p = sigmoid(logits)，对 [0, 1] 内的目标 t（不只是 0 和 1），逐元素损失为
    -[t * log(p) + (1 - t) * log(1 - p)]。照这样计算并不稳定：logit 为 -1e4 时，sigmoid 恰好给出
    0，而 log(0) = -inf。请改写它，使 exp() 只会遇到 <= 0 的数（提示：
    max(x, 0) - x * t + log(1 + exp(-|x|))，以及 torch.log1p）。对大到 ±1e4 的 logits，结果也必须
    是有限值。

    `logits` 和 `target` 的形状必须相同：否则抛出 ValueError（与 PyTorch 相同）。

    不允许使用：F.binary_cross_entropy_with_logits、F.binary_cross_entropy（以及
    nn.BCEWithLogitsLoss、nn.BCELoss）。

    >>> binary_cross_entropy_with_logits(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)
    """
    raise NotImplementedError(
        "binary_cross_entropy_with_logits: write this function (see its docstring)"
    )
