"""`grader release`: cut the learner kit from the full course.

The kit is a working project of its own: the stubs, the public suites and their probes, the
grader, a learner README and a CI workflow for the learner's repository. It holds no
solution and no hidden check, not even a name: only how many hidden checks each exercise
has and what they are worth (suites/hidden.json), so `grader check` can say what is left.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jinja2

from grader import __version__
from grader.course import HIDDEN_MANIFEST, PROBES_FILE, PUBLIC_SUITE, Course
from grader.records import CollectedCheck, Tally
from grader.render.html import templates_dir


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
    out.mkdir(parents=True, exist_ok=True)
    _copy_code(out)
    _copy_exercises(course, out)
    _write_hidden_manifest(course, out, checks)
    _write_project_files(course, out, checks)
    return sorted(p for p in out.rglob("*") if p.is_file())


def _copy_code(out: Path) -> None:
    package = Path(__file__).resolve().parent
    shutil.copytree(package, out / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(templates_dir(), out / "templates")


def _copy_exercises(course: Course, out: Path) -> None:
    (out / "exercises").mkdir()
    for ex in course.exercises:
        shutil.copy2(course.exercises_dir / ex.module_file, out / "exercises" / ex.module_file)
        suite = out / "suites" / ex.id
        suite.mkdir(parents=True)
        for name in (PUBLIC_SUITE, PROBES_FILE):
            if (ex.suite_dir / name).is_file():
                shutil.copy2(ex.suite_dir / name, suite / name)


def _write_hidden_manifest(course: Course, out: Path, checks: list[CollectedCheck]) -> None:
    manifest = {ex.id: Tally.of(checks, "hidden", ex.id).to_json() for ex in course.exercises}
    (out / "suites" / HIDDEN_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


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
