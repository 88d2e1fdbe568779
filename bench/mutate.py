"""Mutation testing of the suites: single-point mutants of solutions/, graded, survivors listed.

    python bench/mutate.py [--exercise 04 ...] [--limit N] [--only ID ...] [--out DIR] [-j 2]
                           [--call-timeout S] [--time-limit S] [--budget S] [--work DIR]
    python bench/mutate.py --list [--exercise 04 ...]          (make and list, grade nothing)
    python bench/mutate.py --reclassify OLD/report.json        (re-judge survivors, no grading)

Each module `solutions/exNN_*.py` is parsed with `ast`, and every single-point change below
makes one mutant, a copy of the module with that one change:

- operators: binary (+ - * / // ** % @ | &), unary (dropped), augmented (+= ...);
- comparisons (< <= > >= == != is/is not in/not in) and boolean operators (and/or, or one
  operand dropped);
- constants: 0 <-> 1, n -> n + 1, n -> -n, floats doubled or negated, True <-> False,
  None -> 0, dtypes (float32 <-> float64, int64 -> int32); in a function's defaults
  these are "default" mutants, in a call's keyword "keyword" mutants;
- keyword arguments: one dropped; a non-constant `dim=` set to 0 or -1, `keepdim=` to
  True or False;
- dropped code: a statement replaced by `pass`, an `if` forced True (or False when it has
  an else), a `with` block run without its context manager, a decorator removed, a call
  replaced by its object (`x.detach()` -> `x`) or by its one argument (`torch.exp(x)` -> `x`);
- two positional arguments swapped; `return name` returning another local name instead.

Docstrings, annotations (and type aliases), imports and the text of error messages are
left alone (a changed message is not something the course grades), except the values a
docstring requires a message to name (MESSAGE_NAMES).

All mutants of one exercise are graded in ONE `grader batch` run (the batch forks its judges
from a warm process), driven only through the grader's command line, with the unmutated
solution as a control that must score full marks. A mutant is killed when it earns less
than full marks or is not graded; it survives when it earns full marks. A survivor whose
key is listed in bench/mutation_equivalent.toml is reported as equivalent, with the reason
given there, or as needing CUDA (listed with the CUDA case that kills it, when the run had no
CUDA); the rest as NOT KILLED. The report goes to --out (default bench/mutation-report/):
report.md to read, report.json to diff a later run against. Exit code 0 only when no
survivor is NOT KILLED, every mutant got a verdict and every control scored full marks.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EQUIVALENT_FILE = ROOT / "bench" / "mutation_equivalent.toml"
DEFAULT_OUT = ROOT / "bench" / "mutation-report"

# Functions whose docstring requires an error message to name something: the expressions
# inside their f-strings are mutated too (their literal text still is not).
MESSAGE_NAMES = {
    ("ex01_tensors.py", "one_hot"),  # "a message that names the bad label"
    ("ex09_devices.py", "pick_device"),  # "saying which device is missing"
}

BINARY_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}
COMPARE_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
SYMBOLS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
    ast.Invert: "~",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
ATTRIBUTE_SWAPS = {"float32": "float64", "float64": "float32", "int64": "int32"}
# Names whose attributes are modules' functions, not methods of a value: `torch.exp(x)` is
# never "dropped" to `torch`.
MODULES = {"torch", "math", "np", "nn", "F", "functional", "itertools", "os", "sys"}
# Calls that are never replaced by their argument, nor have their arguments swapped: the
# result would not even be the same kind of thing, so the mutant teaches nothing.
KEEP_CALLS = {"len", "range", "isinstance", "hasattr", "super", "type", "enumerate", "zip"}
COMMUTATIVE = {"max", "min"}  # swapping their two arguments changes nothing
TARGET_WIDTH = 100  # characters of the mutated code kept in a key


# ---------------------------------------------------------------- generating mutants


@dataclass(frozen=True)
class Mutant:
    id: str  # "04-1a2b3c4d": the exercise and a hash of the key
    key: str  # file::scope::kind::target::change, plus #n when repeated: no line numbers
    file: str
    exercise: str
    scope: str  # "softmax", "Mul.backward", "<module>"
    line: int
    kind: str  # operator, comparison, boolean, constant, default, keyword, statement, ...
    target: str  # the original code that changes (one line, shortened)
    change: str  # "'-' -> '+'"
    before: str  # the source lines that change
    after: str  # what they become
    source: str = field(repr=False)  # the whole mutated module

    @property
    def description(self) -> str:
        return f"{self.file}:{self.line} {self.change}"


@dataclass(frozen=True)
class Proposal:
    """One change at one node: the node is replaced by `build(copy of the node)` (removed from
    its list when that returns None); the text at `span` (bytes, default the node's) becomes
    `text` (default the new node, rendered)."""

    node: ast.AST
    kind: str
    change: str
    build: Callable[[ast.AST], ast.AST | None]
    span: tuple[int, int] | None = None
    text: str | None = None


@dataclass
class Context:
    file: str
    scope: str = "<module>"
    function: ast.FunctionDef | None = None
    messages: bool = False  # inside an f-string whose values matter (MESSAGE_NAMES)
    role: str = "constant"  # "default" inside a function's defaults, "keyword" in a keyword
    statement: str = ""  # the statement the change is in (its first line), for keys


class Source:
    """A module's text, with byte offsets for ast positions (col_offset counts UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def segment(self, start: int, end: int) -> str:
        return self.data[start:end].decode()


def is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
        and isinstance(parent, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    )


def is_type_alias(node: ast.AST, parent: ast.AST | None) -> bool:
    """`Batch = tuple[torch.Tensor, torch.Tensor]` at module level: only annotations use it."""
    return (
        isinstance(parent, ast.Module)
        and isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.value, (ast.Name, ast.Attribute))
    )


