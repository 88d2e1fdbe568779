"""`grader gradescope`: the course as a Gradescope autograder package, ready to upload.

Gradescope unzips the package into /autograder/source, runs setup.sh once to build its
image, then for each submission copies run_autograder to /autograder/run_autograder and runs
it with the learner's files in /autograder/submission; it reads
/autograder/results/results.json. The package holds:

    setup.sh         installs the CPU build of PyTorch, then the grader from course/
    run_autograder   grades the submission, writes results.json (render/gradescope.py)
    course/          the grader, its templates, every suite (hidden ones too), the stubs

and never the solutions. run_autograder takes its root from AUTOGRADER_ROOT (default
/autograder), so the package can be run end to end in a stand-in folder.
"""

from __future__ import annotations

import shlex
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from grader.course import DATA_SUFFIX, Course
from grader.messages import say
from grader.render.gradescope import HIDDEN_VISIBILITIES
from grader.render.html import templates_dir

COURSE_DIR = "course"  # inside the package, beside setup.sh and run_autograder
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".grader"}
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # every entry's date: the same course gives the same bytes


class PackageError(Exception):
    """The package cannot be made as asked."""


@dataclass(frozen=True)
class PackageOptions:
    hidden_visibility: str = "after_published"
    reveal_hidden: bool = False  # hidden checks' messages in their (hidden) test entries
    torch_version: str = ""  # pip's pin for torch; default: the version grading here
    lang: str = "en"  # the language of the learners' results (GRADER_LANG in run_autograder)


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, from /autograder/source, to build the grading image.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install {torch} --index-url https://download.pytorch.org/whl/cpu
python3 -m pip install ./{course}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. AUTOGRADER_ROOT stands in for /autograder in tests.
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
course="$root/source/{course}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/results"
{language}python3 -m grader --course "$course" grade "$root/submission" --out "$work" >"$work/log.txt" 2>&1
echo "grader grade exited $?"
tail -n 5 "$work/log.txt"
python3 -m grader report "$work/results.json" --format gradescope {report_options} \\
    --out "$root/results/results.json"
"""


def build_package(course: Course, out: Path, options: PackageOptions) -> list[str]:
    """Write the package to `out` (a .zip); returns the names it holds."""
    if options.hidden_visibility not in HIDDEN_VISIBILITIES:
        raise PackageError(say("package_visibility", choices=", ".join(HIDDEN_VISIBILITIES)))
    if out.suffix.lower() != ".zip":
        raise PackageError(say("package_not_zip", out=out))
    files = course_files(course)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "setup.sh", setup_script(options), executable=True)
        _add(archive, "run_autograder", run_script(options), executable=True)
        for name, path in files.items():
            _add(archive, f"{COURSE_DIR}/{name}", path.read_bytes())  # code and data alike
    return ["setup.sh", "run_autograder", *(f"{COURSE_DIR}/{name}" for name in files)]


def course_files(course: Course) -> dict[str, Path]:
    """What course/ holds, by name inside it: the grader package, its templates, the
    suites (public and hidden, with their probes), the stubs, and what pip needs to install
    the grader. Never a file of solutions/."""
    package = Path(__file__).resolve().parent
    files: dict[str, Path] = {}
    files.update(_tree(package, "grader", "*.py"))
    files.update(_tree(templates_dir(), "templates", "*"))
    for exercise in course.exercises:
        files.update(_tree(exercise.suite_dir, f"suites/{exercise.id}", "*.py"))
        # A suite's own data (exercise 10's hidden test split) grades on Gradescope too.
        files.update(_tree(exercise.suite_dir, f"suites/{exercise.id}", f"*{DATA_SUFFIX}"))
        stub = course.exercises_dir / exercise.module_file
        files[f"exercises/{exercise.module_file}"] = stub
    if course.data_dir.is_dir():  # the course's data (exercise 10's training split)
        files.update(_tree(course.data_dir, "data", "*"))
    root = package.parent
    for name in ("pyproject.toml", "README.md"):
        if not (root / name).is_file():
            raise PackageError(say("package_missing", path=root / name))
        files[name] = root / name
    solutions = course.solutions_dir.resolve()
    if any(path.resolve().is_relative_to(solutions) for path in files.values()):
        raise PackageError(say("package_solutions"))  # never, by construction
    return dict(sorted(files.items()))


def setup_script(options: PackageOptions) -> str:
    version = options.torch_version or torch.__version__.split("+")[0]
    return SETUP_SH.format(torch=shlex.quote(f"torch=={version}"), course=COURSE_DIR)


def run_script(options: PackageOptions) -> str:
    report_options = f"--hidden-visibility {options.hidden_visibility}"
    if options.reveal_hidden:
        report_options += " --reveal-hidden"
    # The learners' language is the package's: Gradescope's image has no locale of theirs.
    language = f"export GRADER_LANG={options.lang}\n" if options.lang != "en" else ""
    return RUN_AUTOGRADER.format(
        course=COURSE_DIR, report_options=report_options, language=language
    )


def _tree(folder: Path, prefix: str, pattern: str) -> dict[str, Path]:
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path
        for path in sorted(folder.rglob(pattern))
        if path.is_file() and not SKIPPED_PARTS & set(path.relative_to(folder).parts)
    }


def _add(
    archive: zipfile.ZipFile, name: str, text: str | bytes, *, executable: bool = False
) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16
    archive.writestr(info, text)
