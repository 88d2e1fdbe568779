"""Grading speed, three ways, on the same class, in one run on one machine.

    python bench/bench_grading.py [--submissions 30] [--jobs N] [--exercises 01,02,...]

1. naive: a fresh `python -m pytest` per submission, one after the other, running the same
   suites with the learner's code imported into the test process (bench/inprocess.py), as
   instructors often script it (no isolation at all), but without the pytest plugins a judge
   also goes without, so that pytest's machinery around each check costs the same on both sides;
2. `grader batch -j 1` (isolation on: sandboxed workers, judge apart);
3. `grader batch -j <cores>`;
and `grader check 01` against a bare `python -c "import torch"` (median of 5 each).
With `--class-size 100`, also `grader batch -j <jobs>` of a class of 100 submissions (the
grader only: the naive loop would take an hour). Every batch's peak memory is the largest
sum, over the grader's process tree (grader, template, supervisors, workers, judges), of each
process's proportional set size (PSS, /proc/PID/smaps_rollup: a page shared by n processes
counts 1/n, so forked processes that share torch are not counted n times), sampled every
0.25 s.
The naive runs are split around the grader's (half before, half after), because the speed
of a shared machine drifts over the minutes a run takes.

"The checks' own compute" per submission is the time the naive run spends inside its
checks (the sum of the setup, call and teardown durations in its pytest-json-report): the
reference values, the comparisons and the learner's code, with nothing around them (the naive
run first warms up as the grader's judges do, so one-time imports do not count as checks). A
grader's overhead per submission is its wall time per submission beyond that: starting
processes, collecting, calling workers, writing reports. Timings, not assertions: this
machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from grader.run.judge.config import JUDGE_WITHOUT  # noqa: E402

KINDS = ("solutions", "stubs", "half-done")


def build_class(folder: Path, count: int, exercises: list[str]) -> list[Path]:
    """`count` submissions: copies of the solutions, the stubs and a half-done one, in turn."""
    sources = {
        "solutions": ROOT / "solutions",
        "stubs": ROOT / "exercises",
        "half-done": ROOT / "examples" / "submissions" / "half-done" / "exercises",
    }
    made = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        target = folder / f"{i:03d}-{kind}" / "exercises"
        target.mkdir(parents=True)
        for module in sorted((ROOT / "solutions").glob("ex*.py")):
            if module.stem[2:4] not in exercises:
                continue
            source = sources[kind] / module.name
            if not source.exists():  # half-done has only some exercises: the rest are stubs
                source = sources["stubs"] / module.name
            shutil.copy(source, target / module.name)
        made.append(target.parent)
    return made


PEAK_MIB: dict[str, float] = {}  # the last run's peak memory, by its label


def run(command: list[str], label: str = "", **kwargs) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    if not label:  # no memory to sample: its time to the millisecond, not to the next sample
        process.wait()
        return time.perf_counter() - started
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_pss_kib(process.pid))
        time.sleep(0.25)
    PEAK_MIB[label] = peak / 1024
    return time.perf_counter() - started


def tree_pss_kib(root: int) -> int:
    """The sum of PSS over `root` and its descendants (every process that names an ancestor
    in the tree as parent); processes gone meanwhile count nothing."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


@dataclass
class NaiveRun:
    wall: float  # seconds for all its submissions, start to end
    checks: list[float]  # per submission: seconds inside the checks
    loops: list[float]  # per submission: seconds in pytest's run loop (checks and machinery)
    clean: list[bool]  # per submission: no check failed (so no traceback was formatted)
    kinds: list[str]  # per submission: solutions, stubs or half-done


