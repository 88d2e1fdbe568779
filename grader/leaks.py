"""Answer leaks: does a file the learner kit ships hold a piece of a solution?

Every statement of every solution function, and every expression in them of at least
MIN_NODES syntax nodes, is normalised (docstrings dropped; the function's own names, its
parameters and what it assigns, renamed in order of appearance: `for row in x` and `for r in
t` read the same) and looked for, normalised the same way, in the shipped Python files. A
match is a leak: the file and line where it is, and the solution function it comes from.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

MIN_NODES = 12  # an expression this big is an answer, not an idiom (`x.sum(dim=dim)` is 6)
MIN_STATEMENT_NODES = 8  # `found = []`, `super().__init__()`, `loss.backward()` are idioms
MIN_ALONE_NODES = 40  # a piece this big is matched on its own too (a loop lifted out of an answer)


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    solution: str  # "ex08_training.py: train_one_epoch"

    def __str__(self) -> str:
        return f"{self.file}:{self.line} holds a piece of the solution {self.solution}"


def find_leaks(solution_files: list[Path], shipped: dict[str, str]) -> list[Leak]:
    """`shipped` maps each shipped file's name (as the kit holds it) to its source."""
    wanted: dict[str, str] = {}
    for path in solution_files:
        for function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            for piece in _pieces(function):
                wanted.setdefault(piece, f"{path.name}: {function.name}")
    leaks = []
    for name, source in sorted(shipped.items()):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        seen: set[str] = set()
        for _, line, piece in _located_pieces(tree):
            if piece in wanted and wanted[piece] not in seen:
                seen.add(wanted[piece])
                leaks.append(Leak(name, line, wanted[piece]))
    return leaks


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _pieces(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {piece for _, _, piece in _pieces_with_lines(function)}


def _located_pieces(tree: ast.AST):
    """(function, line, piece) for every function of a file, and its module-level code."""
    for function in _functions(tree):
        yield from _pieces_with_lines(function)
    module = ast.Module(
        body=[
            n
            for n in getattr(tree, "body", [])
            if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ],
        type_ignores=[],
    )
    yield from _pieces_with_lines(module)


def _pieces_with_lines(scope: ast.AST):
    renamed = _Renamer(_own_names(scope)).visit(_without_docstring(scope))
    for node in ast.walk(renamed):
        if (
            isinstance(node, ast.stmt)
            and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass, ast.Return)
            )
        ) or (isinstance(node, ast.Return) and node.value is not None and _size(node.value) >= 4):
            if _size(node) >= MIN_STATEMENT_NODES:
                yield from _keys(scope, node, "S")
        elif isinstance(node, ast.expr) and _size(node) >= MIN_NODES:
            yield from _keys(scope, node, "E")


def _keys(scope: ast.AST, node: ast.AST, kind: str):
    """A piece as it stands in its function (names numbered over the whole function) and,
    when it is large, on its own too (a loop copied out of the answer without the lines
    around it), never for small pieces, whose own numbering matches common idioms."""
    line = getattr(node, "lineno", 0)
    yield scope, line, kind + ast.dump(node)
    if _size(node) >= MIN_ALONE_NODES:
        yield scope, line, kind + "alone" + _canonical(node)


def _canonical(node: ast.AST) -> str:
    """A piece with its own names numbered by first appearance in the piece itself, so the
    same statement matches whatever the names and wherever it stands in its function."""
    numbers: dict[str, str] = {}
    for found in ast.walk(node):
        name = getattr(found, "id", None) or getattr(found, "arg", None)
        if isinstance(found, (ast.Name, ast.arg)) and OWN.match(name or ""):
            numbers.setdefault(name, f"_v{len(numbers)}")
    text = ast.dump(node)
    return OWN_IN_DUMP.sub(lambda m: f"'{numbers.get(m[1], m[1])}'", text)


def _own_names(scope: ast.AST) -> list[str]:
    """A function's parameters and the names it binds, in order of appearance."""
    names: list[str] = []
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = scope.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.arg not in ("self", "cls"):
                names.append(a.arg)
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
        elif (
            isinstance(node, ast.arg) and node.arg not in names and node.arg not in ("self", "cls")
        ):
            names.append(node.arg)
    return names


OWN = re.compile(r"^_\d+$")  # a function's own name, as _Renamer writes it
OWN_IN_DUMP = re.compile(r"'(_\d+)'")


class _Renamer(ast.NodeTransformer):
    def __init__(self, names: list[str]) -> None:
        self.names = {name: f"_{i}" for i, name in enumerate(names)}

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=ast.Load())

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.arg(arg=self.names.get(node.arg, node.arg))

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        return ast.keyword(arg=node.arg, value=self.visit(node.value))


def _without_docstring(scope: ast.AST) -> ast.AST:
    scope = copy.deepcopy(scope)  # renamed in place: the caller's tree stays as it was
    for node in ast.walk(scope):  # type hints are the contract, shared with the stubs
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(value=None)
    body = getattr(scope, "body", [])
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
    ):
        scope.body = body[1:] or [ast.Pass()]
    return scope


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))
