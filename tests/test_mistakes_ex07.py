"""Exercise 07's suites against plausible wrong optimizers: each mistake fails the checks meant
to catch it, with a message that points at it, and leaves the unrelated checks passing."""

from __future__ import annotations

import pytest
from helpers import checks_named, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions

MODULE = "ex07_optim.py"
SOLUTION = solution(MODULE)


def mutant(*edits: tuple[str, str, int]) -> dict[str, str]:
    """The solution with each edit (old, new, n) applied to the n-th occurrence of `old`."""
    source = SOLUTION
    for old, new, n in edits:
        at = -1
        for _ in range(n):
            at = source.find(old, at + 1)
            assert at >= 0, f"occurrence {n} of {old!r} is not in the solution"
        source = source[:at] + new + source[at + len(old) :]
    return {MODULE: source}


def edit(old: str, new: str, n: int = 1) -> tuple[str, str, int]:
    return (old, new, n)


# --- mistakes in SGD (the solution's SGD comes first in the file, then Adam)
SGD_DAMPENS_FIRST_STEP = edit(
    """                    if buf is None:
                        # The first momentum step copies the gradient: no dampening yet.
                        buf = state["momentum_buffer"] = grad.clone()
                    else:
                        buf.mul_(momentum).add_(grad, alpha=1 - dampening)
""",
    """                    if buf is None:
                        buf = state["momentum_buffer"] = torch.zeros_like(p)
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
""",
)
SGD_DECAY_AFTER_MOMENTUM = [
    edit(
        """                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)  # a new tensor: p.grad stays as it is
""",
        "",
    ),
    edit(
        "                p.add_(grad, alpha=-lr)",
        "                if weight_decay != 0:\n"
        "                    grad = grad.add(p, alpha=weight_decay)\n"
        "                p.add_(grad, alpha=-lr)",
    ),
]
SGD_NESTEROV_SWAPPED = edit(
    'grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf',
    'grad = buf.add(grad, alpha=momentum) if group["nesterov"] else buf',
)
SGD_UPDATES_WITHOUT_GRAD = edit(
    """                if p.grad is None:
                    continue  # no gradient: no change and no state
                grad = p.grad
""",
    "                grad = p.grad if p.grad is not None else torch.zeros_like(p)\n",
)
SGD_STATE_OUTSIDE_SELF_STATE = edit(
    "state = self.state[p]", "state = self.__dict__.setdefault('buffers', {}).setdefault(p, {})"
)
SGD_ACCEPTS_NEGATIVE_LR = edit(
    '        if lr < 0.0:\n            raise ValueError(f"Invalid learning rate: {lr}")\n', ""
)
SGD_LR_FROM_DEFAULTS = edit(
    'lr, momentum = group["lr"], group["momentum"]',
    'lr, momentum = self.defaults["lr"], group["momentum"]',
)
SGD_CALLS_TORCH_SGD = edit(
    "        for group in self.param_groups:\n            # Read the options",
    "        for group in self.param_groups:\n"
    '            torch.optim.SGD(group["params"], lr=group["lr"]).step()\n'
    "            # Read the options",
)

SGD_RETURNS_ZERO = edit("        loss = None\n", "        loss = 0\n")  # SGD's comes first
SGD_BUFFER_IS_GRAD = edit(  # the buffer aliases p.grad: the next backward() overwrites it
    'buf = state["momentum_buffer"] = grad.clone()', 'buf = state["momentum_buffer"] = grad'
)
# --- mistakes in Adam
ADAM_DECAY_IN_PLACE = edit(  # writes the L2 penalty into the caller's p.grad
    "grad = grad.add(p, alpha=weight_decay)  # Adam's", "grad = grad.add_(p, alpha=weight_decay)  #"
)
ADAM_DEFAULT_EPS = edit("eps: float = 1e-8,", "eps: float = 1e-6,")
ADAM_NO_BIAS_CORRECTION = [
    edit(
        "denom = (exp_avg_sq.sqrt() / math.sqrt(bias_correction2)).add_(eps)",
        "denom = exp_avg_sq.sqrt().add_(eps)",
    ),
    edit("value=-lr / bias_correction1", "value=-lr"),
]
ADAM_EPS_INSIDE_SQRT = edit(
    "denom = (exp_avg_sq.sqrt() / math.sqrt(bias_correction2)).add_(eps)",
    "denom = (exp_avg_sq / bias_correction2).add_(eps).sqrt()",
)
ADAM_CRASHES_WITHOUT_GRAD = edit(
    """                if p.grad is None:
                    continue  # no state is created and no step is counted for this parameter
""",
    "",
)
ADAM_GLOBAL_STEP_COUNT = [  # one step count for the whole optimizer, not one per parameter
    edit(
        "        for group in self.param_groups:\n            lr, eps, weight_decay",
        "        self.t = getattr(self, 't', 0) + 1\n"
        "        for group in self.param_groups:\n            lr, eps, weight_decay",
    ),
    edit(
        '                state["step"] += 1\n                t = state["step"]',
        "                t = self.t",
    ),
]
ADAM_STATE_ON_CPU = edit(
    'state["exp_avg"] = torch.zeros_like(p)',
    'state["exp_avg"] = torch.zeros(p.shape, dtype=p.dtype)',
)
ADAM_CALLS_FUNCTIONAL_ADAM = edit(
    '            beta1, beta2 = group["betas"]\n',
    '            beta1, beta2 = group["betas"]\n'
    "            torch.optim._functional.adam([], [], [], [], [], [], amsgrad=False,"
    " has_complex=False, beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay,"
    " eps=eps, maximize=False)\n",
)
ADAM_CLOSURE_WITHOUT_GRAD = edit(
    # Adam's line (SGD's carries a comment)
    "            with torch.enable_grad():\n                loss = closure()\n",
    "            loss = closure()\n",
)

