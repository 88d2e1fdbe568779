"""Public checks for 07 optim: learners run these with `grader check 07`."""

import pytest
import torch

from grader.testing import (
    assert_close,
    devices,
    expect_raises,
    fail,
    make_tensor,
    points,
    probes_of,
    public,
)

pytestmark = public
P = probes_of(__file__)
MESSAGES = P.messages()  # this folder's sentences, in English and Chinese (probes.py: TEXTS)


def check_scenario(learner, scenario: dict, *, state: bool = False) -> None:
    """Run a scenario with the learner's optimizer and with torch.optim, and compare every
    parameter after every step; with `state`, also which parameters have state at the end."""
    seen = learner.probe("trajectory", scenario)
    expected = P.expected_trajectory(scenario)
    P.check_trajectory(seen, scenario, expected)
    if state:
        P.check_state(seen, scenario, expected)


def sgd_combinations(*, momenta=(0.0, 0.9), dampenings=(0.0, 0.1), decays=(0.0, 0.01)) -> list:
    """Every valid combination of momentum, dampening, weight decay and Nesterov."""
    cases = []
    for momentum in momenta:
        for dampening in dampenings:
            for weight_decay in decays:
                for nesterov in (False, True):
                    if nesterov and (momentum == 0 or dampening != 0):
                        continue  # torch refuses these (see the invalid-argument checks)
                    options = {
                        "momentum": momentum,
                        "dampening": dampening,
                        "weight_decay": weight_decay,
                        "nesterov": nesterov,
                    }
                    options = {k: v for k, v in options.items() if v}
                    cases.append(pytest.param(options, id="-".join(options) or "plain"))
    return cases


ADAM_OPTIONS = [
    pytest.param({"lr": 0.01}, id="lr"),
    pytest.param({"lr": 0.1, "betas": (0.8, 0.99)}, id="betas"),
    pytest.param({"lr": 0.05, "eps": 0.01}, id="eps"),  # a large eps: where it goes matters
    pytest.param({"lr": 0.01, "weight_decay": 0.1}, id="weight_decay"),
]


# ---------------------------------------------------------------- SGD


@points(1)
@devices("cpu", "cuda", "standin")
def test_sgd_plain(learner, device):
    """SGD(lr) follows torch.optim.SGD, step after step
    zh: SGD(lr) 每一步都与 torch.optim.SGD 一致"""
    scenario = P.make_scenario(
        "SGD", [[(3,), (2, 3)]], seed=1, options={"lr": 0.1}, device=device, plain=True
    )
    check_scenario(learner, scenario)


@points(2)
@devices("cpu", "cuda", "standin")
def test_sgd_momentum(learner, device):
    """SGD with momentum follows torch.optim.SGD
    zh: 带动量的 SGD 与 torch.optim.SGD 一致"""
    scenario = P.make_scenario(
        "SGD", [[(4,), (2, 2)]], seed=2, options={"lr": 0.05, "momentum": 0.9}, device=device
    )
    check_scenario(learner, scenario)


