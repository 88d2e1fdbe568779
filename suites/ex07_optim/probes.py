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
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from grader.messages import language
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
        problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise RuntimeError(worker_text("state_not_saved", problem=problem)) from None


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
            raise RuntimeError(worker_text("closure_without_grad"))
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
    say = messages().say
    text = f"{scenario['optimizer']}({format_options(scenario['options'])})"
    groups = scenario["groups"]
    if len(groups) > 1:
        parts = [format_options({k: v for k, v in g.items() if k != "params"}) for g in groups]
        shown = "; ".join(
            say("group_options", n=n, options=p or say("defaults")) for n, p in enumerate(parts, 1)
        )
        text += say("with_groups", count=len(groups), shown=shown)
    dtypes = sorted({str(t.dtype).removeprefix("torch.") for g in groups for t in g["params"]})
    devices = sorted({t.device.type for g in groups for t in g["params"]})
    text += f", {say('and').join(dtypes)}"
    if devices != ["cpu"]:
        text += say("on_devices", devices=say("and").join(devices))
    return text


def format_options(options: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in options.items())


# ---------------------------------------------------------------- judge side: what a learner reads

# Every sentence this folder's public checks show a learner, in English and Chinese: plain
# data here (a worker never builds the catalog); the judge's helpers below and test_public.py
# use messages(), test_hidden.py adds its own sentences to these.
TEXTS = {
    # Said in the worker, as an error the learner's call raised (worker_text).
    "state_not_saved": (
        "optimizer.state_dict() could not be saved with torch.save and loaded back with "
        "torch.load(weights_only=True) ({problem}). Keep only tensors and numbers in self.state.",
        "optimizer.state_dict() 无法用 torch.save 保存、再用 torch.load(weights_only=True) "
        "读回（{problem}）。self.state 中只应保存张量和数字。",
    ),
    "closure_without_grad": (
        "step(closure) called the closure with gradients disabled, so its backward() "
        "cannot work: call it inside `with torch.enable_grad():`, as torch.optim does",
        "step(closure) 在禁用梯度的情况下调用了 closure，其中的 backward() 因此无法工作："
        "请像 torch.optim 那样在 `with torch.enable_grad():` 中调用它",
    ),
    "group_options": ("group {n}: {options}", "第 {n} 组：{options}"),
    "defaults": ("defaults", "默认值"),
    "with_groups": (" with {count} parameter groups ({shown})", "，{count} 个参数组（{shown}）"),
    "and": (" and ", " 和 "),
    "on_devices": (" on {devices}", "，在 {devices} 上"),
    "sgd_hint": (
        "Check the order of the update: weight decay first (g = g + weight_decay * p), then the "
        "momentum buffer, then Nesterov (g = g + momentum * buf), then p -= lr * g; with each "
        "group's own options.",
        "检查更新的顺序：先是权重衰减（g = g + weight_decay * p），然后是动量缓冲区，然后是 "
        "Nesterov（g = g + momentum * buf），最后 p -= lr * g；并且使用每个参数组自己的选项。",
    ),
    "adam_hint": (
        "Check the update: weight decay is added to the gradient first; m and v start at zero; "
        "the bias corrections divide by 1 - beta ** t, with t this parameter's own step count (1 "
        "at its first step); p -= lr * m_hat / (sqrt(v_hat) + eps), with eps added after the "
        "square root; and each group's own options are used.",
        "检查更新：权重衰减最先加到梯度上；m 和 v 从零开始；偏差修正除以 1 - beta ** t，其中 t 是"
        "这个参数自己的步数（第一步为 1）；p -= lr * m_hat / (sqrt(v_hat) + eps)，eps 加在平方根"
        "之后；并且使用每个参数组自己的选项。",
    ),
    "adam_first_step_hint": (
        "At the first step m_hat / sqrt(v_hat) is g / |g|, so torch moves each entry by about lr "
        "(a little less when eps is large): if yours moved by another amount, look at the bias "
        "correction first.",
        "第一步时 m_hat / sqrt(v_hat) 等于 g / |g|，所以 torch 把每个元素移动大约 lr（eps 较大时"
        "略少一些）：如果你的移动量不同，先检查偏差修正。",
    ),
    "first_momentum_hint": (
        "This was the first momentum step of this parameter: torch starts the momentum buffer as "
        "a copy of the gradient (buf = g, no dampening); only from the next step on is "
        "buf = momentum * buf + (1 - dampening) * g.",
        "这是这个参数的第一个动量步：torch 把动量缓冲区初始化为梯度的一份拷贝（buf = g，不做 "
        "dampening）；从下一步起才是 buf = momentum * buf + (1 - dampening) * g。",
    ),
    "no_grad_yet": (
        "This parameter has had no gradient yet (its .grad was None at every step so far): "
        "step() must leave it unchanged.",
        "这个参数还从没有过梯度（到目前为止每一步它的 .grad 都是 None）：step() 必须保持它不变。",
    ),
    "grad_none_at_step": (
        "At step {step} this parameter's .grad was None: step() must skip it (no "
        "change, and none of its state may change either).",
        "第 {step} 步时这个参数的 .grad 是 None：step() 必须跳过它（它不能改变，它的状态也不能"
        "有任何改变）。",
    ),
    "adam_own_step": (
        "This parameter had no gradient at step(s) {shown}, so this was its own Adam step "
        "t = {t} (steps without a gradient do not count): count steps per "
        "parameter, in self.state[p].",
        "这个参数在第 {shown} 步没有梯度，所以这是它自己的第 t = {t} 个 Adam 步（没有梯度的步不"
        "计数）：请在 self.state[p] 中按参数分别计数步数。",
    ),
    "lr_changed": (
        "Before step {step}, param_groups[{g}]['lr'] was set to {lr} (as a "
        "learning-rate scheduler does): read lr from the group at every step.",
        "第 {step} 步之前，param_groups[{g}]['lr'] 被设为 {lr}（学习率调度器就是这样做的）："
        "每一步都要从参数组读取 lr。",
    ),
    "step_one": ("Step 1", "第 1 步"),
    "steps_to": ("Steps 1 to {resume}", "第 1 步到第 {resume} 步"),
    "resumed": (
        "{matched} matched torch; then the optimizer's state_dict() was saved "
        "and loaded into a new optimizer with load_state_dict(), and from then on the "
        "results differ: keep all per-parameter state (momentum buffers, Adam's step, m "
        "and v) in self.state[p], which state_dict() saves.",
        "{matched}与 torch 一致；随后优化器的 state_dict() 被保存，并用 load_state_dict() 加载到"
        "一个新的优化器中，从那以后结果就不同了：请把每个参数的全部状态（动量缓冲区、Adam 的步数、"
        "m 和 v）都保存在 self.state[p] 中，state_dict() 会保存它。",
    ),
    "inherits_torch": (
        "{what}: your class inherits {name}, so it runs torch's own optimizer, which "
        "this exercise forbids. Inherit torch.optim.Optimizer and write step() yourself.",
        "{what}：你的类继承了 {name}，于是运行的是 torch 自己的优化器，而本练习禁止这样做。请继承 "
        "torch.optim.Optimizer，并自己写出 step()。",
    ),
    "built_torch": (
        "{what}: your optimizer built {name}, torch's own optimizer, which "
        "this exercise forbids. Write the update yourself with tensor operations.",
        "{what}：你的优化器构建了 torch 自己的优化器 {name}，而本练习禁止这样做。请用张量运算"
        "自己写出更新。",
    ),
    "not_optimizer": (
        "{what}: your class must be a subclass of torch.optim.Optimizer.",
        "{what}：你的类必须是 torch.optim.Optimizer 的子类。",
    ),
    "not_results": (
        "{what}: running your optimizer gave {kind}, not the parameters after each step.",
        "{what}：运行你的优化器得到的是 {kind}，而不是每一步之后的参数。",
    ),
    "where_in_file": (" (line {line}: {code} of your file)", "（你的文件第 {line} 行：{code}）"),
    "mixed_devices": (
        "{what}: with parameters on the stand-in device (a pretend GPU that refuses to mix "
        "devices, as a real one does), your optimizer mixed devices{where}: "
        "{error}\nCreate state tensors on the parameter's device, e.g. "
        "torch.zeros_like(p), never on a fixed device (the CPU).",
        "{what}：参数在替身设备上（一个假装的 GPU，像真正的 GPU 一样拒绝混用设备）时，你的优化器"
        "混用了设备{where}：{error}\n请在参数所在的设备上创建状态张量，例如 "
        "torch.zeros_like(p)，绝不要建在固定的设备（CPU）上。",
    ),
    "not_every_step": (
        "{what}: running your optimizer did not give every parameter after every step.",
        "{what}：运行你的优化器没有给出每一步之后的每个参数。",
    ),
    "after_step_param": (
        "{what}: after step {step}, parameter {i} of group {g} "
        "(param_groups[{group}]['params'][{index}])",
        "{what}：第 {step} 步之后，第 {g} 组的第 {i} 个参数"
        "（param_groups[{group}]['params'][{index}]）",
    ),
    "returned_not_none": (
        "{what}: step() without a closure returned {value} at step {step}, expected "
        "None (as torch.optim does): return the closure's loss only when a closure is "
        "given, and None otherwise.",
        "{what}：没有 closure 的 step() 在第 {step} 步返回了 {value}，应返回 None（与 torch.optim "
        "相同）：只有给了 closure 时才返回它的损失，否则返回 None。",
    ),
    "grad_changed": (
        "{what}: step {step} changed the .grad of parameter {i} of group {g} "
        "(param_groups[{group}]['params'][{index}]): step() must read p.grad, never write into "
        "it. Work on a new tensor (grad = p.grad + weight_decay * p, not p.grad.add_(...)), and "
        "keep a momentum buffer of your own (p.grad.clone()), not p.grad itself.",
        "{what}：第 {step} 步修改了第 {g} 组第 {i} 个参数"
        "（param_groups[{group}]['params'][{index}]）的 .grad：step() 只能读取 p.grad，绝不能"
        "写入它。请在新的张量上计算（grad = p.grad + weight_decay * p，而不是 "
        "p.grad.add_(...)），并保留你自己的动量缓冲区（p.grad.clone()），而不是 p.grad 本身。",
    ),
    "param_name": (
        "parameter {i} of group {g} (param_groups[{group}]['params'][{index}])",
        "第 {g} 组的第 {i} 个参数（param_groups[{group}]['params'][{index}]）",
    ),
    "state_for_never": (
        "{what}: after the last step, self.state holds state for {name}, which "
        "never had a gradient. Like torch, create a parameter's state at its first "
        "step with a gradient, and skip parameters whose .grad is None.",
        "{what}：最后一步之后，self.state 中保存了{name}的状态，而它从没有过梯度。请像 torch "
        "一样，在参数第一次带梯度的那一步才创建它的状态，并跳过 .grad 为 None 的参数。",
    ),
    "no_state": (
        "{what}: after the last step, self.state holds nothing for {name}. Keep "
        "each parameter's state (momentum buffer, Adam's step, m and v) in "
        "self.state[p], so that state_dict() can save it.",
        "{what}：最后一步之后，self.state 中没有{name}的任何状态。请把每个参数的状态（动量"
        "缓冲区、Adam 的步数、m 和 v）保存在 self.state[p] 中，这样 state_dict() 才能保存它。",
    ),
    # test_public.py's own
    "zero_grad_not_none": (
        "{call}: after zero_grad(), parameter {i}'s .grad is {grad}, not None. "
        "torch's zero_grad() sets every .grad to None: use the inherited zero_grad().",
        "{call}：zero_grad() 之后，第 {i} 个参数的 .grad 是 {grad}，而不是 None。torch 的 "
        "zero_grad() 把每个 .grad 设为 None：请使用继承来的 zero_grad()。",
    ),
    "after_zero_grad_step": (
        "{call}: parameter {i} after zero_grad() then step() (no gradient: nothing may change)",
        "{call}：先 zero_grad() 再 step() 之后的第 {i} 个参数（没有梯度：什么都不能改变）",
    ),
    "grad_after_keep": (
        "{call}: parameter {i}'s .grad after zero_grad(set_to_none=False)",
        "{call}：zero_grad(set_to_none=False) 之后第 {i} 个参数的 .grad",
    ),
    "closure_returned_none": (
        "{call}: step(closure) returned None at step {k}. It must call closure() "
        "(inside `with torch.enable_grad():`) before updating, and return its loss.",
        "{call}：step(closure) 在第 {k} 步返回了 None。它必须在更新之前（在 "
        "`with torch.enable_grad():` 中）调用 closure()，并返回它的损失。",
    ),
    "closure_loss": (
        "{call}: the loss step(closure) returned at step {k}",
        "{call}：step(closure) 在第 {k} 步返回的损失",
    ),
    "after_closure_step": (
        "{call}: parameter {i} after step(closure) {k}",
        "{call}：第 {k} 次 step(closure) 之后的第 {i} 个参数",
    ),
}


