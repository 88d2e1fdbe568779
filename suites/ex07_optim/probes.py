"""Probes for 07 optim: run the learner's optimizer through a scenario of gradients.

Optimizers cannot cross between the judge and the worker, so the judge sends a scenario as
plain data (starting values of the parameters, their groups and options, and the gradient
of every parameter at every step), a probe here builds the parameters and the learner's
optimizer and feeds it those gradients, and every parameter after every step comes back.
The judge runs the same scenario, with the same `run_scenario`, through torch.optim and
compares. The scenario builders and the comparison at the end of this file are judge-side
helpers (imported in the judge with `probes_of`); they hold no expected values.
"""

from __future__ import annotations

import functools
import importlib
import io
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from grader.probe import is_device_error, probe

# torch's own optimizer code, in every form a learner could reach it by (torch 2.13 names).
_TORCH_OPTIMIZERS = [
    "torch.optim.SGD",
    "torch.optim.sgd.sgd",
    "torch.optim._functional.sgd",
    "torch.optim.sgd._single_tensor_sgd",
    "torch.optim.sgd._multi_tensor_sgd",
    "torch.optim.sgd._fused_sgd",
    "torch._fused_sgd_",
    "torch.optim.Adam",
    "torch.optim.adam.adam",
    "torch.optim._functional.adam",
    "torch.optim.adam._single_tensor_adam",
    "torch.optim.adam._multi_tensor_adam",
    "torch.optim.adam._fused_adam",
    "torch._fused_adam_",
    "torch.optim.AdamW",
    "torch.optim.adamw.adamw",
    "torch.optim._functional.adamw",
    "torch._fused_adamw_",
]

FORBIDDEN = {"SGD.*": _TORCH_OPTIMIZERS, "Adam.*": _TORCH_OPTIMIZERS}

# torch/optim/__init__.py deletes its submodule attributes (`del sgd`), so the guard, which
# looks "torch.optim.sgd" up as an attribute, could not patch the functions listed above that
# live in those modules: give the attributes back (the modules are already imported).
for _module in ("sgd", "adam", "adamw"):
    setattr(torch.optim, _module, importlib.import_module(f"torch.optim.{_module}"))

# A learner class that merely inherits torch's optimizer runs torch's code without calling it.
TORCH_CLASSES = ("torch.optim.sgd.SGD", "torch.optim.adam.Adam", "torch.optim.adamw.AdamW")

# ---------------------------------------------------------------- running a scenario
#
# A scenario is a dict:
#   optimizer   "SGD" or "Adam"
#   groups      [{"params": [tensor, ...], **group options}, ...]
#   options     keyword arguments of the constructor (the defaults of every group)
#   grads       grads[g][i][k]: the gradient of parameter i of group g at step k (one
#               tensor per parameter, all its steps stacked: fewer tensors to send)
#   missing     missing[g][i]: the steps k at which that parameter has no gradient (None)
#   lr_changes  [(k, g, lr), ...]: set param_groups[g]["lr"] = lr just before step k
#   resume_at   k: just before step k, save state_dict(), build a new optimizer on new
#               parameters with the current values, and load_state_dict() into it
#   plain       pass the parameters as a generator (like model.parameters()), not as groups
#   in_place_grads  write each step's gradient into the existing .grad (p.grad.copy_(g), as
#               backward() does after zero_grad(set_to_none=False)) instead of a new tensor


