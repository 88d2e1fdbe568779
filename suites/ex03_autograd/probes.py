"""Probes for 03 autograd: the functions to differentiate, and the scenarios that hand them
to the learner's code.

A function cannot be sent to a worker, but its name can: the judge names an entry of
FUNCTIONS, the probe calls the learner's code with it and reports what came back and what
happened to the caller's x (its values, requires_grad and .grad). The judge imports this
same file (grader.testing.probes_of) and computes every expected value itself.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from grader.probe import probe

FORBIDDEN = {
    "jacobian": [
        "torch.autograd.functional.jacobian",
        "torch.func.jacrev",
        "torch.func.jacfwd",
        "torch.vmap",
        "torch.func.vmap",
    ],
}

# (name, formula shown to learners, function). Constants are Python numbers, so every
# function runs on any device, the stand-in included.
_CATALOGUE: list[tuple[str, str, Callable[[torch.Tensor], torch.Tensor]]] = [
    # scalar functions of a tensor of any shape: for grad_of and numerical_grad
    ("sum_sin", "sin(x).sum()", lambda x: x.sin().sum()),
    ("sum_exp", "exp(x).sum()", lambda x: x.exp().sum()),
    ("sum_cubic", "(x**3 - 2*x).sum()", lambda x: (x**3 - 2 * x).sum()),
    ("sin_times_exp", "(sin(x) * exp(x/2)).sum()", lambda x: (x.sin() * (0.5 * x).exp()).sum()),
    ("sum_tanh_sq", "(tanh(x)**2).sum()", lambda x: x.tanh().pow(2).sum()),
    ("mean_quartic", "(x**4).mean()", lambda x: x.pow(4).mean()),
    ("prod", "x.prod()", lambda x: x.prod()),
    ("logsumexp", "logsumexp(x.flatten(), 0)", lambda x: torch.logsumexp(x.reshape(-1), 0)),
    ("row_products", "x.prod(dim=-1).sum()", lambda x: x.prod(dim=-1).sum()),
    # tensor-valued functions: for vjp and jacobian
    ("softmax", "softmax(x, dim=-1)", lambda x: torch.softmax(x, dim=-1)),
    (
        "stats",
        "stack([x.sum(), (x**2).sum(), x.prod(), sin(x).sum()])",
        lambda x: torch.stack([x.sum(), x.pow(2).sum(), x.prod(), x.sin().sum()]),
    ),
    ("cumprod", "x.flatten().cumprod(0)", lambda x: x.reshape(-1).cumprod(0)),
    ("row_cumprod", "x.cumprod(dim=-1)", lambda x: x.cumprod(dim=-1)),
    (
        "outer_exp",
        "x.flatten()[:, None] * exp(x.flatten())[None, :]",
        lambda x: x.reshape(-1)[:, None] * x.reshape(-1).exp()[None, :],
    ),
    ("powers", "stack([x, x**2, x**3])", lambda x: torch.stack([x, x**2, x**3])),
    ("row_norms", "(x**2).sum(dim=-1).sqrt()", lambda x: x.pow(2).sum(dim=-1).sqrt()),
    ("gram", "x @ x.T", lambda x: x @ x.T),
    # elementwise functions: for second_derivative
    ("sin", "sin(x)", torch.sin),
    ("exp", "exp(x)", torch.exp),
    ("cube", "x**3", lambda x: x**3),
    ("tanh", "tanh(x)", torch.tanh),
    ("sigmoid", "sigmoid(x)", torch.sigmoid),
    ("x_sin", "x * sin(x)", lambda x: x * x.sin()),
    ("gauss", "exp(-x**2)", lambda x: (-(x**2)).exp()),
    ("linear", "3*x + 1", lambda x: 3 * x + 1),
]
FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {n: f for n, _, f in _CATALOGUE}
FORMULAS: dict[str, str] = {n: text for n, text, _ in _CATALOGUE}


# ---------------------------------------------------------------- the scenarios


@probe
def grad_of(
    module,
    function: str,
    x: torch.Tensor,
    *,
    requires_grad: bool = False,
    grad: torch.Tensor | None = None,
    nonleaf: bool = False,
    calls: int = 1,
) -> dict:
    """Call grad_of(f, x) `calls` times on one x; report the results and x afterwards."""
    return _scenario(module.grad_of, function, x, (), requires_grad, grad, nonleaf, calls)


@probe
def vjp(
    module,
    function: str,
    x: torch.Tensor,
    v: torch.Tensor,
    *,
    requires_grad: bool = False,
    grad: torch.Tensor | None = None,
) -> dict:
    """Call vjp(f, x, v); report the result, x and v afterwards."""
    return _scenario(module.vjp, function, x, (v.clone(),), requires_grad, grad)


@probe
def jacobian(
    module,
    function: str,
    x: torch.Tensor,
    *,
    requires_grad: bool = False,
    grad: torch.Tensor | None = None,
) -> dict:
    """Call jacobian(f, x); report the result and x afterwards."""
    return _scenario(module.jacobian, function, x, (), requires_grad, grad)


@probe
def numerical_grad(
    module, function: str, x: torch.Tensor, eps: float | None = None, *, requires_grad=False
) -> dict:
    """Call numerical_grad(f, x) (with eps when given); report the result and x afterwards."""
    extra = () if eps is None else (eps,)
    return _scenario(module.numerical_grad, function, x, extra, requires_grad, None)


@probe
def second_derivative(
    module,
    function: str,
    x: torch.Tensor,
    *,
    requires_grad: bool = False,
    grad: torch.Tensor | None = None,
) -> dict:
    """Call second_derivative(f, x); report the result and x afterwards."""
    return _scenario(module.second_derivative, function, x, (), requires_grad, grad)


# ---------------------------------------------------------------- helpers


def _scenario(
    learner_fn,
    function: str,
    x: torch.Tensor,
    extra: tuple,
    requires_grad: bool,
    grad: torch.Tensor | None,
    nonleaf: bool = False,
    calls: int = 1,
) -> dict:
    f = FUNCTIONS[function]
    source = x.detach().clone().requires_grad_(requires_grad or nonleaf)
    if grad is not None:
        source.grad = grad.clone()
    # A non-leaf x is the result of a computation on `source` (values unchanged).
    x = source * 1 if nonleaf else source
    results, attached = [], []
    for _ in range(max(1, calls)):
        value = learner_fn(f, x, *extra)
        results.append(_snapshot(value))  # at once: a later call may change it in place
        # A result still attached to a graph (requires_grad) shows autograd recorded f's calls.
        attached.append(bool(getattr(value, "requires_grad", False)))
    return {
        "results": results,
        "results_require_grad": attached,
        "x": x.detach().clone(),
        "requires_grad": bool(x.requires_grad),
        "grad": _grad_of_leaf(x),
        "source_grad": _grad_of_leaf(source) if nonleaf else None,
        "extra": [e.detach().clone() if isinstance(e, torch.Tensor) else e for e in extra],
    }


def _snapshot(value):
    # The learner may hand back x.grad itself, which a later call would change in place.
    if type(value) in (torch.Tensor, torch.nn.Parameter):
        return value.detach().clone()
    return value


def _grad_of_leaf(t: torch.Tensor) -> torch.Tensor | None:
    if not t.is_leaf:
        return None  # reading .grad of a non-leaf only warns: there is nothing to report
    return None if t.grad is None else t.grad.detach().clone()