def node_texts(new: ast.AST | None, old: ast.AST) -> list[str]:
    """What may replace `old` in the source, plainest first: an expression bare, then in
    parentheses (which one reads as the change is for the parser to say), or a statement
    indented like `old`."""
    if new is None:
        return [""]
    first, *rest = ast.unparse(new).splitlines()
    text = "\n".join([first, *(" " * old.col_offset + line for line in rest)])
    return [text] if isinstance(new, ast.stmt) else [text, f"({text})"]


def number_node(value: object) -> ast.expr:
    """A constant as the parser builds it: -2 is `-` applied to 2."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def constant_value(node: ast.AST) -> tuple[bool, object]:
    """(True, value) for a literal number, bool or None (a negative number included)."""
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float))
    ):
        return True, node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return True, -node.operand.value
    return False, None


def constant_alternatives(value: object) -> list[object]:
    """0 <-> 1, n -> n + 1, n -> -n; floats doubled or negated; True <-> False; None -> 0."""
    if value is None:
        return [0]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        found = [value + 1, -value] + ([1] if value == 0 else []) + ([0] if value == 1 else [])
    else:
        assert isinstance(value, float)
        found = [1.0] if value == 0.0 else [value * 2, -value] + ([0.0] if value == 1.0 else [])
    unique: list[object] = []
    for v in found:
        if v != value and v not in unique:
            unique.append(v)
    return unique


def function_locals(function: ast.FunctionDef) -> list[str]:
    """Parameters (but self, ctx) and names assigned in `function` (not in nested scopes:
    functions, lambdas, comprehensions)."""
    names: list[str] = []
    args = function.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.arg not in ("self", "ctx", "cls"):
            names.append(arg.arg)
    stack = list(function.body)
    while stack:
        node = stack.pop(0)
        scoped = (ast.FunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp, ast.ListComp)
        if isinstance(node, (*scoped, ast.SetComp, ast.DictComp)):
            continue  # their names are not the function's
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return list(dict.fromkeys(names))


def statement_label(node: ast.stmt) -> str:
    """A statement as keys name it: its first line, normalised (`def name` for a definition,
    a compound statement's header without its colon)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {node.name}"
    if isinstance(node, ast.ClassDef):
        return f"class {node.name}"
    return short(ast.unparse(node).splitlines()[0].rstrip(":"))


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TARGET_WIDTH else text[: TARGET_WIDTH - 1] + "…"


class Finder:
    """Walks a module and proposes every single-point change (see the module docstring)."""

    def __init__(self, source: Source, file: str) -> None:
        self.source = source
        self.file = file
        self.proposals: list[tuple[Proposal, Context]] = []

    def propose(self, ctx: Context, *proposals: Proposal) -> None:
        self.proposals.extend((p, ctx) for p in proposals)

    # -- walking

    def visit(self, node: ast.AST, parent: ast.AST | None, ctx: Context) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_docstring(node, parent):
            return
        if is_type_alias(node, parent):
            return
        if isinstance(node, ast.stmt):
            ctx = replace(ctx, statement=statement_label(node))
        if isinstance(node, ast.JoinedStr):
            self.visit_fstring(node, ctx)
            return
        if isinstance(node, ast.Raise):
            self.statement(node, parent, ctx)  # dropping the raise is a change; its message not
            self.visit_raise(node, ctx)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.definition(node, parent, ctx)
            return
        if isinstance(node, ast.stmt):
            self.statement(node, parent, ctx)
        elif isinstance(node, ast.expr):
            self.expression(node, parent, ctx)
        self.children(node, ctx)

    def children(self, node: ast.AST, ctx: Context) -> None:
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "type_comment"):
                continue
            values = value if isinstance(value, list) else [value]
            for child in values:
                if isinstance(child, ast.AST):
                    role = "keyword" if isinstance(node, ast.keyword) else "constant"
                    role = "default" if ctx.role == "default" else role
                    self.visit(child, node, replace(ctx, role=role))

    def visit_fstring(self, node: ast.JoinedStr, ctx: Context) -> None:
        if not ctx.messages:
            return
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.visit(part.value, part, ctx)

    def visit_raise(self, node: ast.Raise, ctx: Context) -> None:
        if (self.file, ctx.scope) not in MESSAGE_NAMES:
            return
        inner = replace(ctx, messages=True)
        for sub in ast.walk(node):
            if isinstance(sub, ast.JoinedStr):
                self.visit_fstring(sub, inner)

    def definition(self, node: ast.AST, parent: ast.AST | None, ctx: Context) -> None:
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        scope = node.name if ctx.scope == "<module>" else f"{ctx.scope}.{node.name}"
        if isinstance(parent, ast.ClassDef):  # a method dropped: the base class's one is used
            self.drop_statement(node, ctx)
        for decorator in node.decorator_list:
            self.drop_decorator(decorator, ctx)
        inner = replace(ctx, scope=scope)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.function = node  # type: ignore[assignment]
            defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            for default in defaults:
                self.visit(default, node.args, replace(ctx, scope=scope, role="default"))
        else:
            for base in node.bases:
                self.visit(base, node, inner)
        for statement in node.body:
            self.visit(statement, node, inner)

    # -- statements

    def statement(self, node: ast.stmt, parent: ast.AST | None, ctx: Context) -> None:
        if not isinstance(node, ast.Pass):
            self.drop_statement(node, ctx)
        if isinstance(node, ast.If):
            self.force_condition(node, ctx)
        if isinstance(node, ast.With):
            self.drop_with(node, ctx)
        if isinstance(node, ast.AugAssign) and type(node.op) in BINARY_SWAPS:
            new = BINARY_SWAPS[type(node.op)]
            change = f"'{SYMBOLS[type(node.op)]}=' -> '{SYMBOLS[new]}='"
            self.propose(
                ctx, Proposal(node, "operator", change, lambda n, new=new: _with_op(n, new))
            )
        if (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Name)
            and ctx.function is not None
        ):
            for name in function_locals(ctx.function):
                if name != node.value.id:
                    change = f"return {node.value.id} -> return {name}"
                    self.propose(
                        ctx,
                        Proposal(
                            node.value,
                            "return",
                            change,
                            lambda n, name=name: ast.Name(id=name, ctx=ast.Load()),
                        ),
                    )

    def drop_statement(self, node: ast.stmt, ctx: Context) -> None:
        start, end = self.source.span(node)
        first = self.source.segment(start, end).splitlines()[0].strip()
        decorators = getattr(node, "decorator_list", [])
        if decorators:  # the span of a definition starts at `def`: take its decorators too
            start = self.source.data.rindex(b"@", 0, self.source.span(decorators[0])[0])
        change = f"drop '{short(first)}'"
        self.propose(
            ctx,
            Proposal(
                node, "statement", change, lambda n: ast.Pass(), span=(start, end), text="pass"
            ),
        )

    def force_condition(self, node: ast.If, ctx: Context) -> None:
        values = [True, False] if node.orelse else [True]
        for value in values:
            change = f"if {short(ast.unparse(node.test))} -> if {value}"
            self.propose(
                ctx,
                Proposal(node.test, "condition", change, lambda n, v=value: ast.Constant(value=v)),
            )

    def drop_with(self, node: ast.With, ctx: Context) -> None:
        last = node.items[-1]
        end_node = last.optional_vars or last.context_expr
        span = (self.source.offset(node.lineno, node.col_offset), self.source.span(end_node)[1])
        header = ", ".join(ast.unparse(item) for item in node.items)
        self.propose(
            ctx,
            Proposal(
                node,
                "statement",
                f"drop 'with {short(header)}'",
                lambda n: ast.If(test=ast.Constant(value=True), body=n.body, orelse=[]),
                span=span,
                text="if True",
            ),
        )

    def drop_decorator(self, node: ast.expr, ctx: Context) -> None:
        start, end = self.source.span(node)
        at = self.source.data.rindex(b"@", 0, start)
        self.propose(
            ctx,
            Proposal(
                node,
                "statement",
                f"drop '@{short(ast.unparse(node))}'",
                lambda n: None,
                span=(at, end),
                text="",
            ),
        )

    # -- expressions

    def expression(self, node: ast.expr, parent: ast.AST | None, ctx: Context) -> None:
        is_constant, value = constant_value(node)
        if is_constant:
            if not self.inner_of_negative(node, parent):
                self.constant(node, value, parent, ctx)
            return
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_SWAPS:
            new = BINARY_SWAPS[type(node.op)]
            change = f"'{SYMBOLS[type(node.op)]}' -> '{SYMBOLS[new]}'"
            self.propose(
                ctx, Proposal(node, "operator", change, lambda n, new=new: _with_op(n, new))
            )
        elif isinstance(node, ast.UnaryOp):
            change = f"drop unary '{SYMBOLS[type(node.op)]}'"
            self.propose(ctx, Proposal(node, "operator", change, lambda n: n.operand))
        elif isinstance(node, ast.Compare):
            self.compare(node, ctx)
        elif isinstance(node, ast.BoolOp):
            self.boolean(node, ctx)
        elif isinstance(node, ast.Call):
            self.call(node, parent, ctx)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self.attribute(node, ctx)

    def inner_of_negative(self, node: ast.expr, parent: ast.AST | None) -> bool:
        """The 2 of -2: the whole -2 is the constant."""
        return isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)

    def constant(self, node: ast.expr, value: object, parent: ast.AST | None, ctx: Context) -> None:
        if value is None and isinstance(parent, ast.Compare):
            return  # `x is None`: the comparison's own mutants change it
        for new in constant_alternatives(value):
            change = f"{value!r} -> {new!r}"
            self.propose(ctx, Proposal(node, ctx.role, change, lambda n, new=new: number_node(new)))

    def attribute(self, node: ast.Attribute, ctx: Context) -> None:
        base = node.value
        if isinstance(base, ast.Name) and base.id == "torch" and node.attr in ATTRIBUTE_SWAPS:
            new = ATTRIBUTE_SWAPS[node.attr]
            change = f"torch.{node.attr} -> torch.{new}"
            self.propose(
                ctx,
                Proposal(
                    node,
                    ctx.role,
                    change,
                    lambda n, new=new: ast.Attribute(value=n.value, attr=new, ctx=ast.Load()),
                ),
            )

    def compare(self, node: ast.Compare, ctx: Context) -> None:
        for i, op in enumerate(node.ops):
            for new in COMPARE_SWAPS.get(type(op), ()):
                change = f"'{SYMBOLS[type(op)]}' -> '{SYMBOLS[new]}'"
                self.propose(
                    ctx,
                    Proposal(
                        node, "comparison", change, lambda n, i=i, new=new: _with_cmp(n, i, new)
                    ),
                )

    def boolean(self, node: ast.BoolOp, ctx: Context) -> None:
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        change = f"'{SYMBOLS[type(node.op)]}' -> '{SYMBOLS[new]}'"
        self.propose(ctx, Proposal(node, "boolean", change, lambda n, new=new: _with_op(n, new)))
        for i, value in enumerate(node.values):
            change = f"drop operand '{short(ast.unparse(value))}' of '{SYMBOLS[type(node.op)]}'"
            self.propose(
                ctx, Proposal(node, "boolean", change, lambda n, i=i: _without_operand(n, i))
            )

    def call(self, node: ast.Call, parent: ast.AST | None, ctx: Context) -> None:
        name = _call_name(node)
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is None:
                continue
            change = f"drop {keyword.arg}={short(ast.unparse(keyword.value))}"
            self.propose(
                ctx, Proposal(node, "keyword", change, lambda n, i=i: _without_keyword(n, i))
            )
            for new in _keyword_values(keyword):
                change = (
                    f"{keyword.arg}={short(ast.unparse(keyword.value))} -> {keyword.arg}={new!r}"
                )
                self.propose(
                    ctx,
                    Proposal(
                        node, "keyword", change, lambda n, i=i, new=new: _keyword_set(n, i, new)
                    ),
                )
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        plain = len(positional) == len(node.args)
        if isinstance(parent, ast.Expr):
            pass  # `x.f()` as a statement: dropping the call is dropping the statement
        elif isinstance(node.func, ast.Attribute) and not _is_module_call(node):
            method = node.func.attr
            change = f"drop .{method}(...)"
            self.propose(ctx, Proposal(node, "call", change, lambda n: n.func.value))
        elif plain and len(positional) == 1 and name not in KEEP_CALLS:
            change = f"{short(ast.unparse(node.func))}(x) -> x"
            self.propose(ctx, Proposal(node, "call", change, lambda n: n.args[0]))
        if (
            plain
            and len(positional) == 2
            and name not in KEEP_CALLS | COMMUTATIVE
            and ast.dump(positional[0]) != ast.dump(positional[1])
        ):
            change = f"swap the arguments of {short(ast.unparse(node.func))}"
            self.propose(ctx, Proposal(node, "arguments", change, _swapped))


