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
    fail(f"{what}: expected a number (a Python float), got {type(value).__name__}: {value!r:.80}.")


def check_number(got, expected: float, *, what: str, tol: dict, hint: str = "") -> None:
    value = as_number(got, what)
    if not math.isclose(value, expected, rel_tol=tol["rtol"], abs_tol=tol["atol"]):
        fail(f"{what}: expected {expected:.10g}, got {value:.10g}." + (f" {hint}" if hint else ""))


def require_float(got, what: str) -> None:
    if isinstance(got, torch.Tensor):
        graph = " that requires grad" if got.requires_grad else ""
        fail(
            f"{what}: expected a Python float, got a torch.Tensor{graph} ({got!r:.60}). "
            "Return loss.item() (or a sum of them): a tensor keeps its batch's autograd graph "
            "alive and ties the result to a device."
        )
    if not isinstance(got, float):
        fail(f"{what}: expected a Python float, got {type(got).__name__}: {got!r:.80}.")


TRAIN_HINT = (
    "The reference loop does, for each batch: outputs = model(inputs), loss = loss_fn(outputs, "
    "targets), optimizer.zero_grad(), loss.backward(), optimizer.step(). The checks on the call "
    "order and on each step's gradient say more."
)
ACCUMULATE_HINT = (
    "The reference makes one optimizer step with the gradient of the mean loss over all the "
    "micro-batches together. The check on the step's gradient says more."
)
EVALUATE_HINT = "Evaluating must change nothing: no backward(), no step(), and model.eval() first."


def check_state(got, expected: dict, *, what: str, hint: str, tol: dict | None = None) -> None:
    if not isinstance(got, dict) or set(got) != set(expected):
        fail(f"{what}: the model's weights could not be read back (got {type(got).__name__}).")
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
        fail(
            f"{what}: optimizer.step() was called {len(seen)} times for {len(reference)} "
            "batches. Call it exactly once per batch, after loss.backward()."
        )
    for k, (got, expected) in enumerate(zip(seen, reference, strict=True)):
        if grads_close(got, expected, GRAD_TOL):
            continue
        step = f"{what}: at step {k + 1} (batch {k + 1})"
        if no_gradient(got):
            fail(
                f"{step} the optimizer saw a zero gradient (every .grad was None or zero), so "
                "the step changed nothing. The gradients were cleared after backward() and "
                "before step(): is zero_grad() between backward() and step()? (Or step() ran "
                "before backward().) The order in each batch is zero_grad(), backward(), step()."
            )
        if k > 0 and grads_close(got, added(expected, seen[k - 1]), GRAD_TOL):
            fail(
                f"{step} the optimizer saw this batch's gradient plus the gradients of the "
                "batches before it: gradients accumulate across batches, because backward() "
                "adds to .grad. Call optimizer.zero_grad() before loss.backward() in every batch."
            )
        if stale is not None and grads_close(
            got, added(expected, full_like_all(got, stale)), GRAD_TOL
        ):
            fail(
                f"{step} the optimizer saw this batch's gradient plus the gradients that were "
                "already in .grad before train_one_epoch was called. Clear the gradients before "
                "every backward(), the first one included."
            )
        for name, g, e in zip(names, got, expected, strict=True):
            if g is None:
                fail(f"{step} the gradient of '{name}' was None when step() ran.")
            assert_close(g, e, what=f"{step}, the gradient of '{name}' seen by step()", **GRAD_TOL)


def check_call_order(log: list, n_batches: int, *, what: str) -> None:
    """Per batch: zero_grad() (at any point since the previous step) before one backward(),
    then step()."""
    steps = [i for i, event in enumerate(log) if event[0] == "step"]
    if len(steps) != n_batches:
        fail(
            f"{what}: optimizer.step() was called {len(steps)} times for {n_batches} batches. "
            "Call it exactly once per batch, after loss.backward()."
        )
    start = 0
    for k, end in enumerate(steps):
        segment = [event[0] for event in log[start:end]]
        start = end + 1
        batch = f"{what}: in batch {k + 1}"
        backwards = segment.count("backward")
        if backwards == 0:
            fail(
                f"{batch} optimizer.step() ran before loss.backward(), so it used no gradient "
                "of this batch. The order is zero_grad(), backward(), step()."
            )
        if backwards > 1:
            fail(f"{batch} backward() ran {backwards} times before step(): run it once.")
        before = segment[: segment.index("backward")]
        if "zero_grad" in before:
            continue
        if "zero_grad" in segment:
            fail(
                f"{batch} zero_grad() ran between backward() and step(): it wiped the gradient "
                "that backward() had just computed, so the step saw a zero gradient. The order "
                "is zero_grad(), backward(), step()."
            )
        fail(
            f"{batch} no zero_grad() ran before backward(): gradients accumulate across "
            "batches, because backward() adds to .grad. Call optimizer.zero_grad() before "
            "loss.backward() in every batch."
        )


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
        what="the weights after two epochs of train_one_epoch",
        hint=TRAIN_HINT,
    )
    for epoch, (got, want) in enumerate(zip(seen["results"], expected, strict=False), start=1):
        check_number(got, want, what=f"train_one_epoch(): the loss of epoch {epoch}", tol=F64_TOL)


