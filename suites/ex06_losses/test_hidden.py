"""Hidden checks for 06 losses: other inputs, combinations and edge cases, run at grading time."""

import torch
import torch.nn.functional as F

from grader.testing import (
    LearnerRaised,
    NotImplementedYet,
    assert_close,
    assert_unchanged,
    catalog,
    devices,
    fail,
    hidden,
    make_tensor,
    points,
    public_suite,
    variants,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)
S = public_suite(__file__)  # the public suite's helpers: one copy for both
REDUCTIONS = S.REDUCTIONS
class_targets = S.class_targets
class_probabilities = S.class_probabilities
_show = S._show
close_or_explain = S.close_or_explain
ignore_suspects = S.ignore_suspects
smoothing_suspects = S.smoothing_suspects
what_returned = S.what_returned

# The public suite's sentences, and those only the hidden checks say.
MESSAGES = catalog(
    {
        **S.TEXTS,
        "mse_why_same_shape": (
            "pred and target must have the same shape: compare the shapes and raise ValueError.",
            "pred 和 target 的形状必须相同：请比较形状，不同时抛出 ValueError。",
        ),
        "reduction_why": (
            "reduction must be 'mean', 'sum' or 'none' (as in PyTorch): raise ValueError "
            "otherwise.",
            "reduction 只能是 'mean'、'sum' 或 'none'（与 PyTorch 相同）：否则抛出 ValueError。",
        ),
        "ce_ignored_smoothed": (
            "cross_entropy(logits 10×6, 4 targets equal to ignore_index={ignore_index}, "
            "reduction='{reduction}', label_smoothing={epsilon})",
            "cross_entropy(logits 10×6, 4 个等于 ignore_index={ignore_index} 的目标, "
            "reduction='{reduction}', label_smoothing={epsilon})",
        ),
        "ce_all_ignored": (
            "cross_entropy(logits, every target = ignore_index, reduction='{reduction}')",
            "cross_entropy(logits, 所有目标都等于 ignore_index, reduction='{reduction}')",
        ),
        "ce_one_hot": (
            "cross_entropy(logits 4×3, one-hot float targets, reduction='none')",
            "cross_entropy(logits 4×3, one-hot 浮点目标, reduction='none')",
        ),
        "ce_masked": (
            "cross_entropy(logits with -inf for masked classes, reduction='{reduction}')",
            "cross_entropy(被屏蔽类别为 -inf 的 logits, reduction='{reduction}')",
        ),
        "ce_masked_hint": (
            "A class whose logit is -inf has probability 0 and log-probability "
            "-inf: it must never be multiplied (0 * -inf is nan), even by a label_smoothing "
            "of 0. Add the smoothing term only when label_smoothing > 0.",
            "logit 为 -inf 的类别，概率为 0，对数概率为 -inf：它绝不能参与乘法（0 * -inf 是 "
            "nan），即使乘的是为 0 的 label_smoothing 也不行。只在 label_smoothing > 0 时才加上"
            "平滑项。",
        ),
        "ce_two_ignored": (
            "cross_entropy(logits, targets with 2 ignored, label_smoothing=0.2)",
            "cross_entropy(logits, 有 2 个被忽略的目标, label_smoothing=0.2)",
        ),
        "soft_targets": ("soft targets", "软目标"),
        "hard_targets": ("0/1 targets", "0/1 目标"),
        "bce_shapes": (
            "binary_cross_entropy_with_logits(logits of shape (4, 1), target of shape (4,))",
            "binary_cross_entropy_with_logits(形状为 (4, 1) 的 logits, 形状为 (4,) 的 target)",
        ),
        "bce_why_broadcast": (
            "Those shapes would broadcast to (4, 4). Compare the shapes and raise ValueError "
            "when they differ, as F.binary_cross_entropy_with_logits does.",
            "这两个形状会广播成 (4, 4)。请比较形状，不同时抛出 ValueError，与 "
            "F.binary_cross_entropy_with_logits 一样。",
        ),
        "variant_float32": ("a float32 first input", "第一个输入为 float32"),
        "variant_requires_grad": (
            "a first input that requires grad",
            "第一个输入需要梯度（requires grad）",
        ),
        "variant_holding": ("a first input holding {special}", "第一个输入含有 {special}"),
        "variant_other": ("a {label} first input", "第一个输入为 {label}"),
        "reduction_left_out": (" (reduction left out)", "（不传 reduction）"),
        "variant_call": ("{call}{how}, with {variant}", "{call}{how}，{variant}"),
        "variant_raised": (
            "{what}: your code raised {type_name}: {message}\n"
            "PyTorch's loss accepts this input: make no assumption about the memory "
            "layout (use .reshape, not .view), the dtype, or whether it requires grad.",
            "{what}：你的代码抛出了 {type_name}：{message}\n"
            "PyTorch 的损失函数接受这个输入：不要对内存布局（用 .reshape，不要用 .view）、"
            "数据类型或是否需要梯度做任何假设。",
        ),
    }
)


