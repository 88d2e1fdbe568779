"""01 tensors: plausible wrong implementations lose the right checks, with messages that say why."""

import pytest
from helpers import assert_mutant_fails, assert_mutant_passes, edited, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions

SOURCE = solution("ex01_tensors.py")

MUTANTS = {
    # a label equal to num_classes slips past the range check, and scatter_ raises instead
    "one_hot_boundary": edited(SOURCE, ("(labels >= num_classes)", "(labels > num_classes)")),
    # three tensors made on the CPU whatever the input's device: only a device other than
    # the CPU tells (the stand-in, without a GPU)
    "device_blind": edited(
        SOURCE,
        (", dtype=torch.int64, device=labels.device)", ", dtype=torch.int64)"),
        ("return x.detach().cpu().numpy()", "return x.detach().numpy()"),
        ("dtype=dtype, device=device) * std + mean", "dtype=dtype) * std + mean"),
    ),
    # the flag switched off on the caller's tensor to please NumPy
    "to_numpy_flag_off": edited(
        SOURCE, ("return x.detach().cpu().numpy()", "return x.requires_grad_(False).cpu().numpy()")
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    submissions = {name: {"ex01_tensors.py": text} for name, text in MUTANTS.items()}
    return grade_mutants("01", submissions, tmp_path_factory.mktemp("mistakes01"))


def test_a_label_equal_to_num_classes_must_raise_value_error(results):
    assert_mutant_fails(
        results,
        "one_hot_boundary",
        "test_one_hot_label_equal_to_num_classes",
        "one_hot(tensor([0, 3]), 3)",
        "ValueError",
    )
    assert_mutant_passes(
        results, "one_hot_boundary", "test_one_hot_bad_label", "test_one_hot_negative_label"
    )


def test_tensors_made_on_the_cpu_are_caught_without_a_gpu(results):
    for check in ("test_one_hot[standin]", "test_seeded_normal[standin]"):
        assert_mutant_fails(results, "device_blind", check, "device")
    assert_mutant_fails(results, "device_blind", "test_to_numpy[standin]", "numpy")
    assert_mutant_passes(
        results,
        "device_blind",
        "test_one_hot[cpu]",
        "test_to_numpy[cpu]",
        "test_seeded_normal[cpu]",
        "test_describe",
        "test_coordinate_grid",
    )


def test_to_numpy_that_switches_off_the_callers_flag_is_told(results):
    assert_mutant_fails(
        results,
        "to_numpy_flag_off",
        "test_to_numpy_requires_grad",
        "to_numpy(x) with requires_grad=True",
        "the caller's x changed",
    )
    assert_mutant_passes(results, "to_numpy_flag_off", "test_to_numpy[cpu]")
