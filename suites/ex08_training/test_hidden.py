"""Hidden checks for 08 training: other models, data and edge cases, run only at grading time."""

from __future__ import annotations

import torch

from grader.testing import catalog, devices, fail, hidden, points, probes_of, public_suite

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)
P = probes_of(__file__)


H = public_suite(__file__)  # the public suite's helpers: one copy for both
make_data, make_setup, reference = H.make_data, H.make_setup, H.reference
# float32 models: the reference and the learner's loop run the same operations, but a mean
# loss may be summed in another order, which float32 rounds differently.
F32_TOL = H.F32_TOL

# The public suite's sentences, and those only the hidden checks say.
MESSAGES = catalog(
    {
        **H.TEXTS,
        "weights_after_two_epochs": ("the weights after two epochs", "两轮之后的权重"),
        "stale_1": (
            "train_one_epoch() (.grad held 1.0 before the call)",
            "train_one_epoch()（调用前 .grad 为 1.0）",
        ),
        "toe_13_samples": (
            "train_one_epoch() (13 samples, batches of 5, 5 and 3)",
            "train_one_epoch()（13 个样本，批次大小为 5、5 和 3）",
        ),
        "one_batch_of_7": (
            "train_one_epoch() (one batch of 7)",
            "train_one_epoch()（一个 7 个样本的批次）",
        ),
        "evaluate_dropout_bn": (
            "evaluate() (Dropout + BatchNorm model)",
            "evaluate()（Dropout + BatchNorm 模型）",
        ),
        "dropout_bn_hint": (
            "This model has Dropout and BatchNorm, so it must be evaluated in evaluation mode "
            "(model.eval()): no units dropped, BatchNorm's running statistics used.",
            "这个模型有 Dropout 和 BatchNorm，所以必须在评估模式（model.eval()）下评估：不丢弃单元，"
            "使用 BatchNorm 的滑动统计量。",
        ),
        "weights_bn_after_evaluate": (
            "the weights and BatchNorm statistics after evaluate()",
            "evaluate() 之后的权重和 BatchNorm 统计量",
        ),
        "evaluate_9_samples": ("evaluate() (9 samples)", "evaluate()（9 个样本）"),
        "autograd_in_eval_short": (
            "evaluate(): the model ran with autograd on: use `with torch.no_grad():`.",
            "evaluate()：模型在开启自动求导的情况下运行：请使用 `with torch.no_grad():`。",
        ),
        "grad_changed_eval_short": (
            "evaluate(): the .grad of '{name}' changed. Evaluating must not touch gradients.",
            "evaluate()：'{name}' 的 .grad 改变了。评估不能动梯度。",
        ),
        "rings_accuracy": (
            "fit(..., epochs=8) on two concentric rings: the trained model classifies "
            "{accuracy} of the validation set correctly; at least 90% is required (a "
            "correct loop reaches 100%). Check train_one_epoch first.",
            "fit(..., epochs=8) 在两个同心圆环上：训练好的模型正确分类了验证集的 {accuracy}；要求至少 "
            "90%（正确的循环能达到 100%）。请先检查 train_one_epoch。",
        ),
        "micro_batches_stale": (
            "accumulate_step() (4 micro-batches, .grad held 0.7 before)",
            "accumulate_step()（4 个微批次，调用前 .grad 为 0.7）",
        ),
        "float32_micro_batches": (
            "accumulate_step() (2 float32 micro-batches)",
            "accumulate_step()（2 个 float32 微批次）",
        ),
        "one_micro_batch": ("accumulate_step() (1 micro-batch)", "accumulate_step()（1 个微批次）"),
    }
)


# ---------------------------------------------------------------- train_one_epoch


