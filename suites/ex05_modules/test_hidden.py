"""Hidden checks for 05 modules: other sizes, seeds and edge cases, run only at grading time."""

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from grader.testing import (
    assert_close,
    assert_equal,
    devices,
    fail,
    hidden,
    make_tensor,
    points,
    public_suite,
    variants,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)
S = public_suite(__file__)  # the public suite's helpers: one copy for both
P = S.P
PARAMETER_HINT = S.PARAMETER_HINT
linear_params = S.linear_params
check_parameter = S.check_parameter
check_linear = S.check_linear
check_misfits = S.check_misfits
check_forward = S.check_forward
check_uniform = S.check_uniform
check_mlp_forward = S.check_mlp_forward
mlp_params = S.mlp_params
expected_count = S.R.parameter_count
check_moved = S.check_moved


# ---------------------------------------------------------------- Linear


@points(1)
def test_linear_parameters_other_sizes(learner):
    "Linear has the right parameters for one input, one output, and float64"
    for n_in, n_out, bias, dtype in [
        (1, 7, True, torch.float32),
        (6, 1, False, torch.float32),
        (2, 5, True, torch.float64),
    ]:
        info = learner.probe("linear_info", n_in, n_out, bias=bias, dtype=dtype)
        what = f"Linear({n_in}, {n_out}, bias={bias}, dtype={dtype})"
        check_linear(info, what, n_in, n_out, bias=bias, dtype=dtype)


@points(2)
@devices("cpu", "cuda")
def test_linear_forward_float64_many_dims(learner, device):
    "Linear's forward in float64 with three leading dimensions"
    params = linear_params(6, 3, seed=101, dtype=torch.float64, device=device)
    x = make_tensor(2, 1, 3, 6, seed=103, dtype=torch.float64, device=device)
    seen = learner.probe("linear_forward", 6, 3, params, x, device=device, dtype=torch.float64)
    check_forward(
        seen, params, "Linear(6, 3, dtype=float64)(x of shape (2, 1, 3, 6))", F.linear(x, **params)
    )


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_forward_no_bias(learner, device):
    "Linear(..., bias=False)'s forward equals F.linear without a bias"
    params = linear_params(5, 4, seed=104, bias=False, device=device)
    x = make_tensor(3, 5, seed=106, device=device)
    seen = learner.probe("linear_forward", 5, 4, params, x, bias=False, device=device)
    check_forward(seen, params, "Linear(5, 4, bias=False)(x)", F.linear(x, params["weight"]))


@points(1)
def test_linear_forward_variants(learner):
    "Linear's forward of a non-contiguous x and of an x that requires grad, as F.linear"
    params = linear_params(4, 3, seed=119)
    for variant in variants(make_tensor(5, 4, seed=120), dtypes=())[1:]:
        x = variant.tensor
        seen = learner.probe("linear_forward", 4, 3, params, x)
        shown = (
            "a non-contiguous x" if variant.label == "non-contiguous" else "x.requires_grad=True"
        )
        expected = F.linear(x, **params).detach()
        check_forward(seen, params, f"Linear(4, 3)(x of shape (5, 4)) with {shown}", expected)


@points(1)
def test_linear_forward_empty_batch(learner):
    "Linear's forward of an empty batch gives an empty result"
    params = linear_params(3, 2, seed=107)
    x = torch.empty(0, 3)
    seen = learner.probe("linear_forward", 3, 2, params, x)
    check_forward(seen, params, "Linear(3, 2)(x of shape (0, 3))", F.linear(x, **params))


@points(1)
def test_linear_backward_no_bias_3d(learner):
    "Gradients of a bias-free Linear for a 3-D input match nn.Linear's"
    params = linear_params(4, 3, seed=108, bias=False)
    x = make_tensor(2, 5, 4, seed=110)
    upstream = make_tensor(2, 5, 3, seed=111)
    seen = learner.probe("linear_backward", 4, 3, params, x, upstream)
    check_misfits(seen["misfits"], "Linear(4, 3, bias=False)", params)
    if not seen["requires_grad"]:
        fail(
            "Linear(4, 3, bias=False)(x): the output does not require grad, so no gradient can "
            "reach the weight. Compute with the parameters, not .data or .detach()."
        )
    weight = params["weight"].clone().requires_grad_(True)
    xr = x.clone().requires_grad_(True)
    (F.linear(xr, weight) * upstream).sum().backward()
    what = "Linear(4, 3, bias=False) on x (2, 5, 4): after (layer(x) * g).sum().backward(),"
    for name, expected in [("weight", weight.grad), ("x", xr.grad)]:
        got = seen[f"{name}_grad"]
        if got is None:
            fail(f"{what} {name}.grad is None: no gradient reached it.")
        assert_close(got, expected, what=f"{what} {name}.grad")


@points(2)
def test_linear_init_other_sizes(learner):
    "Linear(400, 600, dtype=float64) starts from U(-1/sqrt(400), 1/sqrt(400))"
    info = learner.probe("linear_info", 400, 600, dtype=torch.float64, seed=112)
    what = "Linear(400, 600, dtype=float64)"
    check_parameter(info["weight"], f"{what}.weight", (600, 400), torch.float64)
    check_parameter(info["bias"], f"{what}.bias", (600,), torch.float64)
    check_uniform(info["weight_values"], 1 / 20, f"{what}.weight", bins=20)
    check_uniform(info["bias_values"], 1 / 20, f"{what}.bias", bins=3)