def naive(submissions: list[Path], work: Path, exercises: list[str]) -> NaiveRun:
    suites = sorted(
        str(p) for p in (ROOT / "suites").glob("ex*/test_*.py") if p.parent.name[2:4] in exercises
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench"), "OMP_NUM_THREADS": "1"}
    # Without the plugins a judge also goes without (except the terminal report), so that
    # pytest's machinery around each check costs what it costs in a judge.
    lean = [arg for name in JUDGE_WITHOUT if name != "terminal" for arg in ("-p", f"no:{name}")]
    checks, loops, clean, kinds = [], [], [], []
    started = time.perf_counter()
    for sub in submissions:
        report = work / f"{sub.name}.json"
        run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-c",
                str(ROOT / "bench" / "naive.ini"),
                "--rootdir",
                str(ROOT / "suites"),
                "-p",
                "inprocess",
                *lean,
                "--json-report",
                f"--json-report-file={report}",
                "--target",
                str(sub / "exercises"),
                *suites,
            ],
            env=env,
        )
        data = json.loads(report.read_text())
        stages = ("setup", "call", "teardown")
        checks.append(
            sum(t.get(stage, {}).get("duration", 0.0) for t in data["tests"] for stage in stages)
        )
        loops.append(data["runtestloop_seconds"])
        clean.append(all(t["outcome"] == "passed" for t in data["tests"]))
        kinds.append(kind_of(sub))
    return NaiveRun(time.perf_counter() - started, checks, loops, clean, kinds)


def kind_of(submission: Path) -> str:
    return submission.name.split("-", 1)[1]  # "004-stubs"


def inside_judges(out: Path) -> dict[str, list[float]]:
    """Per kind, each submission's time in the batch from its intake to its result (the
    `duration` of its results.json): with -j 1, one after the other."""
    seconds: dict[str, list[float]] = {}
    for path in sorted((out / "submissions").glob("*/results.json")):
        seconds.setdefault(kind_of(path.parent), []).append(
            json.loads(path.read_text())["duration"]
        )
    return seconds


def batch(klass: Path, out: Path, jobs: int, exercises: list[str]) -> float:
    label = f"{klass.name} -j {jobs}"
    return run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(klass),
            "--out",
            str(out),
            "-j",
            str(jobs),
            "--force",
            *(arg for number in exercises for arg in ("-e", number)),
        ],
        label,
    )


