"""Probes and forbidden calls for 05 modules.

Modules cannot cross to the judge, so every probe builds the learner's Linear or MLP from
a plain spec (sizes, flags, dtype, device), does one thing with it and returns plain data:
parameter names, shapes, dtypes and devices, state_dicts, outputs and gradients. The judge
sends every weight and input and computes every expected value with real PyTorch.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from grader.probe import probe

_LINEAR = ["torch.nn.functional.linear", "torch.nn.Linear", "torch.nn.LazyLinear"]

FORBIDDEN = {
    "Linear.*": _LINEAR,
    "MLP.*": _LINEAR,
}
_OWN_LINEAR = (
    "Build the layers from your own Linear class (in this file).",
    "请用你自己（本文件中）的 Linear 类搭建这些层。",
)
FORBIDDEN_HINTS = {  # (English, Chinese): the worker says it in the learner's language
    "torch.nn.functional.linear": (
        "Compute it yourself: x @ self.weight.T (+ self.bias).",
        "请自己计算：x @ self.weight.T（再加上 self.bias）。",
    ),
    "torch.nn.Linear": _OWN_LINEAR,
    "torch.nn.LazyLinear": _OWN_LINEAR,
}

# Activation classes an MLP is built with, by name (a class cannot cross to the worker).
# The judge builds the same ones to compute expected outputs.
ACTIVATIONS = {
    "ReLU": nn.ReLU,
    "Tanh": nn.Tanh,
    "Sigmoid": nn.Sigmoid,
    "LeakyReLU": functools.partial(nn.LeakyReLU, 0.3),
}


# Models made of torch's own layers, for count_parameters (which must work on any module).
class TiedEmbedding(nn.Module):
    """An embedding and an output layer sharing one weight (as language models often do)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 6)
        self.out = nn.Linear(6, 10)
        self.out.weight = self.embed.weight


MODELS = {
    "mlp": lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)),
    "deep": lambda: nn.Sequential(
        nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 7, bias=False), nn.Tanh(), nn.Linear(7, 2)
    ),
    "conv_bn": lambda: nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(16, 5)
    ),
    "tied": TiedEmbedding,
    "no_parameters": lambda: nn.Sequential(nn.ReLU(), nn.Dropout(0.1)),
}


def build_model(name: str, frozen: tuple[str, ...] | list[str] = ()) -> nn.Module:
    """A model from MODELS with the named parameters frozen (requires_grad=False)."""
    model = MODELS[name]()
    for param_name, param in model.named_parameters():
        if param_name in frozen:
            param.requires_grad_(False)
    return model


# ---------------------------------------------------------------- describing modules


def _describe_param(name: str, value) -> dict:
    if not isinstance(value, torch.Tensor):
        return {"name": name, "kind": type(value).__name__}
    return {
        "name": name,
        "kind": "Parameter" if isinstance(value, nn.Parameter) else "Tensor",
        "shape": tuple(value.shape),
        "dtype": value.dtype,
        "device": str(value.device),
        "requires_grad": bool(value.requires_grad),
    }


def _attribute(obj, name: str) -> dict:
    """What `obj.<name>` is: missing, None, or a described tensor."""
    if not hasattr(obj, name):
        return {"name": name, "kind": "missing"}
    value = getattr(obj, name)
    if value is None:
        return {"name": name, "kind": "None"}
    return _describe_param(name, value)


def _describe_linear(module, layer) -> dict:
    is_module = isinstance(layer, nn.Module)
    return {
        "type": type(layer).__name__,
        "is_module": is_module,
        "subclasses_nn_linear": isinstance(layer, nn.Linear),
        "parameters": [_describe_param(n, p) for n, p in layer.named_parameters()]
        if is_module
        else [],
        "weight": _attribute(layer, "weight"),
        "bias": _attribute(layer, "bias"),
        "in_features": getattr(layer, "in_features", None),
        "out_features": getattr(layer, "out_features", None),
    }