@points(2)
def test_train_one_epoch_call_order(learner):
    """train_one_epoch() calls zero_grad(), backward() and step() once per batch, in that order
    zh: train_one_epoch() 每个批次按顺序各调用一次 zero_grad()、backward() 和 step()"""
    setup = make_setup([4, 8, 3], seed=3)
    seen = learner.probe("train_epochs", setup, make_data(12, 4, 3, seed=4), 4)
    check_call_order(seen["log"], 3, what="train_one_epoch() (12 samples, batches of 4)")


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
        seen["step_grads"], grads, trained["names"], what="train_one_epoch() (4 batches)"
    )


@points(1)
def test_train_one_epoch_train_mode(learner):
    """train_one_epoch() puts the model in training mode
    zh: train_one_epoch() 把模型置于训练模式"""
    setup = make_setup([4, 8, 3], seed=7, dropout=0.5, mode="eval")
    seen = learner.probe("train_epochs", setup, make_data(8, 4, 3, seed=8), 4)
    calls = forwards(seen["log"])
    if not calls:
        fail("train_one_epoch(): the model was never called.")
    if not all(training for _, training, *_ in calls):
        fail(
            "train_one_epoch(): the model ran in evaluation mode. It was in eval mode when "
            "train_one_epoch was called (as after evaluate() in fit), so Dropout did not drop "
            "and BatchNorm did not learn. Call model.train() at the start."
        )
    if not all(grad_on for _, _, grad_on, *_ in calls):
        fail(
            "train_one_epoch(): the model ran with autograd switched off (torch.no_grad()), "
            "so there was nothing to backpropagate. Only evaluate() uses torch.no_grad()."
        )


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
    what = "train_one_epoch() (10 samples, batches of 4, 4 and 2)"
    if math.isclose(got, sum(losses) / len(losses), rel_tol=1e-9):
        fail(
            f"{what}: you returned the plain mean of the {len(losses)} batch losses "
            f"({got:.6g}), which counts the last batch of 2 samples as much as a batch of 4. "
            f"Weight each batch's loss by its size: sum(loss * batch_size) / number of samples "
            f"= {trained['mean']:.6g}."
        )
    if math.isclose(got, losses[-1], rel_tol=1e-9):
        fail(f"{what}: you returned the last batch's loss; return the mean over all samples.")
    check_number(
        got,
        trained["mean"],
        what=what,
        tol=F64_TOL,
        hint="Expected sum(loss * batch_size) / number of samples.",
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
            fail(f"{what}: the model received inputs on {where}, expected {device}.")
    for i, moved in enumerate(seen["moved"]):
        if not moved:
            part = "inputs" if i % 2 == 0 else "targets"
            fail(
                f"{what}: the {part} of batch {i // 2 + 1} were never moved with .to(device). "
                "On a CPU they happen to be in the right place already; on a GPU the model "
                "would fail. Move both: inputs, targets = inputs.to(device), targets.to(device)."
            )


# ---------------------------------------------------------------- evaluate


def check_evaluation(
    got, expected: dict, *, what: str, tol: dict = F64_TOL, hint: str = ""
) -> None:
    if not isinstance(got, dict):
        fail(f"{what}: expected a dict with 'loss' and 'accuracy', got {type(got).__name__}.")
    if set(got) != {"loss", "accuracy"}:
        fail(
            f"{what}: expected exactly the keys 'loss' and 'accuracy', got {sorted(map(str, got))}."
        )
    for key in ("loss", "accuracy"):
        require_float(got[key], f'{what}["{key}"]')
    accuracy = got["accuracy"]
    if not 0.0 <= accuracy <= 1.0:
        fail(
            f'{what}["accuracy"]: {accuracy:g} is not in [0, 1]: divide the number of correct '
            "predictions by the number of samples (not by the number of batches)."
        )
    check_number(
        got["loss"],
        expected["loss"],
        what=f'{what}["loss"]',
        tol=tol,
        hint=hint
        or "Expected the sample-weighted mean: sum(loss * batch_size) / number of samples.",
    )
    check_number(
        accuracy,
        expected["accuracy"],
        what=f'{what}["accuracy"]',
        tol=tol,
        hint=hint
        or "Expected (outputs.argmax(dim=1) == targets) counted over all samples, divided by "
        "the number of samples.",
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
    check_evaluation(seen["result"], expected, what="evaluate() (10 samples, batches of 4, 4, 2)")


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
        fail("evaluate(): the model was never called.")
    if any(training for _, training, *_ in calls):
        fail(
            "evaluate(): the model ran in training mode, so Dropout dropped units at random "
            "and BatchNorm used (and changed) batch statistics. Call model.eval() first."
        )


@points(1)
def test_evaluate_no_graph(learner):
    """evaluate() builds no autograd graph
    zh: evaluate() 不构建自动求导的计算图"""
    setup = make_setup([4, 8, 3], seed=19)
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=20), 4)
    calls = forwards(seen["log"])
    graphs = [event for event in seen["log"] if event[0] == "loss" and event[2]]
    if any(grad_on for _, _, grad_on, *_ in calls) or graphs:
        fail(
            "evaluate(): the model ran with autograd on, so every batch built a graph that "
            "is never used (time and memory wasted). Run the loop inside `with torch.no_grad():`."
        )