def _with_op(node: ast.AST, op: type) -> ast.AST:
    node.op = op()  # type: ignore[attr-defined]
    return node


def _with_cmp(node: ast.Compare, i: int, op: type) -> ast.Compare:
    node.ops[i] = op()
    return node


def _without_operand(node: ast.BoolOp, i: int) -> ast.expr:
    values = [v for j, v in enumerate(node.values) if j != i]
    if len(values) == 1:
        return values[0]
    node.values = values
    return node


def _without_keyword(node: ast.Call, i: int) -> ast.Call:
    node.keywords = [k for j, k in enumerate(node.keywords) if j != i]
    return node


def _keyword_set(node: ast.Call, i: int, value: object) -> ast.Call:
    node.keywords[i].value = number_node(value)
    return node


def _keyword_values(keyword: ast.keyword) -> list[object]:
    """Other values for a non-constant `dim=` or `keepdim=` (constants have their own mutants)."""
    if constant_value(keyword.value)[0]:
        return []
    if keyword.arg == "dim":
        return [0, -1]
    if keyword.arg == "keepdim":
        return [True, False]
    return []


def _swapped(node: ast.Call) -> ast.Call:
    node.args = [node.args[1], node.args[0]]
    return node


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_module_call(node: ast.Call) -> bool:
    """`torch.exp(x)`, `nn.Parameter(w)`, `super().__init__()`: not a method of a value."""
    value = node.func.value  # type: ignore[attr-defined]
    while isinstance(value, ast.Attribute):
        value = value.value
    if isinstance(value, ast.Name) and value.id in MODULES:
        return True
    return isinstance(value, ast.Call) and _call_name(value) == "super"


