"""`grader release`: cut the learner kit from the full course.

The kit is a working project of its own: the stubs, the public suites and their probes, the
grader, a learner README, a starter notebook per exercise (grader/starters.py) and a CI
workflow for the learner's repository. It holds no
solution and no hidden check, not even a name: only how many hidden checks each exercise
has and what they are worth (suites/hidden.json), so `grader check` can say what is left.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import jinja2

from grader import __version__
from grader.course import HIDDEN_MANIFEST, PROBES_FILE, PUBLIC_SUITE, TITLES_FILE, Course
from grader.leaks import find_leaks
from grader.records import CollectedCheck, Tally
from grader.render.html import templates_dir
from grader.run.judge.golden import GOLDEN_FILE
from grader.starters import write_starters


class ReleaseError(Exception):
    """The kit cannot be written where asked."""


def release(
    course: Course, out: Path, checks: list[CollectedCheck], *, force: bool = False
) -> list[Path]:
    """Write the learner kit to `out`; `checks` is the course's collected check list."""
    # Before anything is deleted: --force must never remove a part of the course.
    if _inside(out, course.root):
        raise ReleaseError(f"{out} is inside the course folder: choose a folder outside it")
    if _inside(course.root, out):
        raise ReleaseError(f"{out} holds the course folder: choose a folder outside it")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(prefix="grader-golden-") as golden_dir:
        record_golden(course, Path(golden_dir))
        out.mkdir(parents=True, exist_ok=True)
        _copy_code(out)
        _copy_exercises(course, out, Path(golden_dir))
        _copy_data(course, out)
        write_starters(course, out / "notebooks")  # a notebook per exercise, from its stub
    _write_hidden_manifest(course, out, checks)
    _write_project_files(course, out, checks)
    refuse_leaks(course, out)
    return sorted(p for p in out.rglob("*") if p.is_file())


def record_golden(course: Course, folder: Path) -> None:
    """Run the public checks on the solutions, keeping what the suites' references compute
    (grader.testing.references): the kit checks against those values instead."""
    from grader.pipeline import Grader, Options, Submission

    if not course.solutions_dir.is_dir():
        raise ReleaseError("the course has no solutions/ folder to record expected values from")
    options = Options(public_only=True, record_golden=folder)
    with Grader(course, options) as grader:
        result = grader.grade(Submission("solutions", course.solutions_dir))
    if not result.all_passed:
        failed = next((c.id for c in result.checks if c.outcome not in ("passed", "skipped")), "")
        raise ReleaseError(
            f"the solutions fail a public check ({failed or result.status_detail}): run "
            "`grader verify` and fix the course first"
        )


def refuse_leaks(course: Course, out: Path) -> None:
    """No file of the kit may hold a piece of a solution (grader/leaks.py): such a kit is
    removed, and the first leak named."""
    shipped = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.py")}
    leaks = find_leaks(sorted(course.solutions_dir.glob("*.py")), shipped)
    if leaks:
        shutil.rmtree(out)
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        raise ReleaseError(f"{leaks[0]}{more}: the kit would carry an answer, so none was written")


def _copy_code(out: Path) -> None:
    package = Path(__file__).resolve().parent
    shutil.copytree(package, out / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(templates_dir(), out / "templates")


def _copy_exercises(course: Course, out: Path, golden: Path) -> None:
    (out / "exercises").mkdir()
    for ex in course.exercises:
        shutil.copy2(course.exercises_dir / ex.module_file, out / "exercises" / ex.module_file)
        suite = out / "suites" / ex.id
        suite.mkdir(parents=True)
        for name in (PUBLIC_SUITE, PROBES_FILE):
            if (ex.suite_dir / name).is_file():
                shutil.copy2(ex.suite_dir / name, suite / name)
        recorded = golden / ex.id / GOLDEN_FILE
        if recorded.is_file():
            shutil.copy2(recorded, suite / GOLDEN_FILE)


def _copy_data(course: Course, out: Path) -> None:
    """data/ (exercise 10's training split): learners train on it. Suite folders' own data
    (a test split) is never copied: _copy_exercises takes only the public files."""
    if course.data_dir.is_dir():
        shutil.copytree(course.data_dir, out / "data")


def _write_hidden_manifest(course: Course, out: Path, checks: list[CollectedCheck]) -> None:
    manifest = {ex.id: Tally.of(checks, "hidden", ex.id).to_json() for ex in course.exercises}
    (out / "suites" / HIDDEN_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    # The kit's exercises/ become the learner's files: reports take titles from here instead.
    titles = {ex.id: ex.title for ex in course.exercises}
    (out / "suites" / TITLES_FILE).write_text(json.dumps(titles, indent=1) + "\n")


def _write_project_files(course: Course, out: Path, checks: list[CollectedCheck]) -> None:
    # Markdown and TOML, not HTML: no autoescaping here.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pts"] = lambda value: f"{value:g}"
    rows = [
        {
            "id": ex.id,
            "number": ex.number,
            "title": ex.title,
            "public": Tally.of(checks, "public", ex.id).points,
            "hidden": Tally.of(checks, "hidden", ex.id).points,
        }
        for ex in course.exercises
    ]
    (out / "README.md").write_text(env.get_template("kit/README.md.j2").render(exercises=rows))
    (out / "pyproject.toml").write_text(
        env.get_template("kit/pyproject.toml.j2").render(version=__version__)
    )
    shutil.copy2(templates_dir() / "kit" / "gitignore", out / ".gitignore")
    workflows = out / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy2(templates_dir() / "learner-ci.yml", workflows / "check.yml")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
