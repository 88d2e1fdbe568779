"""Public checks for 06 losses: learners run these with `grader check 06`."""

import torch
import torch.nn.functional as F

from grader.testing import (
    CheckFailed,
    LearnerRaised,
    NotImplementedYet,
    assert_close,
    assert_unchanged,
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
CE_STABILITY_HINT = (
    "log(softmax(x)) is not stable: softmax gives exactly 0 for a class far below the best "
    "one, and log(0) = -inf (and exp(1e4) alone overflows to inf). Compute log-probabilities "
    "as x - logsumexp(x) along the class dimension (the log-sum-exp trick: torch.logsumexp "
    "subtracts the maximum before exp())."
)
BCE_STABILITY_HINT = (
    "log(sigmoid(x)) and log(1 - sigmoid(x)) are not stable: sigmoid(-1e4) is exactly 0, and "
    "log(0) = -inf. Use the form in which exp() only sees -|x|: "
    "max(x, 0) - x * t + log1p(exp(-|x|))."
)


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
                f"{what}: {int(bad.sum())} of {bad.numel()} value(s) are inf or nan where "
                f"PyTorch gives finite values (expected {_show(e)}, got {_show(a)}).\n"
                f"{stability_hint}"
            )
        for wrong, hint in suspects:
            w = wrong.detach().to("cpu", torch.float64)
            distinct = w.shape == a.shape and not torch.allclose(w, e, rtol=1e-5, atol=1e-6)
            if distinct and torch.allclose(a, w, rtol=1e-5, atol=1e-6):
                fail(f"{what}: expected {_show(e)}, got {_show(a)}.\n{hint}")
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
        fail(
            f"{what}: the loss is not connected to the input by autograd (it does not require "
            "grad), so no gradient can train the model. Compute it with tensor operations "
            "only: no .item(), .detach(), .numpy() or torch.no_grad()."
        )
    if seen["grad"] is None:
        fail(f"{what}: no gradient reached the input after backward().")
    assert_close(seen["grad"], x.grad, what=f"the gradient of {what} w.r.t. its first input")


# ---------------------------------------------------------------- mse_loss


@points(2)
@devices("cpu", "cuda", "standin")
def test_mse_loss(learner, device):
    "mse_loss() equals F.mse_loss for every reduction"
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
    "mse_loss() raises ValueError for pred (N, 1) against target (N,)"
    pred, target = make_tensor(5, 1, seed=3), make_tensor(5, seed=4)
    what = "mse_loss(pred of shape (5, 1), target of shape (5,))"
    try:
        got = learner.mse_loss(pred, target)
    except NotImplementedYet:
        raise
    except LearnerRaised as raised:
        if raised.is_a("ValueError"):
            return
        fail(
            f"{what}: expected ValueError, but your code raised {raised.type_name}: "
            f"{raised.exc_message}. Compare pred.shape with target.shape first, and raise "
            "ValueError when they differ."
        )
    shown = f"a tensor of shape {tuple(got.shape)}" if isinstance(got, torch.Tensor) else repr(got)
    fail(
        f"{what}: expected ValueError, but your code returned {shown}. These shapes broadcast "
        "to (5, 5): every prediction is compared with every target, a silent bug that trains "
        "on nonsense. Compare pred.shape with target.shape and raise ValueError when they differ."
    )


@points(1)
def test_mse_loss_float64_unchanged_inputs(learner):
    "mse_loss() keeps float64 and leaves its inputs alone"
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
    "cross_entropy() with class-index targets equals F.cross_entropy, every reduction"
    logits = make_tensor(6, 4, seed=10, device=device, low=-3, high=3)
    target = class_targets(6, 4, seed=11, device=device)
    for reduction in REDUCTIONS:
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=f"cross_entropy(logits 6×4, class indices, reduction='{reduction}')",
        )