@points(2)
@devices("cpu", "cuda")
def test_train_one_epoch_float32_deeper(learner, device):
    """train_one_epoch() matches the reference for a deeper float32 model with weight decay
    zh: train_one_epoch() 对更深的 float32 模型加权重衰减，与参考实现一致"""
    setup = make_setup(
        [6, 16, 8, 4],
        seed=101,
        device=device,
        dtype=torch.float32,
        lr=0.05,
        momentum=0.9,
        weight_decay=1e-3,
    )
    data = make_data(23, 6, 4, seed=102, dtype=torch.float32)  # batches of 5, 5, 5, 5, 3
    seen = learner.probe("train_epochs", setup, data, 5, epochs=2)
    trained = reference("train_epochs", setup, data, 5, epochs=2)
    expected = [epoch["mean"] for epoch in trained["epochs"]]
    H.check_state(
        seen["state"],
        trained["state"],
        what=MESSAGES.say("weights_after_two_epochs"),
        hint=MESSAGES.say("train_hint"),
    )
    for epoch, (got, want) in enumerate(zip(seen["results"], expected, strict=False), start=1):
        what = MESSAGES.say("loss_of_epoch", epoch=epoch)
        H.check_number(got, want, what=what, tol=F32_TOL)


@points(2)
def test_train_one_epoch_dropout(learner):
    """train_one_epoch() trains a Dropout model in training mode, like the reference loop
    zh: train_one_epoch() 在训练模式下训练含 Dropout 的模型，与参考循环相同"""
    setup = make_setup([5, 12, 3], seed=103, dropout=0.3, mode="eval", rng_seed=104)
    data = make_data(15, 5, 3, seed=105)
    seen = learner.probe("train_epochs", setup, data, 6)
    trained = reference("train_epochs", setup, data, 6)
    expected = trained["epochs"][0]["mean"]
    H.check_state(
        seen["state"],
        trained["state"],
        what=MESSAGES.say("weights_after", call="train_one_epoch"),
        hint=MESSAGES.say("train_hint"),
    )
    H.check_number(seen["results"][0], expected, what="train_one_epoch()", tol=H.F64_TOL)


@points(2)
def test_train_one_epoch_stale_gradients(learner):
    """train_one_epoch(): gradients left in .grad before the call do not reach the first step
    zh: train_one_epoch()：调用前留在 .grad 中的梯度不会进入第一步"""
    setup = make_setup([3, 7, 2], seed=106, stale_grads=1.0)
    data = make_data(9, 3, 2, seed=107)
    seen = learner.probe("train_epochs", setup, data, 3)
    trained = reference("train_epochs", setup, data, 3)
    H.check_step_gradients(
        seen["step_grads"],
        trained["epochs"][0]["grads"],
        trained["names"],
        what=MESSAGES.say("stale_1"),
        stale=1.0,
    )


@points(1)
def test_train_one_epoch_call_order_many_batches(learner):
    """train_one_epoch() keeps the zero_grad/backward/step order over six batches
    zh: train_one_epoch() 在六个批次中都保持 zero_grad/backward/step 的顺序"""
    setup = make_setup([3, 5, 2], seed=108, momentum=0.5)
    seen = learner.probe("train_epochs", setup, make_data(17, 3, 2, seed=109), 3)
    what = MESSAGES.say("samples_batches", call="train_one_epoch()", n=17, size=3)
    H.check_call_order(seen["log"], 6, what=what)


@points(1)
def test_train_one_epoch_uneven_batches(learner):
    """train_one_epoch() weights batches of 5, 5 and 3 samples by their sizes
    zh: train_one_epoch() 按大小为 5、5、3 个样本的批次加权"""
    setup = make_setup([4, 6, 3], seed=110)
    data = make_data(13, 4, 3, seed=111)
    seen = learner.probe("train_epochs", setup, data, 5)
    trained = reference("train_epochs", setup, data, 5)["epochs"][0]
    H.check_number(
        seen["results"][0],
        trained["mean"],
        what=MESSAGES.say("toe_13_samples"),
        tol=H.F64_TOL,
        hint=MESSAGES.say("expected_weighted"),
    )


