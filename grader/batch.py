"""Batch grading: a folder of submissions in, one result per submission out, resumable and shardable.

Each entry of the submissions folder is one learner's submission: a folder (a clone of
their repository) or a .zip (an LMS download). Outputs go to OUT/<name>/ (results.json,
report.html, gradescope.json); the class files (grades.csv, summary.html) are written from
whatever results OUT holds, so shards are merged by copying their folders and re-reading.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.intake.workspace import fingerprint, safe_name
from grader.pipeline import Grader, Submission
from grader.render.outputs import RESULTS_FILE, write_class_files, write_outputs
from grader.results import ResultsFormatError, Stamp, SubmissionResult, from_json


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
            raise BatchError(f"--shard must look like K/N with 1 <= K <= N, got {text!r}")
        return cls(int(match[1]), int(match[2]))

    def take(self, position: int) -> bool:
        return position % self.count == self.index - 1


def discover(folder: Path, shard: Shard | None = None) -> list[Submission]:
    """The submissions in `folder`, in name order, with unique, filesystem-safe names."""
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder of submissions")
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    stems = [_stem(p) for p in entries]
    uses = Counter(stems)
    submissions = []
    for position, (entry, stem) in enumerate(zip(entries, stems, strict=True)):
        name = stem if uses[stem] == 1 else safe_name(entry.name)
        if shard is None or shard.take(position):
            submissions.append(Submission(name=name, source=entry))
    return submissions


def _stem(path: Path) -> str:
    return safe_name(
        path.stem if path.suffix.lower() == ".zip" and not path.is_dir() else path.name
    )


def already_graded(
    out_dir: Path, submission: Submission, stamp: Stamp, exercises: tuple[str, ...]
) -> SubmissionResult | None:
    """The result of an earlier run, if it graded this same submission with the same checks
    (the same suites, torch, Python and grader, the same exercises)."""
    previous = load_result(out_dir / submission.name / RESULTS_FILE)
    if previous is None or previous.status == "error":
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


def results_in(folders: list[Path]) -> Iterator[SubmissionResult]:
    """Every result under these output folders (one batch, or the shards of one)."""
    seen: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            raise BatchError(f"{folder} is not a batch output folder")
        for path in sorted(folder.glob(f"*/{RESULTS_FILE}")):
            result = load_result(path)
            if result is not None and result.submission not in seen:
                seen.add(result.submission)
                yield result


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
    with grader:
        for result in grader.grade_many(todo, jobs=jobs):
            write_outputs(result, out_dir / result.submission, reveal_hidden=reveal_hidden)
            results.append(result)
            on_result(result)
    return results


def write_class(out_dir: Path) -> list[SubmissionResult]:
    """grades.csv and summary.html from every result under out_dir (made if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = list(results_in([out_dir]))
    # Each result sits in out_dir/<its submission name>/: `discover` made the names safe.
    write_class_files(out_dir, results, {r.submission: r.submission for r in results})
    return results


def merge(shards: list[Path], out_dir: Path) -> list[SubmissionResult]:
    """Join the output folders of sharded batches into `out_dir` (which may be one of them)."""
    results = list(results_in(shards))
    out_dir.mkdir(parents=True, exist_ok=True)
    for shard in shards:
        for folder in sorted(p.parent for p in shard.glob(f"*/{RESULTS_FILE}")):
            target = out_dir / folder.name
            if folder.resolve() != target.resolve():
                shutil.copytree(folder, target, dirs_exist_ok=True)
    write_class(out_dir)
    return results
