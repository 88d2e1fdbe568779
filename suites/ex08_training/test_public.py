"""Public checks for 08 training: learners run these with `grader check 08`.

Every check builds a small real model, loader and optimizer in the worker (see probes.py),
runs the learner's loop on them, and compares what happened with what a reference loop gives
on the same data and the same initial weights (kept out of the kit: values recorded when the
kit was made stand in for it).
"""

from __future__ import annotations

import math

import torch
from torch.utils._pytree import tree_map

from grader.testing import (
    CheckFailed,
    assert_close,
    catalog,
    devices,
    fail,
    make_normal,
    points,
    probes_of,
    public,
    references,
)

pytestmark = public
P = probes_of(__file__)
R = references(__file__)

# float64 models: the learner's loop does the same operations as the reference loop, so the
# weights agree to rounding; a mean loss may be summed in another order, so floats compare
# with a relative tolerance.
F64_TOL = {"rtol": 1e-9, "atol": 1e-12}
F32_TOL = {"rtol": 1e-5, "atol": 1e-6}

# Every sentence this folder's checks show a learner, in English and Chinese (test_hidden.py
# adds its own to these).
TEXTS = {
    "expected_number": (
        "{what}: expected a number (a Python float), got {kind}: {value}.",
        "{what}：应为一个数（Python float），实际得到 {kind}：{value}。",
    ),
    "number_mismatch": (
        "{what}: expected {expected}, got {got}.",
        "{what}：应为 {expected}，实际为 {got}。",
    ),
    "number_mismatch_hint": (
        "{what}: expected {expected}, got {got}. {hint}",
        "{what}：应为 {expected}，实际为 {got}。{hint}",
    ),
    "requires_grad_part": (" that requires grad", "，且它需要梯度"),
    "tensor_not_float": (
        "{what}: expected a Python float, got a torch.Tensor{graph} ({value}). "
        "Return loss.item() (or a sum of them): a tensor keeps its batch's autograd graph "
        "alive and ties the result to a device.",
        "{what}：应为 Python float，实际得到一个 torch.Tensor{graph}（{value}）。"
        "请返回 loss.item()（或它们的和）：张量会让它所在批次的自动求导计算图一直存活，"
        "还把结果绑定在某个设备上。",
    ),
    "not_float": (
        "{what}: expected a Python float, got {kind}: {value}.",
        "{what}：应为 Python float，实际得到 {kind}：{value}。",
    ),
    "train_hint": (
        "The reference loop does, for each batch: outputs = model(inputs), loss = loss_fn(outputs, "
        "targets), optimizer.zero_grad(), loss.backward(), optimizer.step(). The checks on the call "
        "order and on each step's gradient say more.",
        "参考循环对每个批次执行：outputs = model(inputs)，loss = loss_fn(outputs, targets)，"
        "optimizer.zero_grad()，loss.backward()，optimizer.step()。关于调用顺序和每一步梯度的"
        "检查项会给出更多信息。",
    ),
    "accumulate_hint": (
        "The reference makes one optimizer step with the gradient of the mean loss over all the "
        "micro-batches together. The check on the step's gradient says more.",
        "参考实现用所有微批次合在一起的平均损失的梯度，让优化器走一步。关于这一步梯度的检查项会给出"
        "更多信息。",
    ),
    "evaluate_hint": (
        "Evaluating must change nothing: no backward(), no step(), and model.eval() first.",
        "评估不能改变任何东西：不调用 backward()，不调用 step()，并且先调用 model.eval()。",
    ),
    "weights_unreadable": (
        "{what}: the model's weights could not be read back (got {kind}).",
        "{what}：无法读回模型的权重（得到的是 {kind}）。",
    ),
    "step_count": (
        "{what}: optimizer.step() was called {n} times for {batches} batches. "
        "Call it exactly once per batch, after loss.backward().",
        "{what}：{batches} 个批次调用了 {n} 次 optimizer.step()。每个批次恰好调用一次，"
        "放在 loss.backward() 之后。",
    ),
    "at_step": ("{what}: at step {k} (batch {k})", "{what}：第 {k} 步（第 {k} 个批次）"),
    "zero_gradient_seen": (
        "{step} the optimizer saw a zero gradient (every .grad was None or zero), so "
        "the step changed nothing. The gradients were cleared after backward() and "
        "before step(): is zero_grad() between backward() and step()? (Or step() ran "
        "before backward().) The order in each batch is zero_grad(), backward(), step().",
        "{step}，优化器看到的梯度为零（每个 .grad 都是 None 或零），所以这一步什么也没改变。梯度在 "
        "backward() 之后、step() 之前被清除了：zero_grad() 是否放在了 backward() 和 step() 之间？"
        "（或者 step() 在 backward() 之前运行了。）每个批次中的顺序是 zero_grad()、backward()、"
        "step()。",
    ),
    "accumulated_seen": (
        "{step} the optimizer saw this batch's gradient plus the gradients of the "
        "batches before it: gradients accumulate across batches, because backward() "
        "adds to .grad. Call optimizer.zero_grad() before loss.backward() in every batch.",
        "{step}，优化器看到的是这个批次的梯度加上之前各批次的梯度：因为 backward() 会累加到 .grad "
        "上，梯度在批次之间累加了起来。请在每个批次中于 loss.backward() 之前调用 "
        "optimizer.zero_grad()。",
    ),
    "stale_seen": (
        "{step} the optimizer saw this batch's gradient plus the gradients that were "
        "already in .grad before train_one_epoch was called. Clear the gradients before "
        "every backward(), the first one included.",
        "{step}，优化器看到的是这个批次的梯度加上调用 train_one_epoch 之前就已在 .grad 中的梯度。"
        "请在每次 backward() 之前清除梯度，第一次也不例外。",
    ),
    "grad_none_batch": (
        "{step} the gradient of '{name}' was None when step() ran.",
        "{step}，step() 运行时 '{name}' 的梯度是 None。",
    ),
    "grad_seen_batch": (
        "{step}, the gradient of '{name}' seen by step()",
        "{step}，step() 看到的 '{name}' 的梯度",
    ),
    "in_batch": ("{what}: in batch {k}", "{what}：在第 {k} 个批次中，"),
    "step_before_backward": (
        "{batch} optimizer.step() ran before loss.backward(), so it used no gradient "
        "of this batch. The order is zero_grad(), backward(), step().",
        "{batch}optimizer.step() 在 loss.backward() 之前运行，所以它没有用到这个批次的任何梯度。"
        "顺序是 zero_grad()、backward()、step()。",
    ),
    "backward_many": (
        "{batch} backward() ran {n} times before step(): run it once.",
        "{batch}backward() 在 step() 之前运行了 {n} 次：只运行一次。",
    ),
    "zero_grad_between": (
        "{batch} zero_grad() ran between backward() and step(): it wiped the gradient "
        "that backward() had just computed, so the step saw a zero gradient. The order "
        "is zero_grad(), backward(), step().",
        "{batch}zero_grad() 在 backward() 和 step() 之间运行：它抹掉了 backward() 刚算出的梯度，"
        "所以这一步看到的梯度为零。顺序是 zero_grad()、backward()、step()。",
    ),
    "no_zero_grad": (
        "{batch} no zero_grad() ran before backward(): gradients accumulate across "
        "batches, because backward() adds to .grad. Call optimizer.zero_grad() before "
        "loss.backward() in every batch.",
        "{batch}backward() 之前没有运行 zero_grad()：因为 backward() 会累加到 .grad 上，梯度在"
        "批次之间累加了起来。请在每个批次中于 loss.backward() 之前调用 optimizer.zero_grad()。",
    ),
    "weights_after": ("the weights after {call}", "{call} 之后的权重"),
    "weights_after_two_epochs_toe": (
        "the weights after two epochs of train_one_epoch",
        "两轮 train_one_epoch 之后的权重",
    ),
    "loss_of_epoch": (
        "train_one_epoch(): the loss of epoch {epoch}",
        "train_one_epoch()：第 {epoch} 轮的损失",
    ),
    "samples_batches": (
        "{call} ({n} samples, batches of {size})",
        "{call}（{n} 个样本，每批 {size} 个）",
    ),
    "n_batches": ("{call} ({n} batches)", "{call}（{n} 个批次）"),
    "toe_10_samples": (
        "train_one_epoch() (10 samples, batches of 4, 4 and 2)",
        "train_one_epoch()（10 个样本，批次大小为 4、4 和 2）",
    ),
    "evaluate_10_samples": (
        "evaluate() (10 samples, batches of 4, 4, 2)",
        "evaluate()（10 个样本，批次大小为 4、4、2）",
    ),
    "never_called": ("{call}: the model was never called.", "{call}：模型从未被调用。"),
    "eval_mode_in_train": (
        "train_one_epoch(): the model ran in evaluation mode. It was in eval mode when "
        "train_one_epoch was called (as after evaluate() in fit), so Dropout did not drop "
        "and BatchNorm did not learn. Call model.train() at the start.",
        "train_one_epoch()：模型在评估模式下运行。调用 train_one_epoch 时模型处于评估模式（就像 "
        "fit 中 evaluate() 之后那样），所以 Dropout 没有丢弃，BatchNorm 也没有学习。请在开头调用 "
        "model.train()。",
    ),
    "no_autograd_in_train": (
        "train_one_epoch(): the model ran with autograd switched off (torch.no_grad()), "
        "so there was nothing to backpropagate. Only evaluate() uses torch.no_grad().",
        "train_one_epoch()：模型在关闭自动求导（torch.no_grad()）的情况下运行，所以没有任何东西"
        "可以反向传播。只有 evaluate() 才使用 torch.no_grad()。",
    ),
    "plain_mean": (
        "{what}: you returned the plain mean of the {n} batch losses "
        "({got}), which counts the last batch of 2 samples as much as a batch of 4. "
        "Weight each batch's loss by its size: sum(loss * batch_size) / number of samples "
        "= {mean}.",
        "{what}：你返回的是 {n} 个批次损失的简单平均（{got}），它把最后那个只有 2 个样本的批次与 "
        "4 个样本的批次同等看待。请按批次大小给每个批次的损失加权：sum(loss * batch_size) / "
        "样本数 = {mean}。",
    ),
    "last_batch_loss": (
        "{what}: you returned the last batch's loss; return the mean over all samples.",
        "{what}：你返回的是最后一个批次的损失；请返回所有样本上的平均值。",
    ),
    "expected_weighted": (
        "Expected sum(loss * batch_size) / number of samples.",
        "应为 sum(loss * batch_size) / 样本数。",
    ),
    "inputs_on_device": (
        "{what}: the model received inputs on {where}, expected {device}.",
        "{what}：模型收到的输入在 {where} 上，应在 {device} 上。",
    ),
    "part_inputs": ("inputs", "输入"),
    "part_targets": ("targets", "目标"),
    "never_moved": (
        "{what}: the {part} of batch {n} were never moved with .to(device). "
        "On a CPU they happen to be in the right place already; on a GPU the model "
        "would fail. Move both: inputs, targets = inputs.to(device), targets.to(device).",
        "{what}：第 {n} 个批次的{part}从未用 .to(device) 移动过。在 CPU 上它们恰好已经在正确的"
        "位置；在 GPU 上模型就会出错。两者都要移动：inputs, targets = inputs.to(device), "
        "targets.to(device)。",
    ),
    "not_eval_dict": (
        "{what}: expected a dict with 'loss' and 'accuracy', got {kind}.",
        "{what}：应为含 'loss' 和 'accuracy' 的 dict，实际得到 {kind}。",
    ),
    "eval_keys": (
        "{what}: expected exactly the keys 'loss' and 'accuracy', got {keys}.",
        "{what}：键应恰好是 'loss' 和 'accuracy'，实际为 {keys}。",
    ),
    "accuracy_range": (
        "{what}: {accuracy} is not in [0, 1]: divide the number of correct "
        "predictions by the number of samples (not by the number of batches).",
        "{what}：{accuracy} 不在 [0, 1] 内：请用预测正确的个数除以样本数（而不是批次数）。",
    ),
    "eval_loss_hint": (
        "Expected the sample-weighted mean: sum(loss * batch_size) / number of samples.",
        "应为按样本加权的平均值：sum(loss * batch_size) / 样本数。",
    ),
    "eval_accuracy_hint": (
        "Expected (outputs.argmax(dim=1) == targets) counted over all samples, divided by "
        "the number of samples.",
        "应为在所有样本上统计 (outputs.argmax(dim=1) == targets) 的个数，再除以样本数。",
    ),
    "train_mode_in_eval": (
        "evaluate(): the model ran in training mode, so Dropout dropped units at random "
        "and BatchNorm used (and changed) batch statistics. Call model.eval() first.",
        "evaluate()：模型在训练模式下运行，所以 Dropout 随机丢弃了单元，BatchNorm 使用（并修改）了"
        "批次统计量。请先调用 model.eval()。",
    ),
    "autograd_in_eval": (
        "evaluate(): the model ran with autograd on, so every batch built a graph that "
        "is never used (time and memory wasted). Run the loop inside `with torch.no_grad():`.",
        "evaluate()：模型在开启自动求导的情况下运行，所以每个批次都构建了一个永远用不上的计算图"
        "（浪费时间和内存）。请在 `with torch.no_grad():` 中运行循环。",
    ),
    "grad_changed_eval": (
        "evaluate(): the .grad of '{name}' changed (it held 0.5 everywhere before). "
        "Evaluating must not touch gradients: no zero_grad(), no backward().",
        "evaluate()：'{name}' 的 .grad 改变了（之前它处处为 0.5）。评估不能动梯度：不调用 "
        "zero_grad()，不调用 backward()。",
    ),
    "fit_hint": (
        '"train_loss" is what train_one_epoch returned for that epoch; "val_loss" and '
        '"val_accuracy" are what evaluate returned right after it.',
        '"train_loss" 是 train_one_epoch 在这一轮返回的值；"val_loss" 和 "val_accuracy" 是紧接着 '
        "evaluate 返回的值。",
    ),
    "not_history_list": (
        "{what}: expected a list of dicts, one per epoch, got {kind}.",
        "{what}：应为一个由 dict 组成的列表，每轮一个，实际得到 {kind}。",
    ),
    "history_length": (
        "{what}: expected {expected} dicts (one per epoch), got {got}.",
        "{what}：应有 {expected} 个 dict（每轮一个），实际有 {got} 个。",
    ),
    "history_keys": (
        "{where}: expected a dict with the keys {keys}, got {shown}.",
        "{where}：应为键为 {keys} 的 dict，实际得到 {shown}。",
    ),
    "epoch_number": (
        "{where}: expected {expected}, got {got}. Epochs count from 1: range(1, epochs + 1).",
        "{where}：应为 {expected}，实际为 {got}。轮次从 1 开始计数：range(1, epochs + 1)。",
    ),
    "fit_weights_unreadable": (
        "fit(): the model's weights could not be read back after training.",
        "fit()：训练后无法读回模型的权重。",
    ),
    "blobs_accuracy": (
        "fit(..., epochs=3) on two Gaussian blobs: the trained model classifies "
        "{accuracy} of the validation set correctly; the reference loop reaches "
        "{expected}, and at least 90% is required. Check train_one_epoch first.",
        "fit(..., epochs=3) 在两个高斯团上：训练好的模型正确分类了验证集的 {accuracy}；参考循环"
        "达到 {expected}，要求至少 90%。请先检查 train_one_epoch。",
    ),
    "last_val_accuracy": (
        'fit(): the last epoch\'s "val_accuracy"',
        'fit()：最后一轮的 "val_accuracy"',
    ),
    "measured_by_grader": (
        "(measured by the grader on the same validation set with the trained weights)",
        "（由评分器用训练好的权重在同一验证集上测得）",
    ),
    "micro_batches": ("{call} ({n} micro-batches)", "{call}（{n} 个微批次）"),
    "micro_batches_of": (
        "{call} ({n} micro-batches of {size})",
        "{call}（{n} 个微批次，每个 {size} 个样本）",
    ),
    "sum_not_mean": (
        "{what}: you returned {got}, the sum of the {k} micro-batch losses; return "
        "their mean ({expected}).",
        "{what}：你返回了 {got}，即 {k} 个微批次损失之和；请返回它们的平均值（{expected}）。",
    ),
    "expected_mean_micro": (
        "Expected the mean loss over all the micro-batches.",
        "应为所有微批次上的平均损失。",
    ),
    "accumulate_step_count": (
        "{what}: optimizer.step() was called {n} times; accumulate_step makes "
        "exactly one step, after the backward() of every micro-batch.",
        "{what}：optimizer.step() 被调用了 {n} 次；accumulate_step 只走恰好一步，放在每个微批次的 "
        "backward() 之后。",
    ),
    "accumulate_zero": (
        "{what}: the optimizer saw a zero gradient (every .grad was None or zero): the "
        "gradients were cleared after the last backward(), or step() ran before it.",
        "{what}：优化器看到的梯度为零（每个 .grad 都是 None 或零）：梯度在最后一次 backward() 之后"
        "被清除了，或者 step() 在它之前运行了。",
    ),
    "k_times": (
        "{what}: the step's gradient is {k} times too large: the gradients of the {k} "
        "micro-batches were added up, but each loss is a mean over its own micro-batch. "
        "Divide each micro-batch's loss by the number of micro-batches ({k}) before "
        "backward().",
        "{what}：这一步的梯度大了 {k} 倍：{k} 个微批次的梯度被加在了一起，而每个损失都是它自己微"
        "批次上的平均值。请在 backward() 之前把每个微批次的损失除以微批次的个数（{k}）。",
    ),
    "last_only": (
        "{what}: the step saw only the last micro-batch's gradient: the gradients were "
        "cleared between micro-batches. Call zero_grad() once, before the first "
        "micro-batch, and let backward() add the gradients up.",
        "{what}：这一步只看到了最后一个微批次的梯度：梯度在微批次之间被清除了。请只调用一次 "
        "zero_grad()，放在第一个微批次之前，让 backward() 把梯度累加起来。",
    ),
    "stale_accumulate": (
        "{what}: the step's gradient includes gradients that were already in .grad "
        "before accumulate_step was called. Call optimizer.zero_grad() at the start.",
        "{what}：这一步的梯度包含了调用 accumulate_step 之前就已在 .grad 中的梯度。请在开头调用 "
        "optimizer.zero_grad()。",
    ),
    "grad_none": (
        "{what}: the gradient of '{name}' was None when step() ran.",
        "{what}：step() 运行时 '{name}' 的梯度是 None。",
    ),
    "grad_seen": (
        "{what}: the gradient of '{name}' seen by step()",
        "{what}：step() 看到的 '{name}' 的梯度",
    ),
}
MESSAGES = catalog(TEXTS)


