"""Public checks for 06 losses: learners run these with `grader check 06`."""

import torch
import torch.nn.functional as F

from grader.testing import (
    CheckFailed,
    LearnerRaised,
    NotImplementedYet,
    assert_close,
    assert_unchanged,
    catalog,
    devices,
    fail,
    make_normal,
    make_tensor,
    points,
    public,
    references,
)

pytestmark = public
R = references(__file__)

REDUCTIONS = ("mean", "sum", "none")

# Every sentence this folder's checks show a learner, in English and Chinese (test_hidden.py
# adds its own to these).
TEXTS = {
    "ce_stability": (
        "log(softmax(x)) is not stable: softmax gives exactly 0 for a class far below the best "
        "one, and log(0) = -inf (and exp(1e4) alone overflows to inf). Compute log-probabilities "
        "as x - logsumexp(x) along the class dimension (the log-sum-exp trick: torch.logsumexp "
        "subtracts the maximum before exp()).",
        "log(softmax(x)) 不稳定：对远低于最佳类别的类别，softmax 恰好给出 0，而 log(0) = -inf"
        "（单是 exp(1e4) 就会上溢为 inf）。请沿类别维度用 x - logsumexp(x) 计算对数概率"
        "（log-sum-exp 技巧：torch.logsumexp 在 exp() 之前先减去最大值）。",
    ),
    "bce_stability": (
        "log(sigmoid(x)) and log(1 - sigmoid(x)) are not stable: sigmoid(-1e4) is exactly 0, and "
        "log(0) = -inf. Use the form in which exp() only sees -|x|: "
        "max(x, 0) - x * t + log1p(exp(-|x|)).",
        "log(sigmoid(x)) 和 log(1 - sigmoid(x)) 不稳定：sigmoid(-1e4) 恰好为 0，而 "
        "log(0) = -inf。请改用 exp() 只会遇到 -|x| 的形式："
        "max(x, 0) - x * t + log1p(exp(-|x|))。",
    ),
    "not_finite": (
        "{what}: {bad} of {n} value(s) are inf or nan where PyTorch gives finite values "
        "(expected {expected}, got {got}).\n{hint}",
        "{what}：{n} 个值中有 {bad} 个是 inf 或 nan，而 PyTorch 给出的是有限值"
        "（应为 {expected}，实际为 {got}）。\n{hint}",
    ),
    "suspect": (
        "{what}: expected {expected}, got {got}.\n{hint}",
        "{what}：应为 {expected}，实际为 {got}。\n{hint}",
    ),
    "not_connected": (
        "{what}: the loss is not connected to the input by autograd (it does not require "
        "grad), so no gradient can train the model. Compute it with tensor operations "
        "only: no .item(), .detach(), .numpy() or torch.no_grad().",
        "{what}：自动求导没有把损失与输入连起来（损失不需要梯度），因此没有梯度能训练模型。"
        "请只用张量运算计算它：不要用 .item()、.detach()、.numpy() 或 torch.no_grad()。",
    ),
    "no_gradient": (
        "{what}: no gradient reached the input after backward().",
        "{what}：backward() 之后没有梯度传到输入。",
    ),
    "gradient_of": (
        "the gradient of {what} w.r.t. its first input",
        "{what} 对第一个输入的梯度",
    ),
    "a_tensor_of_shape": ("a tensor of shape {shape}", "一个形状为 {shape} 的张量"),
    "valueerror_raised": (
        "{what}: expected ValueError, but your code raised {type_name}: {message}. {why}",
        "{what}：应抛出 ValueError，但你的代码抛出了 {type_name}：{message}。{why}",
    ),
    "valueerror_returned": (
        "{what}: expected ValueError, but your code returned {shown}. {why}",
        "{what}：应抛出 ValueError，但你的代码返回了 {shown}。{why}",
    ),
    "mse_shapes": (
        "mse_loss(pred of shape {pred}, target of shape {target})",
        "mse_loss(形状为 {pred} 的 pred, 形状为 {target} 的 target)",
    ),
    "mse_why_raised": (
        "Compare pred.shape with target.shape first, and raise ValueError when they differ.",
        "请先比较 pred.shape 与 target.shape，二者不同时抛出 ValueError。",
    ),
    "mse_why_returned": (
        "These shapes broadcast to (5, 5): every prediction is compared with every target, a "
        "silent bug that trains on nonsense. Compare pred.shape with target.shape and raise "
        "ValueError when they differ.",
        "这两个形状会广播成 (5, 5)：每个预测都与每个目标相比较，这是一个悄无声息的错误，"
        "会在无意义的数据上训练。请比较 pred.shape 与 target.shape，二者不同时抛出 ValueError。",
    ),
    "class_indices": ("class indices", "类别索引"),
    "class_probabilities": ("class probabilities", "类别概率"),
    "ce_ignored": (
        "cross_entropy(logits 8×5, targets with {n} equal to ignore_index={ignore_index}, "
        "reduction='{reduction}')",
        "cross_entropy(logits 8×5, 有 {n} 个等于 ignore_index={ignore_index} 的目标, "
        "reduction='{reduction}')",
    ),
    "ignore_mean_count": (
        "The mean must be over the targets that are not ignored: divide by their "
        "number ({kept} here), not by the batch size ({batch}).",
        "平均值只能在未被忽略的目标上计算：除以它们的个数（这里是 {kept}），而不是批次大小"
        "（{batch}）。",
    ),
    "ignore_mean_all": (
        "Samples whose target is ignore_index ({ignore_index}) must not count at all.",
        "目标为 ignore_index（{ignore_index}）的样本完全不能计入。",
    ),
    "ignore_zero": (
        "Samples whose target is ignore_index ({ignore_index}) must give a loss of 0.",
        "目标为 ignore_index（{ignore_index}）的样本，损失必须为 0。",
    ),
    "smoothing_probabilities": (
        "label_smoothing applies to probability targets too: "
        "target * (1 - ε) + ε / C, here ε = {epsilon} and C = {n_classes}.",
        "label_smoothing 对概率目标同样适用：target * (1 - ε) + ε / C，这里 ε = {epsilon}，"
        "C = {n_classes}。",
    ),
    "smoothing_spread": (
        "Label smoothing spreads ε over all C classes, the target class included: the smoothed "
        "target is (1 - ε) * one_hot + ε / C (here ε = {epsilon}, C = {n_classes}), not ε / "
        "(C - 1) over the other classes.",
        "标签平滑把 ε 分摊到全部 C 个类别上，目标类别也包括在内：平滑后的目标是 "
        "(1 - ε) * one_hot + ε / C（这里 ε = {epsilon}，C = {n_classes}），而不是把 ε / (C - 1) "
        "分给其他类别。",
    ),
    "smoothing_missing": (
        "label_smoothing={epsilon} made no difference: apply it.",
        "label_smoothing={epsilon} 没有起任何作用：请应用它。",
    ),
    "ce_big": (
        "cross_entropy(logits with values ±1e4, reduction='{reduction}')",
        "cross_entropy(取值为 ±1e4 的 logits, reduction='{reduction}')",
    ),
    "bce_big": (
        "binary_cross_entropy_with_logits(logits with values ±1e4, reduction='{reduction}')",
        "binary_cross_entropy_with_logits(取值为 ±1e4 的 logits, reduction='{reduction}')",
    ),
}
MESSAGES = catalog(TEXTS)


