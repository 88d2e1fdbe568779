"""Hidden checks for 05 modules: other sizes, seeds and edge cases, run only at grading time."""

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

# The public suite's sentences, and those of the hidden checks alone (which never ship in the kit).
T = catalog(
    {
        **S.T.entries,
        "non_contiguous_x": (
            "Linear(4, 3)(x of shape (5, 4)) with a non-contiguous x",
            "Linear(4, 3)(形状为 (5, 4) 的 x)，x 非连续",
        ),
        "x_requires_grad": (
            "Linear(4, 3)(x of shape (5, 4)) with x.requires_grad=True",
            "Linear(4, 3)(形状为 (5, 4) 的 x)，x.requires_grad=True",
        ),
        "output_no_grad_no_bias": (
            "Linear(4, 3, bias=False)(x): the output does not require grad, so no gradient can "
            "reach the weight. Compute with the parameters, not .data or .detach().",
            "Linear(4, 3, bias=False)(x)：输出不需要梯度，所以没有梯度能到达 weight。请用参数"
            "计算，不要用 .data 或 .detach()。",
        ),
        "after_backward_on_x": (
            "{layer} on x {shape}: after (layer(x) * g).sum().backward(),",
            "{layer} 作用于形状为 {shape} 的 x：执行 (layer(x) * g).sum().backward() 之后，",
        ),
        "keep_sizes": (
            "Linear(6, 2).{name} is {got}, expected {value}: keep the sizes as "
            "attributes in __init__ (self.{name} = {name}), as nn.Linear does.",
            "Linear(6, 2).{name} 是 {got}，应为 {value}：请在 __init__ 中把大小保存为属性"
            "（self.{name} = {name}），与 nn.Linear 一样。",
        ),
        "weight_not_a_tensor": (
            "Linear(8, 8).weight is not a tensor.",
            "Linear(8, 8).weight 不是张量。",
        ),
        "same_init": (
            "Two Linear(8, 8) layers built after different torch.manual_seed() calls have the "
            "same weight: the init must draw from PyTorch's random generator, without "
            "reseeding it (no torch.manual_seed inside Linear).",
            "在不同的 torch.manual_seed() 调用之后创建的两个 Linear(8, 8) 层，weight 却相同："
            "初始化必须从 PyTorch 的随机数生成器中抽取，而不是重新设置它的种子（Linear 内部不要"
            "调用 torch.manual_seed）。",
        ),
        "state_dict_into_nn_no_bias": (
            "Linear(5, 2, bias=False).state_dict() does not load into nn.Linear(5, 2, "
            "bias=False): {error}\nWith bias=False the only key is 'weight'.",
            "Linear(5, 2, bias=False).state_dict() 无法加载到 nn.Linear(5, 2, bias=False) 中："
            "{error}\nbias=False 时唯一的键是 'weight'。",
        ),
        "against_nn_linear_no_bias": (
            "Linear(5, 2, bias=False)(x) against nn.Linear",
            "Linear(5, 2, bias=False)(x) 与 nn.Linear 比较",
        ),
        "load_nn_state_dict_no_bias": (
            "Linear(5, 2, bias=False).load_state_dict(nn.Linear(5, 2, bias=False).state_dict()) "
            "failed: {error}",
            "Linear(5, 2, bias=False).load_state_dict(nn.Linear(5, 2, bias=False).state_dict()) "
            "失败：{error}",
        ),
        "after_loading_no_bias": (
            "Linear(5, 2, bias=False)(x) after loading nn.Linear's",
            "加载 nn.Linear 的参数之后的 Linear(5, 2, bias=False)(x)",
        ),
        "mlp_layers_expected": (
            "{what} holds {found} of your Linear layers, expected {expected}.",
            "{what} 中有 {found} 个你的 Linear 层，应为 {expected} 个。",
        ),
        "unregistered_short": (
            "{what}: parameters() sees {registered} and state_dict() "
            "{entries} of the {found} parameters of its layers. Keep the "
            "layers in an nn.ModuleList or nn.Sequential: a plain Python list hides them from "
            "nn.Module (and so from optimizers and .to()).",
            "{what}：它的各层共有 {found} 个参数，parameters() 只看到 {registered} 个，"
            "state_dict() 只有 {entries} 个。请把这些层放在 nn.ModuleList 或 nn.Sequential 中："
            "普通的 Python list 会把它们对 nn.Module 隐藏起来（因而对优化器和 .to() 也是如此）。",
        ),
        "registered_shapes": (
            "{what}: the shapes of its registered parameters",
            "{what}：已注册参数的形状",
        ),
        "count_conv_bn": (
            "count_parameters(Conv2d + BatchNorm2d + Linear) (BatchNorm's running statistics "
            "are buffers, not parameters)",
            "count_parameters(Conv2d + BatchNorm2d + Linear)（BatchNorm 的运行统计量是缓冲区，"
            "不是参数）",
        ),
        "count_tied": (
            "count_parameters(an Embedding and a Linear sharing one weight) (parameters() "
            "yields a shared parameter once)",
            "count_parameters(共享同一个 weight 的 Embedding 和 Linear)（parameters() 对共享的"
            "参数只给出一次）",
        ),
        "count_all_frozen": (
            "count_parameters(a model with every parameter frozen)",
            "count_parameters(所有参数都被冻结的模型)",
        ),
        "count_all_frozen_all": (
            "count_parameters(a model with every parameter frozen, trainable_only=False)",
            "count_parameters(所有参数都被冻结的模型, trainable_only=False)",
        ),
        "count_two_biases_frozen": (
            "count_parameters(a 3-layer model with two biases frozen, "
            "trainable_only={trainable_only})",
            "count_parameters(有两个 bias 被冻结的 3 层模型, trainable_only={trainable_only})",
        ),
    }
)


