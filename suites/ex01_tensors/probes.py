"""Probes for 01 tensors: scenarios that must run beside the learner's code."""

from __future__ import annotations

import numpy as np
import torch

from grader.probe import probe

FORBIDDEN = {
    "one_hot": ["torch.nn.functional.one_hot"],
}


@probe
def numpy_memory(module, function: str, array: np.ndarray) -> dict:
    """Call share_numpy/copy_numpy, then write on each side and see what the other side sees."""
    tensor = getattr(module, function)(array)
    if not isinstance(tensor, torch.Tensor):
        return {"result": tensor}
    snapshot = tensor.clone()
    first_before = tensor.reshape(-1)[0].item()
    array.reshape(-1)[0] += 7
    tensor_saw_array_write = tensor.reshape(-1)[0].item() != first_before
    last_before = array.reshape(-1)[-1].item()
    tensor.reshape(-1)[-1] -= 3
    array_saw_tensor_write = array.reshape(-1)[-1].item() != last_before
    return {
        "result": snapshot,
        "tensor_saw_array_write": bool(tensor_saw_array_write),
        "array_saw_tensor_write": bool(array_saw_tensor_write),
    }


@probe
def seeded_normal_rng(module, shape, seed: int, options: dict) -> dict:
    """Call seeded_normal and report whether the global random state changed."""
    device = torch.device(options.get("device") or "cpu")
    cpu_before = torch.random.get_rng_state()
    cuda_before = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    result = module.seeded_normal(shape, seed, **options)
    unchanged = torch.equal(cpu_before, torch.random.get_rng_state())
    if cuda_before is not None:
        unchanged = unchanged and torch.equal(cuda_before, torch.cuda.get_rng_state(device))
    return {"result": result, "rng_unchanged": bool(unchanged)}


@probe
def to_numpy_result(module, x: torch.Tensor) -> dict:
    """Call to_numpy and describe what came back (NumPy arrays of any dtype cross as data)."""
    requires_grad, before = x.requires_grad, x.detach().clone()
    result = module.to_numpy(x)  # x itself, not a copy: a change to it shows below
    left_alone = x.requires_grad == requires_grad and torch.equal(x.detach(), before)
    if isinstance(result, np.ndarray):
        values = torch.from_numpy(np.array(result, copy=True))
        return {"is_ndarray": True, "values": values, "x_left_alone": bool(left_alone)}
    return {"is_ndarray": False, "values": result, "x_left_alone": bool(left_alone)}