# ---------------------------------------------------------------- judge-side helpers


def class_targets(n: int, n_classes: int, seed: int, device="cpu") -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, n_classes, (n,), generator=generator).to(device)


def class_probabilities(n: int, n_classes: int, seed: int, dtype=torch.float32, device="cpu"):
    return torch.softmax(make_normal(n, n_classes, seed=seed, dtype=dtype) * 2, dim=1).to(device)


def close_or_explain(got, expected, what: str, suspects=(), stability_hint=None, **tol) -> None:
    """assert_close, but first recognise known mistakes: NaN/inf where torch is finite (with
    `stability_hint`), or a value equal to one of `suspects` ((wrong value, hint) pairs)."""
    usable = isinstance(got, torch.Tensor) and got.shape == expected.shape
    if usable:
        a, e = got.detach().to("cpu", torch.float64), expected.detach().to("cpu", torch.float64)
        bad = torch.isfinite(e) & ~torch.isfinite(a)
        if stability_hint and bad.any():
            fail(
                MESSAGES.say(
                    "not_finite",
                    what=what,
                    bad=int(bad.sum()),
                    n=bad.numel(),
                    expected=_show(e),
                    got=_show(a),
                    hint=stability_hint,
                )
            )
        for wrong, hint in suspects:
            w = wrong.detach().to("cpu", torch.float64)
            distinct = w.shape == a.shape and not torch.allclose(w, e, rtol=1e-5, atol=1e-6)
            if distinct and torch.allclose(a, w, rtol=1e-5, atol=1e-6):
                fail(MESSAGES.say("suspect", what=what, expected=_show(e), got=_show(a), hint=hint))
    try:
        assert_close(got, expected, what=what, **tol)
    except CheckFailed as failed:
        if stability_hint and usable and (e.abs() > 1e3).any():
            raise CheckFailed(f"{failed}\n{stability_hint}") from None
        raise