def run_scenario(make: Callable[..., Any], scenario: dict) -> tuple[list, Any, list, dict]:
    """Run `scenario` with the optimizer class `make`; returns (parameters, optimizer, trail,
    facts), where trail[g][i][k] is parameter i of group g after step k, and facts says what
    each step() returned (None, or the value's repr) and the first (k, g, i) at which step()
    changed the .grad it was given (None if it never did)."""
    groups = scenario["groups"]
    params = [[_parameter(t) for t in group["params"]] for group in groups]
    optimizer = make(_as_params(scenario, params), **scenario["options"])
    trail: list[list[list[torch.Tensor]]] = [[[] for _ in group] for group in params]
    facts: dict = {"returned": [], "grad_changed": None}
    for k in range(scenario["steps"]):
        if k == scenario.get("resume_at"):
            saved = _checkpoint(optimizer.state_dict())
            params = [[_parameter(p) for p in group] for group in params]
            optimizer = make(_as_params(scenario, params), **scenario["options"])
            optimizer.load_state_dict(saved)
        for when, g, lr in scenario.get("lr_changes", ()):
            if when == k:
                optimizer.param_groups[g]["lr"] = lr
        for g, group in enumerate(params):
            for i, p in enumerate(group):
                _give_gradient(p, scenario, g, i, k)
        returned = optimizer.step()
        facts["returned"].append(None if returned is None else repr(returned)[:60])
        for g, group in enumerate(params):
            for i, p in enumerate(group):
                trail[g][i].append(p.detach().clone())
                given = scenario["grads"][g][i][k]
                changed = p.grad is not None and not torch.equal(p.grad.detach(), given)
                if changed and facts["grad_changed"] is None:
                    facts["grad_changed"] = (k, g, i)
    stacked = [[torch.stack(steps) for steps in group] for group in trail]
    return params, optimizer, stacked, facts


def _give_gradient(p: torch.nn.Parameter, scenario: dict, g: int, i: int, k: int) -> None:
    """Parameter i of group g gets its gradient of step k: a tensor of its own (as backward()
    makes after zero_grad()), or written into the .grad it has (with in_place_grads)."""
    if k in scenario["missing"][g][i]:
        p.grad = None
    elif scenario.get("in_place_grads") and p.grad is not None:
        with torch.no_grad():
            p.grad.copy_(scenario["grads"][g][i][k])
    else:
        p.grad = scenario["grads"][g][i][k].detach().clone()


def _parameter(t: torch.Tensor) -> torch.nn.Parameter:
    return torch.nn.Parameter(t.detach().clone())


def _as_params(scenario: dict, params: list) -> Any:
    if scenario.get("plain"):
        return (p for group in params for p in group)
    options = [{k: v for k, v in g.items() if k != "params"} for g in scenario["groups"]]
    return [{"params": ps, **opts} for ps, opts in zip(params, options, strict=True)]


def _checkpoint(state: dict) -> dict:
    """A state_dict saved and loaded back, as a checkpoint file would be."""
    buffer = io.BytesIO()
    try:
        torch.save(state, buffer)
        buffer.seek(0)
        return torch.load(buffer, weights_only=True)
    except Exception as exc:
        raise RuntimeError(
            "optimizer.state_dict() could not be saved with torch.save and loaded back with "
            f"torch.load(weights_only=True) ({type(exc).__name__}: {str(exc)[:200]}). Keep "
            "only tensors and numbers in self.state."
        ) from None


def has_state(optimizer: Any, params: list) -> list[list[bool]]:
    """Which parameters have any state in the optimizer. Whatever a learner keeps in
    `self.state` (a dict per parameter as the docstring says, or a bare tensor, or another
    mapping), this never raises: an entry that is there and not empty counts as state."""
    state = getattr(optimizer, "state", None)
    return [[_holds_state(state, p) for p in group] for group in params]


def _holds_state(state: Any, p: torch.Tensor) -> bool:
    try:
        entry = state.get(p) if hasattr(state, "get") else None
    except Exception:  # a learner's own mapping may refuse tensors as keys
        return False
    if entry is None:
        return False
    try:
        return len(entry) > 0
    except TypeError:  # a 0-d tensor, a number: something is kept
        return True


def _class_facts(optimizer: Any) -> dict:
    kind = type(optimizer)
    return {
        "class_mro": [f"{c.__module__}.{c.__qualname__}" for c in kind.__mro__],
        "is_optimizer": isinstance(optimizer, torch.optim.Optimizer),
    }


@contextmanager
def _watching_torch_optimizers() -> Iterator[list[str]]:
    """Note every torch optimizer built while the block runs: a second line of defence beside
    the guard, which (in this grader version) misses torch.optim.AdamW, a subclass of Adam."""
    built: list[str] = []
    original = torch.optim.Optimizer.__init__

    def watched(self, *args, **kwargs):
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        if name in TORCH_CLASSES:
            built.append(name)
        return original(self, *args, **kwargs)

    torch.optim.Optimizer.__init__ = watched  # type: ignore[method-assign]
    try:
        yield built
    finally:
        torch.optim.Optimizer.__init__ = original  # type: ignore[method-assign]