# ---------------------------------------------------------------- judge-side helpers
# (variants of the public suite's, for the hidden checks' inputs)


def loss_with_grad(
    learner, name: str, inputs: tuple, kwargs: dict, reference, what: str, **explain
):
    x = inputs[0].detach().clone().requires_grad_(True)
    expected = reference(x, *inputs[1:], **kwargs)
    upstream = make_tensor(*expected.shape, seed=98, low=0.5, high=1.5).to(expected)
    (expected * upstream).sum().backward()
    seen = learner.probe("loss_grad", name, inputs, kwargs, upstream)
    close_or_explain(seen["loss"], expected.detach(), what, **explain)
    if not seen["connected"]:
        fail(MESSAGES.say("not_connected", what=what))
    if seen["grad"] is None:
        fail(MESSAGES.say("no_gradient", what=what))
    grad_what = MESSAGES.say("gradient_of", what=what)
    close_or_explain(seen["grad"], x.grad, grad_what, stability_hint=explain.get("stability_hint"))


def expect_value_error(call, what: str, why: str) -> None:
    try:
        got = call()
    except NotImplementedYet:
        raise
    except LearnerRaised as raised:
        if raised.is_a("ValueError"):
            return
        fail(
            MESSAGES.say(
                "valueerror_raised",
                what=what,
                type_name=raised.type_name,
                message=raised.exc_message,
                why=why,
            )
        )
    fail(MESSAGES.say("valueerror_returned", what=what, shown=what_returned(got), why=why))


# ---------------------------------------------------------------- mse_loss


@points(1)
@devices("cpu", "cuda")
def test_mse_loss_3d_float64(learner, device):
    """mse_loss() on 3-D float64 tensors, every reduction
    zh: mse_loss() 作用于 3 维 float64 张量，每种 reduction"""
    pred = make_tensor(2, 3, 4, seed=101, dtype=torch.float64, device=device)
    target = make_tensor(2, 3, 4, seed=102, dtype=torch.float64, device=device)
    for reduction in REDUCTIONS:
        assert_close(
            learner.mse_loss(pred, target, reduction=reduction),
            F.mse_loss(pred, target, reduction=reduction),
            what=f"mse_loss(pred 2×3×4 float64, target, reduction='{reduction}')",
        )


@points(1)
def test_mse_loss_other_mismatches(learner):
    """mse_loss() raises ValueError for any two different shapes
    zh: mse_loss() 对任意两个不同的形状抛出 ValueError"""
    why = MESSAGES.say("mse_why_same_shape")
    for pred_shape, target_shape in [((3,), (4,)), ((2, 3), (3,)), ((4,), (4, 1))]:
        pred = make_tensor(*pred_shape, seed=103)
        target = make_tensor(*target_shape, seed=104)
        expect_value_error(
            lambda p=pred, t=target: learner.mse_loss(p, t),
            MESSAGES.say("mse_shapes", pred=pred_shape, target=target_shape),
            why,
        )


