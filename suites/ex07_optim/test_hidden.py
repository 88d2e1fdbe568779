"""Hidden checks for 07 optim: other inputs, longer runs and edge cases, run only at grading time."""

import pytest
import torch

from grader.testing import (
    assert_close,
    catalog,
    devices,
    expect_raises,
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
check_scenario = S.check_scenario

# The public checks' sentences (probes.py), and those only the hidden checks say.
MESSAGES = catalog(
    {
        **P.TEXTS,
        "zero_grad_not_none_short": (
            "{call}: after zero_grad(), parameter {i}'s .grad is not None.",
            "{call}：zero_grad() 之后，第 {i} 个参数的 .grad 不是 None。",
        ),
        "after_zero_grad_step_short": (
            "{call}: parameter {i} after zero_grad() then step()",
            "{call}：先 zero_grad() 再 step() 之后的第 {i} 个参数",
        ),
        "closure_none_short": (
            "{call}: step(closure) returned None at step {k}, not the closure's loss.",
            "{call}：step(closure) 在第 {k} 步返回了 None，而不是 closure 的损失。",
        ),
    }
)


ADAM_OPTIONS = [
    pytest.param({"lr": 0.05, "betas": (0.5, 0.9)}, 1.0, id="betas"),
    pytest.param({"lr": 0.02, "betas": (0.0, 0.99)}, 1.0, id="beta1_zero"),
    pytest.param({"lr": 0.2, "eps": 0.1}, 1.0, id="large_eps"),
    # Small gradients: eps is then comparable to sqrt(v), so where it is added shows.
    pytest.param({"lr": 0.01, "eps": 1e-4, "weight_decay": 0.05}, 1e-3, id="small_grads"),
    pytest.param({"lr": 3e-4, "betas": (0.95, 0.9999)}, 1.0, id="slow_averages"),
    # eps left out: with gradients of 1e-8, the default eps (1e-8) weighs as much as sqrt(v).
    pytest.param({"lr": 0.01}, 1e-8, id="default_eps"),
    pytest.param({"lr": 0.05, "weight_decay": 1.0}, 1.0, id="weight_decay_one"),
]


# ---------------------------------------------------------------- SGD


@points(1)
@pytest.mark.parametrize(
    "options", S.sgd_combinations(momenta=(0.0, 0.8), dampenings=(0.0, 0.3), decays=(0.0, 0.05))
)
def test_sgd_options_float64(learner, options):
    """SGD follows torch.optim.SGD for this combination of options, in float64, for 25 steps
    zh: SGD 在这组选项下、float64、25 步内与 torch.optim.SGD 一致"""
    scenario = P.make_scenario(
        "SGD",
        [[(2, 3), (4,), ()]],
        seed=101,
        steps=25,
        options={"lr": 0.07, **options},
        dtypes=[torch.float64],
    )
    check_scenario(learner, scenario)


@points(2)
@devices("cpu", "cuda", "standin")
def test_sgd_all_options_devices(learner, device):
    """SGD with momentum, dampening and weight decay, in float64, on each device
    zh: SGD 同时使用动量、dampening 和权重衰减，float64，在每个设备上"""
    scenario = P.make_scenario(
        "SGD",
        [[(3, 2), (5,)]],
        seed=102,
        options={"lr": 0.04, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05},
        dtypes=[torch.float64],
        device=device,
    )
    check_scenario(learner, scenario)


@points(2)
@devices("cpu", "cuda")
def test_sgd_nesterov_devices(learner, device):
    """SGD with Nesterov momentum and weight decay, on each device
    zh: SGD 使用 Nesterov 动量和权重衰减，在每个设备上"""
    scenario = P.make_scenario(
        "SGD",
        [[(4, 3), (2,)]],
        seed=103,
        options={"lr": 0.02, "momentum": 0.95, "weight_decay": 0.1, "nesterov": True},
        device=device,
    )
    check_scenario(learner, scenario)


@points(2)
def test_sgd_first_momentum_step_per_parameter(learner):
    """SGD starts each parameter's momentum buffer at that parameter's first gradient
    zh: SGD 让每个参数的动量缓冲区从该参数的第一个梯度开始"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,), (4,)], [(2,)]],
        seed=104,
        steps=8,
        options={"lr": 0.1, "momentum": 0.9, "dampening": 0.4},
        group_options=[{}, {"dampening": 0.0, "momentum": 0.5}],
        dtypes=[torch.float64, torch.float64],
        no_grad={(0, 1): {0, 1, 2}, (1, 0): {0, 4}},
    )
    check_scenario(learner, scenario)


@points(1)
def test_sgd_lr_schedule(learner):
    """SGD reads each group's lr at every step (as a scheduler changes it)
    zh: SGD 每一步都读取每个参数组的 lr（学习率调度器会修改它）"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,)], [(2, 2)]],
        seed=105,
        steps=12,
        options={"lr": 0.1, "momentum": 0.9},
        group_options=[{}, {"lr": 0.05}],
        lr_changes=[(4, 0, 0.01), (8, 1, 0.2)],
    )
    check_scenario(learner, scenario)


