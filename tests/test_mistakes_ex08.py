"""Exercise 08's checks catch the usual training-loop mistakes, each with a message that says which."""

import pytest
from helpers import checks_named, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions

FILE = "ex08_training.py"
SOLUTION = solution(FILE)


def mutate(*replacements: tuple[str, str]) -> dict[str, str]:
    source = SOLUTION
    for old, new in replacements:
        assert old in source, f"the solution no longer contains {old!r}"
        source = source.replace(old, new, 1)
    return {FILE: source}


ZERO_GRAD = (
    "        optimizer.zero_grad()  # backward() adds to .grad: start this batch from zero\n"
)
BACKWARD_STEP = "        loss.backward()\n        optimizer.step()\n"

# Each function's checks only look at that function, so to keep this file fast a submission
# carries one mistake in train_one_epoch and one in evaluate or accumulate_step.
NO_ZERO_GRAD = ((ZERO_GRAD, ""),)
ZERO_GRAD_BETWEEN = (
    (ZERO_GRAD, ""),
    (
        BACKWARD_STEP,
        "        loss.backward()\n        optimizer.zero_grad()\n        optimizer.step()\n",
    ),
)
WEIGHTED = "        total += loss.item() * len(inputs)\n        count += len(inputs)\n    return total / count"
UNWEIGHTED_MEAN = (
    (WEIGHTED, "        total += loss.item()\n        count += 1\n    return total / count"),
)
RETURNS_TENSOR = (
    (
        WEIGHTED,
        "        total = total + loss * len(inputs)\n        count += len(inputs)\n    return total / count",
    ),
)
EVALUATE_WITHOUT_NO_GRAD = (
    (
        "    with torch.no_grad():  # no graph: nothing here will be backpropagated\n",
        "    if True:\n",
    ),
)
EVALUATE_WITHOUT_EVAL = (("    model.eval()\n", ""),)
MICRO_LOSS = "        loss = loss_fn(model(inputs), targets) / len(micro_batches)\n"
ACCUMULATE_ZEROES_EACH = ((MICRO_LOSS, "        optimizer.zero_grad()\n" + MICRO_LOSS),)
ACCUMULATE_WITHOUT_DIVIDING = (
    (MICRO_LOSS, "        loss = loss_fn(model(inputs), targets)\n"),
    (
        "    optimizer.step()\n    return total\n",
        "    optimizer.step()\n    return total / len(micro_batches)\n",
    ),
)
# Correct, but written differently: zero once before the loop and after every step, with
# model.zero_grad(), and the number of samples taken from the dataset.
ALTERNATIVE_CORRECT = (
    (
        "    model.train()\n    total, count = 0.0, 0\n",
        "    model.train()\n    model.zero_grad()\n    total, count = 0.0, 0\n",
    ),
    (ZERO_GRAD, ""),
    (
        BACKWARD_STEP,
        "        loss.backward()\n        optimizer.step()\n        model.zero_grad()\n",
    ),
    (
        "        count += len(inputs)\n    return total / count",
        "    return total / len(loader.dataset)",
    ),
)

# evaluate and accumulate_step that never move their batches: right on a CPU by luck.
MOVES = "            inputs, targets = inputs.to(device), targets.to(device)\n"
EVALUATE_MOVES_NOTHING = ((MOVES, ""),)  # only evaluate's is indented this deep
MICRO_LOOP = "    for inputs, targets in micro_batches:\n"
ACCUMULATE_MOVES_ONLY_INPUTS = (
    (MICRO_LOOP + MOVES[4:], MICRO_LOOP + "        inputs = inputs.to(device)\n"),
)