# ---------------------------------------------------------------- Linear


@points(1)
def test_linear_parameters_other_sizes(learner):
    """Linear has the right parameters for one input, one output, and float64
    zh: Linear 在只有一个输入、只有一个输出以及 float64 时参数都正确"""
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
    """Linear's forward in float64 with three leading dimensions
    zh: Linear 的 forward 在 float64 下处理三个前置维度"""
    params = linear_params(6, 3, seed=101, dtype=torch.float64, device=device)
    x = make_tensor(2, 1, 3, 6, seed=103, dtype=torch.float64, device=device)
    seen = learner.probe("linear_forward", 6, 3, params, x, device=device, dtype=torch.float64)
    what = T.say("x_of_shape", layer="Linear(6, 3, dtype=float64)", shape=(2, 1, 3, 6))
    check_forward(seen, params, what, F.linear(x, **params))


@points(1)
@devices("cpu", "cuda", "standin")
def test_linear_forward_no_bias(learner, device):
    """Linear(..., bias=False)'s forward equals F.linear without a bias
    zh: Linear(..., bias=False) 的 forward 与不带 bias 的 F.linear 结果相同"""
    params = linear_params(5, 4, seed=104, bias=False, device=device)
    x = make_tensor(3, 5, seed=106, device=device)
    seen = learner.probe("linear_forward", 5, 4, params, x, bias=False, device=device)
    check_forward(seen, params, "Linear(5, 4, bias=False)(x)", F.linear(x, params["weight"]))


@points(1)
def test_linear_forward_variants(learner):
    """Linear's forward of a non-contiguous x and of an x that requires grad, as F.linear
    zh: Linear 的 forward 对非连续的 x 和需要梯度的 x，结果与 F.linear 相同"""
    params = linear_params(4, 3, seed=119)
    for variant in variants(make_tensor(5, 4, seed=120), dtypes=())[1:]:
        x = variant.tensor
        seen = learner.probe("linear_forward", 4, 3, params, x)
        key = "non_contiguous_x" if variant.label == "non-contiguous" else "x_requires_grad"
        expected = F.linear(x, **params).detach()
        check_forward(seen, params, T.say(key), expected)


@points(1)
def test_linear_forward_empty_batch(learner):
    """Linear's forward of an empty batch gives an empty result
    zh: Linear 的 forward 对空批次给出空结果"""
    params = linear_params(3, 2, seed=107)
    x = torch.empty(0, 3)
    seen = learner.probe("linear_forward", 3, 2, params, x)
    what = T.say("x_of_shape", layer="Linear(3, 2)", shape=(0, 3))
    check_forward(seen, params, what, F.linear(x, **params))


