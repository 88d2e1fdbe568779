"""Notebooks end to end: starter notebooks executed headless in a real kernel (nbclient), on the
stubs and on the solutions; notebooks handed in and graded in a batch; `check()` outside a
kernel prints what `grader check` prints."""

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
from helpers import EXERCISES, ROOT, run_grader, solution
from nbclient import NotebookClient

from grader.course import load_course
from grader.intake.notebook import SKIP_MARK, to_module
from grader.starters import starter

pytestmark = pytest.mark.slow  # starts kernels and grades real submissions

COURSE = load_course(ROOT)
SUMMARY_CELL = (
    "import json\n"
    "print(json.dumps({'earned': result.earned, 'possible': result.possible, "
    "'submission': result.submission, 'findings': [f.code for f in result.findings], "
    "'checks': [[c.id, c.outcome, c.kind, c.device, c.message] for c in result.checks]}))"
)


def code_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": f"added-{len(source)}",
        "metadata": {},
        "outputs": [],
        "source": source,
    }


def starter_of(number: str) -> dict:
    exercise = COURSE.exercise(number)
    return starter(exercise, (EXERCISES / exercise.module_file).read_text())


def solved(number: str) -> dict:
    """The starter notebook with each stub cell holding the solution's definition instead, and
    the solution's imports, constants and helpers in the imports cell."""
    exercise = COURSE.exercise(number)
    notebook = starter_of(number)
    source = solution(exercise.module_file)
    lines = source.splitlines()
    tree = ast.parse(source)
    cells = [c["source"] if c["cell_type"] == "code" else None for c in notebook["cells"]]
    in_starter = to_module(cells).defined
    segments, extras = {}, []
    for node in tree.body:
        if isinstance(node, ast.Expr):  # the module's docstring
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[first - 1 : node.end_lineno])
        if getattr(node, "name", None) in in_starter:
            segments[node.name] = text
        else:
            extras.append(text)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    imports = next(c for c in code if not c["source"].startswith(SKIP_MARK))
    imports["source"] = "\n\n".join(extras)
    for cell in code:
        for name, text in segments.items():
            if cell["source"].startswith((f"def {name}(", f"class {name}(")):
                cell["source"] = text
    return notebook