# ---------------------------------------------------------------- scenarios


def make_setup(
    sizes: list[int],
    *,
    seed: int,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
    dropout: float = 0.0,
    batchnorm: bool = False,
    lr: float = 0.1,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    mode: str = "train",
    stale_grads: float | None = None,
    rng_seed: int | None = None,
) -> dict:
    """What a probe needs to build a model and an optimizer: plain data only."""
    spec = {"sizes": sizes, "dropout": dropout, "batchnorm": batchnorm, "dtype": dtype}
    return {
        "model": spec,
        "state": P.initial_state(spec, seed),
        "device": device,
        "optimizer": {"lr": lr, "momentum": momentum, "weight_decay": weight_decay},
        "mode": mode,
        "stale_grads": stale_grads,
        "seed": rng_seed,
    }


def make_data(
    n: int, n_in: int, n_classes: int, *, seed: int, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = make_normal(n, n_in, seed=seed, dtype=dtype)
    targets = torch.randint(0, n_classes, (n,), generator=torch.Generator().manual_seed(seed + 1))
    return inputs, targets


def reference(name: str, setup: dict, *args, **kwargs):
    """What the reference loop `name` (reference.py, never shipped) gives for this check's own
    inputs: computed on the CPU, or read back in the learner kit, and put on the setup's
    device."""
    value = getattr(R, name)({**setup, "device": "cpu"}, *args, **kwargs)
    device = setup["device"]
    return tree_map(lambda v: v.to(device) if isinstance(v, torch.Tensor) else v, value)


# ---------------------------------------------------------------- comparing


def as_number(value, what: str) -> float:
    """A returned loss as a number, for checks about its value (a 0-d tensor is accepted here:
    whether it is a float is a check of its own)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().cpu())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    kind, shown = type(value).__name__, f"{value!r:.80}"
    fail(MESSAGES.say("expected_number", what=what, kind=kind, value=shown))


def check_number(got, expected: float, *, what: str, tol: dict, hint: str = "") -> None:
    value = as_number(got, what)
    if not math.isclose(value, expected, rel_tol=tol["rtol"], abs_tol=tol["atol"]):
        numbers = {"what": what, "expected": f"{expected:.10g}", "got": f"{value:.10g}"}
        if hint:
            fail(MESSAGES.say("number_mismatch_hint", hint=hint, **numbers))
        fail(MESSAGES.say("number_mismatch", **numbers))


def require_float(got, what: str) -> None:
    if isinstance(got, torch.Tensor):
        graph = MESSAGES.say("requires_grad_part") if got.requires_grad else ""
        fail(MESSAGES.say("tensor_not_float", what=what, graph=graph, value=f"{got!r:.60}"))
    if not isinstance(got, float):
        kind, shown = type(got).__name__, f"{got!r:.80}"
        fail(MESSAGES.say("not_float", what=what, kind=kind, value=shown))


def check_state(got, expected: dict, *, what: str, hint: str, tol: dict | None = None) -> None:
    if not isinstance(got, dict) or set(got) != set(expected):
        fail(MESSAGES.say("weights_unreadable", what=what, kind=type(got).__name__))
    for name, value in expected.items():
        try:
            assert_close(got[name], value, what=f"{what}: {name}", **(tol or {}))
        except CheckFailed as failed:
            fail(f"{failed}\n{hint}")


def grads_close(got: list, expected: list | None, tol: dict) -> bool:
    if expected is None or not isinstance(got, list) or len(got) != len(expected):
        return False
    for g, e in zip(got, expected, strict=True):
        if g is None or e is None:
            if g is not e:
                return False
        elif g.shape != e.shape or not torch.allclose(g.cpu(), e.cpu(), **tol):
            return False
    return True


def no_gradient(got: list) -> bool:
    return all(g is None or not bool(g.any()) for g in got)


def added(a: list, b: list) -> list | None:
    if any(x is None for x in a) or any(y is None for y in b):
        return None
    return [x + y for x, y in zip(a, b, strict=True)]


def scaled(a: list, factor: float) -> list:
    return [x * factor for x in a]


def full_like_all(grads: list, fill: float) -> list | None:
    if any(g is None for g in grads):
        return None
    return [torch.full_like(g, fill) for g in grads]


GRAD_TOL = {"rtol": 1e-7, "atol": 1e-9}  # float64 gradients, computed by the same ops


def check_step_gradients(
    seen: list, reference: list, names: list[str], *, what: str, stale: float | None = None
) -> None:
    """The gradient each optimizer step saw must be that batch's gradient alone."""
    if len(seen) != len(reference):
        fail(MESSAGES.say("step_count", what=what, n=len(seen), batches=len(reference)))
    for k, (got, expected) in enumerate(zip(seen, reference, strict=True)):
        if grads_close(got, expected, GRAD_TOL):
            continue
        step = MESSAGES.say("at_step", what=what, k=k + 1)
        if no_gradient(got):
            fail(MESSAGES.say("zero_gradient_seen", step=step))
        if k > 0 and grads_close(got, added(expected, seen[k - 1]), GRAD_TOL):
            fail(MESSAGES.say("accumulated_seen", step=step))
        if stale is not None and grads_close(
            got, added(expected, full_like_all(got, stale)), GRAD_TOL
        ):
            fail(MESSAGES.say("stale_seen", step=step))
        for name, g, e in zip(names, got, expected, strict=True):
            if g is None:
                fail(MESSAGES.say("grad_none_batch", step=step, name=name))
            seen_what = MESSAGES.say("grad_seen_batch", step=step, name=name)
            assert_close(g, e, what=seen_what, **GRAD_TOL)


def check_call_order(log: list, n_batches: int, *, what: str) -> None:
    """Per batch: zero_grad() (at any point since the previous step) before one backward(),
    then step()."""
    steps = [i for i, event in enumerate(log) if event[0] == "step"]
    if len(steps) != n_batches:
        fail(MESSAGES.say("step_count", what=what, n=len(steps), batches=n_batches))
    start = 0
    for k, end in enumerate(steps):
        segment = [event[0] for event in log[start:end]]
        start = end + 1
        batch = MESSAGES.say("in_batch", what=what, k=k + 1)
        backwards = segment.count("backward")
        if backwards == 0:
            fail(MESSAGES.say("step_before_backward", batch=batch))
        if backwards > 1:
            fail(MESSAGES.say("backward_many", batch=batch, n=backwards))
        before = segment[: segment.index("backward")]
        if "zero_grad" in before:
            continue
        if "zero_grad" in segment:
            fail(MESSAGES.say("zero_grad_between", batch=batch))
        fail(MESSAGES.say("no_zero_grad", batch=batch))


def forwards(log: list) -> list[tuple]:
    return [event for event in log if event[0] == "forward"]


# ---------------------------------------------------------------- train_one_epoch


@points(3)
@devices("cpu", "cuda")
def test_train_one_epoch_matches_reference(learner, device):
    """train_one_epoch() gives the same losses and weights as a reference loop, over two epochs
    zh: train_one_epoch() 在两个 epoch 中给出与参考循环相同的损失和权重"""
    setup = make_setup([4, 8, 3], seed=1, device=device, momentum=0.9)
    data = make_data(12, 4, 3, seed=2)
    seen = learner.probe("train_epochs", setup, data, 4, epochs=2)
    trained = reference("train_epochs", setup, data, 4, epochs=2)
    expected = [epoch["mean"] for epoch in trained["epochs"]]
    check_state(
        seen["state"],
        trained["state"],
        what=MESSAGES.say("weights_after_two_epochs_toe"),
        hint=MESSAGES.say("train_hint"),
    )
    for epoch, (got, want) in enumerate(zip(seen["results"], expected, strict=False), start=1):
        what = MESSAGES.say("loss_of_epoch", epoch=epoch)
        check_number(got, want, what=what, tol=F64_TOL)


@points(2)
def test_train_one_epoch_call_order(learner):
    """train_one_epoch() calls zero_grad(), backward() and step() once per batch, in that order
    zh: train_one_epoch() 每个批次按顺序各调用一次 zero_grad()、backward() 和 step()"""
    setup = make_setup([4, 8, 3], seed=3)
    seen = learner.probe("train_epochs", setup, make_data(12, 4, 3, seed=4), 4)
    what = MESSAGES.say("samples_batches", call="train_one_epoch()", n=12, size=4)
    check_call_order(seen["log"], 3, what=what)


@points(2)
def test_train_one_epoch_fresh_gradients(learner):
    """train_one_epoch(): each step uses the gradient of its own batch alone
    zh: train_one_epoch()：每一步只使用它自己批次的梯度"""
    setup = make_setup([4, 8, 3], seed=5)
    data = make_data(16, 4, 3, seed=6)
    seen = learner.probe("train_epochs", setup, data, 4)
    trained = reference("train_epochs", setup, data, 4)
    grads = trained["epochs"][0]["grads"]
    check_step_gradients(
        seen["step_grads"],
        grads,
        trained["names"],
        what=MESSAGES.say("n_batches", call="train_one_epoch()", n=4),
    )


@points(1)
def test_train_one_epoch_train_mode(learner):
    """train_one_epoch() puts the model in training mode
    zh: train_one_epoch() 把模型置于训练模式"""
    setup = make_setup([4, 8, 3], seed=7, dropout=0.5, mode="eval")
    seen = learner.probe("train_epochs", setup, make_data(8, 4, 3, seed=8), 4)
    calls = forwards(seen["log"])
    if not calls:
        fail(MESSAGES.say("never_called", call="train_one_epoch()"))
    if not all(training for _, training, *_ in calls):
        fail(MESSAGES.say("eval_mode_in_train"))
    if not all(grad_on for _, _, grad_on, *_ in calls):
        fail(MESSAGES.say("no_autograd_in_train"))


@points(2)
def test_train_one_epoch_weighted_mean(learner):
    """train_one_epoch() returns the sample-weighted mean loss when the last batch is smaller
    zh: train_one_epoch() 在最后一个批次较小时返回按样本加权的平均损失"""
    setup = make_setup([4, 8, 3], seed=9)
    data = make_data(10, 4, 3, seed=10)  # batches of 4, 4 and 2
    seen = learner.probe("train_epochs", setup, data, 4)
    trained = reference("train_epochs", setup, data, 4)["epochs"][0]
    got = as_number(seen["results"][0], "train_one_epoch()")
    losses = trained["losses"]
    what = MESSAGES.say("toe_10_samples")
    if math.isclose(got, sum(losses) / len(losses), rel_tol=1e-9):
        mean = f"{trained['mean']:.6g}"
        fail(MESSAGES.say("plain_mean", what=what, n=len(losses), got=f"{got:.6g}", mean=mean))
    if math.isclose(got, losses[-1], rel_tol=1e-9):
        fail(MESSAGES.say("last_batch_loss", what=what))
    check_number(
        got,
        trained["mean"],
        what=what,
        tol=F64_TOL,
        hint=MESSAGES.say("expected_weighted"),
    )


@points(1)
def test_train_one_epoch_returns_float(learner):
    """train_one_epoch() returns a Python float, not a tensor
    zh: train_one_epoch() 返回 Python float，而不是张量"""
    setup = make_setup([4, 8, 3], seed=11)
    seen = learner.probe("train_epochs", setup, make_data(8, 4, 3, seed=12), 4)
    require_float(seen["results"][0], "train_one_epoch()")


@points(1)
@devices("cpu", "cuda")
def test_train_one_epoch_moves_batches(learner, device):
    """train_one_epoch() moves every batch's inputs and targets to the device
    zh: train_one_epoch() 把每个批次的输入和目标移到指定设备"""
    setup = make_setup([4, 8, 3], seed=13, device=device)
    seen = learner.probe("train_epochs", setup, make_data(8, 4, 3, seed=14), 4)
    check_moved(seen, device, "train_one_epoch()")


def check_moved(seen: dict, device: str, what: str) -> None:
    for _, _, _, where, _ in forwards(seen["log"]):
        if torch.device(where).type != torch.device(device).type:
            fail(MESSAGES.say("inputs_on_device", what=what, where=where, device=device))
    for i, moved in enumerate(seen["moved"]):
        if not moved:
            part = MESSAGES.say("part_inputs" if i % 2 == 0 else "part_targets")
            fail(MESSAGES.say("never_moved", what=what, part=part, n=i // 2 + 1))


# ---------------------------------------------------------------- evaluate


def check_evaluation(
    got, expected: dict, *, what: str, tol: dict = F64_TOL, hint: str = ""
) -> None:
    if not isinstance(got, dict):
        fail(MESSAGES.say("not_eval_dict", what=what, kind=type(got).__name__))
    if set(got) != {"loss", "accuracy"}:
        fail(MESSAGES.say("eval_keys", what=what, keys=sorted(map(str, got))))
    for key in ("loss", "accuracy"):
        require_float(got[key], f'{what}["{key}"]')
    accuracy = got["accuracy"]
    if not 0.0 <= accuracy <= 1.0:
        where = f'{what}["accuracy"]'
        fail(MESSAGES.say("accuracy_range", what=where, accuracy=f"{accuracy:g}"))
    check_number(
        got["loss"],
        expected["loss"],
        what=f'{what}["loss"]',
        tol=tol,
        hint=hint or MESSAGES.say("eval_loss_hint"),
    )
    check_number(
        accuracy,
        expected["accuracy"],
        what=f'{what}["accuracy"]',
        tol=tol,
        hint=hint or MESSAGES.say("eval_accuracy_hint"),
    )


@points(2)
@devices("cpu", "cuda")
def test_evaluate(learner, device):
    """evaluate() returns the sample-weighted mean loss and the accuracy
    zh: evaluate() 返回按样本加权的平均损失和准确率"""
    setup = make_setup([4, 8, 3], seed=15, device=device)
    data = make_data(10, 4, 3, seed=16)  # batches of 4, 4 and 2
    seen = learner.probe("evaluate_run", setup, data, 4)
    expected = reference("evaluate", setup, data, 4)["result"]
    check_evaluation(seen["result"], expected, what=MESSAGES.say("evaluate_10_samples"))


@points(1)
@devices("cpu", "cuda")
def test_evaluate_moves_batches(learner, device):
    """evaluate() moves every batch's inputs and targets to the device
    zh: evaluate() 把每个批次的输入和目标移到指定设备"""
    setup = make_setup([4, 8, 3], seed=33, device=device)
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=34), 4)
    check_moved(seen, device, "evaluate()")


@points(1)
def test_evaluate_eval_mode(learner):
    """evaluate() puts the model in evaluation mode
    zh: evaluate() 把模型置于评估模式"""
    setup = make_setup([4, 8, 3], seed=17, dropout=0.5, mode="train")
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=18), 4)
    calls = forwards(seen["log"])
    if not calls:
        fail(MESSAGES.say("never_called", call="evaluate()"))
    if any(training for _, training, *_ in calls):
        fail(MESSAGES.say("train_mode_in_eval"))


