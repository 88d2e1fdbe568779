"""Batch grading: a folder of submissions in, one result per submission out, resumable and shardable.

Each entry of the submissions folder is one learner's submission: a folder (a clone of
their repository) or a .zip (an LMS download). Outputs go to OUT/<name>/ (results.json,
report.html, gradescope.json); the class files (grades.csv, summary.html) are written from
whatever results OUT holds, so shards are merged by copying their folders and re-reading.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from grader.intake.lms import Layout, read_layout, stage
from grader.intake.workspace import fingerprint, safe_name
from grader.messages import say
from grader.pipeline import Grader, Submission
from grader.render.outputs import RESULTS_FILE, write_class_files, write_outputs
from grader.render.roster import RosterError, load_roster
from grader.results import Stamp, SubmissionResult
from grader.results_json import ResultsFormatError, from_json

SUBMISSIONS_DIR = "submissions"  # OUT/submissions/<folder>/: one learner's files; OUT/: the class's
ROSTER_FILE = "roster.csv"  # the roster a batch was given, kept for merges and re-runs
INTAKE_FILE = "intake.json"  # how the download was read: its rule and its problems


class BatchError(Exception):
    """An operator mistake in a batch command (bad folder, bad shard)."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise BatchError(say("shard_format", text=text))
        return cls(int(match[1]), int(match[2]))

    def take(self, position: int) -> bool:
        return position % self.count == self.index - 1


def discover(
    folder: Path, shard: Shard | None = None, staging: Path | None = None
) -> tuple[list[Submission], Layout]:
    """The submissions in `folder` (or in a class download .zip), in name order, grouped per
    learner by the download's layout (intake/lms.py): each named for the learner, with an
    output folder of its own (see folders_for). Parts that must be gathered (loose files,
    several folders, zips inside) are copied into `staging`."""
    if not (folder.is_dir() or (folder.is_file() and folder.suffix.lower() == ".zip")):
        raise BatchError(say("batch_not_submissions", folder=folder))
    staging = staging or Path(tempfile.mkdtemp(prefix="grader-staging-"))
    layout = read_layout(folder, staging)
    learners = sorted(layout.learners, key=lambda learner: learner.name)
    folders = folders_for([learner.name for learner in learners])
    return [
        Submission(
            name=learner.name,
            source=stage(learner, staging / "learners" / folders[learner.name], layout.problems),
            folder=folders[learner.name],
        )
        for position, learner in enumerate(learners)
        if shard is None or shard.take(position)
    ], layout


def folders_for(names: list[str]) -> dict[str, str]:
    """An output folder per submission name: the name folded to letters, digits and `._@+-`
    (accents dropped: "zoë" -> "zoe"), and where two names fold alike (or differ only in
    case, as on a case-insensitive disk) each gets a suffix from its own name: stable across
    runs and shards, never a merge of two learners. The suffix starts with `~`, which no
    folded name holds: a learner cannot name a submission like a classmate's suffixed folder."""
    folded = {name: safe_name(unicodedata.normalize("NFKD", name)) for name in names}
    clashes = Counter(f.lower() for f in folded.values())
    folders = {
        name: f if clashes[f.lower()] == 1 else f"{f}{SUFFIX}{_digest(name)[:8]}"
        for name, f in folded.items()
    }
    taken = Counter(f.lower() for f in folders.values())
    # Two names whose suffixes agree (8 hex digits): the whole digest tells them apart.
    return {
        name: f if taken[f.lower()] == 1 else f"{folded[name]}{SUFFIX}{_digest(name)}"
        for name, f in folders.items()
    }


SUFFIX = "~"  # never in a folded name (safe_name), so a suffixed folder is never a given one


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", errors="surrogatepass")).hexdigest()


def already_graded(
    out_dir: Path, submission: Submission, stamp: Stamp, exercises: tuple[str, ...]
) -> SubmissionResult | None:
    """The result of an earlier run, if it graded this same submission with the same checks
    (the same suites, torch, Python and grader, the same exercises)."""
    previous = load_result(out_dir / SUBMISSIONS_DIR / submission.folder / RESULTS_FILE)
    if previous is None or previous.status == "error" or previous.submission != submission.name:
        return None
    same_checks = previous.stamp == stamp and tuple(e.id for e in previous.exercises) == exercises
    if not same_checks or previous.source_fingerprint != fingerprint(submission.source):
        return None
    return previous


def load_result(path: Path) -> SubmissionResult | None:
    try:
        return from_json(json.loads(path.read_text()))
    except (OSError, ValueError, ResultsFormatError):
        return None


def results_in(folders: list[Path]) -> Iterator[tuple[str, SubmissionResult]]:
    """(output folder, result) for every result under these batch outputs (one, or shards)."""
    for folder in folders:
        if not folder.is_dir():
            raise BatchError(say("batch_not_output", folder=folder))
        for path in sorted((folder / SUBMISSIONS_DIR).glob(f"*/{RESULTS_FILE}")):
            result = load_result(path)
            if result is not None:
                yield path.parent.name, result