def _on_standin(scenario: dict) -> bool:
    return any(t.device.type == "standin" for g in scenario["groups"] for t in g["params"])


def _learner_line(exc: BaseException, module: Any) -> str:
    """Where in the learner's file an exception came from: "line N: code"."""
    mine = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == module.__file__]
    return f"line {mine[-1].lineno}: {(mine[-1].line or '').strip()}" if mine else ""


def _device_checked(module: Any, scenario: dict, run: Callable[[], dict]) -> dict:
    """Run `run`; on the stand-in device (a pretend GPU that refuses to mix devices), report
    the op that mixed devices and where in the learner's file."""
    if not _on_standin(scenario):
        return run()
    try:
        return run()
    except RuntimeError as exc:
        message = str(exc)
        if not is_device_error(message):
            raise
        return {"device_error": message[:300], "where": _learner_line(exc, module)}


@probe
def trajectory(module, scenario: dict) -> dict:
    """Run a scenario with the learner's optimizer: every parameter after every step."""

    def run() -> dict:
        with _watching_torch_optimizers() as built:
            make = getattr(module, scenario["optimizer"])
            params, optimizer, trail, facts = run_scenario(make, scenario)
        return {
            "trail": trail,
            **facts,
            "has_state": has_state(optimizer, params),
            "built": built,
            **_class_facts(optimizer),
        }

    return _device_checked(module, scenario, run)


@probe
def construct(module, optimizer: str, n_params: int, options: dict) -> dict:
    """Build the learner's optimizer with these options (for its ValueErrors)."""
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(n_params)]
    with _watching_torch_optimizers() as built:
        made = getattr(module, optimizer)(params, **options)
    return {"built": built, **_class_facts(made)}


def run_zero_grad(make: Callable[..., Any], values: list, options: dict) -> dict:
    """Give every parameter a gradient; zero_grad(); step(); zero_grad(set_to_none=False)."""
    params = [_parameter(t) for t in values]
    optimizer = make(iter(params), **options)
    for p in params:
        p.grad = torch.ones_like(p)
    optimizer.zero_grad()
    after_default = [p.grad for p in params]
    optimizer.step()  # every .grad is None: nothing may change
    after_step = [p.detach().clone() for p in params]
    for p in params:
        p.grad = torch.ones_like(p)
    optimizer.zero_grad(set_to_none=False)
    after_keep = [None if p.grad is None else p.grad.clone() for p in params]
    return {
        "after_default": after_default,
        "after_step": after_step,
        "after_keep": after_keep,
        **_class_facts(optimizer),
    }


@probe
def zero_grad(module, optimizer: str, values: list, options: dict) -> dict:
    """zero_grad() and zero_grad(set_to_none=False) on the learner's optimizer."""
    with _watching_torch_optimizers() as built:
        seen = run_zero_grad(getattr(module, optimizer), values, options)
    return {**seen, "built": built}


def run_closure(make: Callable[..., Any], values: list, targets: list, options: dict, steps: int):
    """step(closure) on the loss sum((p - target)^2 * (i + 1)): the returned losses and the
    parameters after each step."""
    params = [_parameter(t) for t in values]
    optimizer = make(iter(params), **options)

    def closure() -> torch.Tensor:
        if not torch.is_grad_enabled():
            raise RuntimeError(
                "step(closure) called the closure with gradients disabled, so its backward() "
                "cannot work: call it inside `with torch.enable_grad():`, as torch.optim does"
            )
        optimizer.zero_grad()
        loss = sum(
            ((p - t) ** 2).sum() * (i + 1)
            for i, (p, t) in enumerate(zip(params, targets, strict=True))
        )
        loss.backward()
        return loss

    losses, trail = [], []
    for _ in range(steps):
        loss = optimizer.step(closure)
        losses.append(loss.detach().clone() if isinstance(loss, torch.Tensor) else loss)
        trail.append([p.detach().clone() for p in params])
    return {"losses": losses, "trail": trail, **_class_facts(optimizer)}