def _show(t: torch.Tensor) -> str:
    values = [f"{v:.6g}" for v in t.flatten()[:8].tolist()]
    more = ", …" if t.numel() > 8 else ""
    return f"[{', '.join(values)}{more}]" if t.dim() else values[0]


def loss_with_grad(learner, name: str, inputs: tuple, kwargs: dict, reference, what: str):
    """Compare the learner's loss and its gradient w.r.t. inputs[0] with torch's
    (`reference` is the F. function)."""
    x = inputs[0].detach().clone().requires_grad_(True)
    expected = reference(x, *inputs[1:], **kwargs)
    upstream = make_tensor(*expected.shape, seed=99, low=0.5, high=1.5).to(expected)
    (expected * upstream).sum().backward()
    seen = learner.probe("loss_grad", name, inputs, kwargs, upstream)
    close_or_explain(seen["loss"], expected.detach(), what)
    if not seen["connected"]:
        fail(MESSAGES.say("not_connected", what=what))
    if seen["grad"] is None:
        fail(MESSAGES.say("no_gradient", what=what))
    assert_close(seen["grad"], x.grad, what=MESSAGES.say("gradient_of", what=what))


# ---------------------------------------------------------------- mse_loss


@points(2)
@devices("cpu", "cuda", "standin")
def test_mse_loss(learner, device):
    """mse_loss() equals F.mse_loss for every reduction
    zh: mse_loss() 在每种 reduction 下都等于 F.mse_loss"""
    pred, target = (
        make_tensor(4, 3, seed=1, device=device),
        make_tensor(4, 3, seed=2, device=device),
    )
    for reduction in REDUCTIONS:
        what = f"mse_loss(pred, target, reduction='{reduction}')"
        got = learner.mse_loss(pred, target, reduction=reduction)
        assert_close(got, F.mse_loss(pred, target, reduction=reduction), what=what)


@points(2)
def test_mse_loss_shape_mismatch(learner):
    """mse_loss() raises ValueError for pred (N, 1) against target (N,)
    zh: mse_loss() 对 (N, 1) 的 pred 与 (N,) 的 target 抛出 ValueError"""
    pred, target = make_tensor(5, 1, seed=3), make_tensor(5, seed=4)
    what = MESSAGES.say("mse_shapes", pred=(5, 1), target=(5,))
    try:
        got = learner.mse_loss(pred, target)
    except NotImplementedYet:
        raise
    except LearnerRaised as raised:
        if raised.is_a("ValueError"):
            return
        why = MESSAGES.say("mse_why_raised")
        fail(
            MESSAGES.say(
                "valueerror_raised",
                what=what,
                type_name=raised.type_name,
                message=raised.exc_message,
                why=why,
            )
        )
    fail(
        MESSAGES.say(
            "valueerror_returned",
            what=what,
            shown=what_returned(got),
            why=MESSAGES.say("mse_why_returned"),
        )
    )


def what_returned(got) -> str:
    """What a learner's call returned where a ValueError was expected."""
    if isinstance(got, torch.Tensor):
        return MESSAGES.say("a_tensor_of_shape", shape=tuple(got.shape))
    return repr(got)


