"""Probes and forbidden calls for 02 ops."""

from __future__ import annotations

import torch

from grader.probe import probe

_MATMUL = [
    "torch.matmul",
    "Tensor.matmul",
    "Tensor.__matmul__",
    "Tensor.__rmatmul__",
    "torch.mm",
    "Tensor.mm",
    "torch.bmm",
    "Tensor.bmm",
    "torch.mv",
    "Tensor.mv",
    "torch.dot",
    "Tensor.dot",
    "torch.vdot",
    "torch.inner",
    "torch.einsum",
    "torch.tensordot",
    "torch.addmm",
    "Tensor.addmm",
    "torch.baddbmm",
    "Tensor.baddbmm",
    "torch.addbmm",
    "torch.addmv",
    "torch.chain_matmul",
    "torch.linalg.matmul",
    "torch.linalg.multi_dot",
    "torch.nn.functional.linear",
    "torch.nn.functional.bilinear",
    # The kernels themselves: reached through any function, they are still a matrix product.
    "aten.mm",
    "aten.bmm",
    "aten.mv",
    "aten.dot",
    "aten.vdot",
    "aten.addmm",
    "aten.addbmm",
    "aten.baddbmm",
    "aten.addmv",
    "aten._addmm_activation",
]
_SOFTMAX = [
    "torch.softmax",
    "torch.nn.functional.softmax",
    "Tensor.softmax",
    "torch.special.softmax",
    "torch.log_softmax",
    "torch.nn.functional.log_softmax",
    "Tensor.log_softmax",
    "torch.special.log_softmax",
    "torch._softmax",
    "torch._log_softmax",
    "aten._softmax",
    "aten._log_softmax",
]

FORBIDDEN = {
    "broadcast_shape": ["torch.broadcast_shapes", "torch.broadcast_tensors", "@tensor_factories"],
    "pairwise_sq_dists": [
        "torch.cdist",
        "torch.pdist",
        "torch.nn.functional.pdist",
        "aten._cdist_forward",
        "aten._pdist_forward",
        "aten._euclidean_dist",
    ],
    "batched_matmul": _MATMUL,
    "softmax": _SOFTMAX,
    "logsumexp": [
        "torch.logsumexp",
        "Tensor.logsumexp",
        "torch.special.logsumexp",
        "aten.logsumexp",
    ],
    "stack": [
        "torch.stack",
        "torch.hstack",
        "torch.vstack",
        "torch.dstack",
        "torch.column_stack",
        "torch.row_stack",
        "aten.stack",
    ],
    "normalize": ["torch.nn.functional.normalize"],
}


@probe
def flatten_view(module, x: torch.Tensor) -> dict:
    """Call flatten_batch and report whether the result shares x's memory."""
    out = module.flatten_batch(x)
    shares = (
        isinstance(out, torch.Tensor)
        and out.numel() > 0
        and out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    )
    return {"result": out, "shares_memory": bool(shares)}