@points(1)
def test_sgd_mixed_dtypes(learner):
    """SGD with one float32 group and one float64 group
    zh: SGD 使用一个 float32 参数组和一个 float64 参数组"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,)], [(2, 3)]],
        seed=106,
        options={"lr": 0.05, "momentum": 0.7, "weight_decay": 0.02},
        dtypes=[torch.float32, torch.float64],
    )
    check_scenario(learner, scenario)


@points(2)
def test_sgd_resume_early(learner):
    """SGD resumes from a state_dict saved right after the first step, before some parameters had state
    zh: SGD 从第一步之后立即保存、部分参数尚无状态的 state_dict 恢复"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,), (2,)], [(4,)]],
        seed=107,
        steps=10,
        options={"lr": 0.05, "momentum": 0.9, "dampening": 0.2},
        group_options=[{}, {"momentum": 0.6, "nesterov": True, "dampening": 0.0}],
        no_grad={(0, 1): {0, 1, 2}},
        resume_at=1,
    )
    check_scenario(learner, scenario, state=True)


@points(1)
def test_sgd_invalid_and_edge_arguments(learner):
    """SGD refuses more invalid options with ValueError, and accepts the edge values torch accepts
    zh: SGD 对更多无效选项抛出 ValueError，并接受 torch 接受的边界值"""
    for n_params, options in [
        (1, {"lr": 0.1, "momentum": 0.5, "dampening": 0.5, "nesterov": True}),
        (1, {"lr": 0.1, "momentum": 0.0, "nesterov": True}),
        (1, {"lr": -1e-6, "momentum": 0.9}),
        (0, {"lr": 0.1}),  # an empty parameter list (the base class refuses it)
    ]:
        params = "[]" if n_params == 0 else "params"
        with expect_raises("ValueError", what=f"SGD({params}, {P.format_options(options)})"):
            learner.probe("construct", "SGD", n_params, options)
    for options in [{"lr": 0.0}, {"lr": 0.1, "momentum": 0.5, "nesterov": True}]:
        seen = learner.probe("construct", "SGD", 1, options)
        P.check_class(seen, f"SGD(params, {P.format_options(options)})")


@points(1)
def test_sgd_weight_decay_one(learner):
    """SGD with weight_decay=1.0 (decay as large as the gradient) follows torch.optim.SGD
    zh: SGD 在 weight_decay=1.0（衰减与梯度一样大）时与 torch.optim.SGD 一致"""
    for momentum in (0.0, 0.9):
        scenario = P.make_scenario(
            "SGD",
            [[(3,), (2, 2)]],
            seed=131,
            steps=6,
            options={"lr": 0.1, "momentum": momentum, "weight_decay": 1.0},
        )
        check_scenario(learner, scenario)


@points(2)
def test_sgd_gradients_written_in_place(learner):
    """SGD with momentum, when each new gradient is written into the same .grad tensor
    zh: 带动量的 SGD，每个新梯度都写入同一个 .grad 张量"""
    scenario = P.make_scenario(
        "SGD",
        [[(4,), (2, 3)]],
        seed=132,
        steps=5,
        options={"lr": 0.1, "momentum": 0.9},
        in_place_grads=True,
    )
    check_scenario(learner, scenario)