def median_of(command: list[str], times: int = 5) -> float:
    return statistics.median(run(command) for _ in range(times))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--class-size",
        type=int,
        default=0,
        help="also grade a class of this many submissions with grader batch -j JOBS (grader "
        "only; 100 takes about 5 minutes at -j 2 on 2 cores)",
    )
    parser.add_argument(
        "--exercises",
        default="",
        help="comma-separated exercise numbers (default: all), e.g. to compare with an "
        "older course that had fewer",
    )
    args = parser.parse_args()
    course = sorted(p.name[2:4] for p in (ROOT / "suites").glob("ex*_*") if p.is_dir())
    exercises = [n.strip().zfill(2) for n in args.exercises.split(",") if n.strip()] or course
    if args.submissions < 2 * len(KINDS):  # the start-up is measured on len(KINDS) of them
        parser.error(f"--submissions must be at least {2 * len(KINDS)}")
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    klass = work / "class"
    submissions = build_class(klass, args.submissions, exercises)
    n = len(submissions)
    print(
        f"{n} submissions ({', '.join(KINDS)} in turn), exercises {', '.join(exercises)}, "
        f"{os.cpu_count()} cores, "
        f"torch {_torch_version()}, Python {sys.version.split()[0]}\n"
    )

    # This machine's speed drifts over minutes (it is shared), so the naive runs are split
    # around the grader's: half before, half after. Drift then weighs on both sides alike.
    half = n // 2
    firsts = submissions[: len(KINDS)]
    few = work / "few"
    for sub in firsts:
        shutil.copytree(sub, few / sub.name)
    before = naive(submissions[:half], work, exercises)
    started_few = batch(few, work / "out-few", 1, exercises)
    one = batch(klass, work / "out-j1", 1, exercises)
    after = naive(submissions[half:], work, exercises)
    many = batch(klass, work / "out-jN", args.jobs, exercises)
    naive_wall = before.wall + after.wall
    compute = statistics.fmean(before.checks + after.checks)
    # pytest's machinery around the checks, from the runs where nothing failed: a failure
    # costs the naive run a formatted traceback, which a judge does not make.
    machinery = statistics.fmean(
        loop - inside
        for run in (before, after)
        for loop, inside, clean in zip(run.loops, run.checks, run.clean, strict=True)
        if clean
    )
    rows = [
        ("naive: fresh pytest per submission, in-process", naive_wall),
        ("grader batch -j 1 (isolated)", one),
        (f"grader batch -j {args.jobs} (isolated)", many),
    ]
    print(
        f"{'way':<48} {'wall s':>8} {'subm/min':>9} {'s/subm':>7} {'overhead s/subm':>16} {'vs naive':>9}"
    )
    for label, wall in rows:
        per = wall / n
        overhead = per - compute
        print(
            f"{label:<48} {wall:>8.1f} {60 * n / wall:>9.1f} {per:>7.2f} {overhead:>16.2f} {naive_wall / wall:>8.2f}x"
        )
    print(
        f"\nthe checks' own compute: {compute:.2f} s per submission (mean time inside the checks "
        f"of the naive runs: {statistics.fmean(before.checks):.2f} s in the half before the "
        f"grader's runs, {statistics.fmean(after.checks):.2f} s in the half after)"
    )
    print(
        f"pytest's own machinery around those checks: {machinery:.2f} s per submission (the time "
        "the naive runs of solved submissions spend in pytest's run loop beyond the checks: "
        "hooks, fixtures, the json report)"
    )
    print(
        "overhead per submission = wall per submission - the checks' own compute "
        f"(with -j {args.jobs}, wall is shared by {args.jobs} cores)"
    )

    # A batch pays once to start (template, imports, suites); then each submission costs
    # its marginal share. The start is measured with one submission of each kind, so that
    # the difference to the whole batch has the same mix.
    marginal = (one - started_few) / (n - len(firsts))
    print(
        f"\ngrader batch -j 1 of {len(firsts)} submissions (one of each kind): {started_few:.2f} s. "
        f"So a batch starts in about {started_few - len(firsts) * marginal:.2f} s, then costs "
        f"{marginal:.2f} s per submission: {marginal - compute:.2f} s of overhead per submission "
        f"beyond the checks' own compute; of that, {marginal - compute - machinery:.2f} s beyond "
        "what pytest's machinery costs in-process (isolation, workers, judges, reports)"
    )

    # The same from inside: each submission's own time in the -j 1 batch (results.json),
    # beside the checks' own compute for its kind; the rest of the batch's wall is its start
    # and end (template, warm-up, collection; class files, exit).
    inside = inside_judges(work / "out-j1")
    naive_kinds = before.kinds + after.kinds
    naive_checks = before.checks + after.checks
    print("\nper submission inside grader batch -j 1 (results.json's duration), by kind:")
    for kind in KINDS:
        own = statistics.fmean(
            c for c, k in zip(naive_checks, naive_kinds, strict=True) if k == kind
        )
        took = statistics.fmean(inside[kind])
        print(
            f"  {kind:<10} {took:5.2f} s; the checks' own compute {own:5.2f} s; "
            f"overhead {took - own:5.2f} s"
        )
    every = [t for times in inside.values() for t in times]
    print(
        f"  mean {statistics.fmean(every):.2f} s, overhead {statistics.fmean(every) - compute:.2f} "
        f"s per submission; the batch's start and end (its wall beyond the submissions' own "
        f"time): {one - sum(every):.2f} s"
    )

    print(
        f"\npeak memory of the grader's processes (sum of PSS over its process tree): "
        f"-j 1 {PEAK_MIB['class -j 1']:.0f} MiB, -j {args.jobs} "
        f"{PEAK_MIB[f'class -j {args.jobs}']:.0f} MiB"
    )
    if args.class_size:
        big = work / "big" / "class"
        build_class(big, args.class_size, exercises)
        wall = batch(big, work / "out-big", args.jobs, exercises)
        n_big = args.class_size
        print(
            f"\na class of {n_big} (grader only): grader batch -j {args.jobs} {wall:.1f} s, "
            f"{60 * n_big / wall:.1f} subm/min, {wall / n_big:.2f} s/subm, overhead "
            f"{wall / n_big - compute:.2f} s/subm beyond the checks' own compute (from the naive "
            f"runs above); peak memory {PEAK_MIB[f'class -j {args.jobs}']:.0f} MiB"
        )

    bare = median_of([sys.executable, "-c", "import torch"])
    check = median_of([sys.executable, "-m", "grader", "check", "01"])
    print(
        f"\ngrader check 01 (stubs, median of 5): {check:.2f} s; python -c 'import torch': {bare:.2f} s; "
        f"ratio {check / bare:.2f}"
    )
    shutil.rmtree(work, ignore_errors=True)


def _torch_version() -> str:
    from importlib.metadata import version

    return version("torch")


if __name__ == "__main__":
    main()
