"""Public checks for 05 modules: learners run these with `grader check 05`."""

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
    make_tensor,
    points,
    probes_of,
    public,
    references,
)

pytestmark = public
P = probes_of(__file__)
R = references(__file__)  # hand-written references: judge-only (see reference.py)

PARAMETER_HINT = (
    "Create it in __init__ as an nn.Parameter assigned to an attribute, e.g. "
    "self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, "
    "dtype=dtype))."
)


# ---------------------------------------------------------------- judge-side helpers


def linear_params(n_in, n_out, seed, bias=True, dtype=torch.float32, device="cpu") -> dict:
    """Known weights for a Linear, sent to the learner's layer."""
    params = {
        "weight": make_tensor(n_out, n_in, seed=seed, dtype=dtype, device=device, low=-1, high=1)
    }
    if bias:
        params["bias"] = make_tensor(
            n_out, seed=seed + 1, dtype=dtype, device=device, low=-1, high=1
        )
    return params


def check_parameter(desc: dict, what: str, shape, dtype=torch.float32, device="cpu") -> None:
    """One described attribute (see probes._describe_param) against what nn.Linear has."""
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
    """A described Linear (probes.linear_info) against nn.Linear(n_in, n_out, bias)."""
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
    """Explain why the probe could not give a layer the judge's weights (see
    probes._set_parameters): `params` is one layer's dict, or a list of them for an MLP."""
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
    """The answer of probes.linear_forward against F.linear computed here."""
    check_misfits(seen["misfits"], what, params)
    if seen.get("x_changed"):
        fail(
            f"{what}: your forward changed its input x in place. A layer must leave x as it "
            "was (the caller may use it again): compute a new tensor instead of writing into x."
        )
    assert_close(seen["output"], expected, what=what, **tol)


def check_uniform(values, bound: float, what: str, bins: int) -> None:
    """Values drawn from U(-bound, bound)? Bounds, then mean, variance and a histogram, each
    with a tolerance of ten standard errors, so a correct init never fails by chance."""
    if not isinstance(values, torch.Tensor):
        fail(f"{what} is not a tensor (got {values!r}).")
    v = values.detach().to("cpu", torch.float64).flatten()
    n = v.numel()
    rule = f"nn.Linear draws it from U(-1/sqrt(in_features), 1/sqrt(in_features)) = U(-{bound:.4g}, {bound:.4g})"
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
    mean_tol = 10 * math.sqrt(expected_var / n)
    var_tol = 10 * math.sqrt(4 / 45) * bound**2 / math.sqrt(n)  # sd of a sample variance of U
    if abs(mean) > mean_tol:
        fail(f"{what}: the mean of {n} values is {mean:.4g}, but should be about 0. {rule}.")
    if abs(var - expected_var) > var_tol:
        fail(
            f"{what}: the variance of {n} values is {var:.4g}, but U(-{bound:.4g}, {bound:.4g}) "
            f"has variance bound²/3 = {expected_var:.4g}. {rule}."
        )
    counts = torch.histc(v, bins=bins, min=-bound, max=bound)
    expected_count = n / bins
    count_tol = 10 * math.sqrt(n * (1 / bins) * (1 - 1 / bins))
    if (counts - expected_count).abs().max() > count_tol:
        fail(
            f"{what}: the values are not spread evenly over [-{bound:.4g}, {bound:.4g}]: "
            f"the {bins} equal bins hold {counts.int().tolist()} values (about "
            f"{expected_count:.0f} each for a uniform distribution). {rule}."
        )


def mlp_params(sizes, seed: int, dtype=torch.float32) -> list[dict]:
    return [
        linear_params(n_in, n_out, seed + 10 * i, dtype=dtype)
        for i, (n_in, n_out) in enumerate(pairwise(sizes))
    ]


