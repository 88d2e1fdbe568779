"""The course agrees with itself: every stub and its solution define the same functions and
classes with the same signatures, and every forbidden-call rule names functions that exist and
APIs that torch has. Read from the source; nothing is graded."""

from __future__ import annotations

import ast
import fnmatch
import importlib.util

import pytest
import torch
from helpers import EXERCISES, ROOT, SOLUTIONS

from grader.course import load_course
from grader.run.workers.guard import ALIASES, resolve_api

COURSE = load_course(ROOT)
IDS = [ex.id for ex in COURSE.exercises]


def definitions(path) -> dict[str, str]:
    """Qualified name -> signature text, for every public function, class and method."""
    found: dict[str, str] = {}

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_") or node.name.startswith("__"):
                    found[prefix + node.name] = ast.unparse(node.args)
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found[prefix + node.name] = ", ".join(ast.unparse(b) for b in node.bases)
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(path.read_text()).body, "")
    return found


def forbidden_rules(exercise_id: str) -> dict[str, list[str]]:
    path = ROOT / "suites" / exercise_id / "probes.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"contract_probes_{exercise_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(getattr(module, "FORBIDDEN", {}))


@pytest.mark.parametrize("exercise", IDS)
def test_stub_and_solution_define_the_same_things(exercise):
    stub = definitions(EXERCISES / f"{exercise}.py")
    solution = definitions(SOLUTIONS / f"{exercise}.py")
    # A solution may define more (helpers, dunder methods the stub leaves to the learner), but
    # everything the stub promises is there, with the same signature.
    missing = sorted(set(stub) - set(solution))
    assert missing == [], f"in the stub, not the solution: {missing}"
    differ = {name: (stub[name], solution[name]) for name in stub if stub[name] != solution[name]}
    assert differ == {}


@pytest.mark.parametrize("exercise", IDS)
def test_every_forbidden_rule_names_a_real_function_and_real_apis(exercise):
    names = set(definitions(SOLUTIONS / f"{exercise}.py"))
    for scope, apis in forbidden_rules(exercise).items():
        assert any(fnmatch.fnmatchcase(n, scope) for n in names), f"{scope} matches nothing"
        for api in apis:
            for name in ALIASES.get(api, (api,)):
                if name.startswith("aten."):
                    assert hasattr(torch.ops.aten, name.removeprefix("aten.")), name
                else:
                    assert resolve_api(name) is not None, f"{scope}: {name} is not a torch API"


@pytest.mark.parametrize("exercise", IDS)
def test_no_solution_calls_what_its_exercise_forbids(exercise):
    """A direct, spelled-out use in the solution's source (the guard catches the rest at run
    time): `torch.nn.functional.softmax` written as `F.softmax` or `torch.softmax` counts."""
    for scope, apis in forbidden_rules(exercise).items():
        named = {n for api in apis for n in ALIASES.get(api, (api,)) if not n.startswith("Tensor.")}
        for qualname, body in function_bodies(SOLUTIONS / f"{exercise}.py").items():
            if fnmatch.fnmatchcase(qualname, scope):
                used = spelled_out(body) & named
                assert not used, f"{qualname} spells out {sorted(used)}, which {scope} forbids"


def function_bodies(path) -> dict[str, ast.AST]:
    found: dict[str, ast.AST] = {}

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = node
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(path.read_text()).body, "")
    return found


def spelled_out(body: ast.AST) -> set[str]:
    """Dotted names used in a function, with the course's usual import aliases expanded."""
    aliases = {"F": "torch.nn.functional", "nn": "torch.nn", "np": "numpy"}
    used = set()
    for node in ast.walk(body):
        if isinstance(node, ast.Attribute):
            head, _, rest = ast.unparse(node).partition(".")
            used.add(f"{aliases.get(head, head)}.{rest}")
    return used