def execute(notebook: dict, tmp_path: Path) -> tuple[dict, list]:
    """Run `notebook` headless in a fresh kernel working in the course folder (as a notebook
    in the kit does); returns the result's summary and the check cell's outputs."""
    notebook = json.loads(json.dumps(notebook))
    notebook["cells"].append(code_cell(SUMMARY_CELL))
    node = nbformat.reads(json.dumps(notebook), as_version=4)
    NotebookClient(
        node, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    nbformat.write(node, tmp_path / "executed.ipynb")  # kept for a look when a test fails
    printed = "".join(o.get("text", "") for o in node.cells[-1].outputs)
    return json.loads(printed), node.cells[-2].outputs


def inline_report(outputs: list) -> str:
    shown = [o for o in outputs if o.output_type == "display_data" and "text/html" in o.data]
    assert len(shown) == 1, outputs
    return shown[0].data["text/html"]


def test_the_starter_notebook_on_the_stubs_says_every_check_is_not_written_yet(tmp_path):
    summary, outputs = execute(starter_of("01"), tmp_path)
    ran = [c for c in summary["checks"] if c[1] != "skipped"]
    assert ran and summary["earned"] == 0
    assert {c[1] for c in ran} == {"failed"}
    # Each says the function is not written yet; a check that wants an exception names the
    # NotImplementedError the stub raised instead.
    assert all(c[2] == "not_implemented" or "raised NotImplementedError" in c[4] for c in ran)
    assert sum(c[2] == "not_implemented" for c in ran) > len(ran) // 2
    assert summary["findings"] == ["notebook"]  # the setup and check cells left out silently
    html = inline_report(outputs)
    assert html.startswith('<div class="grader-report">') and "not written yet" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


@pytest.mark.parametrize("number", ["01", "06"])  # 06: constants and helpers of its own
def test_the_starter_notebook_solved_earns_every_public_point(tmp_path, number):
    summary, outputs = execute(solved(number), tmp_path)
    assert summary["possible"] > 0 and summary["earned"] == summary["possible"], summary
    assert {c[1] for c in summary["checks"]} <= {"passed", "skipped"}
    assert all(c[3] == "cuda" for c in summary["checks"] if c[1] == "skipped")  # no GPU here
    assert summary["findings"] == ["notebook"]
    assert "✔" in inline_report(outputs)


def notebook_text(notebook: dict, *extra_cells: str) -> str:
    notebook = json.loads(json.dumps(notebook))
    for source in extra_cells:
        notebook["cells"].append(code_cell(source))
    return json.dumps(notebook)


def test_notebooks_handed_in_are_graded_in_a_batch(tmp_path):
    subs = tmp_path / "submissions"
    (subs / "ana").mkdir(parents=True)
    (subs / "ana" / "ex01_tensors.ipynb").write_text(
        notebook_text(solved("01"), "!nvidia-smi\nprint(describe(torch.zeros(2)))")
    )
    with zipfile.ZipFile(subs / "ben.zip", "w") as archive:  # named otherwise: found by functions
        archive.writestr("notebooks/my work.ipynb", notebook_text(starter_of("01")))
    out = tmp_path / "out"
    done = run_grader("batch", str(subs), "--out", str(out), "-e", "01", "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    ana = json.loads((out / "submissions" / "ana" / "results.json").read_text())
    ben = json.loads((out / "submissions" / "ben" / "results.json").read_text())
    assert ana["totals"]["earned"] == ana["totals"]["possible"] > 0  # hidden checks too
    left_out = next(f for f in ana["findings"] if f["code"] == "notebook_left_out")
    assert "!nvidia-smi" in left_out["message"] and "print(describe" in left_out["message"]
    assert ben["totals"]["earned"] == 0 and ben["status"] == "graded"
    ran = [c for e in ben["exercises"] for c in e["checks"] if c["outcome"] != "skipped"]
    assert ran and {c["outcome"] for c in ran} == {"failed"}
    assert all("NotImplementedError" in c["message"] for c in ran if c["visibility"] == "public")
    assert any("my work.ipynb" in f["message"] for f in ben["findings"] if f["code"] == "notebook")


def test_check_outside_a_kernel_prints_what_grader_check_prints(tmp_path):
    answers = tmp_path / "answers.ipynb"
    answers.write_text(notebook_text(solved("01")))
    cli = run_grader("check", "01", "--target", str(answers))
    code = f"from grader import check; r = check('01', target={str(answers)!r}); print(repr(r))"
    api = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert cli.returncode == 0 and api.returncode == 0, api.stderr
    assert api.stdout.startswith(cli.stdout)
    total = re.search(r"Total: (\S+) / (\S+) points", cli.stdout)
    assert total and total[1] == total[2]
    returned = api.stdout[len(cli.stdout) :]
    assert (
        returned
        == f"<grader check of answers.ipynb: {total[1]}/{total[2]} points, 0 check(s) not passed>\n"
    )


def test_release_writes_a_starter_notebook_that_runs_in_the_kit(tmp_path):
    kit = tmp_path / "kit"
    done = run_grader("release", "--out", str(kit))
    assert done.returncode == 0, done.stdout + done.stderr
    for exercise in COURSE.exercises:
        written = json.loads((kit / "notebooks" / f"{exercise.id}.ipynb").read_text())
        assert written == starter_of(exercise.number)
    # Run from the kit's notebooks/ folder, as Jupyter runs it: check() finds the kit above.
    node = nbformat.read(kit / "notebooks" / "ex01_tensors.ipynb", as_version=4)
    node.cells.append(
        nbformat.from_dict(code_cell("print(result.submission, result.stamp.suites)"))
    )
    NotebookClient(
        node,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(kit / "notebooks")}},
    ).execute()
    kit_course = load_course(kit)  # its suites, not the course's (no hidden ones)
    suites = kit_course.suite_hash(kit_course.select(["01"]))
    assert suites != COURSE.suite_hash(COURSE.select(["01"]))
    printed = "".join(o.get("text", "") for o in node.cells[-1].outputs)
    assert printed == f"notebook.ipynb {suites}\n"
    assert "not written yet" in inline_report(node.cells[-2].outputs)