@probe
def closure(module, optimizer: str, values: list, targets: list, options: dict, steps: int):
    """step(closure) with the learner's optimizer."""
    with _watching_torch_optimizers() as built:
        seen = run_closure(getattr(module, optimizer), values, targets, options, steps)
    return {**seen, "built": built}


# ---------------------------------------------------------------- judge side: scenarios


def torch_optimizer(name: str) -> Callable[..., Any]:
    """torch.optim's class for `name`, on its plain per-parameter code path (the one a
    learner's loop follows; the default foreach path rounds differently on CUDA)."""
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}[name]
    return functools.partial(cls, foreach=False)


def make_scenario(
    optimizer: str,
    shapes: list[list[tuple[int, ...]]],
    *,
    seed: int,
    steps: int = 20,
    options: dict | None = None,
    group_options: list[dict] | None = None,
    dtypes: list[torch.dtype] | None = None,
    device: str = "cpu",
    no_grad: dict[tuple[int, int], set[int]] | None = None,
    grad_scale: float = 1.0,
    zero_grads: float = 0.0,
    lr_changes: list[tuple[int, int, float]] | None = None,
    resume_at: int | None = None,
    plain: bool = False,
    in_place_grads: bool = False,
) -> dict:
    """A scenario from a seed: parameter values uniform in [-2, 2), gradients normal times
    `grad_scale` (a fraction `zero_grads` of their entries exactly 0). shapes[g] lists the
    shapes of group g; dtypes[g] its dtype; no_grad[(g, i)]: the steps (0-based) at which
    parameter i of group g has no gradient."""
    generator = torch.Generator().manual_seed(seed)
    dtypes = dtypes or [torch.float32] * len(shapes)
    group_options = group_options or [{} for _ in shapes]
    no_grad = no_grad or {}

    def values(shape, dtype):
        return torch.empty(shape, dtype=dtype).uniform_(-2, 2, generator=generator).to(device)

    def gradient(shape, dtype):
        grad = torch.randn(shape, generator=generator, dtype=dtype) * grad_scale
        if zero_grads:
            keep = torch.rand(shape, generator=generator, dtype=dtype) >= zero_grads
            grad = grad * keep
        return grad.to(device)

    groups = [
        {"params": [values(s, dtype) for s in group_shapes], **opts}
        for group_shapes, dtype, opts in zip(shapes, dtypes, group_options, strict=True)
    ]
    grads = [
        [gradient((steps, *s), dtype) for s in group_shapes]
        for group_shapes, dtype in zip(shapes, dtypes, strict=True)
    ]
    missing = [
        [sorted(no_grad.get((g, i), ())) for i in range(len(group_shapes))]
        for g, group_shapes in enumerate(shapes)
    ]
    return {
        "optimizer": optimizer,
        "groups": groups,
        "options": dict(options or {}),
        "steps": steps,
        "grads": grads,
        "missing": missing,
        "lr_changes": list(lr_changes or []),
        "resume_at": resume_at,
        "plain": plain,
        "in_place_grads": in_place_grads,
    }


def expected_trajectory(scenario: dict) -> dict:
    """The scenario run through torch.optim (in the judge)."""
    params, optimizer, trail, facts = run_scenario(torch_optimizer(scenario["optimizer"]), scenario)
    return {"trail": trail, "has_state": has_state(optimizer, params), **facts}


def describe_scenario(scenario: dict) -> str:
    """E.g. "SGD(lr=0.1, momentum=0.9), float32" or "Adam(...) with 2 parameter groups"."""
    text = f"{scenario['optimizer']}({format_options(scenario['options'])})"
    groups = scenario["groups"]
    if len(groups) > 1:
        parts = [format_options({k: v for k, v in g.items() if k != "params"}) for g in groups]
        shown = "; ".join(f"group {n}: {p or 'defaults'}" for n, p in enumerate(parts, 1))
        text += f" with {len(groups)} parameter groups ({shown})"
    dtypes = sorted({str(t.dtype).removeprefix("torch.") for g in groups for t in g["params"]})
    devices = sorted({t.device.type for g in groups for t in g["params"]})
    text += f", {' and '.join(dtypes)}"
    if devices != ["cpu"]:
        text += f" on {' and '.join(devices)}"
    return text


