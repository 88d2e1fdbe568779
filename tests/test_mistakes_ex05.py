"""05 modules: plausible wrong implementations lose the right checks, with messages that say why."""

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

SOURCE = solution("ex05_modules.py")


def mutate(*replacements: tuple[str, str]) -> str:
    return edited(SOURCE, *replacements)


WEIGHT = "nn.Parameter(torch.empty(out_features, in_features, **factory))"
FORWARD = "out = x @ self.weight.T"
LAYERS = "self.layers = nn.Sequential(*layers)"
RETURN_LAYERS = "return self.layers(x)"

MUTANTS = {
    # weight stored as (in, out), and a forward that fits it
    "transposed": mutate(
        (WEIGHT, "nn.Parameter(torch.empty(in_features, out_features, **factory))"),
        (FORWARD, "out = x @ self.weight"),
    ),
    # layers in a plain list: forward works, nn.Module sees nothing
    "plain_list": mutate(
        (LAYERS, "self.layers = layers"),
        (RETURN_LAYERS, "for layer in self.layers:\n            x = layer(x)\n        return x"),
    ),
    "randn_init": mutate(
        (
            "self.weight.uniform_(-bound, bound)",
            "self.weight.copy_(torch.randn_like(self.weight))",
        )
    ),
    "zero_bias": mutate(("self.bias.uniform_(-bound, bound)", "self.bias.zero_()")),
    "activation_after_last": mutate(
        (LAYERS, f"layers.append(activation())\n        {LAYERS}"),
    ),
    # two independent mistakes per submission where their checks do not overlap (each
    # graded submission costs seconds)
    "f_linear_ignores_device": mutate(
        ("import torch\n", "import torch\nimport torch.nn.functional as F\n"),
        (FORWARD, "return F.linear(x, self.weight, self.bias)"),
        ('factory = {"device": device, "dtype": dtype}', 'factory = {"dtype": dtype}'),
    ),
    "nn_linear_in_mlp_counts_frozen": replace_function(
        mutate(("layers.append(Linear(n_in, n_out))", "layers.append(nn.Linear(n_in, n_out))")),
        "count_parameters",
        "    return sum(p.numel() for p in module.parameters())\n",
    ),
    "subclasses_nn_linear": SOURCE[: SOURCE.index("class Linear(nn.Module):")]
    + "class Linear(nn.Linear):\n    pass\n\n\n"
    + SOURCE[SOURCE.index("class MLP(nn.Module):") :],
    "plain_tensor_weight": mutate(
        (WEIGHT, "torch.empty(out_features, in_features, **factory).requires_grad_()")
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    submissions = {name: {"ex05_modules.py": text} for name, text in MUTANTS.items()}
    return grade_mutants("05", submissions, tmp_path_factory.mktemp("mistakes05"))


assert_fails, assert_passes = assert_mutant_fails, assert_mutant_passes


def test_transposed_weight(results):
    assert_fails(results, "transposed", "test_linear_parameters", "wrong shape", "transposed")
    assert_fails(results, "transposed", "test_linear_forward[cpu]", "transposed")
    assert_fails(results, "transposed", "test_linear_state_dict_into_nn_linear", "size mismatch")
    assert_passes(
        results, "transposed", "test_linear_init_bias", "test_linear_repr", "test_count_parameters"
    )


def test_plain_list_mlp_says_why(results):
    assert_fails(
        results,
        "plain_list",
        "test_mlp_registration",
        "parameters() sees 0 of the 6",
        "plain Python list",
        "nn.ModuleList",
    )
    assert_fails(results, "plain_list", "test_mlp_to[cpu]", "was not moved", "registered")
    assert_fails(results, "plain_list", "test_mlp_registration_deep", "plain Python list")
    assert_passes(
        results,
        "plain_list",
        "test_mlp_forward",
        "test_mlp_structure",
        "test_mlp_activation",
        "test_linear_",
    )


def test_randn_init(results):
    assert_fails(results, "randn_init", "test_linear_init_weight", "outside ±0.1", "randn")
    assert_fails(results, "randn_init", "test_linear_init_other_sizes", "outside ±0.05")
    assert_passes(results, "randn_init", "test_linear_init_bias", "test_linear_forward")


def test_zero_bias(results):
    assert_fails(results, "zero_bias", "test_linear_init_bias", "all 2000 values are 0")
    assert_passes(results, "zero_bias", "test_linear_init_weight", "test_linear_forward")


def test_activation_after_last_layer(results):
    for check in ("test_mlp_forward", "test_mlp_activation", "test_mlp_single_layer"):
        assert_fails(results, "activation_after_last", check, "after the last layer")
    assert_passes(results, "activation_after_last", "test_mlp_structure", "test_mlp_registration")


def test_forbidden_calls_are_named(results):
    mutant = "f_linear_ignores_device"
    assert_fails(
        results,
        mutant,
        "test_linear_forward[cpu]",
        "`Linear.forward` called `torch.nn.functional.linear`",
    )
    assert_passes(results, mutant, "test_linear_parameters", "test_linear_init_weight")
    mutant = "nn_linear_in_mlp_counts_frozen"
    assert_fails(results, mutant, "test_mlp_structure", "`MLP.__init__` called `torch.nn.Linear`")
    assert_passes(results, mutant, "test_linear_")


def test_subclassing_nn_linear_is_caught(results):
    assert_fails(
        results, "subclasses_nn_linear", "test_linear_parameters", "subclasses torch.nn.Linear"
    )


def test_plain_tensor_weight(results):
    assert_fails(results, "plain_tensor_weight", "test_linear_parameters", "not an nn.Parameter")
    assert_passes(results, "plain_tensor_weight", "test_count_parameters")


def test_hard_coded_device(results):
    mutant = "f_linear_ignores_device"
    assert_fails(results, mutant, "test_linear_device_dtype[standin]", "wrong device")
    assert_passes(results, mutant, "test_linear_device_dtype[cpu]", "test_linear_to[cpu]")


def test_count_parameters_ignoring_frozen(results):
    mutant = "nn_linear_in_mlp_counts_frozen"
    assert_fails(results, mutant, "test_count_parameters_frozen", "requires_grad=False")
    assert_fails(results, mutant, "test_count_parameters_partly_frozen", "trainable_only=True")
    assert_passes(
        results, mutant, "test_count_parameters", "test_count_parameters_buffers_and_tied"
    )


# ---------------------------------------------------------------- edges and defaults

NEW_KINDS = {
    # 1/sqrt(in_features) without nn.Linear's guard for in_features == 0, and an MLP whose
    # default activation is not the documented nn.ReLU
    "no_zero_guard_tanh_default": mutate(
        (
            "bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0",
            "bound = 1 / math.sqrt(self.in_features)",
        ),
        ("activation: type[nn.Module] = nn.ReLU", "activation: type[nn.Module] = nn.Tanh"),
    ),
    # a 1-D input made 2-D in place (unsqueeze_): the caller's x changes shape
    "forward_unsqueezes_x": mutate(
        (
            FORWARD,
            "squeeze = x.dim() == 1\n        if squeeze:\n            x.unsqueeze_(0)\n        "
            + FORWARD,
        ),
        (
            "            out = out + self.bias\n        return out",
            "            out = out + self.bias\n        return out.squeeze(0) if squeeze else out",
        ),
    ),
}


@pytest.fixture(scope="module")
def graded_new_kinds(tmp_path_factory):
    submissions = {name: {"ex05_modules.py": text} for name, text in NEW_KINDS.items()}
    return grade_mutants("05", submissions, tmp_path_factory.mktemp("mistakes05-kinds"))


def test_linear_without_inputs_and_mlp_default_activation(graded_new_kinds):
    mutant = "no_zero_guard_tanh_default"
    assert_fails(graded_new_kinds, mutant, "test_linear_no_inputs", "ZeroDivisionError")
    assert_fails(graded_new_kinds, mutant, "test_mlp_forward", "MLP([4, 8, 8, 3]")
    assert_passes(
        graded_new_kinds,
        mutant,
        "test_mlp_activation",
        "test_linear_parameters",
        "test_linear_init_",
    )


def test_a_forward_that_changes_x_in_place_is_told(graded_new_kinds):
    assert_fails(
        graded_new_kinds,
        "forward_unsqueezes_x",
        "test_linear_leading_dims",
        "Linear(4, 2)(x of shape (4,))",
        "changed its input x in place",
    )
    assert_passes(
        graded_new_kinds, "forward_unsqueezes_x", "test_linear_forward", "test_mlp_forward"
    )