@points(1)
def test_linear_no_inputs(learner):
    "Linear(0, 3) builds as nn.Linear(0, 3): a (3, 0) weight, a zero bias, zeros out"
    info = learner.probe("linear_info", 0, 3, seed=115)
    check_linear(info, "Linear(0, 3)", 0, 3)
    # nn.Linear's bound is 0 when there is no input (no 1/sqrt(0)): its bias starts at zero.
    assert_close(info["bias_values"], torch.zeros(3), what="Linear(0, 3).bias")
    params = linear_params(0, 3, seed=116)
    x = torch.zeros(2, 0)
    seen = learner.probe("linear_forward", 0, 3, params, x)
    check_forward(seen, params, "Linear(0, 3)(x of shape (2, 0))", F.linear(x, **params))


@points(1)
def test_linear_keeps_its_sizes(learner):
    "Linear keeps in_features and out_features as attributes, as nn.Linear does"
    info = learner.probe("linear_info", 6, 2, seed=118)
    for name, value in (("in_features", 6), ("out_features", 2)):
        if info[name] != value:
            fail(
                f"Linear(6, 2).{name} is {info[name]!r}, expected {value}: keep the sizes as "
                f"attributes in __init__ (self.{name} = {name}), as nn.Linear does."
            )


@points(1)
def test_linear_init_one_input(learner):
    "Linear(1, 2000) starts from U(-1, 1): 1/sqrt(in) is 1 for one input"
    info = learner.probe("linear_info", 1, 2000, seed=117)
    check_parameter(info["weight"], "Linear(1, 2000).weight", (2000, 1))
    check_uniform(info["weight_values"], 1.0, "Linear(1, 2000).weight", bins=10)
    check_uniform(info["bias_values"], 1.0, "Linear(1, 2000).bias", bins=4)


@points(1)
def test_linear_init_differs_between_layers(learner):
    "Two new Linear layers start from different random values"
    first = learner.probe("linear_info", 8, 8, seed=113)["weight_values"]
    # Other global seeds: a layer that seeds its own generator gives the same values twice.
    second = learner.probe("linear_info", 8, 8, seed=114)["weight_values"]
    if not isinstance(first, torch.Tensor) or not isinstance(second, torch.Tensor):
        fail("Linear(8, 8).weight is not a tensor.")
    if torch.equal(first, second):
        fail(
            "Two Linear(8, 8) layers built after different torch.manual_seed() calls have the "
            "same weight: the init must draw from PyTorch's random generator, without "
            "reseeding it (no torch.manual_seed inside Linear)."
        )


@points(1)
def test_linear_state_dict_roundtrip_no_bias(learner):
    "A bias-free Linear's state_dict goes to nn.Linear and back"
    x = make_tensor(4, 5, seed=115)
    seen = learner.probe("linear_state_dict", 5, 2, False, x, seed=116)
    reference = nn.Linear(5, 2, bias=False)
    try:
        reference.load_state_dict(seen["state_dict"])
    except RuntimeError as exc:
        fail(
            "Linear(5, 2, bias=False).state_dict() does not load into nn.Linear(5, 2, "
            f"bias=False): {str(exc).strip()}\nWith bias=False the only key is 'weight'."
        )
    with torch.no_grad():
        assert_close(
            seen["output"], reference(x), what="Linear(5, 2, bias=False)(x) against nn.Linear"
        )
    torch.manual_seed(117)
    source = nn.Linear(5, 2, bias=False)
    back = learner.probe("linear_load_state_dict", 5, 2, False, dict(source.state_dict()), x)
    if back["error"] is not None:
        fail(
            "Linear(5, 2, bias=False).load_state_dict(nn.Linear(5, 2, bias=False).state_dict()) "
            f"failed: {back['error'].strip()}"
        )
    with torch.no_grad():
        assert_close(
            back["output"], source(x), what="Linear(5, 2, bias=False)(x) after loading nn.Linear's"
        )


@points(1)
def test_linear_repr_no_bias(learner):
    "print(Linear(7, 1, bias=False)) shows the same text as nn.Linear's"
    seen = learner.probe("linear_repr", 7, 1, False)
    reference = nn.Linear(7, 1, bias=False)
    assert_equal(
        seen["extra_repr"], reference.extra_repr(), what="Linear(7, 1, bias=False).extra_repr()"
    )
    assert_equal(seen["repr"], repr(reference), what="repr(Linear(7, 1, bias=False))")


@points(1)
@devices("cuda", "standin")
def test_linear_to_no_bias(learner, device):
    "A bias-free Linear moves with .to() too"
    seen = learner.probe("linear_to", 4, 6, False, torch.float64, device)
    what = f"Linear(4, 6, bias=False).to(torch.float64).to('{device}')"
    check_linear(seen, what, 4, 6, bias=False, dtype=torch.float64, device=device)