@points(1)
def test_evaluate_changes_nothing(learner):
    """evaluate() changes no weight and no .grad
    zh: evaluate() 不改变任何权重和 .grad"""
    setup = make_setup([4, 8, 3], seed=21, stale_grads=0.5)
    seen = learner.probe("evaluate_run", setup, make_data(8, 4, 3, seed=22), 4)
    check_state(
        seen["state"], setup["state"], what="the weights after evaluate()", hint=EVALUATE_HINT
    )
    names = list(setup["state"])
    for name, grad in zip(names, seen["grads"], strict=False):
        if grad is None or not torch.equal(
            grad.cpu(), torch.full(grad.shape, 0.5, dtype=grad.dtype)
        ):
            fail(
                f"evaluate(): the .grad of '{name}' changed (it held 0.5 everywhere before). "
                "Evaluating must not touch gradients: no zero_grad(), no backward()."
            )


# ---------------------------------------------------------------- fit


FIT_HINT = (
    '"train_loss" is what train_one_epoch returned for that epoch; "val_loss" and '
    '"val_accuracy" are what evaluate returned right after it.'
)


def check_history(got, expected: list[dict], *, what: str, tol: dict = F64_TOL) -> None:
    if not isinstance(got, list):
        fail(f"{what}: expected a list of dicts, one per epoch, got {type(got).__name__}.")
    if len(got) != len(expected):
        fail(f"{what}: expected {len(expected)} dicts (one per epoch), got {len(got)}.")
    keys = {"epoch", "train_loss", "val_loss", "val_accuracy"}
    for entry, want in zip(got, expected, strict=True):
        where = f"{what}[{want['epoch'] - 1}]"
        if not isinstance(entry, dict) or set(entry) != keys:
            shown = sorted(map(str, entry)) if isinstance(entry, dict) else type(entry).__name__
            fail(f"{where}: expected a dict with the keys {sorted(keys)}, got {shown}.")
        if entry["epoch"] != want["epoch"] or not isinstance(entry["epoch"], int):
            fail(
                f'{where}["epoch"]: expected {want["epoch"]}, got {entry["epoch"]!r}. Epochs '
                "count from 1: range(1, epochs + 1)."
            )
        for key in ("train_loss", "val_loss", "val_accuracy"):
            require_float(entry[key], f'{where}["{key}"]')
            check_number(entry[key], want[key], what=f'{where}["{key}"]', tol=tol, hint=FIT_HINT)


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
        what="the weights after fit(..., epochs=3)",
        hint=TRAIN_HINT,
    )


