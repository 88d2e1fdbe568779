"""Hidden checks for 10 digits: other seeds, and the outcome on the test split.

The test split (digits_test.npz, beside this file) never leaves the grader: its images go to
the worker as inputs, its labels stay here, and the judge scores the predictions that come
back. Measured with the reference pipeline (solutions/, its defaults: 10 epochs, hidden 64,
lr 0.1, momentum 0.9, seed 0; torch 2.13.0 CPU, one thread): 350 of 359 right, 97.5 %, in
2.5 s of CPU on a loaded machine; with the seed of make_loaders and train at 0..49: 96.1 %
at worst, 97.4 % on average, 98.3 % at best. Untrained: 3.3 %; trained on labels shuffled
before the split: 13.9 %; one epoch: 90.8 %. So a point at 50 % (it learned something), one
more at 90 % and one more at 95 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from grader.testing import (
    assert_close,
    catalog,
    fail,
    hidden,
    points,
    public_suite,
    references,
    seeded,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-3e9a7c41"  # must never reach a learner (see tests/test_redteam.py)
H = public_suite(__file__)
R = references(__file__)
TEST_FILE = Path(__file__).resolve().parent / "digits_test.npz"
OUTCOME_SECONDS = 120  # training the full split takes about 2 s of CPU; room for a loaded machine
_outcome: dict[str, dict] = {}  # one outcome run per judge, shared by the accuracy checks

# The public suite's sentences, and those only the hidden checks say.
MESSAGES = catalog(
    {
        **H.TEXTS,
        "outcome_run": (
            "make_loaders(images, labels), then train(train_loader, val_loader)",
            "make_loaders(images, labels)，然后 train(train_loader, val_loader)",
        ),
        "accuracy_low": (
            "Your pipeline with its defaults (make_loaders, then train for 10 epochs) "
            "classifies {accuracy} of the 359 test images correctly; this point "
            "needs {threshold} (the reference pipeline reaches 97.5 %). Check that the "
            "model trains (the training loss should fall epoch after epoch), that images and "
            "labels stay paired, and that every set uses the training set's statistics.",
            "你的流程使用默认参数（make_loaders，然后 train 训练 10 轮）正确分类了 359 张测试图像中的 "
            "{accuracy}；这一分需要 {threshold}（参考流程能达到 97.5 %）。请检查模型确实在训练"
            "（训练损失应当一轮比一轮低）、图像和标签始终一一对应，以及每个数据集都使用训练集的"
            "统计量。",
        ),
        "val_not_seeded": (
            "{what}: the validation set or its order is not the one the seed gives.",
            "{what}：验证集或它的顺序不是该种子给出的那样。",
        ),
        "train_not_seeded": (
            "{what}: the training loader's batches in epoch {epoch} are not seeded.",
            "{what}：训练 loader 在第 {epoch} 轮的批次不是由种子决定的。",
        ),
        "gpu_file_weight": (
            "load(path) of a file saved on a GPU machine: '{name}'",
            "load(path) 读取在 GPU 机器上保存的文件：'{name}'",
        ),
        "default_weight": (
            "{call}: '{name}' (with its defaults, {defaults})",
            "{call}：'{name}'（使用默认值 {defaults}）",
        ),
    }
)


def held_out_split() -> tuple[torch.Tensor, torch.Tensor]:
    with np.load(TEST_FILE) as data:
        return torch.from_numpy(data["images"]), torch.from_numpy(data["labels"])


def outcome(learner) -> dict:
    """Train the learner's pipeline once on the whole training split and score it here."""
    if "run" not in _outcome:
        images, labels = H.training_split()
        test_images, test_labels = held_out_split()
        try:
            seen = learner.with_timeout(OUTCOME_SECONDS).probe(
                "outcome",
                images,
                labels,
                test_images,
                describe=MESSAGES.say("outcome_run"),
            )
        except Exception as exc:
            _outcome["run"] = {"error": exc}
            raise
        predictions = seen.get("predictions") if isinstance(seen, dict) else None
        if not isinstance(predictions, torch.Tensor) or predictions.shape != test_labels.shape:
            _outcome["run"] = {"error": None, "accuracy": 0.0, "history": None}
        else:
            right = int((predictions.to(torch.int64) == test_labels).sum())
            _outcome["run"] = {
                "accuracy": right / len(test_labels),
                "right": right,
                "history": seen.get("history"),
            }
    run = _outcome["run"]
    if run.get("error") is not None:
        raise run["error"]
    return run


def check_accuracy(learner, request, threshold: float) -> None:
    run = outcome(learner)
    if threshold == 0.5:  # one curve for the three checks that share the run
        H.record_curve(request, run["history"])
    if run["accuracy"] < threshold:
        shown = {"accuracy": f"{run['accuracy']:.1%}", "threshold": f"{threshold:.0%}"}
        fail(MESSAGES.say("accuracy_low", **shown))


@points(1)
def test_accuracy_50(learner, request):
    """the trained model classifies at least 50 % of the hidden test images correctly
    zh: 训练好的模型至少正确分类 50 % 的隐藏测试图像"""
    check_accuracy(learner, request, 0.5)


@points(1)
def test_accuracy_90(learner, request):
    """the trained model classifies at least 90 % of the hidden test images correctly
    zh: 训练好的模型至少正确分类 90 % 的隐藏测试图像"""
    check_accuracy(learner, request, 0.9)


@points(1)
def test_accuracy_95(learner, request):
    """the trained model classifies at least 95 % of the hidden test images correctly
    zh: 训练好的模型至少正确分类 95 % 的隐藏测试图像"""
    check_accuracy(learner, request, 0.95)


