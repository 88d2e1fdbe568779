"""How a call is named in a learner's message: `softmax(<tensor 4×5 float32>, dim=1)`."""

from __future__ import annotations

from typing import Any

import torch

from grader.run.shared.codec import Foreign


class Lazy:
    """Text computed the first time it is shown."""

    def __init__(self, make) -> None:
        self._make, self._text = make, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def describe_call(path: str, args: tuple, kwargs: dict) -> str:
    parts = [describe_value(a) for a in args]
    parts += [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return f"{path}({', '.join(parts)})"


def describe_value(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        shape = "×".join(str(d) for d in value.shape) or "scalar"
        where = "" if value.device.type == "cpu" else f" on {value.device}"
        dtype = str(value.dtype).removeprefix("torch.")
        return f"<tensor {shape} {dtype}{where}>"
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, Foreign):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