def format_options(options: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in options.items())


# ---------------------------------------------------------------- judge side: comparing


SGD_HINT = (
    "Check the order of the update: weight decay first (g = g + weight_decay * p), then the "
    "momentum buffer, then Nesterov (g = g + momentum * buf), then p -= lr * g; with each "
    "group's own options."
)
ADAM_HINT = (
    "Check the update: weight decay is added to the gradient first; m and v start at zero; "
    "the bias corrections divide by 1 - beta ** t, with t this parameter's own step count (1 "
    "at its first step); p -= lr * m_hat / (sqrt(v_hat) + eps), with eps added after the "
    "square root; and each group's own options are used."
)
ADAM_FIRST_STEP_HINT = (
    "At the first step m_hat / sqrt(v_hat) is g / |g|, so torch moves each entry by about lr "
    "(a little less when eps is large): if yours moved by another amount, look at the bias "
    "correction first."
)
FIRST_MOMENTUM_HINT = (
    "This was the first momentum step of this parameter: torch starts the momentum buffer as "
    "a copy of the gradient (buf = g, no dampening); only from the next step on is "
    "buf = momentum * buf + (1 - dampening) * g."
)


def option_of(scenario: dict, name: str, group: int, default: Any) -> Any:
    return scenario["groups"][group].get(name, scenario["options"].get(name, default))


def mismatch_hint(scenario: dict, step: int, group: int, index: int) -> str:
    """Where to look, for the first parameter that differs from torch's."""
    missing = scenario["missing"][group][index]
    had = [k not in missing for k in range(step + 1)]
    if not any(had):
        return (
            "This parameter has had no gradient yet (its .grad was None at every step so far): "
            "step() must leave it unchanged."
        )
    if not had[step]:
        return (
            f"At step {step + 1} this parameter's .grad was None: step() must skip it (no "
            "change, and none of its state may change either)."
        )
    if scenario["optimizer"] == "SGD":
        first = had.index(True)
        if option_of(scenario, "momentum", group, 0.0) != 0 and step == first:
            return FIRST_MOMENTUM_HINT
        return SGD_HINT
    skipped = [k + 1 for k in range(step) if not had[k]]
    if skipped:
        shown = ", ".join(map(str, skipped))
        return (
            f"This parameter had no gradient at step(s) {shown}, so this was its own Adam step "
            f"t = {sum(had)} (steps without a gradient do not count): count steps per "
            "parameter, in self.state[p]."
        )
    if step == 0:
        return f"{ADAM_FIRST_STEP_HINT}\n{ADAM_HINT}"
    return ADAM_HINT


def scenario_hint(scenario: dict, step: int) -> str:
    """What happened in the scenario before this step that the learner should know about."""
    notes = []
    for when, g, lr in scenario.get("lr_changes", ()):
        if when <= step:
            notes.append(
                f"Before step {when + 1}, param_groups[{g}]['lr'] was set to {lr!r} (as a "
                "learning-rate scheduler does): read lr from the group at every step."
            )
    resume = scenario.get("resume_at")
    if resume is not None and step >= resume:
        matched = "Step 1" if resume == 1 else f"Steps 1 to {resume}"
        notes.append(
            f"{matched} matched torch; then the optimizer's state_dict() was saved "
            "and loaded into a new optimizer with load_state_dict(), and from then on the "
            "results differ: keep all per-parameter state (momentum buffers, Adam's step, m "
            "and v) in self.state[p], which state_dict() saves."
        )
    return "\n".join(notes)


def check_class(seen: dict, what: str) -> None:
    from grader.testing import fail

    used = [name for name in seen.get("class_mro", []) if name in TORCH_CLASSES]
    if used:
        fail(
            f"{what}: your class inherits {used[0]}, so it runs torch's own optimizer, which "
            "this exercise forbids. Inherit torch.optim.Optimizer and write step() yourself."
        )
    if seen.get("built"):
        fail(
            f"{what}: your optimizer built {seen['built'][0]}, torch's own optimizer, which "
            "this exercise forbids. Write the update yourself with tensor operations."
        )
    if not seen.get("is_optimizer"):
        fail(f"{what}: your class must be a subclass of torch.optim.Optimizer.")