ADAM_STEP_TENSOR_ON_DEVICE = [  # right on CPU and CUDA, so right on the stand-in too
    edit('state["step"] = 0', 'state["step"] = torch.zeros((), device=p.device)'),
    edit('t = state["step"]  #', 't = state["step"].item()  #'),
]
ADAM_BUILDS_ADAMW = edit(  # AdamW with weight_decay=0 is Adam: the guard misses AdamW
    '            beta1, beta2 = group["betas"]\n',
    '            beta1, beta2 = group["betas"]\n'
    '            torch.optim.AdamW(group["params"], lr=lr, weight_decay=0.0)\n',
)

# Both classes inherit torch's optimizers, and so run torch's code without calling it.
INHERITING = (
    SOLUTION[: SOLUTION.index("class SGD(")]
    + "class SGD(torch.optim.SGD):\n    pass\n\n\nclass Adam(torch.optim.Adam):\n    pass\n"
)

# A correct SGD and Adam written differently from the solution (textbook arithmetic, step
# kept as a tensor, p.data updates): the suite's tolerances must accept it.
TEXTBOOK = """
import torch


class SGD(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError("negative option")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov needs momentum and no dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data + group["weight_decay"] * p.data
                if group["momentum"]:
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g.clone()
                    else:
                        state["buf"] = (group["momentum"] * state["buf"]
                                        + (1 - group["dampening"]) * g)
                    buf = state["buf"]
                    g = g + group["momentum"] * buf if group["nesterov"] else buf
                p.data = p.data - group["lr"] * g
        return loss


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if lr < 0 or eps < 0 or weight_decay < 0 or not all(0 <= b < 1 for b in betas):
            raise ValueError("bad option")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data + group["weight_decay"] * p.data
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["m"] = torch.zeros_like(p.data)
                    state["v"] = torch.zeros_like(p.data)
                state["step"] += 1
                t = state["step"].item()
                state["m"] = b1 * state["m"] + (1 - b1) * g
                state["v"] = b2 * state["v"] + (1 - b2) * g * g
                m_hat = state["m"] / (1 - b1**t)
                v_hat = state["v"] / (1 - b2**t)
                p.data = p.data - group["lr"] * m_hat / (v_hat.sqrt() + group["eps"])
        return loss
"""

# Most mutants hold one mistake in SGD and one in Adam, which touch different checks: fewer
# mutants keep this file quick (each one is a full grading run of the exercise).
MUTANTS = {
    "textbook": {MODULE: TEXTBOOK},
    "first_step__bias_correction": mutant(SGD_DAMPENS_FIRST_STEP, *ADAM_NO_BIAS_CORRECTION),
    "decay_order__eps_in_sqrt": mutant(*SGD_DECAY_AFTER_MOMENTUM, ADAM_EPS_INSIDE_SQRT),
    "nesterov__crash_without_grad": mutant(SGD_NESTEROV_SWAPPED, ADAM_CRASHES_WITHOUT_GRAD),
    "update_without_grad__global_step": mutant(SGD_UPDATES_WITHOUT_GRAD, *ADAM_GLOBAL_STEP_COUNT),
    "state_outside__state_on_cpu": mutant(SGD_STATE_OUTSIDE_SELF_STATE, ADAM_STATE_ON_CPU),
    "negative_lr__functional_adam": mutant(SGD_ACCEPTS_NEGATIVE_LR, ADAM_CALLS_FUNCTIONAL_ADAM),
    "lr_from_defaults__closure": mutant(
        SGD_LR_FROM_DEFAULTS, ADAM_CLOSURE_WITHOUT_GRAD, *ADAM_STEP_TENSOR_ON_DEVICE
    ),
    "torch_sgd__torch_adamw": mutant(SGD_CALLS_TORCH_SGD, ADAM_BUILDS_ADAMW),
    "inherits_torch": {MODULE: INHERITING},
    "returns_zero__decay_in_place": mutant(SGD_RETURNS_ZERO, ADAM_DECAY_IN_PLACE),
    "buffer_is_grad__default_eps": mutant(SGD_BUFFER_IS_GRAD, ADAM_DEFAULT_EPS),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_mutants("07", MUTANTS, tmp_path_factory.mktemp("ex07"), "--reveal-hidden")


def outcomes(results: dict, prefix: str) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["outcome"], c["message"]) for c in checks_named(results, prefix)}