Slot = tuple[ast.AST, str, int | None]  # a node's place: its parent, field, index in a list


def slots(tree: ast.AST) -> dict[int, Slot]:
    """Where each node of `tree` sits (by id of the node)."""
    found: dict[int, Slot] = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        found[id(child)] = (parent, name, i)
            elif isinstance(value, ast.AST):
                found[id(value)] = (parent, name, None)
    return found


@contextmanager
def swapped(slot: Slot, old: ast.AST, new: ast.AST | None) -> Iterator[None]:
    """`new` in `old`'s place in the tree (`old` removed from its list when `new` is None),
    and `old` back afterwards: one tree serves every mutant, no copy of it is made."""
    parent, name, index = slot
    if index is None:
        setattr(parent, name, new)
    elif new is None:
        del getattr(parent, name)[index]
    else:
        getattr(parent, name)[index] = new
    try:
        yield
    finally:
        if index is None:
            setattr(parent, name, old)
        elif new is None:
            getattr(parent, name).insert(index, old)
        else:
            getattr(parent, name)[index] = old


def edited(source: Source, proposal: Proposal, text: str) -> tuple[str, str]:
    """The module with the proposal's span replaced by `text`, and the changed lines."""
    start, end = proposal.span or source.span(proposal.node)
    mutated = (source.data[:start] + text.encode() + source.data[end:]).decode()
    first = source.data[:start].count(b"\n")
    return mutated, "\n".join(mutated.splitlines()[first : first + 1 + text.count("\n")])