@points(1)
def test_evaluate_no_graph(learner):
    """evaluate() builds no autograd graph
    zh: evaluate() 不构建自动求导的计算图"""
    setup = make_setup([4, 8, 3], seed=19)
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=20), 4)
    calls = forwards(seen["log"])
    graphs = [event for event in seen["log"] if event[0] == "loss" and event[2]]
    if any(grad_on for _, _, grad_on, *_ in calls) or graphs:
        fail(MESSAGES.say("autograd_in_eval"))


@points(1)
def test_evaluate_changes_nothing(learner):
    """evaluate() changes no weight and no .grad
    zh: evaluate() 不改变任何权重和 .grad"""
    setup = make_setup([4, 8, 3], seed=21, stale_grads=0.5)
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=22), 4)
    check_state(
        seen["state"],
        setup["state"],
        what=MESSAGES.say("weights_after", call="evaluate()"),
        hint=MESSAGES.say("evaluate_hint"),
    )
    names = list(setup["state"])
    for name, grad in zip(names, seen["grads"], strict=False):
        if grad is None or not torch.equal(
            grad.cpu(), torch.full(grad.shape, 0.5, dtype=grad.dtype)
        ):
            fail(MESSAGES.say("grad_changed_eval", name=name))


# ---------------------------------------------------------------- fit