def _set_parameters(layer, params: dict) -> list[dict]:
    """Copy the judge's tensors into layer.weight / layer.bias (not via state_dict, so that
    forward checks do not depend on it). Returns the attributes that did not fit."""
    misfits = []
    for name, value in params.items():
        current = getattr(layer, name, None)
        if (
            not isinstance(current, torch.Tensor)
            or current.shape != value.shape
            or current.dtype != value.dtype
            or current.device.type != value.device.type
        ):
            misfits.append(_attribute(layer, name))
    if not misfits:
        with torch.no_grad():
            for name, value in params.items():
                getattr(layer, name).copy_(value)
    return misfits


def _new_linear(module, in_features, out_features, bias=True, device=None, dtype=None):
    # An argument at its documented default is left out of the call, so that the learner's
    # own default is what runs (Linear(3, 4) means bias=True, device=None, dtype=None).
    given = {"bias": bias, "device": device, "dtype": dtype}
    options = {k: v for k, v in given.items() if v is not LINEAR_DEFAULTS[k]}
    return module.Linear(in_features, out_features, **options)


LINEAR_DEFAULTS = {"bias": True, "device": None, "dtype": None}


# ---------------------------------------------------------------- Linear


@probe
def linear_info(module, in_features, out_features, bias=True, device=None, dtype=None, seed=0):
    """Build a Linear and describe it: its registered parameters and its weight/bias."""
    torch.manual_seed(seed)
    layer = _new_linear(module, in_features, out_features, bias, device, dtype)
    info = _describe_linear(module, layer)
    for name in ("weight", "bias"):
        value = getattr(layer, name, None)
        info[f"{name}_values"] = value.detach().clone() if isinstance(value, torch.Tensor) else None
    return info


@probe
def linear_repr(module, in_features, out_features, bias=True):
    """repr() and extra_repr() of a Linear."""
    layer = _new_linear(module, in_features, out_features, bias)
    return {"repr": repr(layer), "extra_repr": layer.extra_repr()}


@probe
def linear_forward(
    module, in_features, out_features, params, x, bias=True, device=None, dtype=None
):
    """Build a Linear, give it the judge's weight (and bias), and apply it to x."""
    layer = _new_linear(module, in_features, out_features, bias, device, dtype)
    misfits = _set_parameters(layer, params)
    if misfits:
        return {"misfits": misfits, "output": None}
    before = x.detach().clone()
    output = layer(x)
    # x itself, not a copy, went to the layer: an in-place change of it shows here.
    changed = x.shape != before.shape or not torch.equal(x.detach(), before)
    return {"misfits": [], "output": output, "x_changed": bool(changed)}


@probe
def linear_backward(module, in_features, out_features, params, x, upstream):
    """Forward then backward of (layer(x) * upstream).sum(): the gradients that reach the
    weight, the bias and the input."""
    layer = _new_linear(module, in_features, out_features, "bias" in params)
    misfits = _set_parameters(layer, params)
    if misfits:
        return {"misfits": misfits}
    x = x.clone().requires_grad_(True)
    out = layer(x)
    result = {"misfits": [], "output": out.detach(), "requires_grad": bool(out.requires_grad)}
    if out.requires_grad:
        (out * upstream).sum().backward()
    for name in params:
        grad = getattr(layer, name).grad
        result[f"{name}_grad"] = None if grad is None else grad.clone()
    result["x_grad"] = None if x.grad is None else x.grad.clone()
    return result


@probe
def linear_state_dict(module, in_features, out_features, bias, x, seed=0):
    """A Linear's state_dict, and its output for x (the judge loads the state_dict into an
    nn.Linear and compares outputs)."""
    torch.manual_seed(seed)
    layer = _new_linear(module, in_features, out_features, bias)
    with torch.no_grad():
        output = layer(x)
    return {"state_dict": dict(layer.state_dict()), "output": output}


