"""The course on disk: where it lives, which exercises it has, and a hash of its suites."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.messages import docstring_parts, language
from grader.records import Tally

# An exercise is a folder under suites/ named like "ex01_tensors".
EXERCISE_DIR = re.compile(r"^ex(?P<number>\d\d)_(?P<slug>[a-z0-9_]+)$")
PUBLIC_SUITE = "test_public.py"
HIDDEN_SUITE = "test_hidden.py"
PROBES_FILE = "probes.py"
# Written by `grader release` into the learner kit: what the hidden suites are worth.
HIDDEN_MANIFEST = "hidden.json"
# In a learner kit: the exercises' titles as the course has them, {id: {"en": …, "zh": …}}.
TITLES_FILE = "titles.json"
DATA_SUFFIX = ".npz"  # data files a suite reads (a test split stays beside its hidden suite)


class CourseError(Exception):
    """The course folder is missing or malformed (an operator mistake)."""


class UnknownExercise(CourseError):
    """A command named an exercise the course does not have."""


@dataclass(frozen=True)
class Exercise:
    id: str  # "ex01_tensors": the module file name without .py, and the suite folder
    number: str  # "01"
    slug: str  # "tensors"
    title_en: str  # first line of the stub's docstring
    suite_dir: Path
    title_zh: str | None = None  # first line of the docstring's Chinese part, if it has one

    @property
    def title(self) -> str:
        """The title in the learner's language (grader.messages.language)."""
        return self.title_in(language())

    def title_in(self, lang: str) -> str:
        return self.title_zh if lang == "zh" and self.title_zh else self.title_en

    @property
    def module_file(self) -> str:
        return f"{self.id}.py"

    def suite_files(self, *, include_hidden: bool = True) -> list[Path]:
        names = [PUBLIC_SUITE, HIDDEN_SUITE] if include_hidden else [PUBLIC_SUITE]
        return [self.suite_dir / n for n in names if (self.suite_dir / n).is_file()]

    @property
    def names_torch_optim(self) -> bool:
        """Do its suite files name torch.optim? Its first step() imports torch._dynamo (about
        2 s of CPU), which a process that forks many judges then imports once, beforehand."""
        return any(
            "torch.optim" in path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.suite_dir.glob("*.py"))
        )

    @property
    def has_forbidden_rules(self) -> bool:
        """Does its probes.py forbid any API (read from the source: nothing is imported)?"""
        path = self.suite_dir / PROBES_FILE
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return False
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "FORBIDDEN" for t in node.targets
            ):
                return isinstance(node.value, ast.Dict) and bool(node.value.keys)
        return False

    def matches(self, name: str) -> bool:
        """True for "01", "1", "tensors", "01_tensors" or "ex01_tensors"."""
        name = name.strip().lower().removesuffix(".py")
        return name in {
            self.id,
            self.number,
            self.number.lstrip("0"),
            self.slug,
            f"{self.number}_{self.slug}",
        }