def check_history(got, expected: list[dict], *, what: str, tol: dict = F64_TOL) -> None:
    if not isinstance(got, list):
        fail(MESSAGES.say("not_history_list", what=what, kind=type(got).__name__))
    if len(got) != len(expected):
        fail(MESSAGES.say("history_length", what=what, expected=len(expected), got=len(got)))
    keys = {"epoch", "train_loss", "val_loss", "val_accuracy"}
    for entry, want in zip(got, expected, strict=True):
        where = f"{what}[{want['epoch'] - 1}]"
        if not isinstance(entry, dict) or set(entry) != keys:
            shown = sorted(map(str, entry)) if isinstance(entry, dict) else type(entry).__name__
            fail(MESSAGES.say("history_keys", where=where, keys=sorted(keys), shown=shown))
        if entry["epoch"] != want["epoch"] or not isinstance(entry["epoch"], int):
            fail(
                MESSAGES.say(
                    "epoch_number",
                    where=f'{where}["epoch"]',
                    expected=want["epoch"],
                    got=repr(entry["epoch"]),
                )
            )
        for key in ("train_loss", "val_loss", "val_accuracy"):
            require_float(entry[key], f'{where}["{key}"]')
            hint = MESSAGES.say("fit_hint")
            check_number(entry[key], want[key], what=f'{where}["{key}"]', tol=tol, hint=hint)