@points(1)
def test_linear_backward_no_bias_3d(learner):
    """Gradients of a bias-free Linear for a 3-D input match nn.Linear's
    zh: 没有 bias 的 Linear 对三维输入的梯度与 nn.Linear 的相同"""
    params = linear_params(4, 3, seed=108, bias=False)
    x = make_tensor(2, 5, 4, seed=110)
    upstream = make_tensor(2, 5, 3, seed=111)
    seen = learner.probe("linear_backward", 4, 3, params, x, upstream)
    check_misfits(seen["misfits"], "Linear(4, 3, bias=False)", params)
    if not seen["requires_grad"]:
        fail(T.say("output_no_grad_no_bias"))
    weight = params["weight"].clone().requires_grad_(True)
    xr = x.clone().requires_grad_(True)
    (F.linear(xr, weight) * upstream).sum().backward()
    what = T.say("after_backward_on_x", layer="Linear(4, 3, bias=False)", shape=(2, 5, 4))
    for name, expected in [("weight", weight.grad), ("x", xr.grad)]:
        got = seen[f"{name}_grad"]
        if got is None:
            fail(T.say("grad_none", what=what, name=name))
        assert_close(got, expected, what=T.say("grad_of", what=what, name=name))


@points(2)
def test_linear_init_other_sizes(learner):
    """Linear(400, 600, dtype=float64) starts from U(-1/sqrt(400), 1/sqrt(400))
    zh: Linear(400, 600, dtype=float64) 从 U(-1/sqrt(400), 1/sqrt(400)) 初始化"""
    info = learner.probe("linear_info", 400, 600, dtype=torch.float64, seed=112)
    what = "Linear(400, 600, dtype=float64)"
    check_parameter(info["weight"], f"{what}.weight", (600, 400), torch.float64)
    check_parameter(info["bias"], f"{what}.bias", (600,), torch.float64)
    check_uniform(info["weight_values"], 1 / 20, f"{what}.weight", bins=20)
    check_uniform(info["bias_values"], 1 / 20, f"{what}.bias", bins=3)


@points(1)
def test_linear_no_inputs(learner):
    """Linear(0, 3) builds as nn.Linear(0, 3): a (3, 0) weight, a zero bias, zeros out
    zh: Linear(0, 3) 与 nn.Linear(0, 3) 一样构建：(3, 0) 的 weight、为零的 bias、输出为零"""
    info = learner.probe("linear_info", 0, 3, seed=115)
    check_linear(info, "Linear(0, 3)", 0, 3)
    # nn.Linear's bound is 0 when there is no input (no 1/sqrt(0)): its bias starts at zero.
    assert_close(info["bias_values"], torch.zeros(3), what="Linear(0, 3).bias")
    params = linear_params(0, 3, seed=116)
    x = torch.zeros(2, 0)
    seen = learner.probe("linear_forward", 0, 3, params, x)
    what = T.say("x_of_shape", layer="Linear(0, 3)", shape=(2, 0))
    check_forward(seen, params, what, F.linear(x, **params))


@points(1)
def test_linear_keeps_its_sizes(learner):
    """Linear keeps in_features and out_features as attributes, as nn.Linear does
    zh: Linear 与 nn.Linear 一样把 in_features 和 out_features 保存为属性"""
    info = learner.probe("linear_info", 6, 2, seed=118)
    for name, value in (("in_features", 6), ("out_features", 2)):
        if info[name] != value:
            fail(T.say("keep_sizes", name=name, got=repr(info[name]), value=value))


@points(1)
def test_linear_init_one_input(learner):
    """Linear(1, 2000) starts from U(-1, 1): 1/sqrt(in) is 1 for one input
    zh: Linear(1, 2000) 从 U(-1, 1) 初始化：只有一个输入时 1/sqrt(in) 为 1"""
    info = learner.probe("linear_info", 1, 2000, seed=117)
    check_parameter(info["weight"], "Linear(1, 2000).weight", (2000, 1))
    check_uniform(info["weight_values"], 1.0, "Linear(1, 2000).weight", bins=10)
    check_uniform(info["bias_values"], 1.0, "Linear(1, 2000).bias", bins=4)


