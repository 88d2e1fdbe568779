"""Notebooks, the fast part: an .ipynb made into an exercise module (what is taken, what is left
out), where intake finds one, the starter notebooks, the inline report, and the Python API's
pieces that need no kernel. (Executed notebooks and graded ones: test_notebooks.py.)"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from helpers import EXERCISES, ROOT, make_submission, solution, stub
from test_render import result, with_hostile_text  # noqa: F401 (a fixture)

from grader.api import LIVE_NOTEBOOK, _live_notebook
from grader.course import load_course
from grader.intake.notebook import (
    SKIP_MARK,
    NotANotebook,
    code_cells,
    defined_names,
    exercise_names,
    to_module,
)
from grader.intake.workspace import prepare_workspace
from grader.messages import docstring_parts
from grader.render.inline import SCOPE, render_inline, scoped_css
from grader.starters import starter

COURSE = load_course(ROOT)
MODULES = COURSE.module_files
NAMES = exercise_names(EXERCISES, MODULES)


def notebook(*cells: str | None) -> str:
    """An .ipynb's text: a str is a code cell, None a markdown cell."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "# notes"}
                if c is None
                else {"cell_type": "code", "metadata": {}, "source": c, "outputs": []}
                for c in cells
            ],
        }
    )


# ---------------------------------------------------------------- what is taken


def test_definitions_imports_and_constants_are_taken_and_code_that_runs_is_not():
    made = to_module(
        [
            "import torch\nfrom grader import check\nEPS = 1e-6\nSHAPE: tuple = (2, -3)",
            None,
            "x = torch.randn(3)\ny = x * 2\nBatch = tuple[torch.Tensor, torch.Tensor]\n"
            "@torch.no_grad()\ndef f(t):\n    return t + EPS\nprint(f(x))",
            "class Net(torch.nn.Module):\n    pass\ncheck('01')",
        ]
    )
    tree = ast.parse(made.source)
    kept = [ast.unparse(node) for node in tree.body]
    assert "import torch" in kept and "EPS = 1e-06" in kept and "SHAPE: tuple = (2, -3)" in kept
    assert "Batch = tuple[torch.Tensor, torch.Tensor]" in kept  # names already bound, no call
    assert made.defined == {"f", "Net"}
    assert "@torch.no_grad()" in made.source  # decorators come with their function
    left = " | ".join(made.left_out)
    for gone in ("from grader import check", "x = torch.randn(3)", "y = x * 2", "print(f(x))"):
        assert gone in left and gone not in made.source
    assert "cell 3 line 2 (y = x * 2)" in left  # cells count markdown ones: as Jupyter shows
    assert "check('01')" in left


def test_magics_shell_lines_and_cell_magics_are_left_out_and_the_rest_still_taken():
    made = to_module(
        [
            "!pip install -q torch\n%time 1 + 1\nimport math\ndef g():\n    !ls\n    return 1",
            "%%writefile other.py\nimport os\nos.system('rm -rf ~')",
            "math.sqrt?",
        ]
    )
    assert made.defined == {"g"} and "import math" in made.source
    assert "os.system" not in made.source and "!" not in made.source and "%" not in made.source
    where = [w.split(" (")[0] for w in made.left_out]  # !pip, %time, !ls, %%writefile, help
    assert where == [
        "cell 1 line 1",
        "cell 1 line 2",
        "cell 1 line 5",
        "cell 2 line 1",
        "cell 3 line 1",
    ]
    compile(made.source, "made.py", "exec")


def test_a_cell_that_does_not_parse_is_left_out_whole_and_named():
    made = to_module(["def ok():\n    return 1", "def broken(:\n    pass\ndef lost():\n    pass"])
    assert made.defined == {"ok"}
    assert made.broken == ["cell 2 line 1 (invalid syntax)"]


def test_a_constant_that_needs_a_name_left_out_is_left_out_too():
    # `y = x * 2` runs nothing, but `x` was not taken: at import it would be a NameError.
    made = to_module(["import torch\nx = torch.ones(2)\ny = x * 2\nz = torch.float64"])
    assert "y = x * 2" not in made.source and "z = torch.float64" in made.source