@points(1)
def test_loaders_other_seed(learner):
    """make_loaders() with another seed, size and batch size splits and shuffles as that seed says
    zh: make_loaders() 使用另一个种子、大小和批次大小时，按该种子划分并打乱"""
    seed = seeded(31) % 10_000
    options = {"val_size": 45, "batch_size": 20, "seed": seed}
    seen, expected, what = H.loaders_of(learner, 200, options)
    check_seeded_batches(seen, expected, what)


def check_seeded_batches(seen: dict, expected: dict, what: str) -> None:
    """The validation batches, then two epochs of training batches, as the seed orders them."""
    if not H.same_batches(seen["val"]["labels"][0], expected["val"]):
        fail(MESSAGES.say("val_not_seeded", what=what))
    for epoch in (0, 1):
        if not H.same_batches(seen["train"]["labels"][epoch], expected["train"][epoch]):
            fail(MESSAGES.say("train_not_seeded", what=what, epoch=epoch + 1))


@points(1)
def test_dataset_other_images(learner):
    """DigitsDataset on other images, as (1, 8, 8) images
    zh: DigitsDataset 作用于其他图像，得到 (1, 8, 8) 的图像"""
    images, labels = H.training_split()
    start = seeded(17) % (len(labels) - 40)
    images, labels = images[start : start + 40], labels[start : start + 40]
    seen = learner.probe("dataset_items", images, labels, [0, 39], flatten=False)
    expected = R.normalised(images[[0, 39]], R.pixel_stats(images), False)
    for i, item, image in zip([0, 39], seen["items"], expected, strict=True):
        H.check_item(item, image, labels[i], f"DigitsDataset(images, labels, flatten=False)[{i}]")


# The defaults the docstrings give: every one is used by a call that leaves it out.
LOADER_DEFAULTS = {"val_size": 200, "batch_size": 64, "seed": 0}
TRAIN_DEFAULTS = {"hidden": 64, "epochs": 10, "lr": 0.1, "momentum": 0.9}


@points(1)
def test_data_defaults(learner):
    """DigitsDataset() and make_loaders() use their defaults when the caller leaves them out
    zh: DigitsDataset() 和 make_loaders() 在调用者省略参数时使用默认值"""
    images, labels = H.training_split(300)
    seen = learner.probe("dataset_items", images[:20], labels[:20], [0, 19], flatten=None)
    expected = R.normalised(images[[0, 19]], R.pixel_stats(images[:20]), True)
    for i, item, image in zip([0, 19], seen["items"], expected, strict=True):
        H.check_item(item, image, labels[i], f"DigitsDataset(images, labels)[{i}]")
    what = "make_loaders(images, labels)"
    seen = learner.probe("loaders", images, labels, {})
    expected = R.loader_batches(labels, epochs=2, **LOADER_DEFAULTS)
    sizes = {"train": seen["train"]["size"], "val": seen["val"]["size"]}
    if (sizes["train"], sizes["val"]) != (100, 200):
        fail(MESSAGES.say("split_sizes", what=what, **sizes, want_train=100, want_val=200))
    check_seeded_batches(seen, expected, what)


@points(1)
def test_model_defaults(learner):
    """build_model(), train() and load() use their defaults when the caller leaves them out
    zh: build_model()、train() 和 load() 在调用者省略参数时使用默认值"""
    seen = learner.probe("built", None, None, "cpu")
    for name, value in R.net_state(64, 0).items():
        got = seen["state"].get(name) if isinstance(seen["state"], dict) else None
        assert_close(
            got,
            value,
            what=MESSAGES.say(
                "default_weight", call="build_model()", name=name, defaults="hidden=64, seed=0"
            ),
        )
    seen = learner.probe("load_file", H.weights_file(64, 2), None, "cpu")
    for name, value in R.net_state(64, 2).items():
        got = seen["loaded"].get(name) if isinstance(seen["loaded"], dict) else None
        assert_close(
            got,
            value,
            what=MESSAGES.say("default_weight", call="load(path)", name=name, defaults="hidden=64"),
        )
    images, labels = H.training_split(300)
    loader = {**H.LOADER, "seed": 0}  # the same seed as train's default, as the reference takes one
    seen = learner.with_timeout(60).probe("train_run", images, labels, loader, {})
    expected = R.training_history(
        images,
        labels,
        val_size=loader["val_size"],
        batch_size=loader["batch_size"],
        seed=0,
        **TRAIN_DEFAULTS,
    )
    H.check_history(seen["history"], expected, "train(train_loader, val_loader)")


def gpu_weights_file(hidden: int, seed: int) -> torch.Tensor:
    """A weights file as a machine with many GPUs writes it (every storage tagged cuda:63),
    written here without one: torch.load without map_location refuses it on every machine
    that lacks a 64th GPU, CPU-only or not, so the verdict is the same everywhere."""
    registry = torch.serialization._package_registry
    tag = (-1000, lambda storage: "cuda:63", lambda obj, location: None)
    registry.insert(0, tag)  # asked first, so every storage gets this location
    try:
        return H.weights_file(hidden, seed)
    finally:
        registry.remove(tag)


@points(1)
def test_load_a_file_saved_on_a_gpu(learner):
    """load() reads weights saved on a GPU machine, on any machine (map_location="cpu")
    zh: load() 在任何机器上都能读取在 GPU 机器上保存的权重（map_location="cpu"）"""
    seen = learner.probe("load_file", gpu_weights_file(16, 4), 16, "cpu")
    for name, value in R.net_state(16, 4).items():
        got = seen["loaded"].get(name) if isinstance(seen["loaded"], dict) else None
        assert_close(got, value, what=MESSAGES.say("gpu_file_weight", name=name))