@points(1)
def test_linear_init_differs_between_layers(learner):
    """Two new Linear layers start from different random values
    zh: 两个新建的 Linear 层从不同的随机值开始"""
    first = learner.probe("linear_info", 8, 8, seed=113)["weight_values"]
    # Other global seeds: a layer that seeds its own generator gives the same values twice.
    second = learner.probe("linear_info", 8, 8, seed=114)["weight_values"]
    if not isinstance(first, torch.Tensor) or not isinstance(second, torch.Tensor):
        fail(T.say("weight_not_a_tensor"))
    if torch.equal(first, second):
        fail(T.say("same_init"))


@points(1)
def test_linear_state_dict_roundtrip_no_bias(learner):
    """A bias-free Linear's state_dict goes to nn.Linear and back
    zh: 没有 bias 的 Linear 的 state_dict 能加载到 nn.Linear 中，也能加载回来"""
    x = make_tensor(4, 5, seed=115)
    seen = learner.probe("linear_state_dict", 5, 2, False, x, seed=116)
    reference = nn.Linear(5, 2, bias=False)
    try:
        reference.load_state_dict(seen["state_dict"])
    except RuntimeError as exc:
        fail(T.say("state_dict_into_nn_no_bias", error=str(exc).strip()))
    with torch.no_grad():
        assert_close(seen["output"], reference(x), what=T.say("against_nn_linear_no_bias"))
    torch.manual_seed(117)
    source = nn.Linear(5, 2, bias=False)
    back = learner.probe("linear_load_state_dict", 5, 2, False, dict(source.state_dict()), x)
    if back["error"] is not None:
        fail(T.say("load_nn_state_dict_no_bias", error=back["error"].strip()))
    with torch.no_grad():
        assert_close(back["output"], source(x), what=T.say("after_loading_no_bias"))


@points(1)
def test_linear_repr_no_bias(learner):
    """print(Linear(7, 1, bias=False)) shows the same text as nn.Linear's
    zh: print(Linear(7, 1, bias=False)) 显示的文字与 nn.Linear 的相同"""
    seen = learner.probe("linear_repr", 7, 1, False)
    reference = nn.Linear(7, 1, bias=False)
    assert_equal(
        seen["extra_repr"], reference.extra_repr(), what="Linear(7, 1, bias=False).extra_repr()"
    )
    assert_equal(seen["repr"], repr(reference), what="repr(Linear(7, 1, bias=False))")


@points(1)
@devices("cuda", "standin")
def test_linear_to_no_bias(learner, device):
    """A bias-free Linear moves with .to() too
    zh: 没有 bias 的 Linear 也能用 .to() 移动"""
    seen = learner.probe("linear_to", 4, 6, False, torch.float64, device)
    what = f"Linear(4, 6, bias=False).to(torch.float64).to('{device}')"
    check_linear(seen, what, 4, 6, bias=False, dtype=torch.float64, device=device)


# ---------------------------------------------------------------- MLP


@points(2)
def test_mlp_deep_leaky(learner):
    """A deeper MLP with nn.LeakyReLU(0.3) equals the reference forward
    zh: 使用 nn.LeakyReLU(0.3) 的更深的 MLP 与参考的 forward 结果相同"""
    sizes = [3, 16, 16, 16, 2]
    params = mlp_params(sizes, seed=120)
    x = make_tensor(7, 3, seed=121)
    seen = learner.probe("mlp_forward", sizes, "LeakyReLU", params, x)
    check_mlp_forward(seen, sizes, params, x, "LeakyReLU")


@points(1)
def test_mlp_single_layer(learner):
    """MLP([5, 2]) is a single Linear with no activation at all
    zh: MLP([5, 2]) 是单个 Linear，完全没有激活函数"""
    sizes = [5, 2]
    params = mlp_params(sizes, seed=122)
    x = make_tensor(3, 5, seed=123)
    seen = learner.probe("mlp_forward", sizes, "Sigmoid", params, x)
    check_mlp_forward(seen, sizes, params, x, "Sigmoid")


