"""Public checks for 05 modules: learners run these with `grader check 05`."""

import math
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from grader.testing import (
    assert_close,
    assert_equal,
    catalog,
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

# Every sentence these checks write, in English and Chinese (the hidden suite adds its own).
# An English sentence that another one follows starts with a space; its Chinese does not.
T = catalog(
    {
        "parameter_hint": (
            "Create it in __init__ as an nn.Parameter assigned to an attribute, e.g. "
            "self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, "
            "dtype=dtype)).",
            "请在 __init__ 中把它创建为 nn.Parameter，并赋值给一个属性，例如 "
            "self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, "
            "dtype=dtype))。",
        ),
        "does_not_exist": ("{what} does not exist. {hint}", "{what} 不存在。{hint}"),
        "bias_is_none": (
            "{what} is None, but a bias was asked for (bias=True). {hint}",
            "{what} 是 None，但要求了 bias（bias=True）。{hint}",
        ),
        "plain_tensor": (
            "{what} is a plain tensor, not an nn.Parameter, so nn.Module does not register it: "
            "parameters() (and so an optimizer), state_dict() and .to() never see it. Wrap it: "
            "nn.Parameter(torch.empty(...)).",
            "{what} 是普通张量，而不是 nn.Parameter，所以 nn.Module 不会注册它：parameters()"
            "（因而优化器也一样）、state_dict() 和 .to() 都看不到它。请把它包装起来："
            "nn.Parameter(torch.empty(...))。",
        ),
        "not_a_parameter": (
            "{what} should be an nn.Parameter, but it is a {kind}. {hint}",
            "{what} 应该是 nn.Parameter，实际却是 {kind}。{hint}",
        ),
        "transposed": (
            " It is transposed: nn.Linear stores weight as (out_features, in_features), "
            "one row per output, and computes x @ weight.T + bias.",
            "它被转置了：nn.Linear 把 weight 存为 (out_features, in_features)，每个输出一行，"
            "并计算 x @ weight.T + bias。",
        ),
        "wrong_shape": (
            "{what}: wrong shape: expected {expected}, got {got}.{hint}",
            "{what}：形状错误：应为 {expected}，实际得到 {got}。{hint}",
        ),
        "wrong_dtype": (
            "{what}: wrong dtype: expected {expected}, got {got}. Create the parameters "
            "with dtype=dtype (None means the default dtype, float32).",
            "{what}：数据类型错误：应为 {expected}，实际得到 {got}。请用 dtype=dtype 创建参数"
            "（None 表示默认的数据类型 float32）。",
        ),
        "wrong_device": (
            "{what}: wrong device: expected {expected}, got {got}. Create the "
            "parameters with device=device, e.g. torch.empty(..., device=device, dtype=dtype).",
            "{what}：设备错误：应为 {expected}，实际得到 {got}。请用 device=device 创建参数，"
            "例如 torch.empty(..., device=device, dtype=dtype)。",
        ),
        "not_trainable": (
            "{what} has requires_grad=False: a parameter must be trainable (the default).",
            "{what} 的 requires_grad=False：参数必须是可训练的（这是默认值）。",
        ),
        "not_a_module": (
            "{what} is a {kind}, not an nn.Module: Linear must subclass torch.nn.Module.",
            "{what} 是 {kind}，而不是 nn.Module：Linear 必须继承 torch.nn.Module。",
        ),
        "subclasses_nn_linear": (
            "{what} is an nn.Linear: your Linear subclasses torch.nn.Linear, which this exercise "
            "forbids. Subclass nn.Module and create the parameters and forward yourself.",
            "{what} 是 nn.Linear：你的 Linear 继承了 torch.nn.Linear，而本练习禁止这样做。"
            "请继承 nn.Module，自己创建参数并编写 forward。",
        ),
        "bias_missing_not_none": (
            "{what}.bias should be None when bias=False (as in nn.Linear), but it is missing. "
            'Use self.register_parameter("bias", None).',
            "bias=False 时 {what}.bias 应为 None（与 nn.Linear 一致），但它不存在。"
            '请使用 self.register_parameter("bias", None)。',
        ),
        "bias_kind_not_none": (
            "{what}.bias should be None when bias=False (as in nn.Linear), but it is a {kind}. "
            'Use self.register_parameter("bias", None).',
            "bias=False 时 {what}.bias 应为 None（与 nn.Linear 一致），但它是 {kind}。"
            '请使用 self.register_parameter("bias", None)。',
        ),
        "registered_names": (
            "{what}: its registered parameters are {names}, expected exactly {expected} "
            "(the names nn.Linear uses, so that state_dicts are interchangeable).",
            "{what}：它注册的参数是 {names}，应当恰好是 {expected}（即 nn.Linear 使用的名字，"
            "这样 state_dict 才能互换）。",
        ),
        "misfit_layer_n": ("{what}: layer {layer}'s {name}", "{what}：第 {layer} 层的 {name}"),
        "misfit_layer": ("{what}: layer.{name}", "{what}：layer.{name}"),
        "misfits": (
            "{what}: the layer's parameters do not fit the test weights: {misfits}",
            "{what}：这一层的参数与测试用的权重不匹配：{misfits}",
        ),
        "x_changed": (
            "{what}: your forward changed its input x in place. A layer must leave x as it "
            "was (the caller may use it again): compute a new tensor instead of writing into x.",
            "{what}：你的 forward 就地修改了输入 x。层必须让 x 保持原样（调用者可能还要再用它）："
            "请计算一个新的张量，而不是写入 x。",
        ),
        "not_a_tensor": (
            "{what} is not a tensor (got {got}).",
            "{what} 不是张量（实际得到 {got}）。",
        ),
        "init_rule": (
            "nn.Linear draws it from U(-1/sqrt(in_features), 1/sqrt(in_features)) = "
            "U(-{bound:.4g}, {bound:.4g})",
            "nn.Linear 从 U(-1/sqrt(in_features), 1/sqrt(in_features)) = "
            "U(-{bound:.4g}, {bound:.4g}) 中抽取初始值",
        ),
        "init_not_finite": (
            "{what}: holds NaN or infinite values. {rule}.",
            "{what}：含有 NaN 或无穷大的值。{rule}。",
        ),
        "init_constant": (
            "{what}: all {n} values are {value:g}: it is not initialised at random. "
            "{rule}: e.g. tensor.uniform_(-bound, bound) inside torch.no_grad().",
            "{what}：全部 {n} 个值都是 {value:g}：它没有被随机初始化。"
            "{rule}：例如在 torch.no_grad() 中使用 tensor.uniform_(-bound, bound)。",
        ),
        "init_outside": (
            "{what}: {outside} of {n} values lie outside ±{bound:.4g} (the largest |value| is "
            "{largest:.4g}). {rule}. torch.randn draws from a normal distribution, which has "
            "no bounds; the bound uses in_features, not out_features.",
            "{what}：{n} 个值中有 {outside} 个落在 ±{bound:.4g} 之外（最大的 |值| 为 "
            "{largest:.4g}）。{rule}。torch.randn 从正态分布中抽样，而正态分布没有边界；"
            "边界用的是 in_features，而不是 out_features。",
        ),
        "init_mean": (
            "{what}: the mean of {n} values is {mean:.4g}, but should be about 0. {rule}.",
            "{what}：{n} 个值的平均值为 {mean:.4g}，但应该接近 0。{rule}。",
        ),
        "init_variance": (
            "{what}: the variance of {n} values is {var:.4g}, but U(-{bound:.4g}, {bound:.4g}) "
            "has variance bound²/3 = {expected_var:.4g}. {rule}.",
            "{what}：{n} 个值的方差为 {var:.4g}，但 U(-{bound:.4g}, {bound:.4g}) 的方差是 "
            "bound²/3 = {expected_var:.4g}。{rule}。",
        ),
        "init_uneven": (
            "{what}: the values are not spread evenly over [-{bound:.4g}, {bound:.4g}]: "
            "the {bins} equal bins hold {counts} values (about "
            "{expected_count:.0f} each for a uniform distribution). {rule}.",
            "{what}：这些值在 [-{bound:.4g}, {bound:.4g}] 上分布得不均匀：{bins} 个等宽区间中"
            "的值分别有 {counts} 个（均匀分布下每个区间约 {expected_count:.0f} 个）。{rule}。",
        ),
        "mlp_layer_count": (
            "{what}: found {found} of your Linear layers in the MLP, expected "
            "{expected} (one per consecutive pair of sizes).",
            "{what}：在 MLP 中找到 {found} 个你的 Linear 层，应为 {expected} 个（每对相邻的大小"
            "一个）。",
        ),
        "activation_after_last": (
            "{what}: the output went through the activation after the last layer too. "
            "The activation goes between layers only: the last Linear's output is returned "
            "as it is (a loss function expects unbounded scores).",
            "{what}：输出在最后一层之后也经过了激活函数。激活函数只放在层与层之间：最后一个 "
            "Linear 的输出要原样返回（损失函数期望的是无界的分数）。",
        ),
        "no_activation": (
            "{what}: the output is the layers applied one after the other with no "
            "activation between them. Put activation() between consecutive layers.",
            "{what}：输出是各层依次作用的结果，层与层之间没有激活函数。请在相邻的层之间放上 "
            "activation()。",
        ),
        "mlp_not_a_module": (
            "{what} is not an nn.Module: MLP must subclass torch.nn.Module.",
            "{what} 不是 nn.Module：MLP 必须继承 torch.nn.Module。",
        ),
        "mlp_no_layers": (
            "{what} holds none of your Linear layers: build one Linear per pair of sizes.",
            "{what} 中没有你的任何 Linear 层：请为每对大小创建一个 Linear。",
        ),
        "unregistered": (
            "{what}: parameters() sees {registered} of the {found} parameters of its "
            "{layers} Linear layers. Layers kept in a plain Python list (or tuple, or "
            "dict) are invisible to nn.Module: parameters() (so an optimizer), state_dict() "
            "and .to() never see them, and they are never trained or moved. Keep the layers "
            "in an nn.ModuleList or nn.Sequential instead: "
            "self.layers = nn.ModuleList([...]).",
            "{what}：它的 {layers} 个 Linear 层共有 {found} 个参数，parameters() 只看到其中 "
            "{registered} 个。放在普通 Python list（或 tuple、dict）中的层，对 nn.Module 是看不见"
            "的：parameters()（因而优化器也一样）、state_dict() 和 .to() 都看不到它们，它们既"
            "不会被训练，也不会被移动。请改为把这些层放在 nn.ModuleList 或 nn.Sequential 中："
            "self.layers = nn.ModuleList([...])。",
        ),
        "state_dict_entries": (
            "{what}: state_dict() has {count} entries "
            "({keys}), expected {found}, one per parameter of its layers.",
            "{what}：state_dict() 有 {count} 项（{keys}），应为 {found} 项，各层的每个参数一项。",
        ),
        "not_moved": (
            "{what}: layer {i} was not moved: its weight is still {dtype} on "
            "{device}. .to() moves only registered sub-modules: keep the layers "
            "in an nn.ModuleList or nn.Sequential, not in a plain Python list.",
            "{what}：第 {i} 层没有被移动：它的 weight 仍然是位于 {device} 上的 {dtype}。"
            ".to() 只移动已注册的子模块：请把这些层放在 nn.ModuleList 或 nn.Sequential 中，"
            "而不是普通的 Python list 中。",
        ),
        "layer_i": ("{what}: layer {i}", "{what}：第 {i} 层"),
        "x_of_shape": ("{layer}(x of shape {shape})", "{layer}(形状为 {shape} 的 x)"),
        "after_backward": (
            "{layer}: after (layer(x) * g).sum().backward(),",
            "{layer}：执行 (layer(x) * g).sum().backward() 之后，",
        ),
        "output_no_grad": (
            "Linear(3, 2)(x): the output does not require grad, so no gradient can reach the "
            "weight. Compute with the parameters themselves, not .data or .detach(), and not "
            "under torch.no_grad().",
            "Linear(3, 2)(x)：输出不需要梯度，所以没有梯度能到达 weight。请直接用参数本身计算，"
            "不要用 .data 或 .detach()，也不要在 torch.no_grad() 下计算。",
        ),
        "grad_none": (
            "{what} {name}.grad is None: no gradient reached it.",
            "{what}{name}.grad 为 None：没有梯度到达它。",
        ),
        "grad_of": ("{what} {name}.grad", "{what}{name}.grad"),
        "state_dict_into_nn": (
            "Linear(4, 3).state_dict() does not load into nn.Linear(4, 3): "
            "{error}\nThe keys must be 'weight' and 'bias', with the shapes "
            "nn.Linear uses: weight (out_features, in_features), bias (out_features,).",
            "Linear(4, 3).state_dict() 无法加载到 nn.Linear(4, 3) 中："
            "{error}\n键必须是 'weight' 和 'bias'，形状与 nn.Linear 的相同："
            "weight (out_features, in_features)，bias (out_features,)。",
        ),
        "against_nn_linear": (
            "Linear(4, 3)(x) against nn.Linear(4, 3) with its state_dict",
            "Linear(4, 3)(x) 与加载了它的 state_dict 的 nn.Linear(4, 3) 比较",
        ),
        "load_nn_state_dict": (
            "Linear(4, 3).load_state_dict(nn.Linear(4, 3).state_dict()) failed: "
            "{error}\nName the parameters 'weight' and 'bias', with the shapes "
            "nn.Linear uses: weight (out_features, in_features), bias (out_features,).",
            "Linear(4, 3).load_state_dict(nn.Linear(4, 3).state_dict()) 失败："
            "{error}\n请把参数命名为 'weight' 和 'bias'，形状与 nn.Linear 的相同："
            "weight (out_features, in_features)，bias (out_features,)。",
        ),
        "after_loading": (
            "Linear(4, 3)(x) after loading nn.Linear's state_dict",
            "加载 nn.Linear 的 state_dict 之后的 Linear(4, 3)(x)",
        ),
        "to_not_self": (
            "{what} did not return the layer itself: do not override .to().",
            "{what} 返回的不是这一层本身：不要重写 .to()。",
        ),
        "mlp_layers_expected_pairs": (
            "{what} holds {found} of your Linear layers, expected {expected}: one "
            "per consecutive pair of sizes, Linear(4, 8), Linear(8, 8), Linear(8, 3).",
            "{what} 中有 {found} 个你的 Linear 层，应为 {expected} 个：每对相邻的大小一个，即 "
            "Linear(4, 8)、Linear(8, 8)、Linear(8, 3)。",
        ),
        "found_layers": (
            "{what}: found {found} of your Linear layers, expected {expected}.",
            "{what}：找到 {found} 个你的 Linear 层，应为 {expected} 个。",
        ),
        "layer_0_frozen": (
            "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)) with layer 0 frozen",
            "第 0 层被冻结的 nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))",
        ),
        "count_frozen": (
            "count_parameters({model}) (frozen parameters have requires_grad=False)",
            "count_parameters({model})（被冻结的参数 requires_grad=False）",
        ),
    }
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
        fail(T.say("does_not_exist", what=what, hint=T.say("parameter_hint")))
    if kind == "None":
        fail(T.say("bias_is_none", what=what, hint=T.say("parameter_hint")))
    if kind == "Tensor":
        fail(T.say("plain_tensor", what=what))
    if kind != "Parameter":
        fail(T.say("not_a_parameter", what=what, kind=kind, hint=T.say("parameter_hint")))
    if desc["shape"] != tuple(shape):
        hint = ""
        if len(shape) == 2 and desc["shape"] == tuple(reversed(shape)):
            hint = T.say("transposed")
        fail(T.say("wrong_shape", what=what, expected=tuple(shape), got=desc["shape"], hint=hint))
    if desc["dtype"] != dtype:
        fail(T.say("wrong_dtype", what=what, expected=dtype, got=desc["dtype"]))
    if torch.device(desc["device"]).type != torch.device(device).type:
        fail(T.say("wrong_device", what=what, expected=device, got=desc["device"]))
    if not desc["requires_grad"]:
        fail(T.say("not_trainable", what=what))


def check_linear(info: dict, what: str, n_in, n_out, bias=True, dtype=torch.float32, device="cpu"):
    """A described Linear (probes.linear_info) against nn.Linear(n_in, n_out, bias)."""
    if not info["is_module"]:
        fail(T.say("not_a_module", what=what, kind=info["type"]))
    if info["subclasses_nn_linear"]:
        fail(T.say("subclasses_nn_linear", what=what))
    check_parameter(info["weight"], f"{what}.weight", (n_out, n_in), dtype, device)
    if bias:
        check_parameter(info["bias"], f"{what}.bias", (n_out,), dtype, device)
    elif info["bias"]["kind"] == "missing":
        fail(T.say("bias_missing_not_none", what=what))
    elif info["bias"]["kind"] != "None":
        fail(T.say("bias_kind_not_none", what=what, kind=info["bias"]["kind"]))
    names = sorted(p["name"] for p in info["parameters"])
    expected = ["bias", "weight"] if bias else ["weight"]
    if names != expected:
        fail(T.say("registered_names", what=what, names=names, expected=expected))


def check_misfits(misfits: list[dict], what: str, params) -> None:
    """Explain why the probe could not give a layer the judge's weights (see
    probes._set_parameters): `params` is one layer's dict, or a list of them for an MLP."""
    for misfit in misfits:
        layer = params[misfit["layer"]] if "layer" in misfit else params
        if "layer" in misfit:
            where = T.say("misfit_layer_n", what=what, layer=misfit["layer"], name=misfit["name"])
        else:
            where = T.say("misfit_layer", what=what, name=misfit["name"])
        reference = layer[misfit["name"]]
        check_parameter(
            misfit,
            where,
            reference.shape,
            reference.dtype,
            reference.device,
        )
    if misfits:
        fail(T.say("misfits", what=what, misfits=misfits))


def check_forward(seen: dict, params: dict, what: str, expected: torch.Tensor, **tol) -> None:
    """The answer of probes.linear_forward against F.linear computed here."""
    check_misfits(seen["misfits"], what, params)
    if seen.get("x_changed"):
        fail(T.say("x_changed", what=what))
    assert_close(seen["output"], expected, what=what, **tol)


def check_uniform(values, bound: float, what: str, bins: int) -> None:
    """Values drawn from U(-bound, bound)? Bounds, then mean, variance and a histogram, each
    with a tolerance of ten standard errors, so a correct init never fails by chance."""
    if not isinstance(values, torch.Tensor):
        fail(T.say("not_a_tensor", what=what, got=repr(values)))
    v = values.detach().to("cpu", torch.float64).flatten()
    n = v.numel()
    rule = T.say("init_rule", bound=bound)
    if not torch.isfinite(v).all():
        fail(T.say("init_not_finite", what=what, rule=rule))
    if float(v.max() - v.min()) == 0.0:
        fail(T.say("init_constant", what=what, n=n, value=float(v[0]), rule=rule))
    largest = float(v.abs().max())
    if largest > bound * (1 + 1e-6):
        outside = int((v.abs() > bound * (1 + 1e-6)).sum())
        fail(
            T.say(
                "init_outside",
                what=what,
                outside=outside,
                n=n,
                bound=bound,
                largest=largest,
                rule=rule,
            )
        )
    mean, var = float(v.mean()), float(v.var())
    expected_var = bound**2 / 3
    mean_tol = 10 * math.sqrt(expected_var / n)
    var_tol = 10 * math.sqrt(4 / 45) * bound**2 / math.sqrt(n)  # sd of a sample variance of U
    if abs(mean) > mean_tol:
        fail(T.say("init_mean", what=what, n=n, mean=mean, rule=rule))
    if abs(var - expected_var) > var_tol:
        spread = {"var": var, "bound": bound, "expected_var": expected_var}
        fail(T.say("init_variance", what=what, n=n, rule=rule, **spread))
    counts = torch.histc(v, bins=bins, min=-bound, max=bound)
    expected_count = n / bins
    count_tol = 10 * math.sqrt(n * (1 / bins) * (1 - 1 / bins))
    if (counts - expected_count).abs().max() > count_tol:
        counted = {"bins": bins, "counts": counts.int().tolist(), "expected_count": expected_count}
        fail(T.say("init_uneven", what=what, bound=bound, rule=rule, **counted))


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
        fail(T.say("mlp_layer_count", what=what, found=seen["layer_count"], expected=layers))
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
            fail(T.say("activation_after_last", what=what))
        if layers > 1 and torch.allclose(got, no_activation, atol=1e-5):
            fail(T.say("no_activation", what=what))
    assert_close(got, expected, what=what, atol=1e-5, rtol=1e-5)  # several matmuls in a row


def check_registration(info: dict, sizes) -> None:
    what = f"MLP({list(sizes)})"
    if not info["is_module"]:
        fail(T.say("mlp_not_a_module", what=what))
    layers = info["layers"]
    if not layers:
        fail(T.say("mlp_no_layers", what=what))
    found = sum(len(layer["parameters"]) for layer in layers)
    registered = len(info["registered"])
    if registered < found:
        counts = {"registered": registered, "found": found, "layers": len(layers)}
        fail(T.say("unregistered", what=what, **counts))
    if len(info["state_dict_keys"]) != found:
        keys = info["state_dict_keys"]
        fail(T.say("state_dict_entries", what=what, count=len(keys), keys=keys, found=found))


def check_moved(layers: list[dict], sizes, what: str, device: str) -> None:
    """Every Linear of an MLP after mlp.to(torch.float64).to(device) (probes.mlp_to)."""
    for i, (layer, (n_in, n_out)) in enumerate(zip(layers, pairwise(sizes), strict=True)):
        weight = layer["weight"]
        if weight["kind"] == "Parameter" and (
            weight["dtype"] != torch.float64
            or torch.device(weight["device"]).type != torch.device(device).type
        ):
            where = {"dtype": weight["dtype"], "device": weight["device"]}
            fail(T.say("not_moved", what=what, i=i, **where))
        layer_what = T.say("layer_i", what=what, i=i)
        check_linear(layer, layer_what, n_in, n_out, dtype=torch.float64, device=device)


# ---------------------------------------------------------------- Linear


@points(2)
def test_linear_parameters(learner):
    """Linear has a weight (out, in) and a bias (out,), registered as nn.Parameters
    zh: Linear 有形状为 (out, in) 的 weight 和形状为 (out,) 的 bias，并注册为 nn.Parameter"""
    info = learner.probe("linear_info", 3, 4)
    check_linear(info, "Linear(3, 4)", 3, 4)


@points(1)
def test_linear_no_bias(learner):
    """Linear(..., bias=False) has no bias parameter and layer.bias is None
    zh: Linear(..., bias=False) 没有 bias 参数，layer.bias 为 None"""
    info = learner.probe("linear_info", 5, 2, bias=False)
    check_linear(info, "Linear(5, 2, bias=False)", 5, 2, bias=False)


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_device_dtype(learner, device):
    """Linear(..., device=, dtype=) creates its parameters there
    zh: Linear(..., device=, dtype=) 在指定的设备上以指定的数据类型创建参数"""
    info = learner.probe("linear_info", 3, 2, device=device, dtype=torch.float64)
    what = f"Linear(3, 2, device='{device}', dtype=torch.float64)"
    check_linear(info, what, 3, 2, dtype=torch.float64, device=device)


@points(2)
@devices("cpu", "cuda", "standin")
def test_linear_forward(learner, device):
    """Linear's forward equals F.linear (x @ weight.T + bias)
    zh: Linear 的 forward 与 F.linear（x @ weight.T + bias）结果相同"""
    params = linear_params(3, 4, seed=1, device=device)
    x = make_tensor(5, 3, seed=3, device=device)
    seen = learner.probe("linear_forward", 3, 4, params, x, device=device)
    what = T.say("x_of_shape", layer="Linear(3, 4)", shape=(5, 3))
    check_forward(seen, params, what, F.linear(x, **params))


@points(2)
def test_linear_leading_dims(learner):
    """Linear's forward accepts any leading dimensions, also none
    zh: Linear 的 forward 接受任意多个前置维度，也可以没有"""
    params = linear_params(4, 2, seed=4)
    for shape in [(2, 3, 4), (4,)]:
        x = make_tensor(*shape, seed=6)
        seen = learner.probe("linear_forward", 4, 2, params, x)
        what = T.say("x_of_shape", layer="Linear(4, 2)", shape=shape)
        check_forward(seen, params, what, F.linear(x, **params))


@points(2)
def test_linear_backward(learner):
    """Gradients reach Linear's weight, bias and input, as for nn.Linear
    zh: 梯度能到达 Linear 的 weight、bias 和输入，与 nn.Linear 一样"""
    params = linear_params(3, 2, seed=7)
    x = make_tensor(4, 3, seed=9)
    upstream = make_tensor(4, 2, seed=10)
    seen = learner.probe("linear_backward", 3, 2, params, x, upstream)
    what = T.say("after_backward", layer="Linear(3, 2)")
    check_misfits(seen["misfits"], "Linear(3, 2)", params)
    if not seen["requires_grad"]:
        fail(T.say("output_no_grad"))
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
            fail(T.say("grad_none", what=what, name=name))
        assert_close(got, expected, what=T.say("grad_of", what=what, name=name))


@points(1)
def test_linear_state_dict_into_nn_linear(learner):
    """Linear's state_dict() loads into an nn.Linear, which then computes the same output
    zh: Linear 的 state_dict() 能加载到 nn.Linear 中，加载后两者输出相同"""
    x = make_tensor(3, 4, seed=11)
    seen = learner.probe("linear_state_dict", 4, 3, True, x)
    reference = nn.Linear(4, 3)
    state = seen["state_dict"]
    try:
        reference.load_state_dict(state)
    except RuntimeError as exc:
        fail(T.say("state_dict_into_nn", error=str(exc).strip()))
    with torch.no_grad():
        expected = reference(x)
    assert_close(seen["output"], expected, what=T.say("against_nn_linear"))


@points(1)
def test_linear_load_nn_linear_state_dict(learner):
    """An nn.Linear's state_dict loads into Linear, which then computes the same output
    zh: nn.Linear 的 state_dict 能加载到 Linear 中，加载后两者输出相同"""
    torch.manual_seed(12)
    reference = nn.Linear(4, 3)
    x = make_tensor(2, 4, seed=13)
    seen = learner.probe("linear_load_state_dict", 4, 3, True, dict(reference.state_dict()), x)
    if seen["error"] is not None:
        fail(T.say("load_nn_state_dict", error=seen["error"].strip()))
    with torch.no_grad():
        expected = reference(x)
    assert_close(seen["output"], expected, what=T.say("after_loading"))


@points(2)
def test_linear_init_weight(learner):
    """Linear's weight starts from U(-1/sqrt(in), 1/sqrt(in)), as nn.Linear's
    zh: Linear 的 weight 与 nn.Linear 一样从 U(-1/sqrt(in), 1/sqrt(in)) 初始化"""
    info = learner.probe("linear_info", 100, 2000, seed=14)
    check_parameter(info["weight"], "Linear(100, 2000).weight", (2000, 100))
    check_uniform(info["weight_values"], 1 / math.sqrt(100), "Linear(100, 2000).weight", bins=10)


@points(1)
def test_linear_init_bias(learner):
    """Linear's bias starts from U(-1/sqrt(in), 1/sqrt(in)) too, not zeros
    zh: Linear 的 bias 也从 U(-1/sqrt(in), 1/sqrt(in)) 初始化，而不是全零"""
    info = learner.probe("linear_info", 100, 2000, seed=15)
    check_parameter(info["bias"], "Linear(100, 2000).bias", (2000,))
    check_uniform(info["bias_values"], 1 / math.sqrt(100), "Linear(100, 2000).bias", bins=4)


@points(1)
def test_linear_repr(learner):
    """print(Linear(3, 4)) shows the same text as nn.Linear's
    zh: print(Linear(3, 4)) 显示的文字与 nn.Linear 的相同"""
    seen = learner.probe("linear_repr", 3, 4)
    reference = nn.Linear(3, 4)
    assert_equal(seen["extra_repr"], reference.extra_repr(), what="Linear(3, 4).extra_repr()")
    assert_equal(seen["repr"], repr(reference), what="repr(Linear(3, 4))")


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_to(learner, device):
    """layer.to(dtype) and layer.to(device) move every parameter
    zh: layer.to(dtype) 和 layer.to(device) 会移动每个参数"""
    seen = learner.probe("linear_to", 3, 2, True, torch.float64, device)
    what = f"Linear(3, 2).to(torch.float64).to('{device}')"
    if not seen["returned_self"]:
        fail(T.say("to_not_self", what=what))
    check_linear(seen, what, 3, 2, dtype=torch.float64, device=device)


# ---------------------------------------------------------------- MLP


@points(2)
def test_mlp_structure(learner):
    """MLP([4, 8, 8, 3]) holds three of your Linear layers of the right sizes
    zh: MLP([4, 8, 8, 3]) 含有三个大小正确的你自己的 Linear 层"""
    sizes = [4, 8, 8, 3]
    info = learner.probe("mlp_structure", sizes)
    what = f"MLP({sizes})"
    if not info["is_module"]:
        fail(T.say("mlp_not_a_module", what=what))
    layers = info["layers"]
    if len(layers) != len(sizes) - 1:
        counts = {"found": len(layers), "expected": len(sizes) - 1}
        fail(T.say("mlp_layers_expected_pairs", what=what, **counts))
    for i, (layer, (n_in, n_out)) in enumerate(zip(layers, pairwise(sizes), strict=True)):
        check_linear(layer, T.say("layer_i", what=what, i=i), n_in, n_out)


@points(2)
def test_mlp_registration(learner):
    """Every parameter of MLP's layers is registered: parameters() and state_dict() see it
    zh: MLP 各层的每个参数都已注册：parameters() 和 state_dict() 都能看到"""
    sizes = [4, 8, 8, 3]
    check_registration(learner.probe("mlp_structure", sizes), sizes)


@points(2)
def test_mlp_forward(learner):
    """MLP's forward: Linear, ReLU, Linear, ReLU, Linear (no activation at the end)
    zh: MLP 的 forward：Linear、ReLU、Linear、ReLU、Linear（最后没有激活函数）"""
    sizes = [4, 8, 8, 3]
    params = mlp_params(sizes, seed=20)
    x = make_tensor(6, 4, seed=21)
    seen = learner.probe("mlp_forward", sizes, None, params, x)  # activation left out: ReLU
    check_mlp_forward(seen, sizes, params, x, "ReLU")


@points(1)
def test_mlp_activation(learner):
    """MLP uses the activation class it is given (nn.Tanh)
    zh: MLP 使用传入的激活函数类（nn.Tanh）"""
    sizes = [3, 5, 2]
    params = mlp_params(sizes, seed=22)
    x = make_tensor(4, 3, seed=23)
    seen = learner.probe("mlp_forward", sizes, "Tanh", params, x)
    check_mlp_forward(seen, sizes, params, x, "Tanh")


@points(1)
@devices("cpu", "cuda", "standin")
def test_mlp_to(learner, device):
    """mlp.to(dtype) and mlp.to(device) move every layer's parameters
    zh: mlp.to(dtype) 和 mlp.to(device) 会移动每一层的参数"""
    sizes = [3, 4, 2]
    seen = learner.probe("mlp_to", sizes, torch.float64, device)
    what = f"MLP({sizes}).to(torch.float64).to('{device}')"
    if len(seen["layers"]) != len(sizes) - 1:
        counts = {"found": len(seen["layers"]), "expected": len(sizes) - 1}
        fail(T.say("found_layers", what=what, **counts))
    check_moved(seen["layers"], sizes, what, device)


# ---------------------------------------------------------------- count_parameters


@points(1)
def test_count_parameters(learner):
    """count_parameters() counts every value of every parameter
    zh: count_parameters() 统计每个参数的每个值"""
    got = learner.probe("count", "mlp")
    assert_equal(
        got,
        R.parameter_count("mlp"),
        what="count_parameters(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)))",
    )


@points(2)
def test_count_parameters_frozen(learner):
    """count_parameters() skips frozen parameters unless trainable_only=False
    zh: count_parameters() 跳过被冻结的参数，除非 trainable_only=False"""
    frozen = ("0.weight", "0.bias")
    model = T.say("layer_0_frozen")
    assert_equal(
        learner.probe("count", "mlp", frozen),
        R.parameter_count("mlp", frozen),
        what=T.say("count_frozen", model=model),
    )
    assert_equal(
        learner.probe("count", "mlp", frozen, trainable_only=False),
        R.parameter_count("mlp", frozen, trainable_only=False),
        what=f"count_parameters({model}, trainable_only=False)",
    )