def split_done(
    out_dir: Path, submissions: list[Submission], grader: Grader, *, force: bool
) -> tuple[list[Submission], list[SubmissionResult]]:
    """What is left to grade, and the results an earlier run already holds (none if `force`)."""
    ids = tuple(ex.id for ex in grader.exercises)
    done = {}
    if not force:
        for submission in submissions:
            previous = already_graded(out_dir, submission, grader.stamp, ids)
            if previous is not None:
                done[submission.name] = previous
    return [s for s in submissions if s.name not in done], list(done.values())


def grade_into(
    grader: Grader,
    todo: list[Submission],
    out_dir: Path,
    *,
    jobs: int,
    reveal_hidden: bool,
    on_result: Callable[[SubmissionResult], None] = lambda result: None,
) -> list[SubmissionResult]:
    """Grade `todo` with up to `jobs` judges, writing each submission's files as it finishes."""
    results = []
    if not todo:
        return results
    folders = {s.name: s.folder for s in todo}
    with grader:
        for result in grader.grade_many(todo, jobs=jobs):
            folder = out_dir / SUBMISSIONS_DIR / folders[result.submission]
            result = write_or_report(result, folder, reveal_hidden=reveal_hidden)
            results.append(result)
            on_result(result)
    return results


def write_or_report(
    result: SubmissionResult, folder: Path, *, reveal_hidden: bool
) -> SubmissionResult:
    """Write one submission's files; if rendering them fails, the batch goes on: that
    submission is recorded as an error that says why (never a grade), the rest are written."""
    try:
        write_outputs(result, folder, reveal_hidden=reveal_hidden)
        return result
    except Exception as exc:  # one submission's files must never stop the class's
        failed = replace(
            result,
            status="error",
            status_detail=say("render_failed", detail=f"{type(exc).__name__}: {exc}"[:300]),
        )
    try:
        write_outputs(failed, folder, reveal_hidden=reveal_hidden)
    except Exception:  # results.json is written first: the error is on record
        pass
    return failed


def write_class(out_dir: Path, roster: Path | None = None) -> list[SubmissionResult]:
    """grades.csv, summary.html (and, with a roster, the LMS imports) from every result under
    out_dir (made if missing). A roster given is kept as OUT/roster.csv for later runs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    check_roster(roster)
    if roster is not None and roster.resolve() != (out_dir / ROSTER_FILE).resolve():
        shutil.copyfile(roster, out_dir / ROSTER_FILE)
    kept = out_dir / ROSTER_FILE
    students = load_roster(kept) if kept.is_file() else None
    found = list(results_in([out_dir]))
    results = [result for _, result in found]
    folders = {result.submission: f"{SUBMISSIONS_DIR}/{folder}" for folder, result in found}
    write_class_files(out_dir, results, folders, students=students, intake=read_intake(out_dir))
    return results


def check_roster(roster: Path | None) -> None:
    """Refuse a roster that cannot be read, before anything is graded or kept."""
    try:
        if roster is not None:
            load_roster(roster)
    except RosterError as exc:
        raise BatchError(str(exc)) from None


def write_intake(out_dir: Path, layout: Layout) -> None:
    """How the download was read (its rule, its problems), for the summary page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = {"rule": layout.rule, "problems": layout.problems}
    (out_dir / INTAKE_FILE).write_text(json.dumps(notes, indent=1, ensure_ascii=False))


def read_intake(out_dir: Path) -> dict:
    try:
        notes = json.loads((out_dir / INTAKE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return notes if isinstance(notes, dict) else {}


def merge(
    shards: list[Path],
    out_dir: Path,
    *,
    allow_duplicates: bool = False,
    roster: Path | None = None,
) -> list[SubmissionResult]:
    """Join the outputs of sharded batches into `out_dir` (which may be one of them). Refuses
    an input with no result, and a submission found in two inputs (unless allowed: then the
    last input wins)."""
    resolved = [shard.resolve() for shard in shards]
    twice = sorted({str(s) for s in shards if resolved.count(s.resolve()) > 1})
    if twice:
        raise BatchError(say("merge_twice", folder=twice[0]))
    seen: dict[str, Path] = {}
    for shard in shards:
        found = list(results_in([shard]))
        if not found:
            raise BatchError(
                say("merge_no_results", folder=shard, pattern=f"{SUBMISSIONS_DIR}/*/{RESULTS_FILE}")
            )
        for folder, _ in found:
            if (
                folder in seen
                and seen[folder].resolve() != shard.resolve()
                and not allow_duplicates
            ):
                raise BatchError(
                    say("merge_duplicate", folder=folder, first=seen[folder], second=shard)
                )
            seen[folder] = shard
    for folder, shard in seen.items():
        source, target = shard / SUBMISSIONS_DIR / folder, out_dir / SUBMISSIONS_DIR / folder
        if source.resolve() != target.resolve():
            shutil.copytree(source, target, dirs_exist_ok=True)
    kept = [shard / ROSTER_FILE for shard in shards if (shard / ROSTER_FILE).is_file()]
    return write_class(out_dir, roster or (kept[0] if kept else None))