@points(1)
def test_train_one_epoch_single_batch(learner):
    """train_one_epoch() with one batch smaller than the batch size
    zh: train_one_epoch() 只有一个比批次大小还小的批次"""
    setup = make_setup([4, 6, 3], seed=112)
    data = make_data(7, 4, 3, seed=113)
    seen = learner.probe("train_epochs", setup, data, 16)
    trained = reference("train_epochs", setup, data, 16)
    expected = trained["epochs"][0]["mean"]
    H.require_float(seen["results"][0], "train_one_epoch()")
    H.check_number(seen["results"][0], expected, what=MESSAGES.say("one_batch_of_7"), tol=H.F64_TOL)
    H.check_state(
        seen["state"],
        trained["state"],
        what=MESSAGES.say("weights_after", call="train_one_epoch"),
        hint=MESSAGES.say("train_hint"),
    )


# ---------------------------------------------------------------- evaluate


@points(2)
@devices("cpu", "cuda")
def test_evaluate_dropout_batchnorm(learner, device):
    """evaluate() of a Dropout + BatchNorm model left in training mode
    zh: evaluate() 作用于留在训练模式的 Dropout + BatchNorm 模型"""
    setup = make_setup(
        [5, 10, 10, 4], seed=114, device=device, dropout=0.5, batchnorm=True, mode="train"
    )
    # Running statistics that differ from any batch's: evaluation must use these.
    setup["state"]["1.running_mean"] = torch.linspace(-0.5, 0.5, 10, dtype=torch.float64)
    setup["state"]["1.running_var"] = torch.linspace(0.5, 2.0, 10, dtype=torch.float64)
    data = make_data(11, 5, 4, seed=115)
    seen = learner.probe("evaluate_run", setup, data, 4)
    expected = reference("evaluate", setup, data, 4)
    H.check_evaluation(
        seen["result"],
        expected["result"],
        what=MESSAGES.say("evaluate_dropout_bn"),
        hint=MESSAGES.say("dropout_bn_hint"),
    )
    H.check_state(
        seen["state"],
        expected["state"],  # as it was: the reference evaluated in eval mode
        what=MESSAGES.say("weights_bn_after_evaluate"),
        hint=MESSAGES.say("evaluate_hint"),
    )


@points(1)
def test_evaluate_float32_accuracy(learner):
    """evaluate() on a float32 model: loss and accuracy over 9 samples
    zh: evaluate() 作用于 float32 模型：9 个样本上的损失和准确率"""
    setup = make_setup([3, 8, 5], seed=116, dtype=torch.float32)
    data = make_data(9, 3, 5, seed=117, dtype=torch.float32)
    seen = learner.probe("evaluate_run", setup, data, 2)
    expected = reference("evaluate", setup, data, 2)["result"]
    what = MESSAGES.say("evaluate_9_samples")
    H.check_evaluation(seen["result"], expected, what=what, tol=F32_TOL)


@points(1)
def test_evaluate_leaves_gradients(learner):
    """evaluate() builds no graph and leaves .grad alone on a model in training mode
    zh: evaluate() 在处于训练模式的模型上不构建计算图，也不动 .grad"""
    setup = make_setup([4, 6, 2], seed=118, stale_grads=-0.25, mode="train")
    seen = learner.probe("evaluate_run", setup, make_data(6, 4, 2, seed=119), 4)
    if any(event[2] for event in H.forwards(seen["log"])):
        fail(MESSAGES.say("autograd_in_eval_short"))
    for name, grad in zip(setup["state"], seen["grads"], strict=False):
        if grad is None or not bool((grad == -0.25).all()):
            fail(MESSAGES.say("grad_changed_eval_short", name=name))


# ---------------------------------------------------------------- fit


