"""Exercise 10's checks catch the usual mistakes of a first real training pipeline, each with a
message that says which, and take only the points that mistake costs."""

import pytest
from helpers import assert_mutant_fails, assert_mutant_passes, edited, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions, and trains each of them

FILE = "ex10_digits.py"
TRAINING_LOOP = "ex08_training.py"
SOLUTION = solution(FILE)

VAL_LOADER = "    val_loader = DataLoader(val_set, batch_size=batch_size, shuffle=False)\n"
TRAIN_SHUFFLE = "        shuffle=True,\n        generator=torch.Generator().manual_seed(seed),"
VAL_STATS = "stats=train_set.stats)"
TRAIN_SET = "    train_set = DigitsDataset(images[train_part], labels[train_part])\n"
MODEL_TO_DEVICE = "    return Net(64, hidden, 10).to(device)"
LOADED_TO_DEVICE = "    return model.to(device)"
FIT_CALL = "fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), optimizer, epochs, device)"


def submission(digits: str, loop: str | None = None) -> dict[str, str]:
    """Exercise 10 needs the learner's 07 and 08: the solutions', unless `loop` replaces 08."""
    return {
        FILE: digits,
        "ex07_optim.py": solution("ex07_optim.py"),
        TRAINING_LOOP: loop or solution(TRAINING_LOOP),
    }


# Each function's checks look at that function only, so a submission may carry two mistakes
# whose checks do not meet: fewer submissions to train.
EVAL_MODE_AND_VAL_SHUFFLED = "trains_in_eval_mode__validation_shuffled"
OWN_STATS_AND_MODEL_ON_CPU = "validation_own_statistics__model_left_on_cpu"
ALL_STATS_AND_NOT_SHUFFLED = "statistics_of_all_images__training_not_shuffled"
MUTANTS = {
    EVAL_MODE_AND_VAL_SHUFFLED: submission(
        edited(SOLUTION, (VAL_LOADER, VAL_LOADER.replace("shuffle=False", "shuffle=True"))),
        # exercise 08's train_one_epoch without model.train(): after the first epoch's
        # evaluate(), the model trains in evaluation mode.
        edited(solution(TRAINING_LOOP), ("    model.train()\n", "")),
    ),
    OWN_STATS_AND_MODEL_ON_CPU: submission(
        edited(
            SOLUTION,
            (VAL_STATS, "stats=None)"),
            (MODEL_TO_DEVICE, "    return Net(64, hidden, 10)"),
            (LOADED_TO_DEVICE, "    return model"),
        )
    ),
    ALL_STATS_AND_NOT_SHUFFLED: submission(
        edited(
            SOLUTION,
            (
                TRAIN_SET,
                "    every_image = DigitsDataset(images, labels)\n"
                "    train_set = DigitsDataset(\n"
                "        images[train_part], labels[train_part], stats=every_image.stats\n"
                "    )\n",
            ),
            (TRAIN_SHUFFLE, "        shuffle=False,"),
        )
    ),
    "untrained": submission(edited(SOLUTION, (FIT_CALL, FIT_CALL.replace("epochs", "0")))),
    "shuffled_labels": submission(
        edited(
            SOLUTION,
            (
                TRAIN_SET,
                "    scrambled = labels[train_part][torch.randperm(len(train_part))]\n"
                "    train_set = DigitsDataset(images[train_part], scrambled)\n",
            ),
        )
    ),
    "one_epoch": submission(edited(SOLUTION, (FIT_CALL, FIT_CALL.replace("epochs", "1")))),
    # Correct, written differently: images normalised once in __init__, F.relu in forward,
    # weights loaded straight onto the device.
    "alternative_correct": submission(
        edited(
            SOLUTION,
            (
                "        self.images = images\n",
                "        self.images = images\n        self.pixels = images.float()\n",
            ),
            (
                "        image = (self.images[index].float() - mean) / std\n",
                "        image = (self.pixels[index] - mean) / std\n",
            ),
            (
                "        return self.fc2(self.relu(self.fc1(x.flatten(1))))",
                "        return self.fc2(torch.nn.functional.relu(self.fc1(x.reshape(len(x), -1))))",
            ),
        )
    ),
}
ACCURACY = ("test_accuracy_50", "test_accuracy_90", "test_accuracy_95")
MECHANICS = (
    "test_dataset_items",
    "test_dataset_given_stats",
    "test_dataset_transform",
    "test_loaders_split",
    "test_loaders_last_batch",
    "test_net_structure",
    "test_net_forward",
    "test_build_model_seeded",
    "test_save_load",
    "test_load_refuses_code",
)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_mutants("10", MUTANTS, tmp_path_factory.mktemp("ex10"))


