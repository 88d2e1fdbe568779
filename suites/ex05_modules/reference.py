"""Hand-written references for 05 modules (judge-only: `grader release` never ships this file;
the kit reads back the values recorded for the public checks' inputs)."""

from __future__ import annotations

import torch.nn.functional as F

from grader.testing import probes_of

P = probes_of(__file__)


def mlp_output(x, params: list[dict], activation: str | None, after_last: bool = False):
    """The layers' F.linear one after the other, the activation between them (and after the
    last one too with after_last, the usual mistake a hint recognises)."""
    act = P.ACTIVATIONS[activation]() if activation else None
    for i, layer in enumerate(params):
        x = F.linear(x, layer["weight"], layer.get("bias"))
        if act is not None and (i < len(params) - 1 or after_last):
            x = act(x)
    return x


def parameter_count(model: str, frozen=(), trainable_only: bool = True) -> int:
    """How many values the parameters of the catalogue's model hold (the trainable ones only,
    unless trainable_only is False)."""
    model = P.build_model(model, frozen)
    counted = [p for p in model.parameters() if p.requires_grad or not trainable_only]
    return int(sum(p.numel() for p in counted))