@probe
def linear_load_state_dict(module, in_features, out_features, bias, state, x):
    """Load the judge's state_dict (an nn.Linear's) into a Linear, strictly, and apply it."""
    layer = _new_linear(module, in_features, out_features, bias)
    try:
        layer.load_state_dict(state)
    except RuntimeError as exc:  # nn.Module's own report of missing or misfit keys
        return {"error": str(exc)[:1500], "output": None}
    with torch.no_grad():
        output = layer(x)
    return {"error": None, "output": output}


@probe
def linear_to(module, in_features, out_features, bias, dtype, device):
    """Build a Linear with the defaults, then call .to(dtype) and .to(device) on it."""
    layer = _new_linear(module, in_features, out_features, bias)
    moved = layer.to(dtype).to(device)
    return {"returned_self": moved is layer, **_describe_linear(module, layer)}


# ---------------------------------------------------------------- MLP


def find_linears(module, root) -> list:
    """The learner's Linear layers inside `root`, in order, wherever they are kept: as
    registered sub-modules, or in plain attributes, lists, tuples and dicts (which
    nn.Module does not see, and which the checks must still find to explain that)."""
    found: list = []
    seen: set[int] = set()

    def walk(obj, depth: int) -> None:
        if id(obj) in seen or depth > 8:
            return
        seen.add(id(obj))
        if isinstance(obj, module.Linear) and obj is not root:
            found.append(obj)
            return
        if isinstance(obj, nn.Module):
            children = list(obj._modules.values())
            children += [v for k, v in vars(obj).items() if not k.startswith("_")]
        elif isinstance(obj, (list, tuple)):
            children = list(obj)
        elif isinstance(obj, dict):
            children = list(obj.values())
        else:
            return
        for child in children:
            walk(child, depth + 1)

    walk(root, 0)
    return found


def _new_mlp(module, sizes, activation=None):
    # None: the activation left out of the call, so that the learner's default (nn.ReLU) runs.
    if activation is None:
        return module.MLP(list(sizes))
    return module.MLP(list(sizes), activation=ACTIVATIONS[activation])


@probe
def mlp_structure(module, sizes, activation=None):
    """Build an MLP and describe it: the Linear layers it holds (wherever it keeps them) and
    what nn.Module sees of them (parameters(), state_dict())."""
    mlp = _new_mlp(module, sizes, activation)
    is_module = isinstance(mlp, nn.Module)
    layers = find_linears(module, mlp)
    return {
        "is_module": is_module,
        "layers": [_describe_linear(module, layer) for layer in layers],
        "registered": [_describe_param(n, p) for n, p in mlp.named_parameters()]
        if is_module
        else [],
        "state_dict_keys": list(mlp.state_dict()) if is_module else [],
        "torch_linears": sum(isinstance(m, nn.Linear) for m in mlp.modules()) if is_module else 0,
    }


@probe
def mlp_to(module, sizes, dtype, device):
    """Build an MLP, call .to(dtype) and .to(device), and describe every Linear it holds."""
    mlp = _new_mlp(module, sizes)
    mlp.to(dtype).to(device)
    return {"layers": [_describe_linear(module, layer) for layer in find_linears(module, mlp)]}


@probe
def mlp_forward(module, sizes, activation, params, x):
    """Build an MLP, give its Linear layers (in order) the judge's weights, apply it to x."""
    mlp = _new_mlp(module, sizes, activation)
    layers = find_linears(module, mlp)
    if len(layers) != len(params):
        return {"layer_count": len(layers), "misfits": [], "output": None}
    misfits = []
    for i, (layer, layer_params) in enumerate(zip(layers, params, strict=True)):
        misfits += [{"layer": i, **m} for m in _set_parameters(layer, layer_params)]
    if misfits:
        return {"layer_count": len(layers), "misfits": misfits, "output": None}
    with torch.no_grad():
        output = mlp(x)
    return {"layer_count": len(layers), "misfits": [], "output": output}


# ---------------------------------------------------------------- count_parameters


@probe
def count(module, model, frozen=(), **kwargs):
    """count_parameters on one of MODELS, with some parameters frozen."""
    return module.count_parameters(build_model(model, frozen), **kwargs)