def worker_text(key: str, **fields: Any) -> str:
    """A sentence of TEXTS in the learner's language, said in the worker (no grader.testing
    there: only the language, which the worker keeps from the run)."""
    english, chinese = TEXTS[key]
    return (chinese if language() == "zh" else english).format(**fields)


@functools.cache
def messages() -> Any:
    """TEXTS as a catalog (grader.testing.catalog), built in the judge only."""
    from grader.testing import catalog

    return catalog(TEXTS)


# ---------------------------------------------------------------- judge side: comparing


def option_of(scenario: dict, name: str, group: int, default: Any) -> Any:
    return scenario["groups"][group].get(name, scenario["options"].get(name, default))


def mismatch_hint(scenario: dict, step: int, group: int, index: int) -> str:
    """Where to look, for the first parameter that differs from torch's."""
    say = messages().say
    missing = scenario["missing"][group][index]
    had = [k not in missing for k in range(step + 1)]
    if not any(had):
        return say("no_grad_yet")
    if not had[step]:
        return say("grad_none_at_step", step=step + 1)
    if scenario["optimizer"] == "SGD":
        first = had.index(True)
        if option_of(scenario, "momentum", group, 0.0) != 0 and step == first:
            return say("first_momentum_hint")
        return say("sgd_hint")
    skipped = [k + 1 for k in range(step) if not had[k]]
    if skipped:
        shown = ", ".join(map(str, skipped))
        return say("adam_own_step", shown=shown, t=sum(had))
    if step == 0:
        return f"{say('adam_first_step_hint')}\n{say('adam_hint')}"
    return say("adam_hint")


