"""06 losses: plausible wrong implementations lose the right checks, with messages that say why."""

import pytest
from helpers import assert_mutant_fails, assert_mutant_passes, edited, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions

SOURCE = solution("ex06_losses.py")


def mutate(*replacements: tuple[str, str]) -> str:
    return edited(SOURCE, *replacements)


LOG_SOFTMAX = "    return logits - torch.logsumexp(logits, dim=dim, keepdim=True)\n"
MEAN = "        return loss.sum() / keep.sum()  # over the targets that count (nan if none does)\n"
SHAPE_CHECK = "    if pred.shape != target.shape:\n        raise ValueError("
BCE = "    loss = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))\n"

MUTANTS = {
    "unstable_cross_entropy": mutate(
        (LOG_SOFTMAX, "    return torch.softmax(logits, dim=dim).log()\n")
    ),
    "mean_counts_ignored": mutate((MEAN, "        return loss.mean()\n")),
    # the smoothing mass spread over the C - 1 other classes only
    "smoothing_over_c_minus_1": mutate(
        (
            "        uniform = -log_probs.mean(dim=1)\n",
            "        uniform = (-log_probs.sum(dim=1) - loss) / (n_classes - 1)\n",
        )
    ),
    # two independent mistakes per submission where their checks do not overlap (each
    # graded submission costs seconds)
    "mse_broadcasts_ce_boolean_mask": mutate(
        (SHAPE_CHECK, "    if False:\n        raise ValueError("),
        (MEAN, "        return loss[keep].mean()\n"),
    ),
    "naive_bce_detached_ce": mutate(
        (
            BCE,
            "    p = torch.sigmoid(logits)\n"
            "    loss = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))\n",
        ),
        (MEAN, "        return (loss.sum() / keep.sum()).detach()\n"),
    ),
    # the smoothing term added even when label_smoothing is 0: 0 * inf for a masked class
    "smoothing_always": mutate(
        (
            "    if label_smoothing > 0:\n        # The smoothed target",
            "    if True:\n        # The smoothed target",
        )
    ),
    # right on a contiguous float32 input only: .view(-1) and a float32 cast
    "view_mse__float32_bce": mutate(
        (
            "    return _reduce((pred - target) ** 2, reduction)\n",
            "    flat = (pred.view(-1) - target.view(-1)) ** 2\n"
            "    return _reduce(flat.view(pred.shape), reduction)\n",
        ),
        (
            BCE,
            BCE.replace(
                "    loss = ", "    logits, target = logits.float(), target.float()\n    loss = "
            ),
        ),
    ),
    "forbidden_calls": mutate(
        ("import torch\n", "import torch\nimport torch.nn.functional as F\n"),
        (LOG_SOFTMAX, "    return F.log_softmax(logits, dim=dim)\n"),
        (
            BCE,
            "    return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)\n",
        ),
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    submissions = {name: {"ex06_losses.py": text} for name, text in MUTANTS.items()}
    return grade_mutants("06", submissions, tmp_path_factory.mktemp("mistakes06"))


assert_fails, assert_passes = assert_mutant_fails, assert_mutant_passes


def test_unstable_cross_entropy_is_told_about_log_sum_exp(results):
    mutant = "unstable_cross_entropy"
    for check in ("test_cross_entropy_stable", "test_cross_entropy_stable_more"):
        assert_fails(results, mutant, check, "inf or nan", "log-sum-exp", "logsumexp")
    assert_passes(
        results,
        mutant,
        "test_cross_entropy",
        "test_cross_entropy_ignore_index",
        "test_cross_entropy_label_smoothing",
        "test_cross_entropy_gradient",
        "test_mse_",
        "test_bce_",
    )


def test_mean_over_ignored_targets(results):
    mutant = "mean_counts_ignored"
    assert_fails(
        results,
        mutant,
        "test_cross_entropy_ignore_index",
        "reduction='mean'",
        "divide by their number (5 here), not by the batch size (8)",
    )
    assert_fails(results, mutant, "test_cross_entropy_ignore_and_smoothing", "not by the batch")
    assert_passes(
        results,
        mutant,
        "test_cross_entropy",
        "test_cross_entropy_probabilities",
        "test_cross_entropy_stable",
        "test_cross_entropy_gradient",
    )


def test_label_smoothing_over_the_wrong_classes(results):
    mutant = "smoothing_over_c_minus_1"
    assert_fails(
        results,
        mutant,
        "test_cross_entropy_label_smoothing",
        "label_smoothing=0.2",
        "(1 - ε) * one_hot + ε / C",
        "not ε / (C - 1)",
    )
    assert_passes(
        results,
        mutant,
        "test_cross_entropy",
        "test_cross_entropy_ignore_index",
        "test_cross_entropy_prob_smoothing_float64",
    )


def test_mse_loss_that_broadcasts(results):
    mutant = "mse_broadcasts_ce_boolean_mask"
    assert_fails(
        results,
        mutant,
        "test_mse_loss_shape_mismatch",
        "expected ValueError, but your code returned a tensor",
        "broadcast to (5, 5)",
    )
    assert_fails(results, mutant, "test_mse_loss_other_mismatches", "expected ValueError")
    assert_passes(results, mutant, "test_mse_loss", "test_mse_loss_float64_unchanged_inputs")


def test_a_boolean_mask_is_correct_on_every_device(results):
    """Boolean-mask indexing (data-dependent shapes) is right on a GPU, so it is right on the
    stand-in device too (the meta device, which has no values, used to fail it)."""
    mutant = "mse_broadcasts_ce_boolean_mask"
    assert_passes(
        results,
        mutant,
        "test_cross_entropy[cpu]",
        "test_cross_entropy[standin]",
        "test_cross_entropy_ignore_index",
        "test_cross_entropy_gradient",
    )


def test_naive_bce_is_told_about_stability(results):
    mutant = "naive_bce_detached_ce"
    assert_fails(results, mutant, "test_bce_with_logits_stable", "inf or nan", "log1p(exp(-|x|))")
    assert_fails(results, mutant, "test_bce_with_logits_gradient_stable", "log1p(exp(-|x|))")
    assert_passes(results, mutant, "test_bce_with_logits_shape_mismatch")


def test_detached_loss_has_no_gradient(results):
    mutant = "naive_bce_detached_ce"
    assert_fails(results, mutant, "test_cross_entropy_gradient", "not connected to the input")
    assert_passes(results, mutant, "test_cross_entropy[cpu]", "test_cross_entropy_ignore_index")


def test_forbidden_calls_are_named(results):
    mutant = "forbidden_calls"
    assert_fails(
        results,
        mutant,
        "test_cross_entropy[cpu]",
        "called `torch.nn.functional.log_softmax`",
    )
    assert_fails(
        results,
        mutant,
        "test_bce_with_logits[cpu]",
        "called `torch.nn.functional.binary_cross_entropy_with_logits`",
    )
    assert_passes(results, mutant, "test_mse_")


def test_smoothing_term_added_without_smoothing_fails_on_masked_classes(results):
    mutant = "smoothing_always"
    assert_fails(
        results,
        mutant,
        "test_cross_entropy_masked_classes",
        "are inf or nan where PyTorch gives finite values",
        "Add the smoothing term only when label_smoothing > 0",
    )
    assert_passes(results, mutant, "test_cross_entropy", "test_cross_entropy_label_smoothing")


def test_losses_right_only_on_the_base_input_fail_their_variants(results):
    mutant = "view_mse__float32_bce"
    assert_fails(
        results,
        mutant,
        "test_mse_loss_input_variants",
        "mse_loss(pred, target) (reduction left out), with a non-contiguous first input",
    )
    assert_passes(results, mutant, "test_mse_loss", "test_mse_loss_shape_mismatch")
    assert_fails(
        results,
        mutant,
        "test_bce_with_logits_input_variants",
        "with a float64 first input",
        "float64",
    )
    assert_passes(results, mutant, "test_bce_with_logits", "test_bce_with_logits_stable")