def test_skip_marked_cells_go_silently_and_future_imports_lead_the_module():
    made = to_module(
        [
            f"{SKIP_MARK}\n!pip install kit\nprint('setup')",
            "from __future__ import annotations",
            "from __future__ import annotations\ndef h() -> Missing:\n    pass",
        ]
    )
    assert made.left_out == [] and made.defined == {"h"}
    assert made.source.splitlines()[1] == "from __future__ import annotations"
    assert made.source.count("from __future__") == 1
    compile(made.source, "made.py", "exec")


def test_only_nbformat_4_json_is_read():
    with pytest.raises(NotANotebook):
        code_cells(b"not json")
    with pytest.raises(NotANotebook):
        code_cells(json.dumps({"nbformat": 3, "worksheets": [], "cells": []}))
    cells = code_cells(
        json.dumps(
            {
                "nbformat": 4,
                "cells": [
                    {"cell_type": "code", "source": ["def a():\n", "    return 1\n"]},
                    {"cell_type": "raw", "source": "x = 1"},
                ],
            }
        )
    )
    assert cells == ["def a():\n    return 1\n", None]


# ---------------------------------------------------------------- where intake finds one


def ws(tmp_path: Path, source: Path, required=("ex01_tensors.py",)):
    return prepare_workspace(source, MODULES, tmp_path / "ws", required, notebook_names=NAMES)


def test_a_notebook_named_like_an_exercise_becomes_its_module(tmp_path):
    sub = make_submission(
        tmp_path / "sub",
        {"ex01_tensors.ipynb": notebook(None, solution("ex01_tensors.py"), "print(1)")},
    )
    workspace = ws(tmp_path, sub)
    assert workspace.modules == ["ex01_tensors.py"] and not workspace.rejected
    made = (workspace.path / "ex01_tensors.py").read_text()
    assert defined_names(workspace.path / "ex01_tensors.py") == NAMES["ex01_tensors.py"]
    assert "print(1)" not in made
    codes = [f.code for f in workspace.findings]
    assert "notebook" in codes and "notebook_left_out" in codes
    assert "ignored_files" not in codes  # the notebook was used, not ignored


def test_a_notebook_with_another_name_is_placed_by_the_functions_it_defines(tmp_path):
    answers = "import torch\n\ndef softmax(x, dim=-1):\n    return x.exp() / x.exp().sum(dim)"
    archive = tmp_path / "learner.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("work/my answers.ipynb", notebook(answers))
        zf.writestr("work/.ipynb_checkpoints/ex02_ops-checkpoint.ipynb", notebook("def x(): 1"))
    workspace = ws(tmp_path, archive, required=("ex02_ops.py",))
    assert workspace.modules == ["ex02_ops.py"]
    assert "def softmax" in (workspace.path / "ex02_ops.py").read_text()


def test_a_module_handed_in_as_py_wins_over_a_notebook(tmp_path):
    sub = make_submission(
        tmp_path / "sub",
        {"ex01_tensors.py": stub("ex01_tensors.py"), "ex01_tensors.ipynb": notebook("x = 1")},
    )
    workspace = ws(tmp_path, sub)
    assert (workspace.path / "ex01_tensors.py").read_text() == stub("ex01_tensors.py")
    assert any(
        "ex01_tensors.ipynb" in f.message for f in workspace.findings if f.code == "ignored_files"
    )


def test_a_notebook_alone_is_a_submission_and_a_broken_one_a_finding(tmp_path):
    single = tmp_path / "ex01_tensors.ipynb"
    single.write_text(notebook(stub("ex01_tensors.py")))
    assert ws(tmp_path / "a", single).modules == ["ex01_tensors.py"]
    single.write_text("{not json")
    workspace = ws(tmp_path / "b", single)
    assert workspace.rejected
    assert "not_a_notebook" in [f.code for f in workspace.findings]


# ---------------------------------------------------------------- starter notebooks


