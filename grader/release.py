"""`grader release`: cut the learner kit from the full course.

The kit is a working project of its own: the stubs, the public suites and their probes, the
grader, a learner README, a starter notebook per exercise (grader/starters.py) and a CI
workflow for the learner's repository. It holds no
solution and no hidden check, not even a name: only how many hidden checks each exercise
has and what they are worth (suites/hidden.json), so `grader check` can say what is left.

A kit is cut in English (the default) or Chinese (`lang="zh"`): its stubs and starter
notebooks carry the docstrings' English or Chinese parts (grader/kit_stubs.py), its README is
in that language (a zh kit also has GLOSSARY.md, the course's terms in both languages), and a
zh kit records its language in its grader package (grader/kit_language.py), so that
`grader check` there speaks Chinese with no setting. Titles go into suites/titles.json in both
languages, since a learner's run may choose the other one (`--lang`, GRADER_LANG).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from grader import __version__
from grader.course import HIDDEN_MANIFEST, PROBES_FILE, PUBLIC_SUITE, TITLES_FILE, Course
from grader.kit_language import KIT_CONFIG, write_kit_language
from grader.kit_stubs import KIT_LANGUAGES, KitStub, StubError, kit_stub
from grader.leaks import find_leaks
from grader.records import CollectedCheck, Tally
from grader.render.html import templates_dir
from grader.starters import write_starters

GLOSSARY = "GLOSSARY.md"  # in a zh kit: the course's terms, English and Chinese


class ReleaseError(Exception):
    """The kit cannot be written where asked."""


@dataclass(frozen=True)
class Released:
    files: list[Path]  # every file of the kit
    # What a zh kit keeps in English, "exercises/ex01_tensors.py:14 describe" (none in en).
    untranslated: list[str]

    def warning(self) -> list[str]:
        """What `grader release` tells the author about the untranslated text (nothing if none)."""
        if not self.untranslated:
            return []
        head = (
            f"Warning: {len(self.untranslated)} docstring(s) or message(s) have no Chinese part "
            "(a `zh:` block), so the kit keeps them in English:"
        )
        return [head, *(f"  {where}" for where in self.untranslated)]


def release(
    course: Course,
    out: Path,
    checks: list[CollectedCheck],
    *,
    force: bool = False,
    lang: str = "en",
) -> Released:
    """Write the learner kit in language `lang` to `out`; `checks` is the course's collected
    check list."""
    if lang not in KIT_LANGUAGES:
        raise ReleaseError(f"no kit language {lang!r}: choose one of {', '.join(KIT_LANGUAGES)}")
    stubs = _kit_stubs(course, lang)  # a stub that cannot be rewritten stops it before any write
    check_out_folder(course, out, force=force)
    if out.exists() and any(out.iterdir()):
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    _copy_code(out, lang)
    _copy_exercises(course, out, stubs)
    _copy_data(course, out)
    # A notebook per exercise, from its stub in the kit's language.
    write_starters(course, out / "notebooks", lang=lang)
    _write_hidden_manifest(course, out, checks)
    _write_project_files(course, out, checks, lang)
    # Before the slow part: a kit that would carry an answer is refused in a second.
    refuse_leaks(course, out)
    try:
        _copy_golden(course, out, golden_values(course))
    except ReleaseError:  # the solutions fail a public check: no kit, as for a leak
        shutil.rmtree(out)
        raise
    untranslated = [
        item.where(f"exercises/{name}")
        for name, stub in stubs.items()
        for item in stub.untranslated
    ]
    return Released(sorted(p for p in out.rglob("*") if p.is_file()), untranslated)


def check_out_folder(course: Course, out: Path, *, force: bool) -> None:
    """Refuse a kit folder before any work: --force must never remove a part of the course."""
    if _inside(out, course.root):
        raise ReleaseError(f"{out} is inside the course folder: choose a folder outside it")
    if _inside(course.root, out):
        raise ReleaseError(f"{out} holds the course folder: choose a folder outside it")
    if out.exists() and any(out.iterdir()) and not force:
        raise ReleaseError(f"{out} is not empty (use --force to replace it)")


def _kit_stubs(course: Course, lang: str) -> dict[str, KitStub]:
    """Each exercise's stub as the kit of `lang` ships it, by module file name."""
    stubs = {}
    for ex in course.exercises:
        path = course.exercises_dir / ex.module_file
        try:
            stubs[ex.module_file] = kit_stub(path.read_text(encoding="utf-8"), lang)
        except (StubError, SyntaxError) as exc:
            raise ReleaseError(f"exercises/{ex.module_file}: {exc}") from None
    return stubs


