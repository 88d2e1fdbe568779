"""Shared helpers for the kit's own tests: run the real CLI, and build submissions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def captured_half_done():
    """The half-done sample's result for exercises 01 and 02, built from a judge run captured
    in tests/data/reports/half_done (no grading: for tests of what is made of a result)."""
    import json

    from grader.records import CollectedCheck
    from grader.results import ExerciseInfo, Stamp, build_result

    captured = ROOT / "tests" / "data" / "reports" / "half_done"
    collected = json.loads((captured / "collected.json").read_text())["checks"]
    return build_result(
        submission="half-done",
        exercises=[
            ExerciseInfo("ex01_tensors", "01", "tensors"),
            ExerciseInfo("ex02_ops", "02", "ops"),
        ],
        collected=[CollectedCheck.from_json(c) for c in collected],
        report=json.loads((captured / "report.json").read_text()),
        stamp=Stamp("abc", "2.13.0", "3.11.7", "0.1.0"),
    )


def run_grader(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """The real `grader` command, as a learner or instructor runs it (no colours: not a TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def replace_function(source: str, name: str, body: str) -> str:
    """`source` with the body of top-level function `name` replaced by `body` (indented code)."""
    pattern = re.compile(rf"^def {name}\(.*?(?=^def |^class |\Z)", re.S | re.M)
    match = pattern.search(source)
    assert match, f"no function {name}"
    header = re.match(rf"def {name}\(.*?\).*?:\n", match.group(0), re.S)
    assert header
    return (
        source[: match.start()] + header.group(0) + body.rstrip() + "\n\n\n" + source[match.end() :]
    )


def make_submission(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def solution(name: str) -> str:
    return (SOLUTIONS / name).read_text()


def stub(name: str) -> str:
    return (EXERCISES / name).read_text()


def copy_course(target: Path, share_recorded_values: bool = False) -> Path:
    """A copy of the course. `share_recorded_values`: its release uses (and records into) the
    checkout's cache of the public checks' recorded values, which is keyed by everything they
    depend on, so a copy that changed no suite or solution records nothing again."""
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", ".grader", "*.egg-info", ".ruff_cache"
        ),
    )
    if share_recorded_values:
        (ROOT / ".grader" / "golden").mkdir(parents=True, exist_ok=True)
        (target / ".grader").mkdir()
        (target / ".grader" / "golden").symlink_to(ROOT / ".grader" / "golden")
    return target


def grade_mutants(
    exercise: str, mutants: dict[str, dict[str, str]], tmp: Path, *extra: str
) -> dict[str, dict]:
    """Grade each mutant (a submission given as {file name: source}) in one `grader batch` run,
    limited to one exercise; returns each mutant's results.json."""
    import json

    subs = tmp / "submissions"
    for name, files in mutants.items():
        make_submission(subs / name, files)
    out = tmp / "out"
    done = run_grader("batch", str(subs), "--out", str(out), "-e", exercise, "-j", "2", *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return {
        name: json.loads((out / "submissions" / name / "results.json").read_text())
        for name in mutants
    }


def checks_named(results: dict, prefix: str) -> list[dict]:
    """The checks of a result whose test name (e.g. "test_mul_backward[cpu]") starts with `prefix`."""
    return [c for e in results["exercises"] for c in e["checks"] if c["name"].startswith(prefix)]


def edited(source: str, *replacements: tuple[str, str]) -> str:
    """`source` with each (old, new) replacement made; every `old` must be there."""
    for old, new in replacements:
        assert old in source, f"not in the source: {old!r}"
        source = source.replace(old, new)
    return source


def mutant_checks(results: dict, mutant: str, check: str) -> list[dict]:
    """A mutant's check named `check`, or its cases `check[cpu]`, ...; a name ending in "_"
    or "]" is taken as a prefix (e.g. "test_linear_" for every Linear check)."""
    found = [
        c
        for c in checks_named(results[mutant], check)
        if check.endswith(("_", "]")) or c["name"] == check or c["name"].startswith(check + "[")
    ]
    assert found, f"no check named {check} for {mutant}"
    return found


def assert_mutant_fails(
    results: dict, mutant: str, check: str, *phrases: str, kind: str | None = None
) -> None:
    """Every case of the check that ran (CUDA ones skip here) failed, saying every phrase;
    with `kind`, each failure is of that kind ("wrong", "raised", "forbidden", ...)."""
    ran = [c for c in mutant_checks(results, mutant, check) if c["outcome"] != "skipped"]
    assert ran, f"{mutant}: every case of {check} was skipped"
    for c in ran:
        assert c["outcome"] == "failed", f"{mutant}: {c['name']} {c['outcome']}"
        if kind is not None:
            assert c["kind"] == kind, f"{mutant}: {c['name']}: kind {c['kind']!r}, not {kind!r}"
        for phrase in phrases:
            assert phrase in c["message"], f"{mutant}: {c['name']}: {c['message']}"


def assert_mutant_passes(results: dict, mutant: str, *checks: str) -> None:
    """The mutant's mistake does not spill over: these checks still pass."""
    for check in checks:
        for c in mutant_checks(results, mutant, check):
            if c["outcome"] != "skipped":
                assert c["outcome"] == "passed", f"{mutant}: {c['name']}: {c['message']}"
