"""The grader's layout is its design: stages import only the stages before them, the judge side
and the workers side never import each other, no module imports itself back, and no file is
too big to read in one sitting. Read from the source (every import, at any depth), not run."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "grader"
MAX_LINES = 400

# Each module's floor: a module may import modules on its own floor or below, never above.
FLOORS = [
    ("grader", "grader.records", "grader.messages", "grader.catalog", "grader.kit_language"),
    ("grader.course", "grader.kit_stubs"),
    ("grader.intake",),
    ("grader.run.shared",),
    ("grader.run.judge", "grader.run.workers", "grader.probe"),
    ("grader.testing",),
    ("grader.results", "grader.results_json"),
    ("grader.render",),
    ("grader.judging",),
    ("grader.pipeline", "grader.doctor"),
    (
        "grader.batch",
        "grader.release",
        "grader.verify",
        "grader.leaks",
        "grader.autograder",
        "grader.starters",
    ),
    ("grader.cli", "grader.__main__", "grader.api"),
]
# The package's face may hand out its Python API, loaded only when asked for (PEP 562):
# `from grader import check`. Nothing below the top floor ever reaches it.
FACE_EXPORTS = {("grader", "grader.api")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The grader modules `path` imports (the longest known prefix of each import)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            parts = name.split(".")
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in known:
                    found.add(candidate)
                    break
    found.discard(module_name(path))
    return found


def floor(module: str) -> int:
    best = (-1, -1)
    for level, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[1]:
                best = (level, len(prefix))
    assert best[0] >= 0, f"{module} has no floor in tests/test_layout.py: place it"
    return best[0]


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(path, set(found)) for name, path in found.items()}


def test_every_module_imports_only_its_floor_or_below():
    upward = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if target != "grader"
        and floor(target) > floor(module)
        and (module, target) not in FACE_EXPORTS
    ]
    assert upward == []


def test_the_judge_side_and_the_workers_side_never_import_each_other():
    crossing = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        for a, b in (("judge", "workers"), ("workers", "judge"))
        if module.startswith(f"grader.run.{a}") and target.startswith(f"grader.run.{b}")
    ]
    assert crossing == []


def test_no_import_circle():
    edges = graph()
    state: dict[str, str] = {}
    circles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if target == "grader":  # the package's face: a version string and a lazy door
                continue
            if state.get(target) == "open":
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_no_grader_file_is_too_long_to_read():
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) >= MAX_LINES
    }
    assert long == {}