def non_contiguous(t: torch.Tensor) -> torch.Tensor:
    """The same values laid out otherwise in memory (grader.testing's non-contiguous variant)."""
    return next(v.tensor for v in variants(t, dtypes=()) if v.label == "non-contiguous")


@points(1)
@pytest.mark.parametrize(
    ("name", "options"),
    [
        pytest.param("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, id="SGD"),
        pytest.param("Adam", {"lr": 0.05, "weight_decay": 0.01}, id="Adam"),
    ],
)
def test_non_contiguous_parameters(learner, name, options):
    """SGD and Adam follow torch.optim on non-contiguous (transposed) parameters and gradients
    zh: SGD 和 Adam 在非连续（转置）的参数和梯度上与 torch.optim 一致"""
    scenario = P.make_scenario(name, [[(3, 4), (2, 5)]], seed=133, steps=4, options=options)
    for group, grads in zip(scenario["groups"], scenario["grads"], strict=True):
        group["params"] = [non_contiguous(p) for p in group["params"]]
        grads[:] = [non_contiguous(g) for g in grads]
    check_scenario(learner, scenario)


# ---------------------------------------------------------------- Adam


@points(1)
@pytest.mark.parametrize(("options", "grad_scale"), ADAM_OPTIONS)
def test_adam_options_more(learner, options, grad_scale):
    """Adam follows torch.optim.Adam for these options, for 25 steps
    zh: Adam 在这些选项下、25 步内与 torch.optim.Adam 一致"""
    scenario = P.make_scenario(
        "Adam",
        [[(3, 3), (2,), ()]],
        seed=111,
        steps=25,
        options=options,
        grad_scale=grad_scale,
    )
    check_scenario(learner, scenario)


@points(2)
@devices("cpu", "cuda", "standin")
def test_adam_float64_devices(learner, device):
    """Adam in float64 with weight decay, on each device
    zh: Adam 使用 float64 和权重衰减，在每个设备上"""
    scenario = P.make_scenario(
        "Adam",
        [[(2, 4), (3,)]],
        seed=112,
        options={"lr": 0.03, "betas": (0.85, 0.995), "weight_decay": 0.02},
        dtypes=[torch.float64],
        device=device,
    )
    check_scenario(learner, scenario)


@points(1)
def test_adam_zero_gradients(learner):
    """Adam with gradients that are exactly zero in places stays finite and matches torch
    zh: Adam 在部分梯度恰好为零时仍为有限值，并与 torch 一致"""
    scenario = P.make_scenario(
        "Adam",
        [[(6,), (3, 3)]],
        seed=113,
        options={"lr": 0.01},
        zero_grads=0.4,
    )
    check_scenario(learner, scenario)


@points(2)
def test_adam_step_count_per_parameter(learner):
    """Adam counts steps per parameter and keeps no state for a parameter without gradients
    zh: Adam 按参数分别计数步数，且不为没有梯度的参数保留状态"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,), (2,)], [(4,), (1,)]],
        seed=114,
        steps=16,
        options={"lr": 0.05, "eps": 1e-6},
        group_options=[{}, {"lr": 0.02}],
        no_grad={(0, 1): set(range(8)), (1, 1): set(range(16)), (1, 0): {5, 6}},
    )
    check_scenario(learner, scenario, state=True)


@points(1)
def test_adam_lr_schedule(learner):
    """Adam reads each group's lr at every step (as a scheduler changes it)
    zh: Adam 每一步都读取每个参数组的 lr（学习率调度器会修改它）"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,)], [(2, 2)]],
        seed=115,
        steps=12,
        options={"lr": 0.05},
        group_options=[{}, {"lr": 0.01}],
        lr_changes=[(3, 0, 0.005), (7, 1, 0.1)],
    )
    check_scenario(learner, scenario)


