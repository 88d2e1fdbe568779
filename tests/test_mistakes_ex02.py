"""02 ops: plausible wrong implementations lose the right checks, with messages that say why."""

import pytest
from helpers import (
    assert_mutant_fails,
    assert_mutant_passes,
    edited,
    grade_mutants,
    replace_function,
    solution,
)

pytestmark = pytest.mark.slow  # grades real submissions

SOURCE = solution("ex02_ops.py")
STACK_RETURN = "    return torch.cat([t.unsqueeze(dim) for t in tensors], dim=dim)"

MUTANTS = {
    # two mistakes whose checks do not overlap: softmax's default dim, normalize's default eps
    "softmax_dim0_normalize_eps": edited(
        SOURCE,
        (
            "def softmax(x: torch.Tensor, dim: int = -1)",
            "def softmax(x: torch.Tensor, dim: int = 0)",
        ),
        ("dim: int = -1, eps: float = 1e-12)", "dim: int = -1, eps: float = 1e-6)"),
    ),
    # the maximum of the whole tensor, not of each slice; and a stack that only compares
    # each tensor with the last one
    "global_max_stack_last": edited(
        SOURCE,
        ("shifted = x - x.amax(dim=dim, keepdim=True)", "shifted = x - x.max()"),
        ("for t in tensors[1:]:", "for t in tensors[-1:]:"),
    ),
    # dim normalised by hand: -(n+2) wraps round to -1 instead of raising IndexError
    "stack_wraps_dim": edited(
        SOURCE, (STACK_RETURN, "    if dim < 0:\n        dim += len(shape) + 1\n" + STACK_RETURN)
    ),
    # zeros written into the caller's x where the mask is False
    "masked_mean_in_place": replace_function(
        SOURCE,
        "masked_mean",
        "    x[~mask] = 0\n    return x.sum(dim=dim) / mask.sum(dim=dim).clamp_min(1)\n",
    ),
    # float32 arithmetic whatever the input's dtype
    "pairwise_float32": edited(
        SOURCE,
        (
            "diff = x.unsqueeze(1) - y.unsqueeze(0)",
            "diff = x.float().unsqueeze(1) - y.float().unsqueeze(0)",
        ),
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    submissions = {name: {"ex02_ops.py": text} for name, text in MUTANTS.items()}
    return grade_mutants("02", submissions, tmp_path_factory.mktemp("mistakes02"))


def test_default_arguments_are_checked_by_calls_that_leave_them_out(results):
    mutant = "softmax_dim0_normalize_eps"
    assert_mutant_fails(
        results, mutant, "test_softmax_default_dim", "softmax(x 2×3×4) (dim left out)"
    )
    assert_mutant_fails(
        results, mutant, "test_normalize_defaults", "normalize(tensor([[1.5e-12, 0.0]]))"
    )
    assert_mutant_passes(results, mutant, "test_softmax[cpu]", "test_normalize[cpu]")


def test_each_slice_needs_its_own_maximum(results):
    assert_mutant_fails(results, "global_max_stack_last", "test_softmax_rows_far_apart", "NaN")
    assert_mutant_passes(results, "global_max_stack_last", "test_softmax_stable")


def test_every_tensor_of_a_stack_is_compared(results):
    assert_mutant_fails(
        results, "global_max_stack_last", "test_stack_mismatch_in_the_middle", "ValueError"
    )
    assert_mutant_passes(results, "global_max_stack_last", "test_stack_mismatch")


def test_a_dim_out_of_range_raises_index_error_as_torch_stack(results):
    assert_mutant_fails(results, "stack_wraps_dim", "test_stack_dim_range", "dim=-4", "IndexError")
    assert_mutant_passes(results, "stack_wraps_dim", "test_stack[cpu]", "test_stack_3d_negative")


def test_an_input_changed_in_place_is_named(results):
    assert_mutant_fails(
        results, "masked_mean_in_place", "test_masked_mean[cpu]", "changed its input"
    )
    assert_mutant_fails(results, "masked_mean_in_place", "test_elementwise_family_variants")


def test_a_float64_variant_catches_float32_arithmetic(results):
    assert_mutant_fails(
        results,
        "pairwise_float32",
        "test_elementwise_family_variants",
        "pairwise_sq_dists(x, y) with a float64 input",
        "dtype",
    )
    assert_mutant_passes(results, "pairwise_float32", "test_pairwise_sq_dists[cpu]")
