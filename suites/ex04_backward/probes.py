"""Probes and forbidden calls for 04 backward rules."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError

from grader.probe import probe

# A backward must compute its derivative itself, not ask autograd for it.
AUTOGRAD_APIS = [
    "torch.autograd.grad",
    "torch.autograd.backward",
    "Tensor.backward",
    "torch.func.grad",
    "torch.func.grad_and_value",
    "torch.func.vjp",
    "torch.func.jvp",
    "torch.func.jacrev",
    "torch.func.jacfwd",
    "torch.func.hessian",
    "torch.func.vmap",
    "torch.func.functional_call",
    "torch.func.linearize",
    "torch.vmap",
    "torch.autograd.functional.jacobian",
    "torch.autograd.functional.hessian",
    "torch.autograd.functional.vjp",
    "torch.autograd.functional.jvp",
    "torch.autograd.functional.vhp",
    "torch.autograd.functional.hvp",
]

FORBIDDEN = {"*.backward": AUTOGRAD_APIS}

MAX_TEXT = 3000


@probe
def forward_and_backward(
    module, name: str, tensors: list[torch.Tensor], extra: list[Any], grad: torch.Tensor
) -> dict:
    """Run `name.apply(*tensors, *extra)`, then call its backward directly with `grad` and
    report exactly what it returned. (Through `.backward()` the autograd engine would quietly
    sum a gradient of the broadcast shape down to the input's shape, hiding a missing
    unbroadcast; `grad_fn.apply` hands back backward's own return value.)"""
    function = getattr(module, name, None)
    if not (isinstance(function, type) and issubclass(function, torch.autograd.Function)):
        return {"not_a_function": type(function).__name__}
    inputs = [t.detach().clone().requires_grad_(True) for t in tensors]
    out = function.apply(*inputs, *extra)
    report: dict[str, Any] = {
        "forward": out.detach() if isinstance(out, torch.Tensor) else out,
        "inputs_after": [t.detach() for t in inputs],
    }
    if not isinstance(out, torch.Tensor) or out.shape != grad.shape:
        return report  # the judge reports the forward's problem
    node = out.grad_fn
    if getattr(node, "_forward_cls", None) is not function:
        report["graph_node"] = type(node).__name__
        return report
    upstream = grad.clone()
    try:
        returned = node.apply(upstream)
    except NotImplementedError:
        raise  # the grader says "not written yet"
    except Exception as exc:
        report["raised"] = describe_exception(exc, module)
        return report
    report["container"] = type(returned).__name__
    if isinstance(returned, (tuple, list)):
        report["grads"] = [_plain(g) for g in returned]
    else:
        report["grads"] = [_plain(returned)]
    report["grad_output_after"] = upstream
    return report


@probe
def gradcheck(module, name: str, tensors: list[torch.Tensor], extra: list[Any]) -> dict:
    """torch.autograd.gradcheck of `name.apply(*tensors, *extra)` (the judge sends float64)."""
    function = getattr(module, name, None)
    if not (isinstance(function, type) and issubclass(function, torch.autograd.Function)):
        return {"not_a_function": type(function).__name__}
    inputs = tuple(t.detach().clone().requires_grad_(True) for t in tensors)

    def apply(*xs: torch.Tensor) -> torch.Tensor:
        return function.apply(*xs, *extra)

    try:
        # Call backward directly once first. Inside gradcheck, autograd runs it from within
        # torch.autograd.grad, where the forbidden-call guard cannot see Tensor.backward.
        out = apply(*inputs)
        if isinstance(out, torch.Tensor) and getattr(out.grad_fn, "_forward_cls", None):
            out.grad_fn.apply(torch.ones_like(out))
        torch.autograd.gradcheck(apply, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    except GradcheckError as exc:
        return {"ok": False, "mismatch": str(exc)[:MAX_TEXT]}
    except NotImplementedError:
        raise
    except Exception as exc:
        return {"ok": False, "raised": describe_exception(exc, module)}
    return {"ok": True}


def describe_exception(exc: BaseException, module) -> dict:
    """An exception as data, with the lines of the learner's file it went through."""
    learner_file = str(Path(module.__file__).resolve())
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == learner_file:
            code = (frame.line or "").strip()
            frames.append({"line": frame.lineno or 0, "function": frame.name, "code": code})
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:MAX_TEXT],
        "file": Path(learner_file).name,
        "frames": frames[-6:],
    }


def _plain(value: Any) -> Any:
    return value.detach() if isinstance(value, torch.Tensor) else value
