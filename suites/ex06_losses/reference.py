"""References for 06 losses that are answers (how ignore_index is left out), so `grader
release` never ships this file: the public suite calls them with its own inputs through
`references(__file__)`, and the learner kit reads back the values recorded for those inputs."""

import torch
import torch.nn.functional as F


def ignore_suspects(logits, target, ignore_index, reduction, **kwargs):
    """Wrong answers a mean or a per-sample loss that does not leave ignored targets out
    would give, each with its explanation."""
    keep = target != ignore_index
    safe = torch.where(keep, target, torch.zeros_like(target))
    every = F.cross_entropy(logits, safe, reduction="none", **kwargs)
    zeroed = torch.where(keep, every, torch.zeros_like(every))
    if reduction == "mean":
        return [
            (
                zeroed.sum() / len(target),
                f"The mean must be over the targets that are not ignored: divide by their "
                f"number ({int(keep.sum())} here), not by the batch size ({len(target)}).",
            ),
            (
                every.mean(),
                f"Samples whose target is ignore_index ({ignore_index}) must not count at all.",
            ),
        ]
    text = f"Samples whose target is ignore_index ({ignore_index}) must give a loss of 0."
    return [(every.sum() if reduction == "sum" else every, text)]
