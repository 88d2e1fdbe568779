"""`from grader import check`: the learner's `grader check`, from Python (a notebook, a script).

`check("01")` runs `grader check 01` (the same command, so the same pipeline, limits and
sandbox) in a fresh process, and returns the typed result. Why a process of its own: the
grader forks judges from a process that has imported torch but never touched CUDA, while a
notebook's kernel may have (a forked child cannot use CUDA then), and it keeps the kernel
free of the grader's threads and imports.

In a Jupyter or IPython kernel (Colab and Kaggle included) it shows the HTML report in the
cell's output, and grades the notebook itself: the code cells the kernel ran, in the order it
ran them, taken as a notebook handed in is (grader/intake/notebook.py), when they define a
function of the exercise checked; else the course's exercises/ folder. Elsewhere it prints
what `grader check` prints. Importing this module imports neither torch nor the grader's
heavier parts: they load when a check runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from grader.course import Course, CourseError, find_course_root, load_course
from grader.intake.notebook import exercise_names, to_module
from grader.results import SubmissionResult
from grader.results_json import from_json

LIVE_NOTEBOOK = "notebook.ipynb"  # how a kernel's cells are named when they are graded


class CheckError(RuntimeError):
    """`grader check` could not run (an unknown exercise, no course found): its message."""


@dataclass(frozen=True, repr=False)
class Checked(SubmissionResult):
    """The typed result of a check (a SubmissionResult), with a one-line repr and the report."""

    @property
    def report(self) -> InlineReport:
        """The HTML report, for a notebook's output (`display(result.report)`)."""
        return InlineReport(self, os.environ.get("GRADER_LANG"))

    def __repr__(self) -> str:
        from grader.messages import say

        open_ = sum(1 for c in self.checks if c.outcome not in ("passed", "skipped"))
        return say(
            "checked_repr",
            submission=self.submission,
            earned=self.earned,
            possible=self.possible,
            open=open_,
        )


@dataclass(frozen=True)
class InlineReport:
    """Shows a result as the HTML report in a notebook (no script, no request)."""

    result: SubmissionResult
    lang: str | None = None  # the feedback's language, as the check was asked for

    def _repr_html_(self) -> str:
        from grader.render.inline import render_inline

        with _language(self.lang):
            return render_inline(self.result)

    def __repr__(self) -> str:
        from grader.render.terminal import render

        with _language(self.lang):
            return render(self.result)


@contextmanager
def _language(lang: str | None) -> Iterator[None]:
    """GRADER_LANG set to `lang` for a while: the report's own words follow the check's."""
    before = os.environ.get("GRADER_LANG")
    if lang:
        os.environ["GRADER_LANG"] = lang
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GRADER_LANG", None)
        else:
            os.environ["GRADER_LANG"] = before


def check(
    *exercises: str,
    target: str | os.PathLike | None = None,
    lang: str | None = None,
    course: str | os.PathLike | None = None,
    device: str = "all",
    verbose: bool = False,
) -> Checked:
    """Check exercises (all, or the ones named: `check("01")`, `check("tensors", "ops")`).

    target: a folder of exercise modules or a notebook (.ipynb) to grade instead; lang: the
    language of the feedback (GRADER_LANG); course: the course folder (default: found from
    the working folder); device: "all" (CUDA cases where there is a GPU), "cpu", "cuda" or
    "standin". Raises CheckError where `grader check` cannot run."""
    shell = _kernel_shell()
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        chosen = tuple(exercises)
        try:
            root = Path(course) if course is not None else find_course_root()
            if target is None and shell is not None:
                live = _live_notebook(shell, load_course(root), chosen, Path(scratch))
                if live is not None:
                    target, chosen = live
        except CourseError as exc:
            raise CheckError(str(exc)) from None
        json_path = Path(scratch) / "results.json"
        command = [sys.executable, "-m", "grader", "--course", str(root), "check", *chosen]
        command += ["--device", device, "--json", str(json_path)]
        command += ["--target", str(target)] if target is not None else []
        command += ["--verbose"] if verbose else []
        env = {**os.environ, **({"GRADER_LANG": lang} if lang else {})}
        done = _run(command, env, show=shell is None)
        if done.returncode not in (0, 1) or not json_path.is_file():
            raise CheckError(
                (done.stderr or done.stdout or "").strip() or f"exit {done.returncode}"
            )
        result = from_json(json.loads(json_path.read_text(encoding="utf-8")))
    checked = Checked(**{f.name: getattr(result, f.name) for f in fields(SubmissionResult)})
    if shell is not None:
        from IPython.display import display

        display(InlineReport(checked, lang or os.environ.get("GRADER_LANG")))
    return checked


def _run(command: list[str], env: dict[str, str], *, show: bool) -> subprocess.CompletedProcess:
    """`grader check`, printing what it prints where this process prints (outside a kernel);
    straight to the terminal when nothing took stdout over, so its colours stay."""
    if show and sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, text=True)
        return subprocess.CompletedProcess(command, done.returncode, "", "")
    done = subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if show:
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
    return done


def _kernel_shell():
    """The IPython kernel this runs in (Jupyter, Colab, Kaggle), or None. IPython is never
    imported here: a kernel has imported it already."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if getattr(shell, "kernel", None) is not None else None


def _live_notebook(
    shell, course: Course, exercises: tuple[str, ...], folder: Path
) -> tuple[Path, tuple[str, ...]] | None:
    """The cells this kernel ran, as a notebook to grade, and the exercises it answers; None
    when they define no function of the exercises asked (then the exercises/ folder is
    graded). Cell n of that notebook is the kernel's In [n]."""
    cells = list(shell.history_manager.input_hist_raw[1:])
    defined = to_module(cells).defined
    names = exercise_names(course.exercises_dir, course.module_files)
    selected = course.select(exercises) if exercises else course.exercises
    answered = tuple(ex.id for ex in selected if defined & names[ex.module_file])
    if not answered:
        return None
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
            for source in cells
        ],
    }
    path = folder / LIVE_NOTEBOOK
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path, exercises or answered