@points(2)
@devices("cpu", "cuda", "standin")
def test_cross_entropy_probabilities(learner, device):
    "cross_entropy() with class-probability targets equals F.cross_entropy"
    logits = make_tensor(5, 3, seed=12, device=device, low=-3, high=3)
    target = class_probabilities(5, 3, seed=13, device=device)
    for reduction in REDUCTIONS:
        what = f"cross_entropy(logits 5×3, class probabilities 5×3, reduction='{reduction}')"
        got = learner.cross_entropy(logits, target, reduction=reduction)
        close_or_explain(got, F.cross_entropy(logits, target, reduction=reduction), what=what)


def ignore_suspects(logits, target, ignore_index, reduction, **kwargs):
    """Wrong answers a mean or a per-sample loss that does not leave ignored targets out
    would give, each with its explanation (reference.py, never shipped, computes them from
    this check's own inputs)."""
    return R.ignore_suspects(logits, target, ignore_index, reduction, **kwargs)


@points(2)
def test_cross_entropy_ignore_index(learner):
    "cross_entropy() leaves out targets equal to ignore_index, also from the mean"
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
                what=f"cross_entropy(logits 8×5, targets with {int((t == ignore_index).sum())} "
                f"equal to ignore_index={ignore_index}, reduction='{reduction}')",
                suspects=ignore_suspects(logits, t, ignore_index, reduction),
            )


def smoothing_suspects(logits, target, epsilon, reduction):
    """What label smoothing spread over the C - 1 other classes (or not applied) would give."""
    n_classes = logits.shape[1]
    if target.dtype.is_floating_point:
        return [
            (
                F.cross_entropy(logits, target, reduction=reduction),
                "label_smoothing applies to probability targets too: "
                f"target * (1 - ε) + ε / C, here ε = {epsilon} and C = {n_classes}.",
            )
        ]
    one_hot = F.one_hot(target, n_classes).to(logits.dtype)
    hint = (
        "Label smoothing spreads ε over all C classes, the target class included: the smoothed "
        f"target is (1 - ε) * one_hot + ε / C (here ε = {epsilon}, C = {n_classes}), not ε / "
        "(C - 1) over the other classes."
    )
    others = (1 - epsilon) * one_hot + epsilon / (n_classes - 1) * (1 - one_hot)
    only_others = (1 - epsilon) * one_hot + epsilon / n_classes * (1 - one_hot)
    return [
        (F.cross_entropy(logits, others, reduction=reduction), hint),
        (F.cross_entropy(logits, only_others, reduction=reduction), hint),
        (
            F.cross_entropy(logits, target, reduction=reduction),
            f"label_smoothing={epsilon} made no difference: apply it.",
        ),
    ]


@points(2)
def test_cross_entropy_label_smoothing(learner):
    "cross_entropy() with label_smoothing, for class indices and for probabilities"
    logits = make_tensor(6, 4, seed=17, low=-3, high=3)
    indices = class_targets(6, 4, seed=18)
    probabilities = class_probabilities(6, 4, seed=19)
    for target, kind in [(indices, "class indices"), (probabilities, "class probabilities")]:
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
    "cross_entropy() stays finite for logits of ±1e4"
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, 1e4]])
    target = torch.tensor([1, 1, 0])
    for reduction in ("none", "mean"):
        close_or_explain(
            learner.cross_entropy(logits, target, reduction=reduction),
            F.cross_entropy(logits, target, reduction=reduction),
            what=f"cross_entropy(logits with values ±1e4, reduction='{reduction}')",
            stability_hint=CE_STABILITY_HINT,
        )


@points(2)
def test_cross_entropy_gradient(learner):
    "cross_entropy() is differentiable: its gradient w.r.t. the logits equals torch's"
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
    "cross_entropy() keeps float64 and leaves its inputs alone"
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
    "binary_cross_entropy_with_logits() equals the F. function, every reduction"
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
    "binary_cross_entropy_with_logits() stays finite for logits of ±1e4"
    logits = torch.tensor([1e4, -1e4, 1e4, -1e4, 0.5, -30.0])
    target = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])
    for reduction in ("none", "sum"):
        close_or_explain(
            learner.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
            F.binary_cross_entropy_with_logits(logits, target, reduction=reduction),
            what=f"binary_cross_entropy_with_logits(logits with values ±1e4, "
            f"reduction='{reduction}')",
            stability_hint=BCE_STABILITY_HINT,
        )
