"""Probes and forbidden calls for 06 losses.

The losses take and return tensors, so most checks call them directly. The one probe here
differentiates a loss in the worker (a graph cannot cross to the judge) and returns the
loss and the gradient that reached its first input.
"""

from __future__ import annotations

import torch

from grader.probe import probe

FORBIDDEN = {
    "cross_entropy": [
        "torch.nn.functional.cross_entropy",
        "torch.nn.functional.nll_loss",
        "torch.nn.functional.log_softmax",
        "torch.log_softmax",
        "Tensor.log_softmax",
        "torch.special.log_softmax",
        "torch._log_softmax",
        "torch._C._nn.cross_entropy_loss",
        "torch._C._nn.nll_loss_nd",
        "torch.nn.CrossEntropyLoss",
        "torch.nn.NLLLoss",
        "torch.nn.LogSoftmax",
        "aten._log_softmax",
        "aten.nll_loss_forward",
        "aten.nll_loss2d_forward",
    ],
    "binary_cross_entropy_with_logits": [
        "torch.nn.functional.binary_cross_entropy_with_logits",
        "torch.binary_cross_entropy_with_logits",
        "torch.nn.functional.binary_cross_entropy",
        "torch._C._nn.binary_cross_entropy",
        "torch.nn.BCEWithLogitsLoss",
        "torch.nn.BCELoss",
        "aten.binary_cross_entropy_with_logits",
        "aten.binary_cross_entropy",
    ],
}

LOSSES = ("mse_loss", "cross_entropy", "binary_cross_entropy_with_logits")


@probe
def loss_grad(module, name: str, inputs: tuple, kwargs: dict, upstream: torch.Tensor) -> dict:
    """loss = <name>(x, *rest, **kwargs) for x a copy of inputs[0] that requires grad; then
    (loss * upstream).sum().backward(). Returns the loss and x.grad."""
    if name not in LOSSES:
        raise ValueError(f"loss_grad: unknown loss {name!r}")
    x = inputs[0].detach().clone().requires_grad_(True)
    rest = [t.detach().clone() if isinstance(t, torch.Tensor) else t for t in inputs[1:]]
    loss = getattr(module, name)(x, *rest, **kwargs)
    if not isinstance(loss, torch.Tensor):
        return {"loss": loss, "connected": False, "grad": None}
    connected = bool(loss.requires_grad)
    if connected and loss.shape == upstream.shape:
        (loss * upstream).sum().backward()
    return {
        "loss": loss.detach(),
        "connected": connected,
        "grad": None if x.grad is None else x.grad.clone(),
    }