def scenario_hint(scenario: dict, step: int) -> str:
    """What happened in the scenario before this step that the learner should know about."""
    say = messages().say
    notes = []
    for when, g, lr in scenario.get("lr_changes", ()):
        if when <= step:
            notes.append(say("lr_changed", step=when + 1, g=g, lr=repr(lr)))
    resume = scenario.get("resume_at")
    if resume is not None and step >= resume:
        matched = say("step_one") if resume == 1 else say("steps_to", resume=resume)
        notes.append(say("resumed", matched=matched))
    return "\n".join(notes)


def check_class(seen: dict, what: str) -> None:
    from grader.testing import fail

    say = messages().say
    used = [name for name in seen.get("class_mro", []) if name in TORCH_CLASSES]
    if used:
        fail(say("inherits_torch", what=what, name=used[0]))
    if seen.get("built"):
        fail(say("built_torch", what=what, name=seen["built"][0]))
    if not seen.get("is_optimizer"):
        fail(say("not_optimizer", what=what))


def check_trajectory(seen: Any, scenario: dict, expected: dict) -> None:
    """Compare every parameter after every step with torch's; fail at the first difference,
    naming the step and the parameter, with a hint at the usual cause."""
    from grader.testing import CheckFailed, assert_close, fail

    say = messages().say
    what = describe_scenario(scenario)
    if not isinstance(seen, dict):
        fail(say("not_results", what=what, kind=type(seen).__name__))
    if "device_error" in seen:
        where = where_in_file(seen.get("where"))
        fail(say("mixed_devices", what=what, where=where, error=seen["device_error"]))
    check_class(seen, what)
    trail, want = seen.get("trail"), expected["trail"]
    shapes = [[tuple(t.shape) for t in group] for group in want]
    if not isinstance(trail, list) or [[_shape(t) for t in g] for g in trail] != shapes:
        fail(say("not_every_step", what=what))
    check_step_facts(seen, what)  # first: a .grad changed in place explains a wrong trajectory
    for k in range(scenario["steps"]):
        for g, group in enumerate(want):
            for i in range(len(group)):
                where = say(
                    "after_step_param", what=what, step=k + 1, i=i + 1, g=g + 1, group=g, index=i
                )
                try:
                    assert_close(trail[g][i][k], want[g][i][k], what=where)
                except CheckFailed as problem:
                    hints = [mismatch_hint(scenario, k, g, i), scenario_hint(scenario, k)]
                    fail("\n".join([str(problem), *filter(None, hints)]))


