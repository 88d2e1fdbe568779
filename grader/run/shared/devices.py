"""Device discipline for "meta" checks: catch code that makes tensors on a fixed device.

A meta tensor has a shape and a dtype but no values, on any machine. When a check passes
meta inputs, the learner's call runs under SameDeviceMode, which refuses any operation that
mixes devices (as CUDA would), so `x @ torch.ones(2, 2)` (a CPU tensor made in the code)
fails on a CPU-only machine. Meta's own kernels let some of these through (2-D matmul does).

We tried torch's FakeTensorMode with fake CUDA tensors first: on a CPU-only build every
indexing op (`x[:, None]`, `x[0]`) on a fake CUDA tensor fails with "PyTorch is not linked
with support for cuda devices", which would fail honest code. This module is the only one
that touches the dispatch-mode API (torch.utils._python_dispatch); tests/test_devices.py
pins the behaviour we rely on.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class SameDeviceMode(TorchDispatchMode):
    """Refuse every op whose tensor arguments sit on more than one device (0-d CPU
    tensors excepted: PyTorch allows those as scalars everywhere)."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        checked = args
        if func.__name__.startswith(("index.", "index_put", "_index_put")) and len(args) > 1:
            # Advanced indexing accepts CPU index tensors for a tensor on any device (CUDA too).
            checked = (args[0], *args[2:])
        flat, _ = tree_flatten((checked, kwargs))
        found = {
            str(t.device)
            for t in flat
            if isinstance(t, torch.Tensor) and not (t.dim() == 0 and t.device.type == "cpu")
        }
        if len(found) > 1:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                + " and ".join(sorted(found))
                + f" (in {func})"
            )
        return func(*args, **kwargs)


def has_meta(value: Any) -> bool:
    """Does a call's input hold a meta tensor anywhere?"""
    if isinstance(value, torch.Tensor):
        return value.device.type == "meta"
    if isinstance(value, (list, tuple)):
        return any(has_meta(v) for v in value)
    if isinstance(value, dict):
        return any(has_meta(v) for v in value.values())
    return False


def is_device_error(message: str) -> bool:
    """Does an exception's message say that tensors met on different devices?"""
    text = message.lower()
    return "device" in text and ("expected" in text or "two devices" in text)


def warm_up(full: bool) -> None:
    """What a warm process (the worker template, the grader's own process) does once before
    it forks: meta kernels without torch._dynamo; with `full` (a batch), also the first meta
    ops and torch._dynamo itself, so that no forked child pays for them again."""
    skip_dynamo_on_meta_kernels()
    if full:
        import torch._dynamo  # noqa: F401  (torch.optim imports it at its first step())

        warm_meta_kernels()


def warm_meta_kernels() -> None:
    """Run a few ops on the meta device once: the first meta op imports hundreds of modules
    (sympy, and torch._dynamo unless skip_dynamo_on_meta_kernels ran), up to 2 s that every
    forked child would otherwise pay again. Meta tensors have no data, so no CPU kernel and
    no OpenMP thread pool runs: forking stays safe (tests/test_warm.py checks that children
    still run multi-threaded ops)."""
    x = torch.empty(3, 4, device="meta")
    x.sum(1, keepdim=True), x.mean(), x.exp().log(), x @ x.T, x[:, None] * x[0]
    torch.softmax(x, 1), torch.log_softmax(x, 1), torch.where(x > 0, x, 0.0).amax(0)


def skip_dynamo_on_meta_kernels() -> int:
    """Let meta ops run without importing torch._dynamo (about 1.3 s, 350 modules).

    Many of torch's Python kernels (the `torch._refs` that meta tensors run) are wrapped by
    torch._compile._disable_dynamo, which imports torch._dynamo on first use only to mark
    the kernel "not to be traced by torch.compile". The wrapper caches that marked kernel
    on the kernel itself (`__dynamo_disable`); we cache the kernel as it is. Results are the
    same: only torch.compile tracing, which the course does not use, could differ. Private
    API, pinned by tests/test_devices.py; if torch changes it, this finds nothing to do and
    meta ops are merely slower to start. Returns how many kernels it touched.
    """
    import gc
    import types

    touched = 0
    for obj in gc.get_objects():
        # Only plain functions: touching attributes of arbitrary objects can run their code
        # (torch.backends.cuda would try to start CUDA).
        if type(obj) is not types.FunctionType:
            continue
        code = obj.__code__
        if getattr(code, "co_qualname", "") != "_disable_dynamo.<locals>.inner":
            continue
        try:
            kernel = obj.__closure__[code.co_freevars.index("fn")].cell_contents
        except (ValueError, IndexError, TypeError):
            continue
        if getattr(kernel, "__dynamo_disable", None) is None:
            kernel.__dynamo_disable = kernel
            touched += 1
    return touched
