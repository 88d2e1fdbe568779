"""The stand-in device: a pretend GPU that computes for real, so that device bugs are caught on
a machine without one, and correct code is never failed by the stand-in's own limits.

A stand-in tensor holds its values on the CPU but says it lives on `standin:0`, and refuses,
as CUDA does, any operation that mixes it with a CPU tensor (0-d CPU tensors excepted, as on
CUDA). Code that keeps to its inputs' device (`torch.zeros(..., device=x.device)`,
`zeros_like`, `x.new_ones`, `.to(x.device)`) runs unchanged and gives real values; code that
makes a tensor on a fixed device (`torch.ones(2, 2)`, `device="cpu"`) fails exactly where it
would fail on a GPU. Unlike the meta device, it has values: `.item()`, boolean masks,
`nonzero` and data-dependent shapes all work.

PyTorch has no such device, so `StandInMode` (active while learner code runs on stand-in
inputs, and in a check that uses the stand-in) makes what asks for `standin` (a factory's
`device=`, `.to("standin")`, `Module.to`, `torch.Generator`) use the CPU and wrap the result.
Both sides use it: workers (learner calls) and the judge (references, inputs).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

NAME = "standin"


class _Module(types.ModuleType):
    """torch.standin, as PyTorch asks a named backend for one (torch.random.fork_rng, seeding):
    no hardware, nothing to seed (stand-in values live on the CPU, with the CPU's RNG)."""

    def is_available(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def current_device(self) -> int:
        return 0

    def is_initialized(self) -> bool:
        return False

    def _is_in_bad_fork(self) -> bool:
        return False

    def manual_seed(self, seed: int) -> None:
        pass

    manual_seed_all = manual_seed

    def synchronize(self, device: Any = None) -> None:
        pass


try:  # the device type needs a name; PrivateUse1 is PyTorch's slot for one (once a process)
    torch.utils.rename_privateuse1_backend(NAME)
    torch._register_device_module(NAME, _Module(f"torch.{NAME}"))
except RuntimeError:
    pass
DEVICE = torch.device(NAME, 0)
MIXED = (
    "Expected all tensors to be on the same device, but found at least two devices, "
    "standin:0 and cpu!"
)
NO_NUMPY = (
    "can't convert standin:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
    "to host memory first."
)
_DEVICE_GET = torch.Tensor.device.__get__
_IS_CPU_GET = torch.Tensor.is_cpu.__get__
# Functions that look at tensors without computing on them: never a mixing of devices.
_PASS_THROUGH = {
    torch._has_compatible_shallow_copy_type,
    torch.Tensor.__repr__,
    torch.Tensor.__format__,
    torch.Tensor.__reduce_ex__,
    torch.Tensor.data_ptr,
    torch.Tensor.untyped_storage,
    torch.Tensor.is_contiguous,
    torch.Tensor.stride,
    torch.Tensor.size,
    torch.Tensor.dim,
    torch.Tensor.numel,
}


def names_standin(device: Any) -> bool:
    """Is this a device argument (a string or torch.device) naming the stand-in?"""
    if not isinstance(device, (str, torch.device)):
        return False
    try:
        return torch.device(device).type == NAME
    except (RuntimeError, TypeError):
        return False


class _Tracked(torch.Tensor):
    """What both kinds of tracked tensor share: computing on the CPU values, refusing mixes."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _PASS_THROUGH:
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs)
        on_standin, on_host, names_device = _sides(args, kwargs)
        if on_standin and on_host:
            raise RuntimeError(MIXED)
        if on_standin:
            if func == _DEVICE_GET:
                return DEVICE
            if func == _IS_CPU_GET:
                return False
            if func is torch.Tensor.numpy:
                raise TypeError(NO_NUMPY)
        to_cpu = _moves_to_cpu(func, args, kwargs)
        if names_device:
            args, kwargs = _on_cpu(args), _on_cpu(kwargs)
        with torch._C.DisableTorchFunctionSubclass():
            out = func(*args, **kwargs)
        return _rewrapped(out, host if to_cpu or not on_standin else wrap)


class StandIn(_Tracked):
    """CPU values on the stand-in device (see the module's docstring)."""


class Host(_Tracked):
    """A tensor known to be on the CPU in a stand-in run (made by a factory without the stand-in
    device, moved with .cpu(), handed over as CPU data): mixing it with a stand-in tensor fails,
    as mixing a CPU tensor with a GPU one does. Tensors of unknown origin (those autograd makes
    and hands to a backward) are neither: they take the side of what they meet."""


class StandInParameter(StandIn, torch.nn.Parameter):
    """A module's parameter moved to the stand-in (`Module.to` keeps the object: so do we)."""


CLASSES = (StandIn, StandInParameter, Host)


def wrap(value: Any) -> Any:
    """A tensor as a stand-in tensor (the same values, no copy); anything else unchanged."""
    if isinstance(value, torch.Tensor) and not isinstance(value, StandIn):
        if isinstance(value, torch.nn.Parameter):
            value.__class__ = StandInParameter
            return value
        return value.as_subclass(StandIn)
    return value


def host(value: Any) -> Any:
    """A CPU tensor as one known to be on the host (see Host); anything else unchanged."""
    if type(value) is torch.Tensor or type(value) is StandIn:
        return value.as_subclass(Host)
    return value


def hosted(value: Any) -> Any:
    """Every plain CPU tensor in a call's arguments, marked as known to be on the host."""
    return tree_map(
        lambda v: host(v) if type(v) is torch.Tensor and v.device.type == "cpu" else v, value
    )


def unwrap(value: Any) -> Any:
    """A tracked tensor as a plain CPU tensor (the same values)."""
    return value.as_subclass(torch.Tensor) if isinstance(value, _Tracked) else value


def is_standin(value: Any) -> bool:
    return isinstance(value, StandIn)


def has_standin(value: Any) -> bool:
    """Does a call's input hold a stand-in tensor or name the stand-in device anywhere?"""
    flat, _ = tree_flatten(value)
    return any(isinstance(v, StandIn) or names_standin(v) for v in flat)


class StandInMode(TorchFunctionMode):
    """While active: whatever asks for the stand-in device gets CPU values, wrapped; what a
    factory makes on the CPU is marked as on the host."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        device = kwargs.get("device")
        if names_standin(device):
            with torch._C.DisableTorchFunctionSubclass():
                out = func(*args, **{**kwargs, "device": "cpu"})
            return tree_map(wrap, out)
        if func is torch.Tensor.to and any(names_standin(a) for a in args[1:]):
            target = args[0]
            if isinstance(target, torch.nn.Parameter):
                return wrap(target)  # Module.to swaps its data in place: keep the object
            rest = tuple("cpu" if names_standin(a) else a for a in args[1:])
            return wrap(func(unwrap(target), *rest, **kwargs))
        out = func(*args, **kwargs)
        if func in FACTORIES and (device is None or torch.device(device).type == "cpu"):
            return tree_map(host, out)
        return out


FACTORIES = {
    getattr(torch, name)
    for name in (
        "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
        "arange", "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm",
        "normal", "empty_strided", "scalar_tensor", "tril_indices", "triu_indices",
    )
}  # fmt: skip


class _Generator:
    """torch.Generator, for code that asks for one on the stand-in: a CPU generator."""

    def __new__(cls, device: Any = "cpu") -> torch.Generator:
        return _REAL_GENERATOR("cpu" if names_standin(device) else device)


_REAL_GENERATOR = torch.Generator


@contextlib.contextmanager
def active() -> Iterator[None]:
    """Run code that may meet or ask for the stand-in device."""
    torch.Generator = _Generator  # type: ignore[misc]
    try:
        with StandInMode():
            yield
    finally:
        torch.Generator = _REAL_GENERATOR  # type: ignore[misc]


def _sides(args: tuple, kwargs: dict) -> tuple[bool, bool, bool]:
    """Whether an op's arguments hold a stand-in tensor, a host tensor of more than 0
    dimensions (0-d CPU tensors mix with GPU tensors in PyTorch, as plain numbers do: both
    is a mix of devices), and a device argument naming the stand-in. One walk over the
    containers torch hands an op (tuples, lists, dicts, and their subclasses), on every op of
    a stand-in run: pytree's walk cost a third of a judge's time on a solved submission."""
    standin = host_ = names = False
    stack: list[Any] = [args, kwargs]
    budget = 100_000  # a list that holds itself (learner code may pass one) ends the walk
    while stack and budget:
        budget -= 1
        value = stack.pop()
        if isinstance(value, (tuple, list)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, StandIn):
            standin = True
        elif not host_ and isinstance(value, Host) and value.dim() > 0:
            host_ = True
        elif not names and isinstance(value, (str, torch.device)) and names_standin(value):
            names = True
    return standin, host_, names


def _rewrapped(out: Any, mark: Any) -> Any:
    """An op's output with its tensors marked (wrap, host): lists and tuples rebuilt as the
    same type (PyTorch's named results too), sizes and everything else as they are."""
    if isinstance(out, torch.Tensor):
        return mark(out)
    if type(out) is list:
        return [_rewrapped(v, mark) for v in out]
    if isinstance(out, tuple) and not isinstance(out, torch.Size):
        items = [_rewrapped(v, mark) for v in out]
        if type(out) is tuple:
            return tuple(items)
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    return out


def _moves_to_cpu(func: Any, args: tuple, kwargs: dict) -> bool:
    if func is torch.Tensor.cpu:
        return True
    if func is torch.Tensor.to:
        target = kwargs.get("device")
        for arg in args[1:]:
            if isinstance(arg, (str, torch.device)):
                target = arg
        return target is not None and torch.device(target).type == "cpu"
    return False


def _on_cpu(value: Any) -> Any:
    """Device arguments naming the stand-in, as the CPU (the values live there)."""
    if isinstance(value, tuple):
        return tuple(_on_cpu(v) for v in value)
    if isinstance(value, dict):
        return {k: _on_cpu(v) for k, v in value.items()}
    return "cpu" if names_standin(value) else value