@points(2)
def test_fit_history(learner):
    """fit() trains and evaluates each epoch, and returns one dict per epoch
    zh: fit() 每个 epoch 先训练再验证，并为每个 epoch 返回一个 dict"""
    setup = make_setup([4, 8, 3], seed=23, momentum=0.5)
    train, val = make_data(12, 4, 3, seed=24), make_data(10, 4, 3, seed=25)
    seen = learner.with_timeout(30).probe("fit_run", setup, train, val, 4, 3)
    expected = reference("fit", setup, train, val, 4, 3)
    check_history(seen["history"], expected["history"], what="fit(..., epochs=3)")
    check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="fit(..., epochs=3)"),
        hint=MESSAGES.say("train_hint"),
    )


def accuracy_of(state: dict, setup: dict, data: tuple) -> float:
    """The judge's own measurement of the weights the learner's fit produced."""
    net = P.build_model(setup["model"])
    if not isinstance(state, dict) or set(state) != set(setup["state"]):
        fail(MESSAGES.say("fit_weights_unreadable"))
    net.load_state_dict({name: value.cpu() for name, value in state.items()})
    net.eval()
    with torch.no_grad():
        return float((net(data[0]).argmax(1) == data[1]).double().mean())


@points(2)
def test_fit_reaches_accuracy(learner):
    """fit() trains a small MLP to at least 90 % accuracy on two Gaussian blobs
    zh: fit() 把小型 MLP 训练到在两个高斯团上至少 90 % 的准确率"""
    setup = make_setup([2, 16, 2], seed=26, dtype=torch.float32)
    train, val = P.two_blobs(400, seed=27), P.two_blobs(200, seed=28)
    seen = learner.with_timeout(30).probe("fit_run", setup, train, val, 20, 3)
    expected = reference("fit", setup, train, val, 20, 3)["history"][-1]["val_accuracy"]
    accuracy = accuracy_of(seen["state"], setup, val)
    if accuracy < 0.9:
        fail(MESSAGES.say("blobs_accuracy", accuracy=f"{accuracy:.1%}", expected=f"{expected:.1%}"))
    history = seen["history"]
    if isinstance(history, list) and history and isinstance(history[-1], dict):
        reported = history[-1].get("val_accuracy")
        check_number(
            reported,
            accuracy,
            what=MESSAGES.say("last_val_accuracy"),
            # The grader measures the whole set in one batch, fit in batches of 20: float32
            # rounding may differ, so one sample whose two logits nearly tie may flip.
            tol={"rtol": 0.0, "atol": 1.5 / len(val[1])},
            hint=MESSAGES.say("measured_by_grader"),
        )