def assert_fails(results: dict, prefix: str, *phrases: str) -> None:
    found = outcomes(results, prefix)
    assert found, f"no check named {prefix}"
    for name, (outcome, message) in found.items():
        assert outcome == "failed", f"{name} should fail: {outcome}"
        for phrase in phrases:
            assert phrase in message, f"{name}: {phrase!r} not in {message!r}"


def assert_passes(results: dict, *prefixes: str) -> None:
    for prefix in prefixes:
        found = outcomes(results, prefix)
        assert found, f"no check named {prefix}"
        for name, (outcome, message) in found.items():
            if outcome != "skipped":
                assert outcome == "passed", f"{name} should pass: {message}"


def test_textbook_implementation_passes_everything(graded):
    checks = [c for e in graded["textbook"]["exercises"] for c in e["checks"]]
    assert len(checks) > 60
    wrong = {c["name"]: c["message"] for c in checks if c["outcome"] not in ("passed", "skipped")}
    assert not wrong


def test_sgd_dampening_the_first_step_and_adam_without_bias_correction(graded):
    result = graded["first_step__bias_correction"]
    assert_fails(result, "test_sgd_first_momentum_step", "after step 1,", "the first momentum step")
    assert_fails(result, "test_sgd_options[momentum-dampening]", "the first momentum step")
    assert_fails(result, "test_sgd_first_momentum_step_per_parameter", "the first momentum step")
    assert_passes(result, "test_sgd_plain", "test_sgd_momentum", "test_sgd_options[momentum]")
    assert_passes(result, "test_sgd_options[momentum-nesterov]", "test_sgd_options[weight_decay]")
    assert_fails(result, "test_adam_defaults[cpu]", "after step 1,", "moves each entry by about lr")
    assert_fails(result, "test_adam_options")
    assert_passes(result, "test_adam_invalid_arguments", "test_zero_grad[Adam]")


def test_sgd_weight_decay_after_momentum_and_adam_eps_inside_the_sqrt(graded):
    result = graded["decay_order__eps_in_sqrt"]
    assert_fails(result, "test_sgd_options[momentum-weight_decay]", "after step 2,", "weight decay")
    assert_passes(result, "test_sgd_options[weight_decay]", "test_sgd_momentum", "test_sgd_plain")
    assert_fails(result, "test_adam_options[eps]", "eps added after the")
    assert_fails(result, "test_adam_options_more[small_grads]")
    assert_passes(result, "test_adam_defaults", "test_adam_options[lr]", "test_adam_options[betas]")


def test_sgd_nesterov_swapped_and_adam_crashing_on_a_missing_grad(graded):
    result = graded["nesterov__crash_without_grad"]
    assert_fails(result, "test_sgd_options[momentum-nesterov]", "after step 2,", "Nesterov")
    assert_fails(result, "test_sgd_nesterov_devices[cpu]", "after step 2,")
    assert_passes(result, "test_sgd_options[momentum]", "test_sgd_momentum", "test_sgd_plain")
    assert_fails(result, "test_adam_skips_params_without_grad", "NoneType")
    assert_passes(result, "test_adam_defaults", "test_adam_options", "test_adam_state_dict")


def test_sgd_updating_params_without_grad_and_adam_counting_steps_globally(graded):
    result = graded["update_without_grad__global_step"]
    assert_fails(
        result,
        "test_sgd_skips_params_without_grad",
        "parameter 2 of group 1",
        "has had no gradient yet",
    )
    assert_passes(result, "test_sgd_plain", "test_sgd_options", "test_sgd_state_dict")
    assert_fails(
        result, "test_adam_skips_params_without_grad", "steps without a gradient do not count"
    )
    assert_fails(
        result, "test_adam_step_count_per_parameter", "steps without a gradient do not count"
    )
    assert_passes(result, "test_adam_defaults", "test_adam_options", "test_adam_param_groups")