@points(1)
def test_losses_reject_unknown_reduction(learner):
    """Every loss raises ValueError for an unknown reduction
    zh: 每个损失函数对未知的 reduction 抛出 ValueError"""
    x, t = make_tensor(3, 2, seed=105), make_tensor(3, 2, seed=106, low=0, high=1)
    why = MESSAGES.say("reduction_why")
    expect_value_error(
        lambda: learner.mse_loss(x, t, reduction="avg"), "mse_loss(..., reduction='avg')", why
    )
    expect_value_error(
        lambda: learner.cross_entropy(x, torch.tensor([0, 1, 1]), reduction="average"),
        "cross_entropy(..., reduction='average')",
        why,
    )
    expect_value_error(
        lambda: learner.binary_cross_entropy_with_logits(x, t, reduction="total"),
        "binary_cross_entropy_with_logits(..., reduction='total')",
        why,
    )


@points(1)
def test_mse_loss_gradient(learner):
    """mse_loss() is differentiable: its gradient w.r.t. pred equals torch's
    zh: mse_loss() 可微：它对 pred 的梯度等于 torch 的"""
    pred, target = make_tensor(4, 3, seed=107), make_tensor(4, 3, seed=108)
    for reduction in ("mean", "none"):
        loss_with_grad(
            learner,
            "mse_loss",
            (pred, target),
            {"reduction": reduction},
            F.mse_loss,
            what=f"mse_loss(pred, target, reduction='{reduction}')",
        )


# ---------------------------------------------------------------- cross_entropy


@points(2)
@devices("cpu", "cuda")
def test_cross_entropy_more(learner, device):
    """cross_entropy() with 7 classes in float64, every reduction
    zh: cross_entropy() 在 7 个类别、float64 下，每种 reduction"""
    logits = make_tensor(9, 7, seed=110, dtype=torch.float64, device=device, low=-5, high=5)
    target = class_targets(9, 7, seed=111, device=device)
    for reduction in REDUCTIONS:
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=f"cross_entropy(logits 9×7 float64, {MESSAGES.say('class_indices')}, "
            f"reduction='{reduction}')",
        )


@points(2)
def test_cross_entropy_ignore_and_smoothing(learner):
    """cross_entropy() with ignore_index and label_smoothing together
    zh: cross_entropy() 同时使用 ignore_index 和 label_smoothing"""
    logits = make_tensor(10, 6, seed=112, low=-4, high=4)
    target = class_targets(10, 6, seed=113)
    target[[0, 3, 7, 8]] = 3
    for ignore_index, epsilon in [(3, 0.1), (-100, 0.3)]:
        t = target if ignore_index == 3 else torch.where(target == 3, -100, target)
        for reduction in REDUCTIONS:
            kwargs = {"reduction": reduction, "ignore_index": ignore_index}
            close_or_explain(
                learner.cross_entropy(logits, t, label_smoothing=epsilon, **kwargs),
                F.cross_entropy(logits, t, label_smoothing=epsilon, **kwargs),
                what=MESSAGES.say(
                    "ce_ignored_smoothed",
                    ignore_index=ignore_index,
                    reduction=reduction,
                    epsilon=epsilon,
                ),
                suspects=ignore_suspects(
                    logits, t, ignore_index, reduction, label_smoothing=epsilon
                ),
            )


@points(1)
def test_cross_entropy_prob_smoothing_float64(learner):
    """cross_entropy() with float64 probability targets and label_smoothing
    zh: cross_entropy() 使用 float64 概率目标和 label_smoothing"""
    logits = make_tensor(7, 5, seed=114, dtype=torch.float64, low=-3, high=3)
    target = class_probabilities(7, 5, seed=115, dtype=torch.float64)
    for reduction in REDUCTIONS:
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction, label_smoothing=0.15),
            F.cross_entropy(logits, target, reduction=reduction, label_smoothing=0.15),
            what=f"cross_entropy(logits float64, {MESSAGES.say('class_probabilities')}, "
            f"reduction='{reduction}', label_smoothing=0.15)",
            suspects=smoothing_suspects(logits, target, 0.15, reduction),
        )