@pytest.mark.parametrize("exercise", COURSE.exercises, ids=lambda ex: ex.id)
def test_a_starter_notebook_is_its_stub_cell_by_cell(exercise):
    text = (EXERCISES / exercise.module_file).read_text()
    made = starter(exercise, text)
    nbformat.validate(nbformat.reads(json.dumps(made), as_version=4))
    cells = [c["source"] if c["cell_type"] == "code" else None for c in made["cells"]]
    module = to_module(cells)
    assert module.left_out == [] and module.broken == []  # setup and check cells: skip-marked
    stub_tree = ast.parse(text)
    stub_defs = {n.name for n in stub_tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert module.defined == stub_defs
    markdown = "\n".join(c["source"] for c in made["cells"] if c["cell_type"] == "markdown")
    for node in stub_tree.body:
        doc = ast.get_docstring(node) if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else ""
        assert not doc or docstring_parts(doc)[0] in markdown  # the docstring's own words
    assert made["cells"][-1]["source"].endswith(f'check("{exercise.number}")')
    assert "%pip install -q ./kit" in made["cells"][2]["source"]
    pip_lines = [line for line in made["cells"][2]["source"].splitlines() if "pip " in line]
    assert pip_lines and not any("torch" in line for line in pip_lines)  # torch: never again


# ---------------------------------------------------------------- the inline report


def test_the_inline_report_needs_no_script_and_no_request(result):  # noqa: F811
    page = render_inline(result)
    assert page.startswith(f'<div class="{SCOPE}">') and page.rstrip().endswith("</div>")
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert "<meta" not in page and "<html" not in page and "<body" not in page
    assert "✘" in page and "✔" in page  # the checks, as on the page
    hostile = render_inline(with_hostile_text(result))
    assert "<script" not in hostile.lower() and "<img" not in hostile
    assert re.search(r"<[a-zA-Z][^<>]*\b(src|href)\s*=", hostile) is None  # text only


def test_every_style_rule_of_the_inline_report_stays_inside_it():
    rules = re.findall(r"([^{}]+)\{", scoped_css())
    assert len(rules) > 10
    for selectors in rules:
        for selector in selectors.split(","):
            assert selector.strip().startswith(f".{SCOPE}"), selector


# ---------------------------------------------------------------- the Python API


def test_import_grader_stays_cheap():
    code = (
        "import sys, grader; assert 'grader.api' not in sys.modules; "
        "from grader import check; "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'pytest', 'jinja2', 'click', 'numpy')); print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


class FakeShell:
    def __init__(self, cells: list[str]) -> None:
        self.history_manager = type("H", (), {"input_hist_raw": ["", *cells]})()


def test_a_kernel_s_cells_are_graded_when_they_answer_the_exercise(tmp_path):
    shell = FakeShell(["import torch", "def describe(x):\n    return {}", "describe(1)"])
    path, chosen = _live_notebook(shell, COURSE, (), tmp_path)
    assert path == tmp_path / LIVE_NOTEBOOK and chosen == ("ex01_tensors",)
    cells = code_cells(path.read_bytes())
    assert cells[1] == "def describe(x):\n    return {}"  # cell n is the kernel's In [n]
    assert _live_notebook(shell, COURSE, ("01",), tmp_path) == (path, ("01",))


def test_a_kernel_that_defines_nothing_of_the_exercise_grades_the_folder(tmp_path):
    shell = FakeShell(["from exercises.ex01_tensors import describe", "describe(1)"])
    assert _live_notebook(shell, COURSE, (), tmp_path) is None
    shell = FakeShell(["def describe(x):\n    return {}"])
    assert _live_notebook(shell, COURSE, ("02",), tmp_path) is None


def test_check_target_must_be_a_folder_or_a_notebook(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    other = tmp_path / "answers.txt"
    other.write_text("x")
    done = CliRunner().invoke(main, ["--course", str(ROOT), "check", "01", "--target", str(other)])
    assert done.exit_code == 2 and "a folder or a notebook" in done.output