# ---------------------------------------------------------------- MLP


@points(2)
def test_mlp_deep_leaky(learner):
    "A deeper MLP with nn.LeakyReLU(0.3) equals the reference forward"
    sizes = [3, 16, 16, 16, 2]
    params = mlp_params(sizes, seed=120)
    x = make_tensor(7, 3, seed=121)
    seen = learner.probe("mlp_forward", sizes, "LeakyReLU", params, x)
    check_mlp_forward(seen, sizes, params, x, "LeakyReLU")


@points(1)
def test_mlp_single_layer(learner):
    "MLP([5, 2]) is a single Linear with no activation at all"
    sizes = [5, 2]
    params = mlp_params(sizes, seed=122)
    x = make_tensor(3, 5, seed=123)
    seen = learner.probe("mlp_forward", sizes, "Sigmoid", params, x)
    check_mlp_forward(seen, sizes, params, x, "Sigmoid")


@points(1)
def test_mlp_leading_dims(learner):
    "MLP's forward accepts extra leading dimensions"
    sizes = [4, 6, 3]
    params = mlp_params(sizes, seed=124)
    x = make_tensor(2, 3, 4, seed=125)
    seen = learner.probe("mlp_forward", sizes, "ReLU", params, x)
    check_mlp_forward(seen, sizes, params, x, "ReLU")


@points(2)
def test_mlp_registration_deep(learner):
    "Every parameter of a five-layer MLP is registered"
    sizes = [2, 3, 4, 5, 6, 1]
    info = learner.probe("mlp_structure", sizes, "Tanh")
    what = f"MLP({sizes})"
    if not info["is_module"]:
        fail(f"{what} is not an nn.Module: MLP must subclass torch.nn.Module.")
    layers = info["layers"]
    if len(layers) != len(sizes) - 1:
        fail(f"{what} holds {len(layers)} of your Linear layers, expected {len(sizes) - 1}.")
    found = sum(len(layer["parameters"]) for layer in layers)
    if len(info["registered"]) < found or len(info["state_dict_keys"]) != found:
        fail(
            f"{what}: parameters() sees {len(info['registered'])} and state_dict() "
            f"{len(info['state_dict_keys'])} of the {found} parameters of its layers. Keep the "
            "layers in an nn.ModuleList or nn.Sequential: a plain Python list hides them from "
            "nn.Module (and so from optimizers and .to())."
        )
    shapes = sorted(p["shape"] for p in info["registered"])
    expected = sorted(
        shape for n_in, n_out in pairwise(sizes) for shape in [(n_out, n_in), (n_out,)]
    )
    assert_equal(shapes, expected, what=f"{what}: the shapes of its registered parameters")


@points(1)
@devices("cuda", "standin")
def test_mlp_to_deep(learner, device):
    "mlp.to() moves every layer of a deeper MLP"
    sizes = [3, 5, 5, 5, 2]
    seen = learner.probe("mlp_to", sizes, torch.float64, device)
    what = f"MLP({sizes}).to(torch.float64).to('{device}')"
    if len(seen["layers"]) != len(sizes) - 1:
        fail(
            f"{what}: found {len(seen['layers'])} of your Linear layers, expected {len(sizes) - 1}."
        )
    check_moved(seen["layers"], sizes, what, device)


# ---------------------------------------------------------------- count_parameters


@points(2)
def test_count_parameters_buffers_and_tied(learner):
    "count_parameters() ignores buffers and counts a shared weight once"
    assert_equal(
        learner.probe("count", "conv_bn"),
        expected_count("conv_bn"),
        what="count_parameters(Conv2d + BatchNorm2d + Linear) (BatchNorm's running statistics "
        "are buffers, not parameters)",
    )
    assert_equal(
        learner.probe("count", "tied"),
        expected_count("tied"),
        what="count_parameters(an Embedding and a Linear sharing one weight) (parameters() "
        "yields a shared parameter once)",
    )


@points(1)
def test_count_parameters_edges(learner):
    "count_parameters() of a model without parameters, and of a fully frozen one"
    assert_equal(
        learner.probe("count", "no_parameters"),
        0,
        what="count_parameters(nn.Sequential(nn.ReLU(), nn.Dropout()))",
    )
    frozen = [n for n, _ in P.build_model("deep").named_parameters()]
    assert_equal(
        learner.probe("count", "deep", frozen),
        0,
        what="count_parameters(a model with every parameter frozen)",
    )
    assert_equal(
        learner.probe("count", "deep", frozen, trainable_only=False),
        expected_count("deep", frozen, trainable_only=False),
        what="count_parameters(a model with every parameter frozen, trainable_only=False)",
    )


@points(1)
def test_count_parameters_partly_frozen(learner):
    "count_parameters() with only some biases frozen"
    frozen = ("0.bias", "4.bias")
    for trainable_only in (True, False):
        assert_equal(
            learner.probe("count", "deep", frozen, trainable_only=trainable_only),
            expected_count("deep", frozen, trainable_only),
            what=f"count_parameters(a 3-layer model with two biases frozen, "
            f"trainable_only={trainable_only})",
        )
