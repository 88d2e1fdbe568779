"""References for 06 losses that are answers (how ignore_index is left out), so `grader
release` never ships this file: the public suite calls them with its own inputs through
`references(__file__)`, and the learner kit reads back the values recorded for those inputs."""

import torch
import torch.nn.functional as F


def ignore_suspects(logits, target, ignore_index, reduction, **kwargs):
    """Wrong answers a mean or a per-sample loss that does not leave ignored targets out
    would give, each as (value, the key of its explanation in the suite's MESSAGES, the
    explanation's fields): the suite says it in the learner's language."""
    keep = target != ignore_index
    safe = torch.where(keep, target, torch.zeros_like(target))
    every = F.cross_entropy(logits, safe, reduction="none", **kwargs)
    zeroed = torch.where(keep, every, torch.zeros_like(every))
    if reduction == "mean":
        return [
            (
                zeroed.sum() / len(target),
                "ignore_mean_count",
                {"kept": int(keep.sum()), "batch": len(target)},
            ),
            (every.mean(), "ignore_mean_all", {"ignore_index": ignore_index}),
        ]
    wrong = every.sum() if reduction == "sum" else every
    return [(wrong, "ignore_zero", {"ignore_index": ignore_index})]
