"""Plausible wrong answers to 04 backward rules, and the checks (and messages) that catch them.

Each submission carries at most one mistake per Function. The checks of one Function never
use another, so every mistake is judged on its own while the grader runs only twice.
Every check a mistake does not explain must still pass: the suite points at the problem.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from helpers import ROOT, checks_named, grade_mutants, solution

pytestmark = pytest.mark.slow  # grades real submissions

SOLUTION = solution("ex04_backward.py")


def patched(source: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert source.count(old) == 1, f"the solution must contain {old!r} exactly once"
        source = source.replace(old, new)
    return source


def with_backward(source: str, cls: str, body: str) -> str:
    """`source` with the body of `cls.backward` replaced by `body` (indented 8 spaces)."""
    pattern = re.compile(
        rf"(^class {cls}\(.*?def backward\(ctx, grad_output.*?\).*?:\n)(.*?)(?=^\S|\Z)",
        re.S | re.M,
    )
    match = pattern.search(source)
    assert match, f"no {cls}.backward in the solution"
    code = textwrap.indent(textwrap.dedent(body).strip() + "\n", " " * 8)
    return source[: match.start(2)] + code + "\n\n" + source[match.end(2) :]


# ---------------------------------------------------------------- the submissions

# One wrong derivative per Function.
WRONG_RULES = patched(
    SOLUTION,
    (  # forgets to unbroadcast: the engine would hide it, the direct call does not
        "return unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)",
        "return grad_output * b, grad_output * a",
    ),
    ("return grad_output @ b.T, a.T @ grad_output", "return grad_output @ b.T, grad_output.T @ a"),
    (  # only the diagonal of the Jacobian
        "inner = (grad_output * y).sum(dim=ctx.dim, keepdim=True)\n"
        "        return y * (grad_output - inner), None",
        "return y * (1 - y) * grad_output, None",
    ),
    (  # expands without putting the reduced dim back
        "return _expand_back(grad_output, ctx), None, None",
        "return grad_output.expand(ctx.shape), None, None",
    ),
    (  # saves the input, then uses it as if it were exp(x)
        "ctx.save_for_backward(y)  # exp is its own derivative: keep the output, not the input",
        "ctx.save_for_backward(x)",
    ),
    ("return grad_output / x\n", "return grad_output / x**2\n"),
    ("return grad_output * (x > 0)", "return grad_output * (x >= 0)"),
    ("return grad_output * y * (1 - y)", "return grad_output * (1 - y)"),
    ("return grad_output * (1 - y * y)", "return grad_output * (1 - y)"),
    (
        "return _expand_back(grad_output, ctx) / ctx.count, None, None",
        "return _expand_back(grad_output, ctx), None, None",
    ),
    (
        "return grad_output - y.exp() * total, None",
        "return grad_output - y.exp() * grad_output, None",
    ),
)

# Wrong returns, wrong shapes, in-place writes, a forward that ignores keepdim.
WRONG_RETURNS = patched(
    SOLUTION,
    (  # forgets the leading dimensions that broadcasting added
        "    leading = grad.dim() - len(shape)\n    if leading > 0:",
        "    leading = 0\n    if leading > 0:",
    ),
    (
        "return unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)",
        "return unbroadcast(grad_output * b, a.shape)",
    ),
    ("return grad_output @ b.T, a.T @ grad_output", "return grad_output @ b, a.T @ grad_output"),
    ("return grad_output * (x > 0)", "return grad_output"),  # ReLU passing everything through
    ("return x.sum(dim=dim, keepdim=keepdim)", "return x.sum(dim=dim)"),
    (
        "return _expand_back(grad_output, ctx) / ctx.count, None, None",
        "return _expand_back(grad_output, ctx) / ctx.count",
    ),
    ("return grad_output * (1 - y * y)", "return grad_output.mul_(1 - y * y)"),
    ("return grad_output * y\n", "return [grad_output * y]\n"),
    ("return y * (grad_output - inner), None", "return y * (grad_output - inner), 0"),
    (
        "y = torch.log_softmax(x, dim=dim)",
        "y = x - x.exp().sum(dim=dim, keepdim=True).log()",
    ),
)


# Log and Sigmoid (untouched above) ask autograd for their derivative, which is forbidden:
# Tensor.backward is seen by the guard's TorchFunctionMode, torch.autograd.grad by a tripwire.
WRONG_RETURNS = with_backward(
    WRONG_RETURNS,
    "Log",
    """
    (x,) = ctx.saved_tensors
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        torch.log(leaf).backward(grad_output)
    return leaf.grad
    """,
)
WRONG_RETURNS = with_backward(
    WRONG_RETURNS,
    "Sigmoid",
    """
    (y,) = ctx.saved_tensors
    with torch.enable_grad():
        x = torch.logit(y).requires_grad_(True)
        (grad,) = torch.autograd.grad(torch.sigmoid(x), x, grad_output)
    return grad
    """,
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    mutants = {
        "wrong_rules": {"ex04_backward.py": WRONG_RULES},
        "wrong_returns": {"ex04_backward.py": WRONG_RETURNS},
    }
    return grade_mutants("04", mutants, tmp_path_factory.mktemp("ex04_mistakes"))


def graded_checks(results: dict) -> list[dict]:
    return [c for c in checks_named(results, "test_") if c["outcome"] != "skipped"]


def named(results: dict, name: str) -> list[dict]:
    """The cases of one check (`name`, `name[cpu]`, `name[Sum-standin]`), skipped ones left out."""
    found = [c for c in graded_checks(results) if re.fullmatch(rf"{name}(\[.*\])?", c["name"])]
    assert found, f"no check named {name}"
    return found


def assert_caught(results: dict, name: str, *phrases: str, kind: str = "wrong", only=None):
    cases = [c for c in named(results, name) if only is None or only in c["name"]]
    assert cases, f"no case of {name} matches {only!r}"
    for check in cases:
        assert check["outcome"] == "failed", check
        assert check["kind"] == kind, check
        for phrase in phrases:
            assert phrase in check["message"], f"{phrase!r} not in:\n{check['message']}"


def explained_by(name: str, spec: str) -> bool:
    """Does check `name` (e.g. "test_x[cpu-Sum]") fit `spec`: "test_x", or "test_x[Sum]" (a
    case whose parameters include Sum)?"""
    base, _, params = name.partition("[")
    spec_base, _, spec_param = spec.partition("[")
    if base != spec_base:
        return False
    return not spec_param or spec_param.rstrip("]") in params.rstrip("]").split("-")


def assert_only_these_fail(results: dict, *specs: str) -> None:
    """Every failing check is one the mistakes made explain: the suite points at them only."""
    failing = {c["name"] for c in graded_checks(results) if c["outcome"] != "passed"}
    unexplained = {n for n in failing if not any(explained_by(n, s) for s in specs)}
    assert not unexplained, unexplained


def elementwise(name: str) -> tuple[str, ...]:
    """The hidden checks that cover every elementwise Function, for one of them."""
    return (
        f"test_elementwise_backward_float64_3d[{name}]",
        f"test_elementwise_backward_scalar[{name}]",
        f"test_elementwise_gradcheck_3d[{name}]",
        f"test_elementwise_variants[{name}]",
    )


# ---------------------------------------------------------------- one wrong rule per Function


def test_wrong_rules_fail_only_their_own_checks(graded):
    assert_only_these_fail(
        graded["wrong_rules"],
        "test_mul_backward",
        "test_mul_backward_more",
        "test_mul_backward_b_first_broadcast",
        "test_matmul_backward",
        "test_matmul_gradcheck",
        "test_matmul_backward_more",
        "test_matmul_gradcheck_more",
        "test_softmax_backward",
        "test_softmax_gradcheck",
        "test_softmax_backward_more[Softmax]",
        "test_softmax_gradcheck_3d[Softmax]",
        # Near ±1000 softmax is almost one-hot, where the wrong rule often agrees with the
        # right one; the hidden input differs per grading (its seed is mixed with a secret), so
        # on some inputs two entries of a row are close enough to tell the rules apart.
        "test_softmax_large_inputs[Softmax]",
        "test_sum_backward",
        "test_sum_gradcheck",
        "test_reduction_backward_more[Sum]",
        *("test_exp_backward", "test_exp_gradcheck", *elementwise("Exp")),
        *("test_log_backward", "test_log_gradcheck", *elementwise("Log")),
        *("test_relu_backward", "test_relu_backward_edges", *elementwise("ReLU")),
        *("test_sigmoid_backward", "test_sigmoid_gradcheck", *elementwise("Sigmoid")),
        *("test_tanh_backward", "test_tanh_gradcheck", *elementwise("Tanh")),
        "test_mean_backward",
        "test_mean_gradcheck",
        "test_reduction_backward_more[Mean]",
        "test_reduction_backward_1d[Mean]",
        "test_reduction_gradcheck_more[Mean]",
        "test_log_softmax_backward",
        "test_log_softmax_gradcheck",
        "test_softmax_backward_more[LogSoftmax]",
        "test_softmax_large_inputs[LogSoftmax]",
        "test_softmax_gradcheck_3d[LogSoftmax]",
    )


def test_mul_without_unbroadcast(graded):
    result = graded["wrong_rules"]
    assert_caught(
        result,
        "test_mul_backward",
        "the gradient for `b` (input 2 of Mul): wrong shape: expected (3,)",
        "got (4, 3)",
        "a broadcast input's gradient must be summed back to its shape (see unbroadcast)",
    )
    assert_caught(result, "test_mul_backward_more", "see unbroadcast", only="[cpu]")
    assert_caught(result, "test_mul_backward_b_first_broadcast", "the gradient for `a` (input 1")
    # The autograd engine sums a broadcast-shaped gradient itself: gradcheck cannot see this.
    for check in named(result, "test_mul_gradcheck") + named(result, "test_mul_gradcheck_more"):
        assert check["outcome"] == "passed", check
    assert_caught(
        graded["wrong_returns"], "test_unbroadcast", "wrong shape: expected (3,), got (4, 3)"
    )


def test_matmul_with_a_transposed_gradient(graded):
    assert_caught(
        graded["wrong_rules"],
        "test_matmul_backward",
        "the gradient for `b` (input 2 of MatMul): wrong shape: expected (4, 2)",
        "got (2, 4)",
        "grad_a = grad_output @ b.T (the shape of a) and grad_b = a.T @ grad_output",
    )
    assert_caught(
        graded["wrong_returns"],
        "test_matmul_backward",
        "backward raised RuntimeError: mat1 and mat2 shapes cannot be multiplied",
        "in backward\n    return grad_output @ b, a.T @ grad_output",
        "grad_a = grad_output @ b.T",
        only="[cpu]",
    )
    assert_caught(
        graded["wrong_returns"], "test_matmul_backward", "backward raised", only="[standin]"
    )


def test_softmax_with_only_the_diagonal(graded):
    result = graded["wrong_rules"]
    for name in ("test_softmax_backward", "test_softmax_gradcheck"):
        assert_caught(result, name, "the Jacobian is not diagonal", only="[cpu]")
    assert_caught(result, "test_softmax_backward", "values differ from PyTorch's", only="[cpu]")
    assert_caught(result, "test_softmax_gradcheck", "Jacobian mismatch")
    assert_caught(result, "test_softmax_backward_more", "(g * y).sum(dim", only="cpu-Softmax")


def test_sum_without_unsqueeze(graded):
    assert_caught(
        graded["wrong_rules"],
        "test_sum_backward",
        "Sum.apply(x 2×3×4, dim=1, keepdim=False)",
        "backward raised RuntimeError: The expanded size",
        "unsqueeze the gradient along dim before expanding",
        only="[cpu]",
    )
    assert_caught(graded["wrong_rules"], "test_sum_backward", "unsqueeze the", only="[standin]")


def test_sum_forward_that_ignores_keepdim(graded):
    result = graded["wrong_returns"]
    assert_caught(
        result,
        "test_sum_forward",
        "Sum.apply(x 2×3×4, dim=None, keepdim=True): wrong shape: expected (1, 1, 1), got ()",
        "keepdim=True keeps the summed dimension with size 1",
        only="[cpu]",
    )
    assert_caught(result, "test_sum_backward", "Fix forward first", only="[cpu]")


def test_mean_without_dividing(graded):
    result = graded["wrong_rules"]
    assert_caught(result, "test_mean_backward", "divided by the number of elements", only="[cpu]")
    assert_caught(result, "test_mean_gradcheck", "Jacobian mismatch")


def test_exp_that_uses_its_input(graded):
    assert_caught(
        graded["wrong_rules"],
        "test_exp_backward",
        "the gradient for `x` (input 1 of Exp)",
        "save y = exp(x) in forward",
        only="[cpu]",
    )


def test_log_with_one_over_x_squared(graded):
    assert_caught(graded["wrong_rules"], "test_log_backward", "d/dx log(x) = 1 / x", only="[cpu]")


def test_relu_masks(graded):
    at_zero = graded["wrong_rules"]
    assert_caught(at_zero, "test_relu_backward", "also at x == 0", only="[cpu]")
    assert "test_relu_gradcheck" not in {  # finite differences cannot see the kink at 0
        c["name"].split("[")[0] for c in graded_checks(at_zero) if c["outcome"] == "failed"
    }
    passes_negatives = graded["wrong_returns"]
    assert_caught(passes_negatives, "test_relu_backward", "grad_output * (x > 0)", only="[cpu]")
    assert_caught(passes_negatives, "test_relu_gradcheck", "Jacobian mismatch")


def test_sigmoid_and_tanh_with_wrong_derivatives(graded):
    result = graded["wrong_rules"]
    assert_caught(result, "test_sigmoid_backward", "dy/dx = y * (1 - y)", only="[cpu]")
    assert_caught(result, "test_tanh_backward", "dy/dx = 1 - y²", only="[cpu]")
    assert_caught(result, "test_sigmoid_gradcheck", "torch.autograd.gradcheck of Sigmoid.apply")


def test_log_softmax_without_the_sum(graded):
    assert_caught(
        graded["wrong_rules"],
        "test_log_softmax_backward",
        "grad_x = g - exp(y) * g.sum(dim, keepdim=True)",
        only="[cpu]",
    )


# ---------------------------------------------------------------- what backward returns


def test_wrong_returns_fail_only_their_own_checks(graded):
    assert_only_these_fail(
        graded["wrong_returns"],
        "test_unbroadcast",
        "test_unbroadcast_more",
        "test_unbroadcast_torch_size",
        "test_mul_backward",
        "test_mul_gradcheck",
        "test_mul_backward_more",
        "test_mul_backward_b_first_broadcast",
        "test_mul_gradcheck_more",
        "test_matmul_backward",
        "test_matmul_gradcheck",
        "test_matmul_backward_more",
        "test_matmul_gradcheck_more",
        *("test_relu_backward", "test_relu_gradcheck", "test_relu_backward_edges"),
        *elementwise("ReLU"),
        *("test_sum_forward", "test_sum_backward", "test_sum_gradcheck"),
        *("test_reduction_backward_more[Sum]", "test_reduction_backward_1d[Sum]"),
        "test_reduction_gradcheck_more[Sum]",
        *("test_mean_backward", "test_mean_gradcheck", "test_reduction_backward_more[Mean]"),
        *("test_reduction_backward_1d[Mean]", "test_reduction_gradcheck_more[Mean]"),
        "test_tanh_backward",
        *elementwise("Tanh"),
        *("test_exp_backward", "test_exp_gradcheck", *elementwise("Exp")),
        *("test_softmax_backward", "test_softmax_gradcheck", "test_softmax_gradcheck_3d[Softmax]"),
        *("test_softmax_backward_more[Softmax]", "test_softmax_large_inputs[Softmax]"),
        "test_softmax_large_inputs[LogSoftmax]",
        *("test_log_backward", "test_log_gradcheck", *elementwise("Log")),
        *("test_sigmoid_backward", "test_sigmoid_gradcheck", *elementwise("Sigmoid")),
    )


def test_backward_returning_too_few_gradients(graded):
    result = graded["wrong_returns"]
    assert_caught(
        result,
        "test_mul_backward",
        "backward returned 1 gradient, but Mul.forward takes 2 inputs (a, b)",
        "one gradient per input of forward",
    )
    assert_caught(
        result,
        "test_mean_backward",
        "backward returned 1 gradient, but Mean.forward takes 3 inputs (x, dim, keepdim)",
        "with None for the inputs that are not tensors",
        only="[cpu]",
    )
    assert_caught(result, "test_mean_gradcheck", "incorrect number of gradients", "None for")


def test_backward_returning_a_number_for_dim(graded):
    assert_caught(
        graded["wrong_returns"],
        "test_softmax_backward",
        "backward returned 0 as the gradient for `dim` (input 2 of Softmax)",
        "return None in its place",
    )


def test_backward_returning_a_list(graded):
    assert_caught(
        graded["wrong_returns"], "test_exp_backward", "backward returned a list", "or a tuple"
    )
    assert_caught(graded["wrong_returns"], "test_exp_gradcheck", "(got list)", "(a tuple when")


def test_backward_writing_into_grad_output(graded):
    result = graded["wrong_returns"]
    assert_caught(result, "test_tanh_backward", "changed its input `grad_output`", only="[cpu]")
    for check in named(result, "test_tanh_forward") + named(result, "test_tanh_gradcheck"):
        assert check["outcome"] == "passed", check


def test_naive_log_softmax_forward_overflows(graded):
    assert_caught(
        graded["wrong_returns"],
        "test_softmax_large_inputs",
        "exp() of a large number overflows",
        only="LogSoftmax",
    )


# ---------------------------------------------------------------- forbidden inside backward

FORBIDDEN_SEEN = {
    "log": ("Log.backward", "Tensor.backward"),
    "sigmoid": ("Sigmoid.backward", "torch.autograd.grad"),
}


@pytest.mark.parametrize("function", sorted(FORBIDDEN_SEEN))
def test_backward_calling_autograd(graded, function):
    scope, api = FORBIDDEN_SEEN[function]
    result = graded["wrong_returns"]
    # gradcheck too: its probe calls backward directly first, where the guard sees everything.
    for check in ("backward", "gradcheck"):
        assert_caught(
            result,
            f"test_{function}_{check}",
            f"`{scope}` called `{api}` (line",
            "which this exercise forbids",
            kind="forbidden",
        )
    for check in named(result, f"test_{function}_forward"):
        assert check["outcome"] == "passed", check


def test_every_forbidden_api_resolves_and_trips(tmp_path):
    """Each FORBIDDEN entry exists in this torch, and the guard sees it inside a backward."""
    (tmp_path / "ex04_backward.py").write_text(
        textwrap.dedent("""
        import torch
        from torch.func import vjp as imported_vjp

        def f(x):
            return (x * x).sum()

        x = torch.ones(3, requires_grad=True)
        WAYS = {
            "grad": lambda: torch.autograd.grad(f(x), x),
            "backward": lambda: f(x).backward(),
            "autograd.backward": lambda: torch.autograd.backward(f(x)),
            "func.grad": lambda: torch.func.grad(f)(x),
            "func.grad_and_value": lambda: torch.func.grad_and_value(f)(x),
            "func.vjp": lambda: torch.func.vjp(f, x),
            "imported vjp": lambda: imported_vjp(f, x),
            "func.jvp": lambda: torch.func.jvp(f, (x,), (x,)),
            "func.jacrev": lambda: torch.func.jacrev(f)(x),
            "func.jacfwd": lambda: torch.func.jacfwd(f)(x),
            "func.hessian": lambda: torch.func.hessian(f)(x),
            "vmap": lambda: torch.vmap(torch.sin)(x),
            "func.functional_call": lambda: torch.func.functional_call(
                torch.nn.Identity(), {}, (x,)
            ),
            "func.linearize": lambda: torch.func.linearize(torch.sin, x),
            "functional.jacobian": lambda: torch.autograd.functional.jacobian(f, x),
            "functional.hessian": lambda: torch.autograd.functional.hessian(f, x),
            "functional.vjp": lambda: torch.autograd.functional.vjp(f, x),
            "functional.jvp": lambda: torch.autograd.functional.jvp(f, x, x),
            "functional.vhp": lambda: torch.autograd.functional.vhp(f, x, x),
            "functional.hvp": lambda: torch.autograd.functional.hvp(f, x, x),
        }

        class Cheat:
            @staticmethod
            def backward(way):
                return WAYS[way]()

            @staticmethod
            def forward(way):
                return WAYS[way]()
        """)
    )
    script = textwrap.dedent(f"""
        import importlib.util
        from pathlib import Path
        from grader.run.workers import guard

        def load(name, path):
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module

        probes = load("probes04", "{ROOT}/suites/ex04_backward/probes.py")
        print("unresolved", [a for a in probes.AUTOGRAD_APIS if guard.resolve_api(a) is None])
        guard.install_tripwires([probes.FORBIDDEN])
        learner = load("ex04_backward", "{tmp_path}/ex04_backward.py")
        for way in learner.WAYS:
            for method in (learner.Cheat.backward, learner.Cheat.forward):
                with guard.armed(probes.FORBIDDEN, Path("{tmp_path}")) as seen:
                    try:
                        method(way)
                    except guard.ForbiddenCall:
                        pass
                print(method.__name__, way, ",".join(v.api for v in seen))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "unresolved []"
    seen = {}
    for line in lines[1:]:
        method, rest = line.split(" ", 1)
        way, _, api = rest.rpartition(" ")
        seen[method, way] = api
    expected_first = {
        "grad": "torch.autograd.grad",
        "backward": "Tensor.backward",
        "autograd.backward": "torch.autograd.backward",
        "imported vjp": "torch.func.vjp",
        "vmap": ("torch.vmap", "torch.func.vmap"),  # one function under two names
    }
    ways = [w for m, w in seen if m == "backward"]
    assert len(ways) == 20
    for way in ways:
        assert seen["forward", way] == "", f"{way}: forward is allowed to use autograd"
        want = expected_first.get(way, f"torch.{way}" if way.startswith("func.") else None)
        if want is None:
            want = f"torch.autograd.{way}"
        got = seen["backward", way]
        assert got in (want if isinstance(want, tuple) else (want,)), (way, got)