def test_training_in_evaluation_mode_is_told_to_call_model_train(results):
    assert_mutant_fails(
        results,
        EVAL_MODE_AND_VAL_SHUFFLED,
        "test_train_mode",
        "in evaluation mode",
        "model.train()",
    )
    # Linear and ReLU compute the same in both modes: everything else still passes.
    assert_mutant_passes(
        results,
        EVAL_MODE_AND_VAL_SHUFFLED,
        *MECHANICS,
        "test_train_history",
        "test_train_reproducible",
        "test_loaders_statistics",
        "test_loaders_train_shuffled",
        *ACCURACY,
    )


def test_a_shuffled_validation_loader_is_told_only_training_shuffles(results):
    assert_mutant_fails(
        results, EVAL_MODE_AND_VAL_SHUFFLED, "test_loaders_val_in_order", "Use shuffle=False"
    )


def test_validation_normalised_with_its_own_statistics_is_told_to_use_the_training_ones(results):
    assert_mutant_fails(
        results,
        OWN_STATS_AND_MODEL_ON_CPU,
        "test_loaders_statistics",
        "normalised with its own statistics",
        "stats=train_set.stats",
    )
    assert_mutant_passes(
        results, OWN_STATS_AND_MODEL_ON_CPU, "test_loaders_train_shuffled", "test_train_mode"
    )


def test_a_model_left_on_the_cpu_is_caught_on_the_stand_in(results):
    assert_mutant_fails(
        results, OWN_STATS_AND_MODEL_ON_CPU, "test_build_model_device[standin]", "model.to(device)"
    )
    assert_mutant_fails(
        results, OWN_STATS_AND_MODEL_ON_CPU, "test_load_device[standin]", ".to(device)"
    )
    assert_mutant_fails(results, OWN_STATS_AND_MODEL_ON_CPU, "test_train_device[standin]")
    assert_mutant_passes(
        results,
        OWN_STATS_AND_MODEL_ON_CPU,
        "test_build_model_device[cpu]",
        "test_load_device[cpu]",
        "test_train_device[cpu]",
        "test_build_model_seeded",
        "test_save_load",
    )


def test_statistics_of_all_images_are_told_they_leak_validation(results):
    assert_mutant_fails(
        results,
        ALL_STATS_AND_NOT_SHUFFLED,
        "test_loaders_statistics",
        "statistics of all the images",
        "training part only",
    )


def test_a_training_loader_that_does_not_shuffle_is_told_so(results):
    assert_mutant_fails(
        results, ALL_STATS_AND_NOT_SHUFFLED, "test_loaders_train_shuffled", "does not shuffle"
    )
    assert_mutant_passes(
        results, ALL_STATS_AND_NOT_SHUFFLED, "test_loaders_val_in_order", "test_loaders_last_batch"
    )


def test_an_untrained_model_scores_no_accuracy_point(results):
    for check in ACCURACY:
        assert_mutant_fails(results, "untrained", check, "of the 359 test images correctly")
    assert_mutant_fails(results, "untrained", "test_train_history", "expected a history of 3")
    assert_mutant_passes(results, "untrained", *MECHANICS)


def test_a_model_trained_on_shuffled_labels_scores_no_accuracy_point(results):
    for check in ACCURACY:
        assert_mutant_fails(results, "shuffled_labels", check, "reference pipeline reaches 97.5 %")


def test_one_epoch_earns_partial_points(results):
    assert_mutant_passes(results, "one_epoch", "test_accuracy_50", "test_accuracy_90")
    assert_mutant_fails(results, "one_epoch", "test_accuracy_95", "needs 95%")


def test_a_correct_pipeline_written_differently_passes_everything(results):
    checks = [c for e in results["alternative_correct"]["exercises"] for c in e["checks"]]
    assert checks
    for check in checks:
        assert check["outcome"] in ("passed", "skipped"), (check["name"], check["message"])