def test_sgd_state_outside_self_state_and_adam_state_made_on_the_cpu(graded):
    result = graded["state_outside__state_on_cpu"]
    assert_fails(result, "test_sgd_state_dict_round_trip", "after step 6,", "load_state_dict()")
    assert_fails(result, "test_sgd_skips_params_without_grad", "self.state holds nothing")
    # the trajectories themselves are right: only the checks about state fail
    assert_passes(result, "test_sgd_plain", "test_sgd_momentum", "test_sgd_options")
    assert_fails(result, "test_adam_defaults[standin]", "mixed devices", "torch.zeros_like(p)")
    assert_passes(result, "test_adam_defaults[cpu]", "test_adam_options", "test_adam_state_dict")


def test_sgd_accepting_a_negative_lr_and_adam_calling_functional_adam(graded):
    result = graded["negative_lr__functional_adam"]
    assert_fails(result, "test_sgd_invalid_arguments", "lr=-0.1", "expected your code to raise")
    assert_passes(result, "test_sgd_plain", "test_sgd_options", "test_sgd_state_dict")
    assert_fails(
        result, "test_adam_defaults[cpu]", "`Adam.step` called `torch.optim._functional.adam`"
    )
    assert checks_named(result, "test_adam_defaults[cpu]")[0]["kind"] == "forbidden"
    assert_passes(result, "test_adam_invalid_arguments")


def test_sgd_lr_from_defaults_and_adam_closure_and_step_on_device(graded):
    result = graded["lr_from_defaults__closure"]
    assert_fails(result, "test_sgd_param_groups", "parameter 1 of group 1")
    assert_fails(result, "test_sgd_lr_schedule", "parameter 1 of group 2")
    assert_passes(result, "test_sgd_plain", "test_sgd_options", "test_step_closure[SGD]")
    assert_fails(result, "test_step_closure[Adam]", "with torch.enable_grad()")
    assert_passes(
        result,
        "test_adam_defaults[cpu]",
        "test_adam_defaults[standin]",  # .item() of a step kept on the device: right on a GPU
        "test_adam_param_groups",
        "test_zero_grad[Adam]",
    )


def test_sgd_calling_torch_sgd_and_adam_building_torchs_adamw(graded):
    result = graded["torch_sgd__torch_adamw"]
    assert_fails(result, "test_sgd_plain[cpu]", "`SGD.step` called `torch.optim.SGD`")
    assert checks_named(result, "test_sgd_plain[cpu]")[0]["kind"] == "forbidden"
    assert_passes(result, "test_sgd_invalid_arguments")
    # The guard catches the construction itself and names the learner's function.
    assert_fails(result, "test_adam_defaults[cpu]", "`Adam.step` called `torch.optim.AdamW`")
    assert_fails(result, "test_step_closure[Adam]", "`Adam.step` called `torch.optim.AdamW`")
    assert checks_named(result, "test_adam_defaults[cpu]")[0]["kind"] == "forbidden"


def test_inheriting_torchs_optimizers(graded):
    result = graded["inherits_torch"]
    for check in ("test_sgd_plain[cpu]", "test_sgd_invalid_arguments", "test_zero_grad[SGD]"):
        assert_fails(result, check, "inherits torch.optim.sgd.SGD")
    for check in (
        "test_adam_defaults[cpu]",
        "test_adam_invalid_arguments",
        "test_step_closure[Adam]",
    ):
        assert_fails(result, check, "inherits torch.optim.adam.Adam")


def test_sgd_step_returning_zero_and_adam_decaying_the_grad_in_place(graded):
    result = graded["returns_zero__decay_in_place"]
    assert_fails(result, "test_sgd_plain[cpu]", "step() without a closure returned 0", "None")
    assert_passes(result, "test_step_closure[SGD]", "test_sgd_invalid_arguments")
    assert_fails(
        result, "test_adam_options[weight_decay]", "changed the .grad of parameter", "p.grad"
    )
    assert_passes(result, "test_adam_defaults", "test_adam_options[lr]", "test_step_closure[Adam]")


def test_sgd_buffer_aliasing_the_grad_and_adams_default_eps(graded):
    result = graded["buffer_is_grad__default_eps"]
    assert_fails(
        result, "test_sgd_gradients_written_in_place", "step 2 changed the .grad", "clone()"
    )
    assert_passes(result, "test_sgd_momentum", "test_sgd_options", "test_sgd_first_momentum_step")
    assert_fails(result, "test_adam_options_more[default_eps]", "after step 1,")
    assert_passes(result, "test_adam_options[eps]", "test_adam_options_more[small_grads]")