# ---------------------------------------------------------------- accumulate_step


def micro_batches(k: int, size: int, n_in: int, n_classes: int, *, seed: int) -> list:
    inputs, targets = make_data(k * size, n_in, n_classes, seed=seed)
    return [
        (inputs[i * size : (i + 1) * size], targets[i * size : (i + 1) * size]) for i in range(k)
    ]


def check_accumulated_loss(got, reference: dict, k: int, *, what: str, tol: dict = F64_TOL) -> None:
    require_float(got, what)
    expected = reference["loss"]
    if k > 1 and math.isclose(got, k * expected, rel_tol=1e-7):
        shown = {"got": f"{got:.6g}", "expected": f"{expected:.6g}"}
        fail(MESSAGES.say("sum_not_mean", what=what, k=k, **shown))
    check_number(got, expected, what=what, tol=tol, hint=MESSAGES.say("expected_mean_micro"))


def check_accumulated_gradient(
    seen: dict, reference: dict, names: list[str], k: int, *, what: str, stale: float | None = None
) -> None:
    steps = seen["step_grads"]
    if len(steps) != 1:
        fail(MESSAGES.say("accumulate_step_count", what=what, n=len(steps)))
    got, expected, last = steps[0], reference["grad"], reference["each"][-1]
    if grads_close(got, expected, GRAD_TOL):
        return
    if no_gradient(got):
        fail(MESSAGES.say("accumulate_zero", what=what))
    if grads_close(got, scaled(expected, k), GRAD_TOL):
        fail(MESSAGES.say("k_times", what=what, k=k))
    if grads_close(got, scaled(last, 1 / k), GRAD_TOL) or grads_close(got, last, GRAD_TOL):
        fail(MESSAGES.say("last_only", what=what))
    if stale is not None and grads_close(got, added(expected, full_like_all(got, stale)), GRAD_TOL):
        fail(MESSAGES.say("stale_accumulate", what=what))
    for name, g, e in zip(names, got, expected, strict=True):
        if g is None:
            fail(MESSAGES.say("grad_none", what=what, name=name))
        assert_close(g, e, what=MESSAGES.say("grad_seen", what=what, name=name), **GRAD_TOL)