NO_ZERO_GRAD_AND_NO_EVAL = "no_zero_grad__evaluate_without_eval"
ZERO_BETWEEN_AND_NOT_DIVIDING = "zero_grad_between_backward_and_step__accumulate_without_dividing"
UNWEIGHTED_AND_ZEROES_EACH = "unweighted_mean__accumulate_zeroes_each_micro_batch"
TENSOR_AND_NO_NO_GRAD = "returns_tensor__evaluate_without_no_grad"
MUTANTS = {
    NO_ZERO_GRAD_AND_NO_EVAL: mutate(*NO_ZERO_GRAD, *EVALUATE_WITHOUT_EVAL),
    ZERO_BETWEEN_AND_NOT_DIVIDING: mutate(*ZERO_GRAD_BETWEEN, *ACCUMULATE_WITHOUT_DIVIDING),
    UNWEIGHTED_AND_ZEROES_EACH: mutate(*UNWEIGHTED_MEAN, *ACCUMULATE_ZEROES_EACH),
    TENSOR_AND_NO_NO_GRAD: mutate(*RETURNS_TENSOR, *EVALUATE_WITHOUT_NO_GRAD),
    "alternative_correct": mutate(*ALTERNATIVE_CORRECT),
    "forgets_to_move": mutate(*EVALUATE_MOVES_NOTHING, *ACCUMULATE_MOVES_ONLY_INPUTS),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_mutants("08", MUTANTS, tmp_path_factory.mktemp("ex08"))


def outcome(results, mutant: str, name: str) -> list[dict]:
    checks = checks_named(results[mutant], name)
    assert checks, f"no check named {name}"
    return checks


def assert_fails(results, mutant: str, name: str, *texts: str) -> None:
    for check in outcome(results, mutant, name):
        if check.get("device") == "cuda":
            continue
        assert check["outcome"] == "failed", (mutant, check["name"], check.get("message"))
        for text in texts:
            assert text in check["message"], (mutant, check["name"], check["message"])


def assert_passes(results, mutant: str, *names: str) -> None:
    for name in names:
        for check in outcome(results, mutant, name):
            if check.get("device") == "cuda":
                continue
            assert check["outcome"] == "passed", (mutant, check["name"], check.get("message"))


def test_a_loop_without_zero_grad_is_told_gradients_accumulate(results):
    assert_fails(
        results,
        NO_ZERO_GRAD_AND_NO_EVAL,
        "test_train_one_epoch_fresh_gradients",
        "at step 2",
        "gradients accumulate across batches",
    )
    assert_fails(
        results,
        NO_ZERO_GRAD_AND_NO_EVAL,
        "test_train_one_epoch_call_order",
        "no zero_grad() ran before",
    )
    assert_fails(
        results,
        NO_ZERO_GRAD_AND_NO_EVAL,
        "test_train_one_epoch_stale_gradients",
        "already in .grad before train_one_epoch was called",
    )
    assert_passes(
        results,
        NO_ZERO_GRAD_AND_NO_EVAL,
        "test_train_one_epoch_train_mode",
        "test_train_one_epoch_returns_float",
        "test_evaluate[",
        "test_accumulate_step[",
    )


def test_zero_grad_between_backward_and_step_is_told_the_step_saw_zero(results):
    mutant = ZERO_BETWEEN_AND_NOT_DIVIDING
    assert_fails(results, mutant, "test_train_one_epoch_fresh_gradients", "saw a zero gradient")
    assert_fails(
        results,
        mutant,
        "test_train_one_epoch_call_order",
        "zero_grad() ran between backward() and step()",
    )
    assert_passes(results, mutant, "test_train_one_epoch_returns_float", "test_evaluate[")


def test_an_unweighted_mean_fails_only_where_the_last_batch_is_smaller(results):
    assert_fails(
        results,
        UNWEIGHTED_AND_ZEROES_EACH,
        "test_train_one_epoch_weighted_mean",
        "plain mean of the 3 batch losses",
    )
    assert_fails(
        results, UNWEIGHTED_AND_ZEROES_EACH, "test_train_one_epoch_uneven_batches", "expected"
    )
    assert_passes(
        results,
        UNWEIGHTED_AND_ZEROES_EACH,
        "test_train_one_epoch_matches_reference",  # 12 samples in batches of 4: no difference
        "test_train_one_epoch_fresh_gradients",
        "test_train_one_epoch_call_order",
        "test_train_one_epoch_returns_float",
    )


def test_returning_a_tensor_is_told_to_return_a_float(results):
    assert_fails(
        results,
        TENSOR_AND_NO_NO_GRAD,
        "test_train_one_epoch_returns_float",
        "expected a Python float, got a torch.Tensor that requires grad",
        "loss.item()",
    )
    assert_passes(
        results,
        TENSOR_AND_NO_NO_GRAD,
        "test_train_one_epoch_matches_reference",
        "test_train_one_epoch_weighted_mean",
        "test_train_one_epoch_call_order",
    )


def test_evaluate_without_no_grad_is_told_a_graph_was_built(results):
    assert_fails(results, TENSOR_AND_NO_NO_GRAD, "test_evaluate_no_graph", "torch.no_grad()")
    assert_passes(
        results,
        TENSOR_AND_NO_NO_GRAD,
        "test_evaluate[",
        "test_evaluate_eval_mode",
        "test_evaluate_changes_nothing",
    )


def test_evaluate_without_eval_is_told_to_call_model_eval(results):
    assert_fails(results, NO_ZERO_GRAD_AND_NO_EVAL, "test_evaluate_eval_mode", "model.eval()")
    assert_fails(results, NO_ZERO_GRAD_AND_NO_EVAL, "test_evaluate_dropout_batchnorm")
    assert_passes(
        results,
        NO_ZERO_GRAD_AND_NO_EVAL,
        "test_evaluate[",
        "test_evaluate_no_graph",
        "test_evaluate_changes_nothing",
    )


def test_accumulation_that_zeroes_each_micro_batch_is_told_so(results):
    assert_fails(
        results,
        UNWEIGHTED_AND_ZEROES_EACH,
        "test_accumulate_step_gradient",
        "only the last micro-batch's gradient",
    )
    assert_passes(results, UNWEIGHTED_AND_ZEROES_EACH, "test_accumulate_step_single")


def test_accumulation_without_dividing_is_told_the_gradient_is_too_large(results):
    assert_fails(
        results,
        ZERO_BETWEEN_AND_NOT_DIVIDING,
        "test_accumulate_step_gradient",
        "3 times too large",
        "Divide each micro-batch's loss",
    )
    assert_fails(
        results,
        ZERO_BETWEEN_AND_NOT_DIVIDING,
        "test_accumulate_step_four_with_stale_gradients",
        "4 times too large",
    )
    assert_passes(results, ZERO_BETWEEN_AND_NOT_DIVIDING, "test_accumulate_step_single")


def test_a_correct_loop_written_differently_passes_everything(results):
    checks = [c for e in results["alternative_correct"]["exercises"] for c in e["checks"]]
    assert checks
    for check in checks:
        assert check["outcome"] in ("passed", "skipped"), (check["name"], check.get("message"))


def test_evaluate_and_accumulate_step_that_do_not_move_their_batches_are_told_so(results):
    assert_fails(
        results,
        "forgets_to_move",
        "test_evaluate_moves_batches",
        "evaluate(): the inputs of batch 1 were never moved with .to(device)",
    )
    assert_fails(
        results,
        "forgets_to_move",
        "test_accumulate_step_moves_batches",
        "accumulate_step(): the targets of batch 1 were never moved",
    )
    assert_passes(results, "forgets_to_move", "test_evaluate[", "test_accumulate_step[")