# ---------------------------------------------------------------- an empty dimension


def test_unbroadcast_to_a_size_1_dim_of_an_empty_grad(tmp_path):
    """Summing only where grad's size is above 1 leaves a (0, 3) gradient for a (1, 3) input;
    PyTorch's is zeros of shape (1, 3)."""
    source = patched(
        SOLUTION,
        ("size == 1 and grad.shape[i] != 1", "size == 1 and grad.shape[i] > 1"),
    )
    results = grade_mutants("04", {"above_one": {"ex04_backward.py": source}}, tmp_path)
    cases = checks_named(results["above_one"], "test_unbroadcast")
    failed = sorted(c["name"] for c in cases if c["outcome"] == "failed")
    assert failed == ["test_unbroadcast_more[cpu]", "test_unbroadcast_more[standin]"], cases
    message = next(c["message"] for c in cases if c["name"] == "test_unbroadcast_more[cpu]")
    assert "unbroadcast(grad 0×3 float64, (1, 3))" in message, message


def test_a_backward_that_needs_contiguous_memory_is_named_by_its_variant(tmp_path):
    """ReLU's backward through .view(-1) breaks on a non-contiguous input (a transposed
    activation, say): only the variant check hands it one."""
    source = with_backward(
        SOLUTION,
        "ReLU",
        "(x,) = ctx.saved_tensors\nreturn grad_output * (x.view(-1) > 0).view(x.shape)",
    )
    results = grade_mutants("04", {"view": {"ex04_backward.py": source}}, tmp_path)
    failed = [c for c in graded_checks(results["view"]) if c["outcome"] == "failed"]
    assert [c["name"] for c in failed] == ["test_elementwise_variants[ReLU]"], failed
    assert failed[0]["message"].startswith("With a non-contiguous input: "), failed[0]["message"]
    assert "view" in failed[0]["message"]