@points(2)
def test_sgd_first_momentum_step(learner):
    """SGD's first momentum step uses the raw gradient (no dampening), later steps dampen
    zh: SGD 的第一个动量步使用原始梯度（不做 dampening），之后的步才做 dampening"""
    scenario = P.make_scenario(
        "SGD",
        [[(5,)]],
        seed=3,
        steps=3,
        options={"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
        dtypes=[torch.float64],
    )
    check_scenario(learner, scenario)


@points(1)
@pytest.mark.parametrize("options", sgd_combinations())
def test_sgd_options(learner, options):
    """SGD follows torch.optim.SGD for this combination of options
    zh: SGD 在这组选项下与 torch.optim.SGD 一致"""
    scenario = P.make_scenario("SGD", [[(3,), (2, 2)]], seed=4, options={"lr": 0.1, **options})
    check_scenario(learner, scenario)


@points(2)
def test_sgd_param_groups(learner):
    """SGD uses each parameter group's own options
    zh: SGD 使用每个参数组自己的选项"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,), (2, 2)], [(5,)]],
        seed=5,
        options={"lr": 0.1, "momentum": 0.5},
        group_options=[
            {"lr": 0.03, "momentum": 0.9, "nesterov": True},
            {"weight_decay": 0.1, "dampening": 0.2},
        ],
    )
    check_scenario(learner, scenario)


@points(2)
def test_sgd_skips_params_without_grad(learner):
    """SGD skips parameters whose .grad is None (no change, no state)
    zh: SGD 跳过 .grad 为 None 的参数（不改变，也没有状态）"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,), (2,), (4,)]],
        seed=6,
        options={"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
        no_grad={(0, 1): set(range(20)), (0, 2): {3, 4, 5, 10}},
    )
    check_scenario(learner, scenario, state=True)


@points(2)
def test_sgd_state_dict_round_trip(learner):
    """SGD's state_dict() and load_state_dict() let a run resume exactly
    zh: SGD 的 state_dict() 和 load_state_dict() 让训练精确地接着进行"""
    scenario = P.make_scenario(
        "SGD",
        [[(3,), (2, 2)]],
        seed=7,
        steps=12,
        options={"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
        resume_at=5,
    )
    check_scenario(learner, scenario, state=True)


@points(2)
def test_sgd_invalid_arguments(learner):
    """SGD raises ValueError for invalid options, as torch does
    zh: SGD 对无效选项抛出 ValueError，与 torch 相同"""
    for options in [
        {"lr": -0.1},
        {"lr": 0.1, "momentum": -0.5},
        {"lr": 0.1, "weight_decay": -1e-4},
        {"lr": 0.1, "nesterov": True},
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
    ]:
        with expect_raises("ValueError", what=f"SGD(params, {P.format_options(options)})"):
            learner.probe("construct", "SGD", 1, options)
    seen = learner.probe("construct", "SGD", 1, {"lr": 0.1})
    P.check_class(seen, "SGD(params, lr=0.1)")


# ---------------------------------------------------------------- Adam


@points(2)
@devices("cpu", "cuda", "standin")
def test_adam_defaults(learner, device):
    """Adam with its default options follows torch.optim.Adam, step after step
    zh: 使用默认选项的 Adam 每一步都与 torch.optim.Adam 一致"""
    scenario = P.make_scenario("Adam", [[(3,), (2, 3)]], seed=11, device=device, plain=True)
    check_scenario(learner, scenario)


@points(1)
@pytest.mark.parametrize("options", ADAM_OPTIONS)
def test_adam_options(learner, options):
    """Adam follows torch.optim.Adam for these options
    zh: Adam 在这些选项下与 torch.optim.Adam 一致"""
    scenario = P.make_scenario("Adam", [[(4,), (3, 2)]], seed=12, options=options)
    check_scenario(learner, scenario)


@points(2)
def test_adam_param_groups(learner):
    """Adam uses each parameter group's own options
    zh: Adam 使用每个参数组自己的选项"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,)], [(2, 2), (4,)]],
        seed=13,
        options={"lr": 0.02},
        group_options=[{"lr": 0.1, "betas": (0.5, 0.9)}, {"eps": 0.01, "weight_decay": 0.05}],
    )
    check_scenario(learner, scenario)


@points(2)
def test_adam_skips_params_without_grad(learner):
    """Adam skips parameters whose .grad is None, and counts steps per parameter
    zh: Adam 跳过 .grad 为 None 的参数，并按参数分别计数步数"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,), (2,), (4,)]],
        seed=14,
        options={"lr": 0.05, "weight_decay": 0.01},
        no_grad={(0, 1): set(range(20)), (0, 2): {0, 1, 2, 3, 4, 9, 10}},
    )
    check_scenario(learner, scenario, state=True)


@points(2)
def test_adam_state_dict_round_trip(learner):
    """Adam's state_dict() and load_state_dict() let a run resume exactly
    zh: Adam 的 state_dict() 和 load_state_dict() 让训练精确地接着进行"""
    scenario = P.make_scenario(
        "Adam",
        [[(3,), (2, 2)]],
        seed=15,
        steps=15,
        options={"lr": 0.01, "weight_decay": 0.01},
        resume_at=7,
    )
    check_scenario(learner, scenario, state=True)


@points(2)
def test_adam_invalid_arguments(learner):
    """Adam raises ValueError for invalid options, as torch does
    zh: Adam 对无效选项抛出 ValueError，与 torch 相同"""
    for options in [
        {"lr": -1e-3},
        {"eps": -1e-8},
        {"betas": (1.0, 0.999)},
        {"betas": (0.9, -0.1)},
        {"weight_decay": -0.01},
    ]:
        with expect_raises("ValueError", what=f"Adam(params, {P.format_options(options)})"):
            learner.probe("construct", "Adam", 1, options)
    seen = learner.probe("construct", "Adam", 1, {})
    P.check_class(seen, "Adam(params)")


# ---------------------------------------------------------------- both


OPTIMIZERS = [
    pytest.param("SGD", {"lr": 0.1, "momentum": 0.9}, id="SGD"),
    pytest.param("Adam", {"lr": 0.01}, id="Adam"),
]


@points(1)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS)
def test_zero_grad(learner, name, options):
    """zero_grad() clears every .grad, and a step after it changes nothing
    zh: zero_grad() 清除每个 .grad，之后的一步什么也不改变"""
    values = [make_tensor(3, seed=21), make_tensor(2, 2, seed=22)]
    seen = learner.probe("zero_grad", name, values, options)
    call = f"{name}(model.parameters(), {P.format_options(options)})"
    P.check_class(seen, call)
    for i, grad in enumerate(seen["after_default"]):
        if grad is not None:
            fail(MESSAGES.say("zero_grad_not_none", call=call, i=i + 1, grad=repr(grad)))
    for i, (after, before) in enumerate(zip(seen["after_step"], values, strict=True)):
        assert_close(
            after,
            before,
            what=MESSAGES.say("after_zero_grad_step", call=call, i=i + 1),
        )
    for i, (grad, value) in enumerate(zip(seen["after_keep"], values, strict=True)):
        assert_close(
            grad,
            torch.zeros_like(value),
            what=MESSAGES.say("grad_after_keep", call=call, i=i + 1),
        )


@points(1)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS)
def test_step_closure(learner, name, options):
    """step(closure) evaluates the loss with gradients enabled and returns it
    zh: step(closure) 在启用梯度的情况下计算损失并返回它"""
    values = [make_tensor(3, seed=23), make_tensor(2, 2, seed=24)]
    targets = [make_tensor(3, seed=25), make_tensor(2, 2, seed=26)]
    seen = learner.probe("closure", name, values, targets, options, 5)
    expected = P.run_closure(P.torch_optimizer(name), values, targets, options, 5)
    check_closure(seen, expected, f"{name}({P.format_options(options)})")


def check_closure(seen: dict, expected: dict, call: str) -> None:
    P.check_class(seen, call)
    for k, (loss, want) in enumerate(zip(seen["losses"], expected["losses"], strict=True), start=1):
        if loss is None:
            fail(MESSAGES.say("closure_returned_none", call=call, k=k))
        assert_close(loss, want, what=MESSAGES.say("closure_loss", call=call, k=k))
        for i, (got, param) in enumerate(
            zip(seen["trail"][k - 1], expected["trail"][k - 1], strict=True)
        ):
            assert_close(
                got, param, what=MESSAGES.say("after_closure_step", call=call, i=i + 1, k=k)
            )
