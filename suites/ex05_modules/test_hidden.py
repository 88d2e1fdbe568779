"""Hidden checks for 05 modules: other sizes, seeds and edge cases, run only at grading time."""

import math
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
    probes_of,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)
P = probes_of(__file__)

PARAMETER_HINT = (
    "Create it in __init__ as an nn.Parameter assigned to an attribute, e.g. "
    "self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, "
    "dtype=dtype))."
)


# ---------------------------------------------------------------- judge-side helpers
# (the same as in test_public.py: the hidden suite must run without it)


def linear_params(n_in, n_out, seed, bias=True, dtype=torch.float32, device="cpu") -> dict:
    params = {
        "weight": make_tensor(n_out, n_in, seed=seed, dtype=dtype, device=device, low=-1, high=1)
    }
    if bias:
        params["bias"] = make_tensor(
            n_out, seed=seed + 1, dtype=dtype, device=device, low=-1, high=1
        )
    return params


def check_parameter(desc: dict, what: str, shape, dtype=torch.float32, device="cpu") -> None:
    kind = desc["kind"]
    if kind == "missing":
        fail(f"{what} does not exist. {PARAMETER_HINT}")
    if kind == "None":
        fail(f"{what} is None, but a bias was asked for (bias=True). {PARAMETER_HINT}")
    if kind == "Tensor":
        fail(
            f"{what} is a plain tensor, not an nn.Parameter, so nn.Module does not register it: "
            "parameters() (and so an optimizer), state_dict() and .to() never see it. Wrap it: "
            "nn.Parameter(torch.empty(...))."
        )
    if kind != "Parameter":
        fail(f"{what} should be an nn.Parameter, but it is a {kind}. {PARAMETER_HINT}")
    if desc["shape"] != tuple(shape):
        hint = ""
        if len(shape) == 2 and desc["shape"] == tuple(reversed(shape)):
            hint = (
                " It is transposed: nn.Linear stores weight as (out_features, in_features), "
                "one row per output, and computes x @ weight.T + bias."
            )
        fail(f"{what}: wrong shape: expected {tuple(shape)}, got {desc['shape']}.{hint}")
    if desc["dtype"] != dtype:
        fail(
            f"{what}: wrong dtype: expected {dtype}, got {desc['dtype']}. Create the parameters "
            "with dtype=dtype (None means the default dtype, float32)."
        )
    if torch.device(desc["device"]).type != torch.device(device).type:
        fail(
            f"{what}: wrong device: expected {device}, got {desc['device']}. Create the "
            "parameters with device=device, e.g. torch.empty(..., device=device, dtype=dtype)."
        )
    if not desc["requires_grad"]:
        fail(f"{what} has requires_grad=False: a parameter must be trainable (the default).")


def check_linear(info: dict, what: str, n_in, n_out, bias=True, dtype=torch.float32, device="cpu"):
    if not info["is_module"]:
        fail(f"{what} is a {info['type']}, not an nn.Module: Linear must subclass torch.nn.Module.")
    if info["subclasses_nn_linear"]:
        fail(
            f"{what} is an nn.Linear: your Linear subclasses torch.nn.Linear, which this exercise "
            "forbids. Subclass nn.Module and create the parameters and forward yourself."
        )
    check_parameter(info["weight"], f"{what}.weight", (n_out, n_in), dtype, device)
    if bias:
        check_parameter(info["bias"], f"{what}.bias", (n_out,), dtype, device)
    elif info["bias"]["kind"] != "None":
        fail(
            f"{what}.bias should be None when bias=False (as in nn.Linear), but it is "
            f"{'missing' if info['bias']['kind'] == 'missing' else 'a ' + info['bias']['kind']}. "
            'Use self.register_parameter("bias", None).'
        )
    names = sorted(p["name"] for p in info["parameters"])
    expected = ["bias", "weight"] if bias else ["weight"]
    if names != expected:
        fail(
            f"{what}: its registered parameters are {names}, expected exactly {expected} "
            "(the names nn.Linear uses, so that state_dicts are interchangeable)."
        )


def check_misfits(misfits: list[dict], what: str, params) -> None:
    for misfit in misfits:
        layer = params[misfit["layer"]] if "layer" in misfit else params
        where = f"layer {misfit['layer']}'s " if "layer" in misfit else "layer."
        reference = layer[misfit["name"]]
        check_parameter(
            misfit,
            f"{what}: {where}{misfit['name']}",
            reference.shape,
            reference.dtype,
            reference.device,
        )
    if misfits:
        fail(f"{what}: the layer's parameters do not fit the test weights: {misfits}")


def check_forward(seen: dict, params: dict, what: str, expected: torch.Tensor, **tol) -> None:
    check_misfits(seen["misfits"], what, params)
    assert_close(seen["output"], expected, what=what, **tol)