@points(2)
@devices("cpu", "cuda")
def test_accumulate_step(learner, device):
    """accumulate_step() over 3 micro-batches equals one step on the whole batch
    zh: accumulate_step() 在 3 个微批次上等于在整个批次上走一步"""
    setup = make_setup([4, 8, 3], seed=29, device=device, momentum=0.9)
    batches = micro_batches(3, 4, 4, 3, seed=30)
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="accumulate_step()"),
        hint=MESSAGES.say("accumulate_hint"),
    )
    what = MESSAGES.say("micro_batches", call="accumulate_step()", n=3)
    check_accumulated_loss(seen["result"], expected, 3, what=what)


@points(2)
def test_accumulate_step_gradient(learner):
    """accumulate_step(): the step's gradient is that of the mean loss over all micro-batches
    zh: accumulate_step()：这一步的梯度是所有微批次上平均损失的梯度"""
    setup = make_setup([4, 8, 3], seed=31)
    batches = micro_batches(3, 4, 4, 3, seed=32)
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    what = MESSAGES.say("micro_batches_of", call="accumulate_step()", n=3, size=4)
    check_accumulated_gradient(seen, expected, expected["names"], 3, what=what)


@points(1)
@devices("cpu", "cuda")
def test_accumulate_step_moves_batches(learner, device):
    """accumulate_step() moves every micro-batch's inputs and targets to the device
    zh: accumulate_step() 把每个微批次的输入和目标移到指定设备"""
    setup = make_setup([4, 8, 3], seed=35, device=device)
    seen = learner.probe("accumulate_run", setup, micro_batches(2, 4, 4, 3, seed=36))
    check_moved(seen, device, "accumulate_step()")