@points(1)
def test_cross_entropy_all_ignored(learner):
    """cross_entropy() when every target is ignored: mean is nan, sum is 0, as in PyTorch
    zh: cross_entropy() 在所有目标都被忽略时：mean 为 nan，sum 为 0，与 PyTorch 相同"""
    logits = make_tensor(3, 4, seed=116)
    target = torch.full((3,), -100)
    for reduction in REDUCTIONS:
        assert_close(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=MESSAGES.say("ce_all_ignored", reduction=reduction),
            equal_nan=True,
        )


@points(1)
def test_cross_entropy_single_sample_and_one_hot(learner):
    """cross_entropy() of one sample, and of one-hot probability targets
    zh: cross_entropy() 作用于单个样本，以及 one-hot 概率目标"""
    logits = make_tensor(1, 2, seed=117)
    target = torch.tensor([1])
    close_or_explain(
        learner.cross_entropy(logits, target),
        F.cross_entropy(logits, target),
        what="cross_entropy(logits 1×2, target [1])",
    )
    logits = make_tensor(4, 3, seed=118)
    one_hot = F.one_hot(class_targets(4, 3, seed=119), 3).float()
    close_or_explain(
        learner.cross_entropy(logits, one_hot, reduction="none"),
        F.cross_entropy(logits, one_hot, reduction="none"),
        what=MESSAGES.say("ce_one_hot"),
    )


@points(2)
def test_cross_entropy_stable_more(learner):
    """cross_entropy() stays finite for ±1e4 logits with probabilities and label smoothing
    zh: cross_entropy() 在 ±1e4 的 logits 配合概率目标和标签平滑时仍为有限值"""
    logits = torch.tensor(
        [[-1e4, 1e4, 0.0, 5.0], [1e4, 1e4, -1e4, 0.0], [-1e4, -1e4, -1e4, -1e4 + 3.0]],
        dtype=torch.float64,
    )
    target = torch.tensor([0, 2, 3])
    probabilities = class_probabilities(3, 4, seed=120, dtype=torch.float64)
    cases = [
        (target, {"reduction": "none"}),
        (target, {"reduction": "sum", "label_smoothing": 0.1}),
        (probabilities, {"reduction": "none"}),
    ]
    for t, kwargs in cases:
        kind = MESSAGES.say("class_indices" if t is target else "class_probabilities")
        close_or_explain(
            learner.cross_entropy(logits, t, **kwargs),
            F.cross_entropy(logits, t, **kwargs),
            what=f"cross_entropy(logits ±1e4 float64, {kind}, "
            + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            + ")",
            stability_hint=MESSAGES.say("ce_stability"),
        )


@points(1)
def test_cross_entropy_masked_classes(learner):
    """cross_entropy() with logits of -inf (masked classes), as F.cross_entropy
    zh: cross_entropy() 处理为 -inf 的 logits（被屏蔽的类别），与 F.cross_entropy 相同"""
    inf = float("inf")
    logits = torch.tensor([[0.0, -inf, 1.0], [2.0, 0.5, -inf], [-inf, 3.0, -1.0]])
    target = torch.tensor([2, 0, 1])
    for reduction in ("none", "mean", "sum"):
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=MESSAGES.say("ce_masked", reduction=reduction),
            stability_hint=MESSAGES.say("ce_masked_hint"),
        )


@points(2)
def test_cross_entropy_gradient_more(learner):
    """cross_entropy()'s gradient with ignored targets, smoothing, probabilities and ±1e4 logits
    zh: cross_entropy() 在有被忽略的目标、标签平滑、概率目标和 ±1e4 的 logits 时的梯度"""
    logits = make_tensor(6, 5, seed=121, low=-3, high=3)
    target = class_targets(6, 5, seed=122)
    target[[2, 5]] = -100
    loss_with_grad(
        learner,
        "cross_entropy",
        (logits, target),
        {"label_smoothing": 0.2},
        F.cross_entropy,
        what=MESSAGES.say("ce_two_ignored"),
    )
    probabilities = class_probabilities(6, 5, seed=123)
    loss_with_grad(
        learner,
        "cross_entropy",
        (logits, probabilities),
        {"reduction": "sum"},
        F.cross_entropy,
        what=f"cross_entropy(logits, {MESSAGES.say('class_probabilities')}, reduction='sum')",
    )
    big = torch.tensor([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]])
    loss_with_grad(
        learner,
        "cross_entropy",
        (big, torch.tensor([1, 2])),
        {},
        F.cross_entropy,
        what="cross_entropy(logits ±1e4, target)",
        stability_hint=MESSAGES.say("ce_stability"),
    )