def check_uniform(values, bound: float, what: str, bins: int) -> None:
    """Bounds, mean, variance and a histogram, each within ten standard errors."""
    if not isinstance(values, torch.Tensor):
        fail(f"{what} is not a tensor (got {values!r}).")
    v = values.detach().to("cpu", torch.float64).flatten()
    n = v.numel()
    rule = (
        "nn.Linear draws it from U(-1/sqrt(in_features), 1/sqrt(in_features)) = "
        f"U(-{bound:.4g}, {bound:.4g})"
    )
    if not torch.isfinite(v).all():
        fail(f"{what}: holds NaN or infinite values. {rule}.")
    if float(v.max() - v.min()) == 0.0:
        fail(
            f"{what}: all {n} values are {float(v[0]):g}: it is not initialised at random. "
            f"{rule}: e.g. tensor.uniform_(-bound, bound) inside torch.no_grad()."
        )
    largest = float(v.abs().max())
    if largest > bound * (1 + 1e-6):
        outside = int((v.abs() > bound * (1 + 1e-6)).sum())
        fail(
            f"{what}: {outside} of {n} values lie outside ±{bound:.4g} (the largest |value| is "
            f"{largest:.4g}). {rule}. torch.randn draws from a normal distribution, which has "
            "no bounds; the bound uses in_features, not out_features."
        )
    mean, var = float(v.mean()), float(v.var())
    expected_var = bound**2 / 3
    if abs(mean) > 10 * math.sqrt(expected_var / n):
        fail(f"{what}: the mean of {n} values is {mean:.4g}, but should be about 0. {rule}.")
    if abs(var - expected_var) > 10 * math.sqrt(4 / 45) * bound**2 / math.sqrt(n):
        fail(
            f"{what}: the variance of {n} values is {var:.4g}, but U(-{bound:.4g}, {bound:.4g}) "
            f"has variance bound²/3 = {expected_var:.4g}. {rule}."
        )
    counts = torch.histc(v, bins=bins, min=-bound, max=bound)
    if (counts - n / bins).abs().max() > 10 * math.sqrt(n * (1 / bins) * (1 - 1 / bins)):
        fail(
            f"{what}: the values are not spread evenly over [-{bound:.4g}, {bound:.4g}]: "
            f"the {bins} equal bins hold {counts.int().tolist()} values (about {n / bins:.0f} "
            f"each for a uniform distribution). {rule}."
        )


def mlp_params(sizes, seed: int, dtype=torch.float32) -> list[dict]:
    return [
        linear_params(n_in, n_out, seed + 10 * i, dtype=dtype)
        for i, (n_in, n_out) in enumerate(pairwise(sizes))
    ]


def mlp_reference(x, params: list[dict], activation: str | None, after_last: bool = False):
    act = P.ACTIVATIONS[activation]() if activation else None
    for i, layer in enumerate(params):
        x = F.linear(x, layer["weight"], layer.get("bias"))
        if act is not None and (i < len(params) - 1 or after_last):
            x = act(x)
    return x


def check_mlp_forward(seen: dict, sizes, params, x, activation: str) -> None:
    what = f"MLP({list(sizes)}, activation=nn.{activation})(x)"
    layers = len(sizes) - 1
    if seen["layer_count"] != layers:
        fail(
            f"{what}: found {seen['layer_count']} of your Linear layers in the MLP, expected "
            f"{layers} (one per consecutive pair of sizes)."
        )
    check_misfits(seen["misfits"], what, params)
    got, expected = seen["output"], mlp_reference(x, params, activation)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        after_last = mlp_reference(x, params, activation, after_last=True)
        if torch.allclose(got, after_last, atol=1e-5) and not torch.allclose(
            expected, after_last, atol=1e-5
        ):
            fail(
                f"{what}: the output went through the activation after the last layer too. "
                "The activation goes between layers only: the last Linear's output is returned "
                "as it is (a loss function expects unbounded scores)."
            )
        if layers > 1 and torch.allclose(got, mlp_reference(x, params, None), atol=1e-5):
            fail(
                f"{what}: the output is the layers applied one after the other with no "
                "activation between them. Put activation() between consecutive layers."
            )
    assert_close(got, expected, what=what, atol=1e-5, rtol=1e-5)  # several matmuls in a row


def expected_count(model: str, frozen=(), trainable_only=True) -> int:
    return sum(
        p.numel()
        for p in P.build_model(model, frozen).parameters()
        if p.requires_grad or not trainable_only
    )


def check_moved(layers: list[dict], sizes, what: str, device: str) -> None:
    """Every Linear of an MLP after mlp.to(torch.float64).to(device) (probes.mlp_to)."""
    for i, (layer, (n_in, n_out)) in enumerate(zip(layers, pairwise(sizes), strict=True)):
        weight = layer["weight"]
        if weight["kind"] == "Parameter" and (
            weight["dtype"] != torch.float64
            or torch.device(weight["device"]).type != torch.device(device).type
        ):
            fail(
                f"{what}: layer {i} was not moved: its weight is still {weight['dtype']} on "
                f"{weight['device']}. .to() moves only registered sub-modules: keep the layers "
                "in an nn.ModuleList or nn.Sequential, not in a plain Python list."
            )
        check_linear(layer, f"{what}: layer {i}", n_in, n_out, dtype=torch.float64, device=device)


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
@devices("cpu", "cuda", "meta")
def test_linear_forward_no_bias(learner, device):
    "Linear(..., bias=False)'s forward equals F.linear without a bias"
    params = linear_params(5, 4, seed=104, bias=False, device=device)
    x = make_tensor(3, 5, seed=106, device=device)
    seen = learner.probe("linear_forward", 5, 4, params, x, bias=False, device=device)
    check_forward(seen, params, "Linear(5, 4, bias=False)(x)", F.linear(x, params["weight"]))


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
@devices("cuda", "meta")
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
@devices("cuda", "meta")
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