def check_mlp_forward(seen: dict, sizes, params, x, activation: str) -> None:
    """The answer of probes.mlp_forward against the reference computed here; recognises an
    activation after the last layer, and a missing one between layers."""
    what = f"MLP({list(sizes)}, activation=nn.{activation})(x)"
    layers = len(sizes) - 1
    if seen["layer_count"] != layers:
        fail(
            f"{what}: found {seen['layer_count']} of your Linear layers in the MLP, expected "
            f"{layers} (one per consecutive pair of sizes)."
        )
    check_misfits(seen["misfits"], what, params)
    # Every reference value is asked for whatever the learner returned: a kit holds the values
    # its references gave for the solution's run only.
    got, expected = seen["output"], R.mlp_output(x, params, activation)
    after_last = R.mlp_output(x, params, activation, after_last=True)
    no_activation = R.mlp_output(x, params, None)
    comparable = isinstance(got, torch.Tensor) and (got.shape, got.dtype, got.device) == (
        expected.shape,
        expected.dtype,
        expected.device,
    )  # else assert_close below says what differs (allclose would raise)
    if comparable:
        if torch.allclose(got, after_last, atol=1e-5) and not torch.allclose(
            expected, after_last, atol=1e-5
        ):
            fail(
                f"{what}: the output went through the activation after the last layer too. "
                "The activation goes between layers only: the last Linear's output is returned "
                "as it is (a loss function expects unbounded scores)."
            )
        if layers > 1 and torch.allclose(got, no_activation, atol=1e-5):
            fail(
                f"{what}: the output is the layers applied one after the other with no "
                "activation between them. Put activation() between consecutive layers."
            )
    assert_close(got, expected, what=what, atol=1e-5, rtol=1e-5)  # several matmuls in a row


