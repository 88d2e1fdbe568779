"""Plausible wrong answers to 03 autograd, and the checks (and messages) that must catch them.

Each submission carries one mistake per function. The checks of one function never call
another, so every mistake is judged on its own while the grader runs only twice.
"""

import subprocess
import sys
import textwrap

import pytest
from helpers import (
    ROOT,
    assert_mutant_fails,
    assert_mutant_passes,
    edited,
    grade_mutants,
    mutant_checks,
    replace_function,
    solution,
)

pytestmark = pytest.mark.slow  # grades real submissions

SOLUTION = solution("ex03_autograd.py")


def mistakes_a() -> str:
    source = replace_function(
        SOLUTION,
        "grad_of",
        """\
    x.requires_grad_(True)  # the caller's x
    f(x).backward()
    return x.grad
""",
    )
    source = replace_function(
        source,
        "vjp",
        """\
    leaf = x.detach().requires_grad_(True)
    f(leaf).sum().backward()  # v ignored
    return leaf.grad
""",
    )
    source = edited(
        source,
        (
            "return torch.stack(rows).reshape(out.shape + x.shape)",
            "return torch.stack(rows, dim=-1).reshape(x.shape + out.shape)",
        ),
        ("(f(x + step) - f(x - step)) / (2 * eps)", "(f(x + step) - f(x)) / eps"),
    )
    return replace_function(
        source,
        "second_derivative",
        """\
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf)  # no create_graph
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
""",
    )