@points(1)
def test_mse_loss_float64_unchanged_inputs(learner):
    """mse_loss() keeps float64 and leaves its inputs alone
    zh: mse_loss() 保持 float64，且不修改其输入"""
    pred = make_tensor(6, seed=5, dtype=torch.float64)
    target = make_tensor(6, seed=6, dtype=torch.float64)
    seen = learner.watch.mse_loss(pred, target)
    assert_close(seen.result, F.mse_loss(pred, target), what="mse_loss(pred float64, target)")
    assert_unchanged(pred, seen.args[0], name="pred", what="mse_loss(pred, target)")
    assert_unchanged(target, seen.args[1], name="target", what="mse_loss(pred, target)")


# ---------------------------------------------------------------- cross_entropy


@points(2)
@devices("cpu", "cuda", "standin")
def test_cross_entropy(learner, device):
    """cross_entropy() with class-index targets equals F.cross_entropy, every reduction
    zh: cross_entropy() 使用类别索引目标时等于 F.cross_entropy，每种 reduction"""
    logits = make_tensor(6, 4, seed=10, device=device, low=-3, high=3)
    target = class_targets(6, 4, seed=11, device=device)
    for reduction in REDUCTIONS:
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=f"cross_entropy(logits 6×4, {MESSAGES.say('class_indices')}, "
            f"reduction='{reduction}')",
        )


@points(2)
@devices("cpu", "cuda", "standin")
def test_cross_entropy_probabilities(learner, device):
    """cross_entropy() with class-probability targets equals F.cross_entropy
    zh: cross_entropy() 使用类别概率目标时等于 F.cross_entropy"""
    logits = make_tensor(5, 3, seed=12, device=device, low=-3, high=3)
    target = class_probabilities(5, 3, seed=13, device=device)
    for reduction in REDUCTIONS:
        kind = MESSAGES.say("class_probabilities")
        what = f"cross_entropy(logits 5×3, {kind} 5×3, reduction='{reduction}')"
        got = learner.cross_entropy(logits, target, reduction=reduction)
        close_or_explain(got, F.cross_entropy(logits, target, reduction=reduction), what=what)


def ignore_suspects(logits, target, ignore_index, reduction, **kwargs):
    """Wrong answers a mean or a per-sample loss that does not leave ignored targets out
    would give, each with its explanation (reference.py, never shipped, computes them from
    this check's own inputs, and names each explanation by its key in MESSAGES)."""
    found = R.ignore_suspects(logits, target, ignore_index, reduction, **kwargs)
    return [(wrong, MESSAGES.say(key, **fields)) for wrong, key, fields in found]


@points(2)
def test_cross_entropy_ignore_index(learner):
    """cross_entropy() leaves out targets equal to ignore_index, also from the mean
    zh: cross_entropy() 去掉等于 ignore_index 的目标，求平均时也去掉"""
    logits = make_tensor(8, 5, seed=14, low=-3, high=3)
    target = class_targets(8, 5, seed=15)
    target[[1, 4, 5]] = -100
    custom = class_targets(8, 5, seed=16)
    custom[[0, 6]] = 2
    for t, ignore_index in [(target, -100), (custom, 2)]:
        for reduction in REDUCTIONS:
            close_or_explain(
                learner.cross_entropy(logits, t, reduction=reduction, ignore_index=ignore_index),
                F.cross_entropy(logits, t, reduction=reduction, ignore_index=ignore_index),
                what=MESSAGES.say(
                    "ce_ignored",
                    n=int((t == ignore_index).sum()),
                    ignore_index=ignore_index,
                    reduction=reduction,
                ),
                suspects=ignore_suspects(logits, t, ignore_index, reduction),
            )


def smoothing_suspects(logits, target, epsilon, reduction):
    """What label smoothing spread over the C - 1 other classes (or not applied) would give."""
    n_classes = logits.shape[1]
    if target.dtype.is_floating_point:
        return [
            (
                F.cross_entropy(logits, target, reduction=reduction),
                MESSAGES.say("smoothing_probabilities", epsilon=epsilon, n_classes=n_classes),
            )
        ]
    one_hot = F.one_hot(target, n_classes).to(logits.dtype)
    hint = MESSAGES.say("smoothing_spread", epsilon=epsilon, n_classes=n_classes)
    others = (1 - epsilon) * one_hot + epsilon / (n_classes - 1) * (1 - one_hot)
    only_others = (1 - epsilon) * one_hot + epsilon / n_classes * (1 - one_hot)
    return [
        (F.cross_entropy(logits, others, reduction=reduction), hint),
        (F.cross_entropy(logits, only_others, reduction=reduction), hint),
        (
            F.cross_entropy(logits, target, reduction=reduction),
            MESSAGES.say("smoothing_missing", epsilon=epsilon),
        ),
    ]