@dataclass(frozen=True)
class Course:
    root: Path
    exercises: tuple[Exercise, ...]

    @property
    def suites_dir(self) -> Path:
        return self.root / "suites"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def has_hidden_suites(self) -> bool:
        return any((ex.suite_dir / HIDDEN_SUITE).is_file() for ex in self.exercises)

    @property
    def module_files(self) -> tuple[str, ...]:
        return tuple(ex.module_file for ex in self.exercises)

    def exercise(self, name: str) -> Exercise:
        for ex in self.exercises:
            if ex.matches(name):
                return ex
        known = ", ".join(f"{ex.number} ({ex.slug})" for ex in self.exercises)
        raise UnknownExercise(f"unknown exercise {name!r}; this course has: {known}")

    def select(self, names: tuple[str, ...] | list[str]) -> tuple[Exercise, ...]:
        """The exercises named, in course order; all of them when none is named."""
        if not names:
            return self.exercises
        chosen = {self.exercise(n).id for n in names}
        return tuple(ex for ex in self.exercises if ex.id in chosen)

    def hidden_manifest(self) -> dict[str, Tally]:
        """What `grader release` left in a learner kit about the hidden suites, by exercise
        id; {} where there is none or it cannot be read."""
        try:
            manifest = json.loads((self.suites_dir / HIDDEN_MANIFEST).read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(manifest, dict):
            return {}
        return {str(k): Tally.from_json(v) for k, v in manifest.items()}

    @property
    def data_dir(self) -> Path:
        """Data the course ships to learners (exercise 10's training split), kit included."""
        return self.root / "data"

    def suite_hash(self, exercises: tuple[Exercise, ...] | None = None) -> str:
        """A digest of the suite and probe files of these exercises (default: all), of the
        data files beside them (a hidden test split) and of the course's data/: two runs with
        the same hash ran the same checks on the same data."""
        digest = hashlib.sha256()
        files = []
        for ex in self.exercises if exercises is None else exercises:
            files += sorted([*ex.suite_dir.glob("*.py"), *ex.suite_dir.glob(f"*{DATA_SUFFIX}")])
        files += sorted(self.data_dir.glob(f"*{DATA_SUFFIX}"))
        for path in files:
            digest.update(path.relative_to(self.root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


def load_course(root: Path) -> Course:
    root = root.resolve()
    suites = root / "suites"
    if not suites.is_dir():
        raise CourseError(f"{root} is not a course folder: it has no suites/ folder")
    # In a kit, exercises/ holds the learner's own files: titles come from what release left.
    kept = _kept_titles(suites / TITLES_FILE)
    exercises = []
    for entry in sorted(suites.iterdir()):
        match = EXERCISE_DIR.match(entry.name)
        if not (entry.is_dir() and match):
            continue
        english, chinese = kept.get(entry.name) or _docstring_titles(
            root / "exercises" / f"{entry.name}.py"
        )
        exercises.append(
            Exercise(
                id=entry.name,
                number=match["number"],
                slug=match["slug"],
                title_en=english or match["slug"].replace("_", " "),
                suite_dir=entry,
                title_zh=chinese,
            )
        )
    if not exercises:
        raise CourseError(f"{suites} holds no exercise suites (folders named like ex01_tensors)")
    return Course(root=root, exercises=tuple(exercises))


def find_course_root(start: Path | None = None) -> Path:
    """The course folder: $GRADER_COURSE, else the nearest folder above `start` that has
    both suites/ and exercises/, else the checkout this package was installed from."""
    env = os.environ.get("GRADER_COURSE")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "suites").is_dir() and (folder / "exercises").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "suites").is_dir():
        return package_parent
    raise CourseError(
        "no course found: run grader inside the course folder (the one holding "
        "exercises/ and suites/), or set GRADER_COURSE"
    )


def _kept_titles(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """(English, Chinese) titles by exercise id; a kit made before titles had two languages
    holds one string, its English title."""
    try:
        titles = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(titles, dict):
        return {}
    kept: dict[str, tuple[str | None, str | None]] = {}
    for key, value in titles.items():
        english, chinese = (value, None) if isinstance(value, str) else (None, None)
        if isinstance(value, dict):
            english, chinese = value.get("en"), value.get("zh")
        if isinstance(english, str) and english:
            kept[str(key)] = (english, chinese if isinstance(chinese, str) and chinese else None)
    return kept


def _docstring_titles(path: Path) -> tuple[str | None, str | None]:
    """The stub's (English, Chinese) title: the first line of its module docstring and of the
    docstring's Chinese part (grader.messages.docstring_parts)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None, None
    if not doc:
        return None, None
    english, chinese = docstring_parts(doc)
    return _title_of(english), _title_of(chinese or "")


def _title_of(doc: str) -> str | None:
    lines = doc.strip().splitlines()
    if not lines:
        return None
    first = lines[0].strip().rstrip(".。")
    # "01 tensors: creating tensors; shape, dtype, device" -> the part after the label
    # ("01 张量：创建张量……" in Chinese, with a full-width colon).
    for colon in (": ", "："):
        label, sep, rest = first.partition(colon)
        if sep and label[:2].isdigit():
            return rest.strip() or first
    return first
