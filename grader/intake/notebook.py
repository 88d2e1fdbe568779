"""Notebooks as exercise modules: the code cells of an .ipynb, taken as a module would run them.

A notebook's cells are read top to bottom (as "Restart & Run All" runs them) and only the
statements a module runs harmlessly at import are taken: `def`, `class`, imports, and
assignments of constants (literals, and names bound by what was taken before: `EPS = 1e-6`,
`Batch = tuple[torch.Tensor, torch.Tensor]`). Everything else is left out and listed in a
finding for the instructor: top-level code that runs (`print(f(x))`, `x = torch.randn(3)`,
training loops), IPython magics and shell lines (`%time`, `!pip`, `%%writefile` cells), a cell
that does not parse (as in a kernel, it defines nothing), imports of the grader itself (the
check cell's). A cell whose first line is `#| grader: skip` (the kit's setup and check cells)
is left out whole, without a note.

Which exercise a notebook is: the one its file name names (`ex01_tensors.ipynb`); else each
exercise whose functions it defines, for modules the submission does not hand in as `.py`.
Nothing here runs code: cells are parsed with `ast`.
"""

from __future__ import annotations

import ast
import builtins
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.messages import say
from grader.records import Finding

SUFFIX = ".ipynb"
# Outputs (plots) make notebooks big; the module made from one is held to a module's limit.
MAX_NOTEBOOK_BYTES = 16 << 20
MAX_NOTEBOOKS = 50  # read to find which exercise a notebook is, at most
SKIP_MARK = "#| grader: skip"
SKIP_DIRS = {".ipynb_checkpoints"}  # Jupyter's autosaved copies
SHOWN = 5  # left-out statements named in a finding, at most


@dataclass
class Converted:
    """A notebook made into a module: its text, the names it defines, and what was left out."""

    source: str
    defined: set[str] = field(default_factory=set)  # top-level functions and classes
    left_out: list[str] = field(default_factory=list)  # "cell 3 line 2 (print(x))"
    broken: list[str] = field(default_factory=list)  # "cell 4 line 7: invalid syntax"


class NotANotebook(ValueError):
    """The file is not a notebook this grader reads (JSON, nbformat 4)."""


def code_cells(data: bytes | str) -> list[str | None]:
    """The sources of a notebook's cells, in order; None for a cell that is not code (so a
    cell's number is its place in the notebook, counting from 1)."""
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise NotANotebook(say("notebook_not_json", detail=exc)) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotANotebook(say("notebook_no_cells"))
    if not isinstance(notebook.get("nbformat"), int) or notebook["nbformat"] < 4:
        raise NotANotebook(say("notebook_old_format"))
    cells: list[str | None] = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            cells.append(None)
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        cells.append(source if isinstance(source, str) else "")
    return cells


def to_module(cells: Iterable[str | None], name: str = "notebook") -> Converted:
    """The module made of these cells' definitions (cells numbered from 1)."""
    futures: list[str] = []
    chunks: list[str] = []
    result = Converted(source="")
    bound = set(dir(builtins))
    for number, source in enumerate(cells, start=1):
        if source is None or not source.strip():
            continue
        if source.lstrip().startswith(SKIP_MARK):
            continue
        if source.lstrip().startswith("%%"):
            result.left_out.append(_where(number, 1, source.lstrip()))
            continue
        lines, tree, magics = _parse_cell(source, number, result)
        if tree is None:
            continue
        kept = []
        dropped = list(magics)  # (line, text), told in the cell's order
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            text = "\n".join(lines[first - 1 : node.end_lineno])
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                futures.append(text)
            elif _silent(node):
                continue
            elif _taken(node, bound):
                kept.append(text)
                bound |= _binds(node)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    result.defined.add(node.name)
            else:
                dropped.append((node.lineno, lines[node.lineno - 1]))
        result.left_out += [_where(number, line, text) for line, text in sorted(dropped)]
        if kept:
            chunks.append(f"# --- cell {number}\n" + "\n".join(kept))
    header = f"# Made by the grader from the code cells of {name}: definitions only.\n"
    body = "\n".join(dict.fromkeys(futures)) + "\n\n" + "\n\n\n".join(chunks)
    result.source = header + body.strip("\n") + "\n"
    return result


def _parse_cell(
    source: str, number: int, result: Converted
) -> tuple[list[str], ast.Module | None, list[tuple[int, str]]]:
    """A cell as Python: as it is, or with its magic and shell lines made `pass` (those are
    IPython's, not Python's, and are returned as left out); a cell that still does not parse
    is left out whole, as a kernel would have run none of it."""
    lines = source.splitlines()
    try:
        return lines, ast.parse(source), []
    except (SyntaxError, ValueError):
        pass
    cleaned, magics = [], []
    for index, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and "#" not in stripped):
            magics.append((index, stripped))
            line = line[: len(line) - len(line.lstrip())] + "pass"
        cleaned.append(line)
    try:
        return cleaned, ast.parse("\n".join(cleaned)), magics
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        result.broken.append(
            say("intake_notebook_where", cell=number, line=line, what=getattr(exc, "msg", exc))
        )
        return cleaned, None, []