@points(2)
def test_adam_resume_before_some_state(learner):
    """Adam resumes from a state_dict saved before one parameter had its first gradient
    zh: Adam 从某个参数得到第一个梯度之前保存的 state_dict 恢复"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,), (2, 2)], [(5,)]],
        seed=116,
        steps=14,
        options={"lr": 0.02, "betas": (0.8, 0.95), "weight_decay": 0.01},
        group_options=[{}, {"lr": 0.05}],
        no_grad={(0, 1): set(range(6))},
        resume_at=4,
    )
    check_scenario(learner, scenario, state=True)


@points(1)
def test_adam_invalid_and_edge_arguments(learner):
    """Adam refuses more invalid options with ValueError, and accepts the edge values torch accepts
    zh: Adam 对更多无效选项抛出 ValueError，并接受 torch 接受的边界值"""
    for n_params, options in [
        (1, {"betas": (0.9, 1.0)}),
        (1, {"betas": (-0.01, 0.999)}),
        (1, {"lr": 0.01, "eps": -1e-12}),
        (1, {"lr": 0.01, "weight_decay": -1e-6}),
        (0, {"lr": 0.01}),
    ]:
        params = "[]" if n_params == 0 else "params"
        with expect_raises("ValueError", what=f"Adam({params}, {P.format_options(options)})"):
            learner.probe("construct", "Adam", n_params, options)
    for options in [{"lr": 0.0}, {"betas": (0.0, 0.0)}, {"eps": 0.0, "weight_decay": 0.0}]:
        seen = learner.probe("construct", "Adam", 1, options)
        P.check_class(seen, f"Adam(params, {P.format_options(options)})")


# ---------------------------------------------------------------- both


OPTIMIZERS = [
    pytest.param("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1}, id="SGD"),
    pytest.param("Adam", {"lr": 0.05, "betas": (0.7, 0.9), "weight_decay": 0.1}, id="Adam"),
]


@points(1)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS)
def test_zero_grad_with_options(learner, name, options):
    """zero_grad() clears every .grad; a step after it changes nothing, even with weight decay
    zh: zero_grad() 清除每个 .grad；之后的一步什么也不改变，即使有权重衰减"""
    values = [make_tensor(4, seed=121), make_tensor(3, 1, seed=122), make_tensor(2, seed=123)]
    seen = learner.probe("zero_grad", name, values, options)
    call = f"{name}(model.parameters(), {P.format_options(options)})"
    P.check_class(seen, call)
    for i, grad in enumerate(seen["after_default"]):
        if grad is not None:
            fail(MESSAGES.say("zero_grad_not_none_short", call=call, i=i + 1))
    for i, (after, before) in enumerate(zip(seen["after_step"], values, strict=True)):
        assert_close(
            after, before, what=MESSAGES.say("after_zero_grad_step_short", call=call, i=i + 1)
        )
    for i, (grad, value) in enumerate(zip(seen["after_keep"], values, strict=True)):
        assert_close(
            grad,
            torch.zeros_like(value),
            what=MESSAGES.say("grad_after_keep", call=call, i=i + 1),
        )


@points(1)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS)
def test_step_closure_with_options(learner, name, options):
    """step(closure) in float64 with weight decay returns the loss from before each update
    zh: step(closure) 在 float64、有权重衰减时返回每次更新之前的损失"""
    f64 = torch.float64
    values = [make_tensor(5, seed=124, dtype=f64), make_tensor(2, 3, seed=125, dtype=f64)]
    targets = [make_tensor(5, seed=126, dtype=f64), make_tensor(2, 3, seed=127, dtype=f64)]
    seen = learner.probe("closure", name, values, targets, options, 6)
    expected = P.run_closure(P.torch_optimizer(name), values, targets, options, 6)
    call = f"{name}({P.format_options(options)})"
    P.check_class(seen, call)
    for k, (loss, want) in enumerate(zip(seen["losses"], expected["losses"], strict=True), start=1):
        if loss is None:
            fail(MESSAGES.say("closure_none_short", call=call, k=k))
        assert_close(loss, want, what=MESSAGES.say("closure_loss", call=call, k=k))
        for i, (got, param) in enumerate(
            zip(seen["trail"][k - 1], expected["trail"][k - 1], strict=True)
        ):
            assert_close(
                got, param, what=MESSAGES.say("after_closure_step", call=call, i=i + 1, k=k)
            )