def accuracy_of(state: dict, setup: dict, data: tuple) -> float:
    """The judge's own measurement of the weights the learner's fit produced."""
    net = P.build_model(setup["model"])
    if not isinstance(state, dict) or set(state) != set(setup["state"]):
        fail("fit(): the model's weights could not be read back after training.")
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
        fail(
            f"fit(..., epochs=3) on two Gaussian blobs: the trained model classifies "
            f"{accuracy:.1%} of the validation set correctly; the reference loop reaches "
            f"{expected:.1%}, and at least 90% is required. Check train_one_epoch first."
        )
    history = seen["history"]
    if isinstance(history, list) and history and isinstance(history[-1], dict):
        reported = history[-1].get("val_accuracy")
        check_number(
            reported,
            accuracy,
            what='fit(): the last epoch\'s "val_accuracy"',
            # The grader measures the whole set in one batch, fit in batches of 20: float32
            # rounding may differ, so one sample whose two logits nearly tie may flip.
            tol={"rtol": 0.0, "atol": 1.5 / len(val[1])},
            hint="(measured by the grader on the same validation set with the trained weights)",
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
        fail(
            f"{what}: you returned {got:.6g}, the sum of the {k} micro-batch losses; return "
            f"their mean ({expected:.6g})."
        )
    check_number(
        got, expected, what=what, tol=tol, hint="Expected the mean loss over all the micro-batches."
    )


def check_accumulated_gradient(
    seen: dict, reference: dict, names: list[str], k: int, *, what: str, stale: float | None = None
) -> None:
    steps = seen["step_grads"]
    if len(steps) != 1:
        fail(
            f"{what}: optimizer.step() was called {len(steps)} times; accumulate_step makes "
            "exactly one step, after the backward() of every micro-batch."
        )
    got, expected, last = steps[0], reference["grad"], reference["each"][-1]
    if grads_close(got, expected, GRAD_TOL):
        return
    if no_gradient(got):
        fail(
            f"{what}: the optimizer saw a zero gradient (every .grad was None or zero): the "
            "gradients were cleared after the last backward(), or step() ran before it."
        )
    if grads_close(got, scaled(expected, k), GRAD_TOL):
        fail(
            f"{what}: the step's gradient is {k} times too large: the gradients of the {k} "
            "micro-batches were added up, but each loss is a mean over its own micro-batch. "
            f"Divide each micro-batch's loss by the number of micro-batches ({k}) before "
            "backward()."
        )
    if grads_close(got, scaled(last, 1 / k), GRAD_TOL) or grads_close(got, last, GRAD_TOL):
        fail(
            f"{what}: the step saw only the last micro-batch's gradient: the gradients were "
            "cleared between micro-batches. Call zero_grad() once, before the first "
            "micro-batch, and let backward() add the gradients up."
        )
    if stale is not None and grads_close(got, added(expected, full_like_all(got, stale)), GRAD_TOL):
        fail(
            f"{what}: the step's gradient includes gradients that were already in .grad "
            "before accumulate_step was called. Call optimizer.zero_grad() at the start."
        )
    for name, g, e in zip(names, got, expected, strict=True):
        if g is None:
            fail(f"{what}: the gradient of '{name}' was None when step() ran.")
        assert_close(g, e, what=f"{what}: the gradient of '{name}' seen by step()", **GRAD_TOL)


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
        what="the weights after accumulate_step()",
        hint=ACCUMULATE_HINT,
    )
    check_accumulated_loss(seen["result"], expected, 3, what="accumulate_step() (3 micro-batches)")


@points(2)
def test_accumulate_step_gradient(learner):
    """accumulate_step(): the step's gradient is that of the mean loss over all micro-batches
    zh: accumulate_step()：这一步的梯度是所有微批次上平均损失的梯度"""
    setup = make_setup([4, 8, 3], seed=31)
    batches = micro_batches(3, 4, 4, 3, seed=32)
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    check_accumulated_gradient(
        seen, expected, expected["names"], 3, what="accumulate_step() (3 micro-batches of 4)"
    )


@points(1)
@devices("cpu", "cuda")
def test_accumulate_step_moves_batches(learner, device):
    """accumulate_step() moves every micro-batch's inputs and targets to the device
    zh: accumulate_step() 把每个微批次的输入和目标移到指定设备"""
    setup = make_setup([4, 8, 3], seed=35, device=device)
    seen = learner.probe("accumulate_run", setup, micro_batches(2, 4, 4, 3, seed=36))
    check_moved(seen, device, "accumulate_step()")