def top_level(places: dict[int, Slot], node: ast.AST) -> int:
    """The index in the module's body of the statement `node` is in."""
    parent, _, index = places[id(node)]
    while not isinstance(parent, ast.Module):
        node = parent
        parent, _, index = places[id(node)]
    assert index is not None
    return index


def dump_at(text: str, index: int) -> str | None:
    """The shape of the module's `index`-th statement, once `text` is parsed (None: no parse)."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return None
    return ast.dump(body[index]) if index < len(body) else None


def clipped(lines: list[str], most: int = 6) -> str:
    return "\n".join(lines if len(lines) <= most else [*lines[: most - 1], "    …"])


def mutant_key(file: str, proposal: Proposal, ctx: Context) -> str:
    """file::scope::kind::where::change; `where` is the statement (and the code changed in it)."""
    target = short(ast.unparse(proposal.node))
    where = ctx.statement if proposal.kind == "statement" else f"{target} @ {ctx.statement}"
    return f"{file}::{ctx.scope}::{proposal.kind}::{where}::{proposal.change}"


def generate(path: Path) -> list[Mutant]:
    """Every single-point mutant of the module at `path`, in source order, without duplicates
    (a change that gives the same program as an earlier one, or as the module, is left out)."""
    text = path.read_text()
    source = Source(text)
    tree = ast.parse(text)
    finder = Finder(source, path.name)
    finder.visit(tree, None, Context(path.name))
    places = slots(tree)
    lines = text.splitlines()
    # Only the top-level statement a change is in can differ: compare that, not the module.
    seen = {(i, ast.dump(statement)) for i, statement in enumerate(tree.body)}
    counts: dict[str, int] = {}
    mutants: list[Mutant] = []
    ordered = sorted(
        enumerate(finder.proposals),
        key=lambda item: (item[1][0].node.lineno, item[1][0].node.col_offset, item[0]),
    )
    for _, (proposal, ctx) in ordered:
        node = proposal.node
        new_node = proposal.build(copy.deepcopy(node))
        at = top_level(places, node)
        texts = [proposal.text] if proposal.text is not None else node_texts(new_node, node)
        with swapped(places[id(node)], node, new_node):
            shape = (at, ast.dump(tree.body[at]))
            for text in texts:
                mutated, after = edited(source, proposal, text)
                if dump_at(mutated, at) == shape[1]:
                    break
            else:  # no edit of the text makes the change (never seen): write the whole tree
                mutated = ast.unparse(tree) + "\n"
                after = ast.unparse(new_node) if new_node else ""
        if shape in seen:
            continue
        seen.add(shape)
        base = mutant_key(path.name, proposal, ctx)
        counts[base] = counts.get(base, 0) + 1
        key = base if counts[base] == 1 else f"{base}#{counts[base]}"
        mutants.append(
            Mutant(
                id=f"{path.name[2:4]}-{hashlib.sha1(key.encode()).hexdigest()[:8]}",
                key=key,
                file=path.name,
                exercise=path.name[2:4],
                scope=ctx.scope,
                line=node.lineno,
                kind=proposal.kind,
                target=short(ast.unparse(node)),
                change=proposal.change,
                before=clipped(lines[node.lineno - 1 : node.end_lineno]),
                after=clipped(after.splitlines()),
                source=mutated,
            )
        )
    return mutants


# ---------------------------------------------------------------- grading


@dataclass
class Verdict:
    mutant: str
    outcome: str  # killed | survived | unresolved
    reason: str  # for killed: "checks" | "timeout" | "not graded"; else ""
    earned: float = 0.0
    possible: float = 0.0
    failed: list[str] = field(default_factory=list)  # the first failing checks, with their kind
    failed_count: int = 0


def verdict_of(mutant_id: str, results: dict | None, stopped: bool) -> Verdict:
    """Killed (less than full marks, or not graded), survived (full marks), or unresolved (no
    result because the batch was stopped at its time budget)."""
    if results is None:
        if stopped:
            return Verdict(mutant_id, "unresolved", "the batch ran past its time budget")
        return Verdict(mutant_id, "killed", "not graded: no results.json")
    totals = results.get("totals", {})
    earned, possible = float(totals.get("earned", 0.0)), float(totals.get("possible", 0.0))
    checks = [c for e in results.get("exercises", []) for c in e.get("checks", [])]
    bad = [c for c in checks if c.get("outcome") not in ("passed", "skipped")]
    names = [f"{c['name']} ({c.get('kind') or c.get('outcome')})" for c in bad[:5]]
    if results.get("status") != "graded":
        detail = results.get("status_detail", "")
        reason = "timeout" if "time limit" in detail else f"not graded ({results.get('status')})"
        return Verdict(mutant_id, "killed", reason, earned, possible, names, len(bad))
    if possible == 0:
        return Verdict(mutant_id, "killed", "not graded (no counted check)", earned, possible)
    if bad or earned < possible:
        timed_out = any(c.get("kind") in ("timeout", "not_run") for c in bad)
        reason = "timeout" if timed_out else "checks"
        return Verdict(mutant_id, "killed", reason, earned, possible, names, len(bad))
    return Verdict(mutant_id, "survived", "", earned, possible)


CONTROL = "control"


def write_submissions(folder: Path, mutants: list[Mutant], solution: Path) -> None:
    """One submission folder per mutant holding only the mutated module (and the solutions of
    the exercises it imports, unchanged: 10 builds on the learner's 07 and 08), and the
    control."""
    needed = imported_solutions(solution)
    for mutant in mutants:
        (folder / mutant.id).mkdir(parents=True)
        (folder / mutant.id / mutant.file).write_text(mutant.source)
        for other in needed:
            shutil.copy(other, folder / mutant.id / other.name)
    (folder / CONTROL).mkdir(parents=True)
    for path in (solution, *needed):
        shutil.copy(path, folder / CONTROL / path.name)


def imported_solutions(solution: Path) -> list[Path]:
    """The other solution modules that this one imports (`from ex07_optim import SGD`)."""
    names = set()
    for node in ast.walk(ast.parse(solution.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return sorted(p for p in solution.parent.glob("ex*.py") if p.stem in names and p != solution)


def run_batch(
    subs: Path, out: Path, exercise: str, args: argparse.Namespace, budget: float
) -> bool:
    """One `grader batch` of the folder; False when it had to be stopped at `budget` seconds."""
    command = [
        sys.executable,
        "-m",
        "grader",
        "batch",
        str(subs),
        "--out",
        str(out),
        "-e",
        exercise,
        "-j",
        str(args.jobs),
        "--time-limit",
        str(args.time_limit),
    ]
    if args.call_timeout:
        command += ["--call-timeout", str(args.call_timeout)]
    log = (out.parent / f"batch-{exercise}.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        process.wait(timeout=budget)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
    finally:
        log.close()


def read_results(out: Path, name: str) -> dict | None:
    # `grader batch` writes OUT/submissions/<name>/ (older versions wrote OUT/<name>/).
    for path in (out / "submissions" / name / "results.json", out / name / "results.json"):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return None


def grade(
    exercise: str, solution: Path, mutants: list[Mutant], work: Path, args: argparse.Namespace
) -> tuple[list[Verdict], dict]:
    """Grade the mutants of one exercise in one batch; the verdicts and the run's facts."""
    subs, out = work / f"subs-{exercise}", work / f"out-{exercise}"
    write_submissions(subs, mutants, solution)
    budget = args.budget or 120 + 4 * args.time_limit + 30 * len(mutants) / args.jobs
    started = time.monotonic()
    finished = run_batch(subs, out, exercise, args, budget)
    wall = time.monotonic() - started
    control = verdict_of(CONTROL, read_results(out, CONTROL), not finished)
    verdicts = [verdict_of(m.id, read_results(out, m.id), not finished) for m in mutants]
    facts = {
        "cuda_ran": cuda_ran(read_results(out, CONTROL)),
        "wall_seconds": round(wall, 1),
        "budget_seconds": round(budget, 1),
        "batch_finished": finished,
        "control": asdict(control),
    }
    return verdicts, facts


def cuda_ran(results: dict | None) -> bool:
    """Whether the run had CUDA: some CUDA case of the control was not skipped."""
    checks = [c for e in (results or {}).get("exercises", []) for c in e.get("checks", [])]
    return any(c.get("device") == "cuda" and c.get("outcome") != "skipped" for c in checks)


# ---------------------------------------------------------------- the known survivors


@dataclass(frozen=True)
class Known:
    """What bench/mutation_equivalent.toml says about survivors, by mutant key."""

    equivalent: dict[str, str]  # why no legal input tells the mutant from the solution
    needs_cuda: dict[str, str]  # which CUDA case kills it (and why nothing else can)


def load_known(path: Path) -> Known:
    """Entries `[[equivalent]]` (keys, reason) and `[[needs_cuda]]` (keys, check, reason);
    `key = "..."` may stand for `keys = ["..."]`."""
    if not path.exists():
        return Known({}, {})
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    data = tomllib.loads(path.read_text())
    tables: dict[str, dict[str, str]] = {"equivalent": {}, "needs_cuda": {}}
    for table, found in tables.items():
        for entry in data.get(table, []):
            reason = entry["reason"]
            if table == "needs_cuda":
                reason = f"killed by {entry['check']} on a machine with CUDA: {reason}"
            for key in [*entry.get("keys", []), *([entry["key"]] if "key" in entry else [])]:
                found[key] = reason
    return Known(tables["equivalent"], tables["needs_cuda"])


# ---------------------------------------------------------------- the report


def exercise_report(file: str, mutants: list[Mutant], verdicts: list[Verdict], facts: dict) -> dict:
    by_id = {m.id: m for m in mutants}
    survivors = [
        {
            **{k: val for k, val in asdict(by_id[v.mutant]).items() if k != "source"},
            "description": by_id[v.mutant].description,
        }
        for v in verdicts
        if v.outcome == "survived"
    ]
    killed = [v for v in verdicts if v.outcome == "killed"]
    return {
        "file": file,
        "made": len(mutants),
        "killed": len(killed),
        "killed_by_timeout": sum(1 for v in killed if v.reason == "timeout"),
        "killed_not_graded": sum(1 for v in killed if v.reason.startswith("not graded")),
        "survived": len(survivors),
        "unresolved": [v.mutant for v in verdicts if v.outcome == "unresolved"],
        **facts,
        "survivors": survivors,
        "mutants": [
            {
                "id": m.id,
                "key": m.key,
                "description": m.description,
                **{k: val for k, val in asdict(v).items() if k != "mutant"},
            }
            for m, v in zip(mutants, verdicts, strict=True)
        ],
    }


VERDICTS = {"equivalent": "equivalent", "needs_cuda": "needs CUDA", "not_killed": "NOT KILLED"}


def classify(ex: dict, known: Known) -> dict:
    """Each survivor judged: equivalent (listed so), needs CUDA (listed so, and this run had
    no CUDA: with CUDA the listed case must kill it), or NOT KILLED; the counts updated."""
    for survivor in ex["survivors"]:
        key = survivor["key"]
        if key in known.equivalent:
            survivor["verdict"], survivor["reason"] = "equivalent", known.equivalent[key]
        elif key in known.needs_cuda and not ex.get("cuda_ran"):
            survivor["verdict"], survivor["reason"] = "needs_cuda", known.needs_cuda[key]
        else:
            survivor["verdict"], survivor["reason"] = "not_killed", ""
    for verdict in VERDICTS:
        ex[verdict] = sum(1 for s in ex["survivors"] if s["verdict"] == verdict)
    return ex


def verdict_text(survivor: dict) -> str:
    label = VERDICTS[survivor["verdict"]]
    return f"{label}: {survivor['reason']}" if survivor["reason"] else label


def counts_text(d: dict) -> str:
    return (
        f"{d['survived']} survived ({d['equivalent']} equivalent, {d['needs_cuda']} needing "
        f"CUDA, {d['not_killed']} NOT KILLED)"
    )


def markdown(report: dict) -> str:
    lines = [
        "# Mutation report",
        "",
        f"{report['made']} mutants, {report['killed']} killed, {counts_text(report)}, "
        f"{report['unresolved']} unresolved; {report['wall_seconds']} s.",
        "",
        f"`{report['command']}`",
        "",
        "| exercise | made | killed | by timeout | survived | equivalent | needs CUDA "
        "| NOT KILLED | CUDA ran | wall s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for ex in report["exercises"]:
        lines.append(
            f"| {ex['file']} | {ex['made']} | {ex['killed']} | {ex['killed_by_timeout']} | "
            f"{ex['survived']} | {ex['equivalent']} | {ex['needs_cuda']} | {ex['not_killed']} | "
            f"{'yes' if ex.get('cuda_ran') else 'no'} | {ex['wall_seconds']} |"
        )
    for ex in report["exercises"]:
        control = ex["control"]
        if control["outcome"] != "survived":
            lines += [
                "",
                f"**{ex['file']}: the control (the solution) did not score full marks: "
                f"{control['reason']} {control['failed']}. Its verdicts mean nothing.**",
            ]
        if ex["unresolved"]:
            lines += [
                "",
                f"{ex['file']}: unresolved (the batch ran past its budget): "
                + ", ".join(ex["unresolved"]),
            ]
        if not ex["survivors"]:
            continue
        lines += ["", f"## {ex['file']}", ""]
        for s in ex["survivors"]:
            lines += [
                f"- `{s['id']}` {s['description']} (in `{s['scope']}`, {s['kind']}): "
                f"{verdict_text(s)}",
                f"  - key: `{s['key']}`",
                "  - before: `" + " ⏎ ".join(x.strip() for x in s["before"].splitlines()) + "`",
                "  - after: `" + " ⏎ ".join(x.strip() for x in s["after"].splitlines()) + "`",
            ]
    return "\n".join(lines) + "\n"


def print_survivors(ex: dict) -> None:
    control = "" if ex["control"]["outcome"] == "survived" else "  CONTROL FAILED"
    print(
        f"{ex['file']}: {ex['made']} made, {ex['killed']} killed "
        f"({ex['killed_by_timeout']} by timeout), {counts_text(ex)}, "
        f"{len(ex['unresolved'])} unresolved, {ex['wall_seconds']} s{control}",
        flush=True,
    )
    for s in ex["survivors"]:
        print(f"  {s['id']} {s['description']} [{s['scope']}] {verdict_text(s)[:160]}")
        print(f"      - {' ⏎ '.join(x.strip() for x in s['before'].splitlines())}")
        print(f"      + {' ⏎ '.join(x.strip() for x in s['after'].splitlines())}")


# ---------------------------------------------------------------- the command


def solution_files(selected: list[str]) -> list[Path]:
    files = sorted(SOLUTIONS.glob("ex[0-9][0-9]_*.py"))
    if not selected:
        return files
    wanted = {s.zfill(2) if s.isdigit() else s for s in selected}
    chosen = [f for f in files if f.name[2:4] in wanted or f.stem in wanted or f.stem[5:] in wanted]
    if not chosen:
        raise SystemExit(f"no exercise matches {', '.join(selected)}")
    return chosen


def spread(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most `limit` mutants, evenly spaced over the module (all kinds, all functions)."""
    if not limit or limit >= len(mutants):
        return mutants
    step = len(mutants) / limit
    return [mutants[int(i * step)] for i in range(limit)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-e", "--exercise", action="append", default=[], help="e.g. 04 or ops")
    parser.add_argument("--limit", type=int, help="at most N mutants per exercise, spread out")
    parser.add_argument("--only", nargs="+", default=[], help="grade only these mutant ids")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--call-timeout", type=float, help="passed to grader batch")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per mutant")
    parser.add_argument("--budget", type=float, help="seconds per exercise's batch")
    parser.add_argument("--work", type=Path, help="keep the submissions and batch output here")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument(
        "--reclassify",
        type=Path,
        metavar="REPORT_JSON",
        help="grade nothing: judge an earlier report's survivors against the equivalent list",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    files = solution_files(args.exercise)
    made = {f: spread(generate(f), args.limit) for f in files}
    if args.only:
        made = {f: [m for m in ms if m.id in args.only] for f, ms in made.items()}
        made = {f: ms for f, ms in made.items() if ms}
    if args.list:
        for mutants in made.values():
            for m in mutants:
                print(f"{m.id} {m.description} [{m.scope}] {m.kind}: {m.target}")
        print(f"{sum(len(ms) for ms in made.values())} mutants")
        return 0
    known = load_known(EQUIVALENT_FILE)
    if args.reclassify:
        return reclassify(args.reclassify, known, args.out)
    work = args.work or Path(tempfile.mkdtemp(prefix="mutate-"))
    if work.exists() and args.work:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    exercises = []
    try:
        for file, mutants in made.items():
            verdicts, facts = grade(file.name[2:4], file, mutants, work, args)
            ex = classify(exercise_report(file.name, mutants, verdicts, facts), known)
            print_survivors(ex)
            exercises.append(ex)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    command = " ".join(["python bench/mutate.py", *sys.argv[1:]])
    report = summarise(exercises, time.monotonic() - started, command, args.limit)
    return write_report(report, args.out)


def report_json(report: dict) -> str:
    """The report as indented JSON with one line per mutant, so that diffing two runs' files
    shows the mutants whose verdict changed, one line each."""
    records: list[str] = []
    exercises = []
    for ex in report["exercises"]:
        tokens = []
        for mutant in ex["mutants"]:
            tokens.append(f"@mutant-{len(records)}@")
            records.append(json.dumps(mutant, ensure_ascii=False))
        exercises.append({**ex, "mutants": tokens})
    text = json.dumps({**report, "exercises": exercises}, indent=1, ensure_ascii=False)
    return re.sub(r'"@mutant-(\d+)@"', lambda m: records[int(m.group(1))], text) + "\n"


def write_report(report: dict, out: Path) -> int:
    """report.json and report.md in `out`; 0 when no survivor is NOT KILLED (each is a listed
    equivalent, or needs the CUDA this run lacked), every mutant has a verdict and every
    control scored full marks."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(report_json(report))
    (out / "report.md").write_text(markdown(report))
    print(markdown(report).split("\n\n")[1])
    print(f"report: {out / 'report.md'}, {out / 'report.json'}")
    clean = report["not_killed"] == 0 and report["unresolved"] == 0
    controls = all(e["control"]["outcome"] == "survived" for e in report["exercises"])
    return 0 if clean and controls else 1


def reclassify(previous: Path, known: Known, out: Path) -> int:
    """The report of an earlier run, its survivors judged against today's equivalent list:
    after editing the list, no need to grade again."""
    old = json.loads(previous.read_text())
    exercises = [classify(ex, known) for ex in old["exercises"]]
    for ex in exercises:
        print_survivors(ex)
    report = summarise(exercises, old["wall_seconds"], old["command"], old.get("limit"))
    return write_report(report, out)


def summarise(exercises: list[dict], wall: float, command: str, limit: int | None) -> dict:
    return {
        "command": command,
        "limit": limit,
        "made": sum(e["made"] for e in exercises),
        "killed": sum(e["killed"] for e in exercises),
        "killed_by_timeout": sum(e["killed_by_timeout"] for e in exercises),
        "survived": sum(e["survived"] for e in exercises),
        "equivalent": sum(e["equivalent"] for e in exercises),
        "needs_cuda": sum(e["needs_cuda"] for e in exercises),
        "not_killed": sum(e["not_killed"] for e in exercises),
        "unresolved": sum(len(e["unresolved"]) for e in exercises),
        "wall_seconds": round(wall, 1),
        "exercises": exercises,
    }


if __name__ == "__main__":
    sys.exit(main())