@points(2)
def test_fit_rings(learner):
    """fit() trains an MLP to at least 90 % accuracy on two concentric rings
    zh: fit() 把 MLP 训练到在两个同心圆环上至少 90 % 的准确率"""
    setup = make_setup([2, 32, 32, 2], seed=120, dtype=torch.float32, momentum=0.9)
    train, val = P.rings(300, seed=121), P.rings(200, seed=122)
    seen = learner.with_timeout(30).probe("fit_run", setup, train, val, 20, 8)
    accuracy = H.accuracy_of(seen["state"], setup, val)
    if accuracy < 0.9:
        fail(MESSAGES.say("rings_accuracy", accuracy=f"{accuracy:.1%}"))


@points(2)
def test_fit_history_dropout(learner):
    """fit() switches between training and evaluation modes each epoch (a Dropout model)
    zh: fit() 每个 epoch 都在训练模式和评估模式之间切换（含 Dropout 的模型）"""
    setup = make_setup([4, 10, 3], seed=123, dropout=0.4, rng_seed=124, momentum=0.9)
    train, val = make_data(14, 4, 3, seed=125), make_data(9, 4, 3, seed=126)
    seen = learner.with_timeout(30).probe("fit_run", setup, train, val, 5, 2)
    expected = reference("fit", setup, train, val, 5, 2)
    H.check_history(seen["history"], expected["history"], what="fit(..., epochs=2)")
    H.check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="fit(..., epochs=2)"),
        hint=MESSAGES.say("train_hint"),
    )


# ---------------------------------------------------------------- accumulate_step


@points(2)
@devices("cpu", "cuda")
def test_accumulate_step_four_with_stale_gradients(learner, device):
    """accumulate_step() over 4 micro-batches, with old gradients left in .grad
    zh: accumulate_step() 作用于 4 个微批次，.grad 中留有旧梯度"""
    setup = make_setup([5, 9, 4], seed=127, device=device, momentum=0.9, stale_grads=0.7)
    batches = H.micro_batches(4, 3, 5, 4, seed=128)
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    H.check_accumulated_gradient(
        seen,
        expected,
        expected["names"],
        4,
        what=MESSAGES.say("micro_batches_stale"),
        stale=0.7,
    )
    H.check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="accumulate_step()"),
        hint=MESSAGES.say("accumulate_hint"),
    )
    H.check_accumulated_loss(
        seen["result"],
        expected,
        4,
        what=MESSAGES.say("micro_batches", call="accumulate_step()", n=4),
    )


@points(1)
def test_accumulate_step_float32(learner):
    """accumulate_step() over 2 float32 micro-batches
    zh: accumulate_step() 作用于 2 个 float32 微批次"""
    setup = make_setup([3, 6, 2], seed=129, dtype=torch.float32, lr=0.2)
    inputs, targets = make_data(10, 3, 2, seed=130, dtype=torch.float32)
    batches = [(inputs[:5], targets[:5]), (inputs[5:], targets[5:])]
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    H.check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="accumulate_step()"),
        hint=MESSAGES.say("accumulate_hint"),
    )
    H.check_accumulated_loss(
        seen["result"], expected, 2, what=MESSAGES.say("float32_micro_batches"), tol=F32_TOL
    )


@points(1)
def test_accumulate_step_single(learner):
    """accumulate_step() with a single micro-batch is one ordinary step
    zh: accumulate_step() 只有一个微批次时就是普通的一步"""
    setup = make_setup([4, 5, 3], seed=131)
    batches = H.micro_batches(1, 6, 4, 3, seed=132)
    seen = learner.probe("accumulate_run", setup, batches)
    expected = reference("accumulate", setup, batches)
    H.check_state(
        seen["state"],
        expected["state"],
        what=MESSAGES.say("weights_after", call="accumulate_step()"),
        hint=MESSAGES.say("accumulate_hint"),
    )
    H.check_accumulated_loss(seen["result"], expected, 1, what=MESSAGES.say("one_micro_batch"))