# ---------------------------------------------------------------- binary_cross_entropy_with_logits


@points(1)
@devices("cpu", "cuda", "standin")
def test_bce_with_logits_3d_float64(learner, device):
    """binary_cross_entropy_with_logits() on 3-D float64 tensors with hard and soft targets
    zh: binary_cross_entropy_with_logits() 作用于 3 维 float64 张量，使用硬目标和软目标"""
    logits = make_tensor(3, 2, 4, seed=130, dtype=torch.float64, device=device, low=-6, high=6)
    soft = make_tensor(3, 2, 4, seed=131, dtype=torch.float64, device=device, low=0, high=1)
    hard = (make_tensor(3, 2, 4, seed=132, device=device) > 0).to(torch.float64)
    for target, key in [(soft, "soft_targets"), (hard, "hard_targets")]:
        kind = MESSAGES.say(key)
        for reduction in REDUCTIONS:
            what = (
                f"binary_cross_entropy_with_logits(logits float64, {kind}, reduction='{reduction}')"
            )
            got = learner.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
            assert_close(
                got,
                F.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
                what=what,
            )


@points(2)
def test_bce_with_logits_gradient_stable(learner):
    """binary_cross_entropy_with_logits()'s gradient equals torch's, also at ±1e4
    zh: binary_cross_entropy_with_logits() 的梯度等于 torch 的，在 ±1e4 处也是如此"""
    logits = torch.tensor([[1e4, -1e4, 2.0], [-1e4, 0.3, 1e4]])
    target = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.6, 0.2]])
    for reduction in ("mean", "none"):
        loss_with_grad(
            learner,
            "binary_cross_entropy_with_logits",
            (logits, target),
            {"reduction": reduction},
            F.binary_cross_entropy_with_logits,
            what=f"binary_cross_entropy_with_logits(logits ±1e4, target, reduction='{reduction}')",
            stability_hint=MESSAGES.say("bce_stability"),
        )


@points(1)
def test_bce_with_logits_shape_mismatch(learner):
    """binary_cross_entropy_with_logits() raises ValueError for different shapes, as PyTorch
    zh: binary_cross_entropy_with_logits() 对不同的形状抛出 ValueError，与 PyTorch 相同"""
    expect_value_error(
        lambda: learner.binary_cross_entropy_with_logits(
            make_tensor(4, 1, seed=133), make_tensor(4, seed=134, low=0, high=1)
        ),
        MESSAGES.say("bce_shapes"),
        MESSAGES.say("bce_why_broadcast"),
    )


@points(1)
def test_bce_with_logits_unchanged_inputs(learner):
    """binary_cross_entropy_with_logits() leaves its inputs alone
    zh: binary_cross_entropy_with_logits() 不修改其输入"""
    logits = make_tensor(5, 3, seed=135, low=-3, high=3)
    target = make_tensor(5, 3, seed=136, low=0, high=1)
    seen = learner.watch.binary_cross_entropy_with_logits(logits, target, reduction="sum")
    what = "binary_cross_entropy_with_logits(logits, target, reduction='sum')"
    assert_close(
        seen.result,
        F.binary_cross_entropy_with_logits(logits, target, reduction="sum"),
        what=what,
    )
    assert_unchanged(logits, seen.args[0], name="logits", what=what)
    assert_unchanged(target, seen.args[1], name="target", what=what)


# ---------------------------------------------------------------- input variants