def mistakes_b() -> str:
    source = replace_function(
        SOLUTION,
        "grad_of",
        """\
    leaf = x.clone().requires_grad_(True)  # not a leaf when x requires grad
    f(leaf).backward()
    return leaf.grad
""",
    )
    source = replace_function(
        source,
        "jacobian",
        """\
    return torch.autograd.functional.jacobian(f, x)
""",
    )
    source = replace_function(
        source,
        "numerical_grad",
        """\
    grad = torch.empty_like(x)
    flat = x.view(-1)  # x itself, perturbed and restored by arithmetic
    for i in range(x.numel()):
        flat[i] += eps
        plus = f(x)
        flat[i] -= 2 * eps
        minus = f(x)
        flat[i] += eps
        grad.view(-1)[i] = (plus - minus) / (2 * eps)
    return grad
""",
    )
    # Without create_graph, f' looks constant: the "linear f" branch returns zeros.
    return edited(source, ("leaf, create_graph=True)", "leaf)"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    mutants = {
        "a": {"ex03_autograd.py": mistakes_a()},
        "b": {"ex03_autograd.py": mistakes_b()},
    }
    return grade_mutants("03", mutants, tmp_path_factory.mktemp("ex03_mistakes"))


# ---------------------------------------------------------------- grad_of


def test_backward_on_the_callers_x(graded):
    flipped = "requires_grad=False before the call and True after"
    assert_mutant_fails(graded, "a", "test_grad_of_leaves_x_alone", flipped, kind="wrong")
    assert_mutant_fails(graded, "a", "test_grad_of_leaves_2d_x_alone", flipped, kind="wrong")
    assert_mutant_fails(
        graded, "a", "test_grad_of_keeps_old_grad", "old contents plus the gradient", kind="wrong"
    )
    assert_mutant_fails(
        graded,
        "a",
        "test_grad_of_old_grad_2d_float64",
        "old contents plus the gradient",
        kind="wrong",
    )
    assert_mutant_fails(
        graded, "a", "test_grad_of_three_calls", "old contents plus the gradients", kind="wrong"
    )
    assert_mutant_fails(
        graded, "a", "test_grad_of_twice", "returned twice the gradient", kind="wrong"
    )
    assert_mutant_fails(graded, "a", "test_grad_of_nonleaf", "returned None", kind="wrong")
    # Its values are right on a fresh x: the value checks pass, the x checks point at x.
    assert_mutant_passes(
        graded, "a", "test_grad_of", "test_grad_of_float64_2d", "test_grad_of_more_functions"
    )
    assert_mutant_passes(graded, "a", "test_grad_of_0d")


def test_a_clone_is_not_a_leaf(graded):
    for name in (
        "test_grad_of_keeps_old_grad",
        "test_grad_of_twice",
        "test_grad_of_three_calls",
        "test_grad_of_nonleaf",
    ):
        assert_mutant_fails(graded, "b", name, "returned None instead of a tensor", kind="wrong")
        assert_mutant_fails(
            graded, "b", name, "autograd only fills the .grad of leaves", kind="wrong"
        )
    assert_mutant_passes(
        graded, "b", "test_grad_of", "test_grad_of_leaves_x_alone", "test_grad_of_0d"
    )


# ---------------------------------------------------------------- vjp


def test_vjp_that_ignores_v(graded):
    for name in ("test_vjp", "test_vjp_2d_float64", "test_vjp_more", "test_vjp_one_hot"):
        checks = [c for c in mutant_checks(graded, "a", name) if c["outcome"] != "skipped"]
        for check in checks:
            assert check["outcome"] == "failed", check
            assert "v was ignored" in check["message"], check["message"]
    assert_mutant_fails(graded, "a", "test_vjp_leaves_x_and_v_alone", "gradient=", kind="wrong")
    # Mistakes elsewhere leave the vjp checks alone.
    for name in ("test_vjp", "test_vjp_2d_float64", "test_vjp_more", "test_vjp_one_hot"):
        assert_mutant_passes(graded, "b", name)


# ---------------------------------------------------------------- jacobian


def test_jacobian_with_swapped_axes(graded):
    # Different shapes: the shape says it; equal shapes: the values do.
    assert_mutant_fails(
        graded, "a", "test_jacobian", "x.shape + f(x).shape: the axes are swapped", kind="wrong"
    )
    assert_mutant_fails(
        graded, "a", "test_jacobian_2d", "the input and output axes are swapped", kind="wrong"
    )
    assert_mutant_fails(
        graded, "a", "test_jacobian_square", "the input and output axes are swapped", kind="wrong"
    )
    assert_mutant_fails(graded, "a", "test_jacobian_more", "swapped", kind="wrong")
    assert_mutant_passes(graded, "a", "test_jacobian_scalar_output")  # a gradient: no axes to swap


def test_jacobian_through_a_forbidden_function(graded):
    message = "`jacobian` called `torch.autograd.functional.jacobian` (line"
    for name in ("test_jacobian", "test_jacobian_2d", "test_jacobian_more", "test_jacobian_square"):
        assert_mutant_fails(graded, "b", name, message, kind="forbidden")


def test_every_forbidden_jacobian_api_is_caught(tmp_path):
    """Each FORBIDDEN entry resolves in this torch and trips the guard, however imported."""
    (tmp_path / "ex03_autograd.py").write_text(
        textwrap.dedent("""
        import torch
        from torch.func import jacrev as imported_jacrev

        WAYS = {
            "functional": lambda f, x: torch.autograd.functional.jacobian(f, x),
            "jacrev": lambda f, x: torch.func.jacrev(f)(x),
            "jacfwd": lambda f, x: torch.func.jacfwd(f)(x),
            "vmap": lambda f, x: torch.vmap(torch.func.grad(f))(x),
            "func.vmap": lambda f, x: torch.func.vmap(torch.func.grad(f))(x),
            "imported": lambda f, x: imported_jacrev(f)(x),
        }

        def jacobian(f, x, way):
            return WAYS[way](f, x)
        """)
    )
    # As in a worker: every exercise's tripwires installed, then the learner module imported.
    script = textwrap.dedent(f"""
        import importlib.util
        from pathlib import Path
        import torch
        from grader.run.workers import guard
        from grader.run.workers.probes import load_probes

        probes = load_probes(Path("{ROOT}"))
        rules = probes["ex03_autograd"].forbidden
        print("unresolved", [a for a in rules["jacobian"] if guard.resolve_api(a) is None])
        guard.install_tripwires(p.forbidden for p in probes.values())
        spec = importlib.util.spec_from_file_location(
            "ex03_autograd", "{tmp_path}/ex03_autograd.py"
        )
        learner = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(learner)
        for way in learner.WAYS:
            with guard.armed(rules, Path("{tmp_path}")) as seen:
                try:
                    learner.jacobian(torch.sin, torch.ones(3), way)
                except guard.ForbiddenCall:
                    pass
            print(way, [v.api for v in seen])
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    seen = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert seen.pop("unresolved") == "[]"
    assert seen.pop("functional") == "['torch.autograd.functional.jacobian']"
    assert seen.pop("jacrev") == "['torch.func.jacrev']"
    assert seen.pop("jacfwd") == "['torch.func.jacfwd']"
    assert seen.pop("imported") == "['torch.func.jacrev']"
    # torch.vmap and torch.func.vmap are one function: either name may be reported.
    for way in ("vmap", "func.vmap"):
        assert seen.pop(way) in ("['torch.vmap']", "['torch.func.vmap']")
    assert not seen


# ---------------------------------------------------------------- numerical_grad


def test_numerical_grad_one_sided(graded):
    for name in (
        "test_numerical_grad",
        "test_numerical_grad_leaves_x_alone",
        "test_numerical_grad_more",
        "test_numerical_grad_0d",
        "test_numerical_grad_leaves_3x3_alone",
    ):
        assert_mutant_fails(
            graded, "a", name, "your values match a one-sided difference", kind="wrong"
        )
        assert_mutant_fails(graded, "a", name, "off by about eps (1e-06)", kind="wrong")
    assert_mutant_fails(
        graded, "a", "test_numerical_grad_uses_eps", "off by about eps (0.01)", kind="wrong"
    )


def test_numerical_grad_perturbing_x_in_place(graded):
    assert_mutant_fails(
        graded,
        "b",
        "test_numerical_grad_leaves_x_alone",
        "x changed: 6 of 6 values differ",
        kind="wrong",
    )
    assert_mutant_fails(
        graded,
        "b",
        "test_numerical_grad_leaves_3x3_alone",
        "x changed during the call",
        kind="wrong",
    )
    assert_mutant_passes(graded, "b", "test_numerical_grad", "test_numerical_grad_more")


# ---------------------------------------------------------------- second_derivative

SECOND = (
    "test_second_derivative",
    "test_second_derivative_2d_float64",
    "test_second_derivative_more",
    "test_second_derivative_0d",
    "test_second_derivative_leaves_x_alone",
)


def test_second_derivative_without_create_graph_raises(graded):
    for name in SECOND:
        assert_mutant_fails(graded, "a", name, "does not require grad", kind="raised")
        assert_mutant_fails(graded, "a", name, "pass create_graph=True", kind="raised")
    assert_mutant_fails(
        graded, "a", "test_second_derivative_linear", "For a linear f", kind="raised"
    )


def test_second_derivative_without_create_graph_gives_zeros(graded):
    for name in SECOND:
        checks = [c for c in mutant_checks(graded, "b", name) if c["outcome"] != "skipped"]
        for check in checks:
            assert check["outcome"] == "failed", check
            assert "got all zeros" in check["message"], check["message"]
            assert "create_graph=True" in check["message"], check["message"]
    assert_mutant_passes(graded, "b", "test_second_derivative_linear")


# ---------------------------------------------------------------- defaults and autograd left on

NEW_KINDS = {
    # f evaluated on the caller's x itself: autograd records every call when x requires grad
    "numerical_grad_keeps_graph": SOLUTION.replace("    x = x.detach()\n", "", 1),
    # the step a learner might take by default: too coarse for the documented eps=1e-6
    "numerical_grad_default_eps": SOLUTION.replace("eps: float = 1e-6", "eps: float = 1e-5", 1),
}


@pytest.fixture(scope="module")
def graded_new_kinds(tmp_path_factory):
    submissions = {name: {"ex03_autograd.py": text} for name, text in NEW_KINDS.items()}
    return grade_mutants("03", submissions, tmp_path_factory.mktemp("mistakes03-kinds"))


def test_numerical_grad_of_an_x_that_requires_grad_builds_no_graph(graded_new_kinds):
    assert_mutant_fails(
        graded_new_kinds,
        "numerical_grad_keeps_graph",
        "test_numerical_grad_x_requires_grad",
        "x.requires_grad=True",
        "requires grad",
        "x.detach()",
    )
    assert_mutant_passes(
        graded_new_kinds, "numerical_grad_keeps_graph", "test_numerical_grad", "test_grad_of"
    )


def test_numerical_grad_default_eps_is_checked_by_a_call_without_eps(graded_new_kinds):
    assert_mutant_fails(
        graded_new_kinds,
        "numerical_grad_default_eps",
        "test_numerical_grad_default_eps",
        "(eps left out)",
    )
    assert_mutant_passes(
        graded_new_kinds, "numerical_grad_default_eps", "test_numerical_grad_uses_eps"
    )