@points(2)
def test_cross_entropy_label_smoothing(learner):
    """cross_entropy() with label_smoothing, for class indices and for probabilities
    zh: cross_entropy() 使用 label_smoothing，类别索引和概率目标都要支持"""
    logits = make_tensor(6, 4, seed=17, low=-3, high=3)
    indices = class_targets(6, 4, seed=18)
    probabilities = class_probabilities(6, 4, seed=19)
    for target, key in [(indices, "class_indices"), (probabilities, "class_probabilities")]:
        kind = MESSAGES.say(key)
        for reduction in REDUCTIONS:
            close_or_explain(
                learner.cross_entropy(logits, target, reduction=reduction, label_smoothing=0.2),
                F.cross_entropy(logits, target, reduction=reduction, label_smoothing=0.2),
                what=f"cross_entropy(logits 6×4, {kind}, reduction='{reduction}', "
                "label_smoothing=0.2)",
                suspects=smoothing_suspects(logits, target, 0.2, reduction),
            )


@points(2)
def test_cross_entropy_stable(learner):
    """cross_entropy() stays finite for logits of ±1e4
    zh: cross_entropy() 对 ±1e4 的 logits 仍为有限值"""
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, 1e4]])
    target = torch.tensor([1, 1, 0])
    for reduction in ("none", "mean"):
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=MESSAGES.say("ce_big", reduction=reduction),
            stability_hint=MESSAGES.say("ce_stability"),
        )


@points(2)
def test_cross_entropy_gradient(learner):
    """cross_entropy() is differentiable: its gradient w.r.t. the logits equals torch's
    zh: cross_entropy() 可微：它对 logits 的梯度等于 torch 的"""
    logits = make_tensor(5, 4, seed=20, low=-3, high=3)
    target = class_targets(5, 4, seed=21)
    for reduction in ("mean", "none"):
        loss_with_grad(
            learner,
            "cross_entropy",
            (logits, target),
            {"reduction": reduction},
            F.cross_entropy,
            what=f"cross_entropy(logits, target, reduction='{reduction}')",
        )


@points(1)
def test_cross_entropy_float64_unchanged_inputs(learner):
    """cross_entropy() keeps float64 and leaves its inputs alone
    zh: cross_entropy() 保持 float64，且不修改其输入"""
    logits = make_tensor(4, 6, seed=22, dtype=torch.float64)
    target = class_targets(4, 6, seed=23)
    target[2] = -100
    seen = learner.watch.cross_entropy(logits, target)
    what = "cross_entropy(logits float64, target)"
    close_or_explain(seen.result, F.cross_entropy(logits, target), what=what)
    assert_unchanged(logits, seen.args[0], name="logits", what=what)
    assert_unchanged(target, seen.args[1], name="target", what=what)


# ---------------------------------------------------------------- binary_cross_entropy_with_logits


@points(2)
@devices("cpu", "cuda", "standin")
def test_bce_with_logits(learner, device):
    """binary_cross_entropy_with_logits() equals the F. function, every reduction
    zh: binary_cross_entropy_with_logits() 等于对应的 F. 函数，每种 reduction"""
    logits = make_tensor(4, 5, seed=30, device=device, low=-4, high=4)
    target = make_tensor(4, 5, seed=31, device=device, low=0, high=1)
    for reduction in REDUCTIONS:
        what = f"binary_cross_entropy_with_logits(logits, target, reduction='{reduction}')"
        got = learner.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
        assert_close(
            got,
            F.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
            what=what,
        )


@points(2)
def test_bce_with_logits_stable(learner):
    """binary_cross_entropy_with_logits() stays finite for logits of ±1e4
    zh: binary_cross_entropy_with_logits() 对 ±1e4 的 logits 仍为有限值"""
    logits = torch.tensor([1e4, -1e4, 1e4, -1e4, 0.5, -30.0])
    target = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])
    for reduction in ("none", "sum"):
        close_or_explain(
            learner.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
            F.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
            what=MESSAGES.say("bce_big", reduction=reduction),
            stability_hint=MESSAGES.say("bce_stability"),
        )