def variant_words(label: str) -> str:
    """How a message names a variant of the first input."""
    if label == "as given":
        return MESSAGES.say("variant_float32")
    if label == "requires_grad":
        return MESSAGES.say("variant_requires_grad")
    if label.startswith("with "):
        return MESSAGES.say("variant_holding", special=label.removeprefix("with "))
    return MESSAGES.say("variant_other", label=label)


def check_variants(learner, name: str, family: list, others, reference, call: str) -> None:
    """Call the learner's loss `name` on every variant of its first input (the other inputs
    made by `others(first)`), with reduction left out (the default, "mean") and "none", in one
    round trip; compare each with `reference` (the F. function) on the same variant."""
    calls, expected, shown = [], [], []
    for variant in family:
        rest = others(variant.tensor)
        for kwargs in ({}, {"reduction": "none"}):
            calls.append(((variant.tensor, *rest), kwargs))
            expected.append(reference(variant.tensor, *rest, **kwargs).detach())
            how = ", reduction='none'" if kwargs else MESSAGES.say("reduction_left_out")
            variant_named = variant_words(variant.label)
            shown.append(MESSAGES.say("variant_call", call=call, how=how, variant=variant_named))
    for got, want, what in zip(
        each_naming_variants(learner, name, calls, shown), expected, shown, strict=True
    ):
        close_or_explain(got, want, what=what, equal_nan=True)


def each_naming_variants(learner, name: str, calls: list, shown: list) -> list:
    """learner.each(name, calls); if one raised, call them one by one to say which variant
    made it raise (the batched call names tensors by shape and dtype only)."""
    try:
        return learner.each(name, calls)
    except NotImplementedYet:
        raise
    except LearnerRaised:
        for (args, kwargs), what in zip(calls, shown, strict=True):
            try:
                getattr(learner, name)(*args, **kwargs)
            except NotImplementedYet:
                raise
            except LearnerRaised as raised:
                fail(
                    MESSAGES.say(
                        "variant_raised",
                        what=what,
                        type_name=raised.type_name,
                        message=raised.exc_message,
                    )
                )
        raise


@points(1)
def test_mse_loss_input_variants(learner):
    """mse_loss() on float64, non-contiguous, requires-grad, inf and nan predictions
    zh: mse_loss() 作用于 float64、非连续、需要梯度、含 inf 和 nan 的预测"""
    base = make_tensor(4, 3, seed=140)
    target = make_tensor(4, 3, seed=141)
    check_variants(
        learner,
        "mse_loss",
        variants(base, specials=(float("inf"), float("nan"))),
        lambda pred: (target.to(pred.dtype),),
        F.mse_loss,
        "mse_loss(pred, target)",
    )


@points(1)
def test_cross_entropy_input_variants(learner):
    """cross_entropy() on float64, non-contiguous, requires-grad, -inf and nan logits
    zh: cross_entropy() 作用于 float64、非连续、需要梯度、含 -inf 和 nan 的 logits"""
    base = make_tensor(5, 4, seed=142, low=-3, high=3)
    indices = class_targets(5, 4, seed=143)
    probabilities = class_probabilities(5, 4, seed=144)
    family = variants(base, specials=(float("-inf"), float("nan")))
    for target, key in [(indices, "class_indices"), (probabilities, "class_probabilities")]:
        kind = MESSAGES.say(key)
        check_variants(
            learner,
            "cross_entropy",
            family,
            lambda logits, t=target: (t.to(logits.dtype) if t.is_floating_point() else t,),
            F.cross_entropy,
            f"cross_entropy(logits, {kind})",
        )


@points(1)
def test_bce_with_logits_input_variants(learner):
    """binary_cross_entropy_with_logits() on float64, non-contiguous, requires-grad, nan logits
    zh: binary_cross_entropy_with_logits() 作用于 float64、非连续、需要梯度、含 nan 的 logits"""
    base = make_tensor(3, 4, seed=145, low=-4, high=4)
    target = make_tensor(3, 4, seed=146, low=0, high=1)
    check_variants(
        learner,
        "binary_cross_entropy_with_logits",
        variants(base, specials=(float("nan"),)),
        lambda logits: (target.to(logits.dtype),),
        F.binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits(logits, target)",
    )
