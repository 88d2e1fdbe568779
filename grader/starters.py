"""Starter notebooks: one per exercise, made from its stub, so the two can never drift.

`grader release` writes them into the kit (notebooks/ex01_tensors.ipynb, ...). Each has a
setup cell (installs the kit on Colab or Kaggle, does nothing where it is installed), the
stub's imports, then per function or class: its docstring's words (markdown) and its stub
(code), and last the check cell, `check("01")`, which grades the cells the notebook ran and
runs the CUDA cases where the runtime has a GPU. The setup and check cells begin with
`#| grader: skip`: a notebook handed in is graded without them (grader/intake/notebook.py).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from grader.course import Course, Exercise
from grader.intake.notebook import SKIP_MARK

KIT_URL = "https://github.com/YOUR-NAME/pytorch-exercises.git"

SETUP_TEXT = """\
## Setup

Run the next cell first. On **Colab** or **Kaggle** it fetches your copy of the course kit
(set `KIT` to its address, or upload the kit as `kit.zip` and unzip it to `kit/`), installs
it, and moves into it. PyTorch is already installed there and is not installed again. On
your own computer, in the kit (after `pip install -e .`), it does nothing.

For the CUDA checks on Colab, choose a GPU first: *Runtime → Change runtime type → T4 GPU*."""

SETUP_CODE = f"""\
{SKIP_MARK}
import importlib.util
import os

KIT = "{KIT_URL}"  # your copy of the kit
if importlib.util.find_spec("grader") is None:  # Colab, Kaggle: not installed yet
    if not os.path.isdir("kit"):
        !git clone -q {{KIT}} kit
    %pip install -q ./kit
if os.path.isdir("kit/suites"):
    %cd kit"""

HOW_TEXT = """\
Write each function in its cell (replace the `raise NotImplementedError(...)` line), run
the cell, and run the check cell at the end. The check grades what this notebook ran:
its definitions (`def`, `class`), imports and constants. Code that runs at the top of a cell
(a `print`, a test call) is fine for trying things out, and is not graded."""

CHECK_TEXT = """\
## Check your work

The public checks of this exercise, against the cells you ran, on every device this runtime
has: the CUDA cases run when it has a GPU, and are skipped (with the reason) when not."""


def write_starters(course: Course, folder: Path) -> list[Path]:
    """One starter notebook per exercise in `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in course.exercises:
        path = folder / f"{exercise.id}.ipynb"
        stub = (course.exercises_dir / exercise.module_file).read_text(encoding="utf-8")
        path.write_text(json.dumps(starter(exercise, stub), indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def starter(exercise: Exercise, stub: str) -> dict:
    """The starter notebook (nbformat 4.5, as a dict) of `exercise`, from its stub's source."""
    tree = ast.parse(stub)
    lines = stub.splitlines()
    intro = (ast.get_docstring(tree) or exercise.title).strip()
    title, _, rest = intro.partition("\n")
    cells = [
        _markdown(f"# {title}\n\n{rest.strip()}\n\n{HOW_TEXT}".strip()),
        _markdown(SETUP_TEXT),
        _code(SETUP_CODE),
    ]
    definitions = [n for n in tree.body if isinstance(n, _DEFINITIONS)]
    others = [n for n in tree.body if not isinstance(n, _DEFINITIONS) and not _docstring(n)]
    if others:
        cells.append(_code("\n".join(_source(lines, n) for n in others)))
    for node in definitions:
        kind = "class " if isinstance(node, ast.ClassDef) else ""
        doc = ast.get_docstring(node) or ""
        words = f"\n\n```text\n{doc}\n```" if doc else ""
        cells.append(_markdown(f"## {kind}`{node.name}`{words}"))
        cells.append(_code(_source(lines, node, drop_docstring=True)))
    cells.append(_markdown(CHECK_TEXT))
    cells.append(
        _code(f'{SKIP_MARK}\nfrom grader import check\n\nresult = check("{exercise.number}")')
    )
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"{exercise.id}-{number}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _source(lines: list[str], node: ast.stmt, *, drop_docstring: bool = False) -> str:
    """A statement's lines as the stub has them (decorators included), less its docstring."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    taken = range(first, (node.end_lineno or node.lineno) + 1)
    body = getattr(node, "body", [])
    if drop_docstring and body and _docstring(body[0]) and len(body) > 1:
        doc = body[0]
        taken = [n for n in taken if not doc.lineno <= n <= (doc.end_lineno or doc.lineno)]
    return "\n".join(lines[n - 1] for n in taken)


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text,
    }
