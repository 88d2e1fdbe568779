"""Starter notebooks: one per exercise, made from its stub, so the two can never drift.

`grader release` writes them into the kit (notebooks/ex01_tensors.ipynb, ...). Each has a
setup cell (installs the kit on Colab or Kaggle, does nothing where it is installed), the
stub's imports, then per function or class: its docstring's words (markdown) and its stub
(code), and last the check cell, `check("01")`, which grades the cells the notebook ran and
runs the CUDA cases where the runtime has a GPU. The setup and check cells begin with
`#| grader: skip`: a notebook handed in is graded without them (grader/intake/notebook.py).
A zh kit's notebooks carry the docstrings' Chinese parts (grader/kit_stubs.py) and Chinese
cells of their own; the code is the same.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from grader.course import Course, Exercise
from grader.intake.notebook import SKIP_MARK
from grader.kit_stubs import kit_stub

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

# The same cells in Chinese, for a zh kit. A Chinese paragraph is one line (a backslash joins
# the source lines): Markdown shows a soft line break as a space.
SETUP_TEXT_ZH = """\
## 准备

请先运行下一个单元格。在 **Colab** 或 **Kaggle** 上，它会下载你的课程工具包（把 `KIT` 设为你那份\
工具包的地址，或者把工具包打包成 `kit.zip` 上传后解压到 `kit/`），安装它，然后进入它的文件夹。\
那里已经装好 PyTorch，不会重复安装。在你自己的电脑上（已在工具包文件夹中运行过\
 `pip install -e .`），它什么也不做。

要在 Colab 上运行 CUDA 检查项，请先选择 GPU：*代码执行程序 → 更改运行时类型 → T4 GPU*。"""

HOW_TEXT_ZH = """\
在每个函数自己的单元格里实现它（替换 `raise NotImplementedError(...)` 这一行），运行该单元格，\
最后运行末尾的检查单元格。检查的是这个笔记本运行过的内容：定义（`def`、`class`）、导入和常量。\
单元格顶层直接运行的代码（比如 `print`，或试着调用一下函数）可以用来做试验，不计分。"""

CHECK_TEXT_ZH = """\
## 检查你的代码

针对你运行过的单元格，在这个运行时的每个设备上运行本练习的公开检查项：有 GPU 时运行 CUDA 用例，\
没有时跳过它们（并说明原因）。"""

CELLS = {
    "en": {
        "setup": SETUP_TEXT,
        "how": HOW_TEXT,
        "check": CHECK_TEXT,
        "class": "class ",
        "comments": {},
    },
    "zh": {
        "setup": SETUP_TEXT_ZH,
        "how": HOW_TEXT_ZH,
        "check": CHECK_TEXT_ZH,
        "class": "类 ",
        # The setup cell's comments (its code stays as it is).
        "comments": {
            "# your copy of the kit": "# 你的工具包副本的地址",
            "# Colab, Kaggle: not installed yet": "# Colab、Kaggle：还没有安装",
        },
    },
}


def write_starters(course: Course, folder: Path, *, lang: str = "en") -> list[Path]:
    """One starter notebook per exercise in `folder`, in language `lang`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in course.exercises:
        path = folder / f"{exercise.id}.ipynb"
        stub = (course.exercises_dir / exercise.module_file).read_text(encoding="utf-8")
        notebook = starter(exercise, stub, lang=lang)
        # An English notebook is written as it always was; a Chinese one stays readable.
        text = json.dumps(notebook, indent=1, ensure_ascii=lang == "en")
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def starter(exercise: Exercise, stub: str, *, lang: str = "en") -> dict:
    """The starter notebook (nbformat 4.5, as a dict) of `exercise`, from its stub's source,
    with the docstrings' `lang` parts (grader/kit_stubs.py)."""
    stub = kit_stub(stub, lang).source
    words = CELLS[lang]
    tree = ast.parse(stub)
    lines = stub.splitlines()
    intro = (ast.get_docstring(tree) or exercise.title_in(lang)).strip()
    title, _, rest = intro.partition("\n")
    cells = [
        _markdown(f"# {title}\n\n{rest.strip()}\n\n{words['how']}".strip()),
        _markdown(words["setup"]),
        _code(_setup_code(words["comments"])),
    ]
    definitions = [n for n in tree.body if isinstance(n, _DEFINITIONS)]
    others = [n for n in tree.body if not isinstance(n, _DEFINITIONS) and not _docstring(n)]
    if others:
        cells.append(_code("\n".join(_source(lines, n) for n in others)))
    for node in definitions:
        kind = words["class"] if isinstance(node, ast.ClassDef) else ""
        doc = ast.get_docstring(node) or ""
        spec = f"\n\n```text\n{doc}\n```" if doc else ""
        cells.append(_markdown(f"## {kind}`{node.name}`{spec}"))
        cells.append(_code(_source(lines, node, drop_docstring=True)))
    cells.append(_markdown(words["check"]))
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


def _setup_code(comments: dict[str, str]) -> str:
    code = SETUP_CODE
    for english, translated in comments.items():
        code = code.replace(english, translated)
    return code


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