def check_trajectory(seen: Any, scenario: dict, expected: dict) -> None:
    """Compare every parameter after every step with torch's; fail at the first difference,
    naming the step and the parameter, with a hint at the usual cause."""
    from grader.testing import CheckFailed, assert_close, fail

    what = describe_scenario(scenario)
    if not isinstance(seen, dict):
        fail(f"{what}: the scenario returned {type(seen).__name__}, not its results.")
    if "device_error" in seen:
        where = f" ({seen['where']} of your file)" if seen.get("where") else ""
        fail(
            f"{what}: with parameters on the stand-in device (a pretend GPU that refuses to mix "
            f"devices, as a real one does), your optimizer mixed devices{where}: "
            f"{seen['device_error']}\nCreate state tensors on the parameter's device, e.g. "
            "torch.zeros_like(p), never on a fixed device (the CPU)."
        )
    check_class(seen, what)
    trail, want = seen.get("trail"), expected["trail"]
    shapes = [[tuple(t.shape) for t in group] for group in want]
    if not isinstance(trail, list) or [[_shape(t) for t in g] for g in trail] != shapes:
        fail(f"{what}: the scenario did not return every parameter after every step.")
    check_step_facts(seen, what)  # first: a .grad changed in place explains a wrong trajectory
    for k in range(scenario["steps"]):
        for g, group in enumerate(want):
            for i in range(len(group)):
                where = (
                    f"{what}: after step {k + 1}, parameter {i + 1} of group {g + 1} "
                    f"(param_groups[{g}]['params'][{i}])"
                )
                try:
                    assert_close(trail[g][i][k], want[g][i][k], what=where)
                except CheckFailed as problem:
                    hints = [mismatch_hint(scenario, k, g, i), scenario_hint(scenario, k)]
                    fail("\n".join([str(problem), *filter(None, hints)]))


def check_step_facts(seen: dict, what: str) -> None:
    """step() without a closure returns None, and leaves every .grad as it was given."""
    from grader.testing import fail

    returned = seen.get("returned")
    for k, value in enumerate(returned if isinstance(returned, list) else []):
        if value is not None:
            fail(
                f"{what}: step() without a closure returned {value} at step {k + 1}, expected "
                "None (as torch.optim does): return the closure's loss only when a closure is "
                "given, and None otherwise."
            )
    changed = seen.get("grad_changed")
    if isinstance(changed, (list, tuple)) and len(changed) == 3:
        k, g, i = changed
        fail(
            f"{what}: step {k + 1} changed the .grad of parameter {i + 1} of group {g + 1} "
            f"(param_groups[{g}]['params'][{i}]): step() must read p.grad, never write into it. "
            "Work on a new tensor (grad = p.grad + weight_decay * p, not p.grad.add_(...)), and "
            "keep a momentum buffer of your own (p.grad.clone()), not p.grad itself."
        )


def _shape(value: Any) -> tuple | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def check_state(seen: dict, scenario: dict, expected: dict) -> None:
    """A parameter that never had a gradient has no state; one that had a gradient has the
    state torch keeps for it (a momentum buffer, Adam's step, m and v)."""
    from grader.testing import fail

    what = describe_scenario(scenario)
    for g, (got_group, want_group) in enumerate(
        zip(seen["has_state"], expected["has_state"], strict=True)
    ):
        for i, (got, want) in enumerate(zip(got_group, want_group, strict=True)):
            name = f"parameter {i + 1} of group {g + 1} (param_groups[{g}]['params'][{i}])"
            never = len(scenario["missing"][g][i]) == scenario["steps"]
            if never and got:
                fail(
                    f"{what}: after the last step, self.state holds state for {name}, which "
                    "never had a gradient. Like torch, create a parameter's state at its first "
                    "step with a gradient, and skip parameters whose .grad is None."
                )
            if want and not got:
                fail(
                    f"{what}: after the last step, self.state holds nothing for {name}. Keep "
                    "each parameter's state (momentum buffer, Adam's step, m and v) in "
                    "self.state[p], so that state_dict() can save it."
                )
