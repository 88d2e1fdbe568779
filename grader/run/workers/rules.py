"""Forbidden-call rules: what a rule says, and the objects behind the API names it lists."""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Iterable
from dataclasses import dataclass

import torch

# Shorthands a rule may use instead of listing every API.
ALIASES: dict[str, tuple[str, ...]] = {
    "@tensor_factories": (
        "torch.tensor",
        "torch.as_tensor",
        "torch.asarray",
        "torch.from_numpy",
        "torch.zeros",
        "torch.ones",
        "torch.empty",
        "torch.full",
        "torch.arange",
        "torch.linspace",
        "torch.eye",
        "torch.rand",
        "torch.randn",
        "torch.randint",
        "torch.zeros_like",
        "torch.ones_like",
        "torch.empty_like",
        "torch.full_like",
        "Tensor.new_tensor",
        "Tensor.new_zeros",
        "Tensor.new_ones",
        "Tensor.new_empty",
        "Tensor.new_full",
    ),
}

OP_PREFIX = "aten."  # a rule entry naming a kernel, not a function


@dataclass
class Rule:
    scope: str
    apis: frozenset[str]  # functions and classes, caught when learner code calls them
    ops: frozenset[str] = frozenset()  # kernels ("aten._softmax"), caught however reached

    def applies_to(self, qualname: str) -> bool:
        return fnmatch.fnmatchcase(qualname, self.scope)


def parse_rules(spec: dict[str, Iterable[str]]) -> list[Rule]:
    rules = []
    for scope, apis in spec.items():
        expanded: set[str] = set()
        for api in apis:
            expanded.update(ALIASES.get(api, (api,)))
        ops = frozenset(a for a in expanded if a.startswith(OP_PREFIX))
        rules.append(Rule(scope=scope, apis=frozenset(expanded - ops), ops=ops))
    return rules


def resolve_api(name: str) -> object | None:
    """The object behind "torch.nn.functional.softmax", "torch.optim.sgd.sgd" or "Tensor.softmax"."""
    if name.startswith("Tensor."):
        return getattr(torch.Tensor, name.removeprefix("Tensor."), None)
    parts = name.split(".")
    # The longest importable prefix first: torch.optim deletes its `sgd` attribute, yet the
    # module torch.optim.sgd can be imported.
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None