def where_in_file(where: Any) -> str:
    """_learner_line's "line N: code", worker-side, in the learner's language."""
    found = re.fullmatch(r"line (\d+): (.*)", where, re.S) if isinstance(where, str) else None
    if not found:
        return f" ({where} of your file)" if where else ""
    return messages().say("where_in_file", line=found[1], code=found[2])


def check_step_facts(seen: dict, what: str) -> None:
    """step() without a closure returns None, and leaves every .grad as it was given."""
    from grader.testing import fail

    say = messages().say
    returned = seen.get("returned")
    for k, value in enumerate(returned if isinstance(returned, list) else []):
        if value is not None:
            fail(say("returned_not_none", what=what, value=value, step=k + 1))
    changed = seen.get("grad_changed")
    if isinstance(changed, (list, tuple)) and len(changed) == 3:
        k, g, i = changed
        fail(say("grad_changed", what=what, step=k + 1, i=i + 1, g=g + 1, group=g, index=i))


def _shape(value: Any) -> tuple | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def check_state(seen: dict, scenario: dict, expected: dict) -> None:
    """A parameter that never had a gradient has no state; one that had a gradient has the
    state torch keeps for it (a momentum buffer, Adam's step, m and v)."""
    from grader.testing import fail

    say = messages().say
    what = describe_scenario(scenario)
    for g, (got_group, want_group) in enumerate(
        zip(seen["has_state"], expected["has_state"], strict=True)
    ):
        for i, (got, want) in enumerate(zip(got_group, want_group, strict=True)):
            name = say("param_name", i=i + 1, g=g + 1, group=g, index=i)
            never = len(scenario["missing"][g][i]) == scenario["steps"]
            if never and got:
                fail(say("state_for_never", what=what, name=name))
            if want and not got:
                fail(say("no_state", what=what, name=name))