def check_registration(info: dict, sizes) -> None:
    what = f"MLP({list(sizes)})"
    if not info["is_module"]:
        fail(f"{what} is not an nn.Module: MLP must subclass torch.nn.Module.")
    layers = info["layers"]
    if not layers:
        fail(f"{what} holds none of your Linear layers: build one Linear per pair of sizes.")
    found = sum(len(layer["parameters"]) for layer in layers)
    registered = len(info["registered"])
    if registered < found:
        fail(
            f"{what}: parameters() sees {registered} of the {found} parameters of its "
            f"{len(layers)} Linear layers. Layers kept in a plain Python list (or tuple, or "
            "dict) are invisible to nn.Module: parameters() (so an optimizer), state_dict() "
            "and .to() never see them, and they are never trained or moved. Keep the layers "
            "in an nn.ModuleList or nn.Sequential instead: "
            "self.layers = nn.ModuleList([...])."
        )
    if len(info["state_dict_keys"]) != found:
        fail(
            f"{what}: state_dict() has {len(info['state_dict_keys'])} entries "
            f"({info['state_dict_keys']}), expected {found}, one per parameter of its layers."
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


@points(2)
def test_linear_parameters(learner):
    "Linear has a weight (out, in) and a bias (out,), registered as nn.Parameters"
    info = learner.probe("linear_info", 3, 4)
    check_linear(info, "Linear(3, 4)", 3, 4)


@points(1)
def test_linear_no_bias(learner):
    "Linear(..., bias=False) has no bias parameter and layer.bias is None"
    info = learner.probe("linear_info", 5, 2, bias=False)
    check_linear(info, "Linear(5, 2, bias=False)", 5, 2, bias=False)


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_device_dtype(learner, device):
    "Linear(..., device=, dtype=) creates its parameters there"
    info = learner.probe("linear_info", 3, 2, device=device, dtype=torch.float64)
    what = f"Linear(3, 2, device='{device}', dtype=torch.float64)"
    check_linear(info, what, 3, 2, dtype=torch.float64, device=device)


@points(2)
@devices("cpu", "cuda", "standin")
def test_linear_forward(learner, device):
    "Linear's forward equals F.linear (x @ weight.T + bias)"
    params = linear_params(3, 4, seed=1, device=device)
    x = make_tensor(5, 3, seed=3, device=device)
    seen = learner.probe("linear_forward", 3, 4, params, x, device=device)
    check_forward(seen, params, "Linear(3, 4)(x of shape (5, 3))", F.linear(x, **params))


@points(2)
def test_linear_leading_dims(learner):
    "Linear's forward accepts any leading dimensions, also none"
    params = linear_params(4, 2, seed=4)
    for shape in [(2, 3, 4), (4,)]:
        x = make_tensor(*shape, seed=6)
        seen = learner.probe("linear_forward", 4, 2, params, x)
        check_forward(seen, params, f"Linear(4, 2)(x of shape {shape})", F.linear(x, **params))


@points(2)
def test_linear_backward(learner):
    "Gradients reach Linear's weight, bias and input, as for nn.Linear"
    params = linear_params(3, 2, seed=7)
    x = make_tensor(4, 3, seed=9)
    upstream = make_tensor(4, 2, seed=10)
    seen = learner.probe("linear_backward", 3, 2, params, x, upstream)
    what = "Linear(3, 2): after (layer(x) * g).sum().backward(),"
    check_misfits(seen["misfits"], "Linear(3, 2)", params)
    if not seen["requires_grad"]:
        fail(
            "Linear(3, 2)(x): the output does not require grad, so no gradient can reach the "
            "weight. Compute with the parameters themselves, not .data or .detach(), and not "
            "under torch.no_grad()."
        )
    ref = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    xr = x.clone().requires_grad_(True)
    (F.linear(xr, ref["weight"], ref["bias"]) * upstream).sum().backward()
    for name, expected in [
        ("weight", ref["weight"].grad),
        ("bias", ref["bias"].grad),
        ("x", xr.grad),
    ]:
        got = seen[f"{name}_grad"]
        if got is None:
            fail(f"{what} {name}.grad is None: no gradient reached it.")
        assert_close(got, expected, what=f"{what} {name}.grad")


@points(1)
def test_linear_state_dict_into_nn_linear(learner):
    "Linear's state_dict() loads into an nn.Linear, which then computes the same output"
    x = make_tensor(3, 4, seed=11)
    seen = learner.probe("linear_state_dict", 4, 3, True, x)
    reference = nn.Linear(4, 3)
    state = seen["state_dict"]
    try:
        reference.load_state_dict(state)
    except RuntimeError as exc:
        fail(
            "Linear(4, 3).state_dict() does not load into nn.Linear(4, 3): "
            f"{str(exc).strip()}\nThe keys must be 'weight' and 'bias', with the shapes "
            "nn.Linear uses: weight (out_features, in_features), bias (out_features,)."
        )
    with torch.no_grad():
        expected = reference(x)
    assert_close(
        seen["output"], expected, what="Linear(4, 3)(x) against nn.Linear(4, 3) with its state_dict"
    )


@points(1)
def test_linear_load_nn_linear_state_dict(learner):
    "An nn.Linear's state_dict loads into Linear, which then computes the same output"
    torch.manual_seed(12)
    reference = nn.Linear(4, 3)
    x = make_tensor(2, 4, seed=13)
    seen = learner.probe("linear_load_state_dict", 4, 3, True, dict(reference.state_dict()), x)
    if seen["error"] is not None:
        fail(
            "Linear(4, 3).load_state_dict(nn.Linear(4, 3).state_dict()) failed: "
            f"{seen['error'].strip()}\nName the parameters 'weight' and 'bias', with the shapes "
            "nn.Linear uses: weight (out_features, in_features), bias (out_features,)."
        )
    with torch.no_grad():
        expected = reference(x)
    assert_close(
        seen["output"], expected, what="Linear(4, 3)(x) after loading nn.Linear's state_dict"
    )


@points(2)
def test_linear_init_weight(learner):
    "Linear's weight starts from U(-1/sqrt(in), 1/sqrt(in)), as nn.Linear's"
    info = learner.probe("linear_info", 100, 2000, seed=14)
    check_parameter(info["weight"], "Linear(100, 2000).weight", (2000, 100))
    check_uniform(info["weight_values"], 1 / math.sqrt(100), "Linear(100, 2000).weight", bins=10)


@points(1)
def test_linear_init_bias(learner):
    "Linear's bias starts from U(-1/sqrt(in), 1/sqrt(in)) too, not zeros"
    info = learner.probe("linear_info", 100, 2000, seed=15)
    check_parameter(info["bias"], "Linear(100, 2000).bias", (2000,))
    check_uniform(info["bias_values"], 1 / math.sqrt(100), "Linear(100, 2000).bias", bins=4)


@points(1)
def test_linear_repr(learner):
    "print(Linear(3, 4)) shows the same text as nn.Linear's"
    seen = learner.probe("linear_repr", 3, 4)
    reference = nn.Linear(3, 4)
    assert_equal(seen["extra_repr"], reference.extra_repr(), what="Linear(3, 4).extra_repr()")
    assert_equal(seen["repr"], repr(reference), what="repr(Linear(3, 4))")


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_to(learner, device):
    "layer.to(dtype) and layer.to(device) move every parameter"
    seen = learner.probe("linear_to", 3, 2, True, torch.float64, device)
    what = f"Linear(3, 2).to(torch.float64).to('{device}')"
    if not seen["returned_self"]:
        fail(f"{what} did not return the layer itself: do not override .to().")
    check_linear(seen, what, 3, 2, dtype=torch.float64, device=device)


# ---------------------------------------------------------------- MLP


@points(2)
def test_mlp_structure(learner):
    "MLP([4, 8, 8, 3]) holds three of your Linear layers of the right sizes"
    sizes = [4, 8, 8, 3]
    info = learner.probe("mlp_structure", sizes)
    what = f"MLP({sizes})"
    if not info["is_module"]:
        fail(f"{what} is not an nn.Module: MLP must subclass torch.nn.Module.")
    layers = info["layers"]
    if len(layers) != len(sizes) - 1:
        fail(
            f"{what} holds {len(layers)} of your Linear layers, expected {len(sizes) - 1}: one "
            "per consecutive pair of sizes, Linear(4, 8), Linear(8, 8), Linear(8, 3)."
        )
    for i, (layer, (n_in, n_out)) in enumerate(zip(layers, pairwise(sizes), strict=True)):
        check_linear(layer, f"{what}: layer {i}", n_in, n_out)


@points(2)
def test_mlp_registration(learner):
    "Every parameter of MLP's layers is registered: parameters() and state_dict() see it"
    sizes = [4, 8, 8, 3]
    check_registration(learner.probe("mlp_structure", sizes), sizes)


@points(2)
def test_mlp_forward(learner):
    "MLP's forward: Linear, ReLU, Linear, ReLU, Linear (no activation at the end)"
    sizes = [4, 8, 8, 3]
    params = mlp_params(sizes, seed=20)
    x = make_tensor(6, 4, seed=21)
    seen = learner.probe("mlp_forward", sizes, None, params, x)  # activation left out: ReLU
    check_mlp_forward(seen, sizes, params, x, "ReLU")


@points(1)
def test_mlp_activation(learner):
    "MLP uses the activation class it is given (nn.Tanh)"
    sizes = [3, 5, 2]
    params = mlp_params(sizes, seed=22)
    x = make_tensor(4, 3, seed=23)
    seen = learner.probe("mlp_forward", sizes, "Tanh", params, x)
    check_mlp_forward(seen, sizes, params, x, "Tanh")


@points(1)
@devices("cpu", "cuda", "standin")
def test_mlp_to(learner, device):
    "mlp.to(dtype) and mlp.to(device) move every layer's parameters"
    sizes = [3, 4, 2]
    seen = learner.probe("mlp_to", sizes, torch.float64, device)
    what = f"MLP({sizes}).to(torch.float64).to('{device}')"
    if len(seen["layers"]) != len(sizes) - 1:
        fail(
            f"{what}: found {len(seen['layers'])} of your Linear layers, expected {len(sizes) - 1}."
        )
    check_moved(seen["layers"], sizes, what, device)


# ---------------------------------------------------------------- count_parameters


@points(1)
def test_count_parameters(learner):
    "count_parameters() counts every value of every parameter"
    got = learner.probe("count", "mlp")
    assert_equal(
        got,
        R.parameter_count("mlp"),
        what="count_parameters(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)))",
    )


@points(2)
def test_count_parameters_frozen(learner):
    "count_parameters() skips frozen parameters unless trainable_only=False"
    frozen = ("0.weight", "0.bias")
    model = "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)) with layer 0 frozen"
    assert_equal(
        learner.probe("count", "mlp", frozen),
        R.parameter_count("mlp", frozen),
        what=f"count_parameters({model}) (frozen parameters have requires_grad=False)",
    )
    assert_equal(
        learner.probe("count", "mlp", frozen, trainable_only=False),
        R.parameter_count("mlp", frozen, trainable_only=False),
        what=f"count_parameters({model}, trainable_only=False)",
    )