def golden_values(course: Course) -> Path:
    """The folder of the public checks' recorded values, recorded once per state of what
    decides them (the course's .grader/golden/<key>): releasing the English and the Chinese
    kit one after the other grades the solutions once."""
    cache = course.root / ".grader" / "golden"
    folder = cache / _golden_key(course)
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    # Two releases at once (the English and the Chinese kit, in CI) record the values once:
    # the second waits (a lock on the cache folder itself) and takes the first one's values.
    lock = os.open(cache, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if folder.is_dir():
            return folder
        fresh = Path(tempfile.mkdtemp(prefix="recording-", dir=cache))
        try:
            record_golden(course, fresh)
            fresh.rename(folder)  # whole or not at all: a release that fails leaves no entry
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
    finally:
        os.close(lock)  # (and with it the lock)
    return folder


def _golden_key(course: Course) -> str:
    """A digest of everything the recorded values depend on: the suites and their data, the
    solutions, the grader's own code, the torch version and whether CUDA cases can run."""
    import torch  # here: a refused release never imports it

    digest = hashlib.sha256(course.suite_hash().encode())
    package = Path(__file__).resolve().parent
    for root, pattern in ((course.solutions_dir, "*.py"), (package, "**/*.py")):
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(f"{torch.__version__} {torch.cuda.is_available()}".encode())
    return digest.hexdigest()[:20]


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


def _copy_code(out: Path, lang: str) -> None:
    package = Path(__file__).resolve().parent
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc", KIT_CONFIG)
    shutil.copytree(package, out / "grader", ignore=ignored)
    shutil.copytree(templates_dir(), out / "templates")
    # An English kit records no language: as in the course, the learner's locale chooses.
    if lang != "en":
        write_kit_language(out / "grader", lang)


def _copy_exercises(course: Course, out: Path, stubs: dict[str, KitStub]) -> None:
    (out / "exercises").mkdir()
    for ex in course.exercises:
        target = out / "exercises" / ex.module_file
        target.write_text(stubs[ex.module_file].source, encoding="utf-8")
        suite = out / "suites" / ex.id
        suite.mkdir(parents=True)
        for name in (PUBLIC_SUITE, PROBES_FILE):
            if (ex.suite_dir / name).is_file():
                shutil.copy2(ex.suite_dir / name, suite / name)


def _copy_golden(course: Course, out: Path, golden: Path) -> None:
    """The values recorded from the solutions, beside each public suite (values, no code)."""
    from grader.run.judge.golden import GOLDEN_FILE  # imports torch: not for a refused folder

    for ex in course.exercises:
        recorded = golden / ex.id / GOLDEN_FILE
        if recorded.is_file():
            shutil.copy2(recorded, out / "suites" / ex.id / GOLDEN_FILE)


def _copy_data(course: Course, out: Path) -> None:
    """data/ (exercise 10's training split): learners train on it. Suite folders' own data
    (a test split) is never copied: _copy_exercises takes only the public files."""
    if course.data_dir.is_dir():
        shutil.copytree(course.data_dir, out / "data")


def _write_hidden_manifest(course: Course, out: Path, checks: list[CollectedCheck]) -> None:
    manifest = {ex.id: Tally.of(checks, "hidden", ex.id).to_json() for ex in course.exercises}
    (out / "suites" / HIDDEN_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    # The kit's exercises/ become the learner's files: reports take titles from here instead,
    # in the language of the learner's run (which may differ from the kit's).
    titles = {ex.id: {"en": ex.title_en, "zh": ex.title_zh} for ex in course.exercises}
    (out / "suites" / TITLES_FILE).write_text(
        json.dumps(titles, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _write_project_files(
    course: Course, out: Path, checks: list[CollectedCheck], lang: str
) -> None:
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
            "title": ex.title_in(lang),
            "public": Tally.of(checks, "public", ex.id).points,
            "hidden": Tally.of(checks, "hidden", ex.id).points,
        }
        for ex in course.exercises
    ]
    readme = "kit/README.md.j2" if lang == "en" else f"kit/README.{lang}.md.j2"
    (out / "README.md").write_text(
        env.get_template(readme).render(exercises=rows, glossary=GLOSSARY), encoding="utf-8"
    )
    if lang == "zh":
        shutil.copy2(templates_dir() / "kit" / f"GLOSSARY.{lang}.md", out / GLOSSARY)
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