def _silent(node: ast.stmt) -> bool:
    """Statements left out without a note: they would do nothing in a module."""
    if isinstance(node, ast.Pass):
        return True
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)  # a bare string: the cell's comment
    )


def _taken(node: ast.stmt, bound: set[str]) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Import):
        return not any(a.name.split(".")[0] == "grader" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] != "grader"
    if isinstance(node, ast.Assign):
        targets_ok = all(_plain_target(t) for t in node.targets)
        return targets_ok and _constant(node.value, bound)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and (
            node.value is None or _constant(node.value, bound)
        )
    return False


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, (ast.Tuple, ast.List)) and all(
        isinstance(t, ast.Name) for t in target.elts
    )


def _constant(value: ast.expr, bound: set[str]) -> bool:
    """Built from literals and names already bound, with nothing called: it runs nothing, and
    cannot fail for a name left out."""
    allowed = (
        ast.Constant,
        ast.Tuple,
        ast.List,
        ast.Set,
        ast.Dict,
        ast.UnaryOp,
        ast.BinOp,
        ast.BoolOp,
        ast.Compare,
        ast.Attribute,
        ast.Subscript,
        ast.Slice,
        ast.Name,
        ast.Load,
        ast.expr_context,
        ast.operator,
        ast.unaryop,
        ast.boolop,
        ast.cmpop,
    )
    for node in ast.walk(value):
        if not isinstance(node, allowed):
            return False
        if isinstance(node, ast.Name) and node.id not in bound:
            return False
    return True


def _binds(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _where(cell: int, line: int, text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return say("intake_notebook_where", cell=cell, line=line, what=shown)


def findings_of(converted: Converted, file: str, module: str) -> list[Finding]:
    """What an instructor (and the learner) should know about a notebook made into `module`."""
    findings = [Finding("info", "notebook", say("intake_notebook_used", file=file, module=module))]
    if converted.left_out:
        shown = "; ".join(converted.left_out[:SHOWN])
        more = len(converted.left_out) - SHOWN
        findings.append(
            Finding(
                "warning",
                "notebook_left_out",
                say(
                    "intake_notebook_left_out",
                    file=file,
                    count=len(converted.left_out),
                    where=shown + (say("intake_notebook_more", count=more) if more > 0 else ""),
                ),
                module,
            )
        )
    for broken in converted.broken:
        findings.append(
            Finding(
                "warning", "notebook_syntax", say("intake_notebook_syntax", file=file, where=broken)
            )
        )
    return findings


def defined_names(path: Path) -> frozenset[str]:
    """The public functions and classes a module file defines (read, never run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return frozenset()
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not node.name.startswith("_")
    )


def exercise_names(stubs: Path, module_files: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each exercise module's names, as its stub in `stubs` (the course's exercises/) has them."""
    return {name: defined_names(stubs / name) for name in module_files}


def notebook_modules(
    candidates: Iterable,  # workspace candidates: .relative (PurePosixPath), .read(limit), .is_link
    missing: Iterable[str],
    names: Mapping[str, frozenset[str]],
    findings: list[Finding],
) -> dict[str, tuple[PurePosixPath, bytes]]:
    """For each module in `missing` that a notebook supplies: (the notebook, the module's bytes)."""
    notebooks = [
        c
        for c in candidates
        if c.relative.suffix == SUFFIX
        and not c.is_link
        and not SKIP_DIRS & set(c.relative.parts[:-1])
    ][:MAX_NOTEBOOKS]
    notebooks.sort(key=lambda c: ("exercises" not in c.relative.parts[:-1], len(c.relative.parts)))
    converted = {c.relative: _convert(c.relative, c.read, findings) for c in notebooks}
    chosen: dict[str, tuple[PurePosixPath, bytes]] = {}
    noted: set[PurePosixPath] = set()
    for module in missing:
        stem = PurePosixPath(module).stem
        by_name = [c.relative for c in notebooks if c.relative.stem == stem]
        wanted = names.get(module, frozenset())
        by_functions = sorted(
            (p for p, made in converted.items() if made and made.defined & wanted),
            key=lambda p: -len(converted[p].defined & wanted),  # type: ignore[union-attr]
        )
        for path in by_name[:1] or by_functions[:1]:
            made = converted[path]
            if made is not None:
                notes = findings_of(made, str(path), module)
                findings.extend(notes if path not in noted else notes[:1])  # warnings once
                noted.add(path)
                chosen[module] = (path, made.source.encode("utf-8"))
    return chosen


def _convert(
    relative: PurePosixPath, read: Callable[..., bytes], findings: list[Finding]
) -> Converted | None:
    try:
        data = read(MAX_NOTEBOOK_BYTES)
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise NotANotebook(f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
        return to_module(code_cells(data.decode("utf-8")), relative.name)
    except (OSError, UnicodeDecodeError, NotANotebook) as exc:
        findings.append(
            Finding(
                "warning",
                "not_a_notebook",
                say("intake_not_a_notebook", file=relative, detail=exc),
                str(relative),
            )
        )
        return None