@points(1)
def test_mlp_leading_dims(learner):
    """MLP's forward accepts extra leading dimensions
    zh: MLP 的 forward 接受额外的前置维度"""
    sizes = [4, 6, 3]
    params = mlp_params(sizes, seed=124)
    x = make_tensor(2, 3, 4, seed=125)
    seen = learner.probe("mlp_forward", sizes, "ReLU", params, x)
    check_mlp_forward(seen, sizes, params, x, "ReLU")


@points(2)
def test_mlp_registration_deep(learner):
    """Every parameter of a five-layer MLP is registered
    zh: 五层 MLP 的每个参数都已注册"""
    sizes = [2, 3, 4, 5, 6, 1]
    info = learner.probe("mlp_structure", sizes, "Tanh")
    what = f"MLP({sizes})"
    if not info["is_module"]:
        fail(T.say("mlp_not_a_module", what=what))
    layers = info["layers"]
    if len(layers) != len(sizes) - 1:
        fail(T.say("mlp_layers_expected", what=what, found=len(layers), expected=len(sizes) - 1))
    found = sum(len(layer["parameters"]) for layer in layers)
    if len(info["registered"]) < found or len(info["state_dict_keys"]) != found:
        counts = {"registered": len(info["registered"]), "entries": len(info["state_dict_keys"])}
        fail(T.say("unregistered_short", what=what, found=found, **counts))
    shapes = sorted(p["shape"] for p in info["registered"])
    expected = sorted(
        shape for n_in, n_out in pairwise(sizes) for shape in [(n_out, n_in), (n_out,)]
    )
    assert_equal(shapes, expected, what=T.say("registered_shapes", what=what))


@points(1)
@devices("cuda", "standin")
def test_mlp_to_deep(learner, device):
    """mlp.to() moves every layer of a deeper MLP
    zh: mlp.to() 会移动更深的 MLP 的每一层"""
    sizes = [3, 5, 5, 5, 2]
    seen = learner.probe("mlp_to", sizes, torch.float64, device)
    what = f"MLP({sizes}).to(torch.float64).to('{device}')"
    if len(seen["layers"]) != len(sizes) - 1:
        counts = {"found": len(seen["layers"]), "expected": len(sizes) - 1}
        fail(T.say("found_layers", what=what, **counts))
    check_moved(seen["layers"], sizes, what, device)


# ---------------------------------------------------------------- count_parameters


@points(2)
def test_count_parameters_buffers_and_tied(learner):
    """count_parameters() ignores buffers and counts a shared weight once
    zh: count_parameters() 忽略缓冲区，共享的 weight 只计一次"""
    assert_equal(
        learner.probe("count", "conv_bn"),
        expected_count("conv_bn"),
        what=T.say("count_conv_bn"),
    )
    assert_equal(
        learner.probe("count", "tied"),
        expected_count("tied"),
        what=T.say("count_tied"),
    )


@points(1)
def test_count_parameters_edges(learner):
    """count_parameters() of a model without parameters, and of a fully frozen one
    zh: count_parameters() 处理没有参数的模型和完全冻结的模型"""
    assert_equal(
        learner.probe("count", "no_parameters"),
        0,
        what="count_parameters(nn.Sequential(nn.ReLU(), nn.Dropout()))",
    )
    frozen = [n for n, _ in P.build_model("deep").named_parameters()]
    assert_equal(
        learner.probe("count", "deep", frozen),
        0,
        what=T.say("count_all_frozen"),
    )
    assert_equal(
        learner.probe("count", "deep", frozen, trainable_only=False),
        expected_count("deep", frozen, trainable_only=False),
        what=T.say("count_all_frozen_all"),
    )


@points(1)
def test_count_parameters_partly_frozen(learner):
    """count_parameters() with only some biases frozen
    zh: count_parameters() 处理只冻结了部分 bias 的情况"""
    frozen = ("0.bias", "4.bias")
    for trainable_only in (True, False):
        assert_equal(
            learner.probe("count", "deep", frozen, trainable_only=trainable_only),
            expected_count("deep", frozen, trainable_only),
            what=T.say("count_two_biases_frozen", trainable_only=trainable_only),
        )
