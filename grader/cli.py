"""The `grader` command: a thin click layer over the pipeline (intake → run → results → render).

Bad input is a one-line error with exit code 2 (click.UsageError); a command that ran
but did not succeed exits 1; success exits 0.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from grader.course import (
    Course,
    CourseError,
    UnknownExercise,
    find_course_root,
    load_course,
    tally,
)
from grader.messages import say
from grader.pipeline import Grader, Options, Submission
from grader.render import terminal
from grader.results import ERROR, FAILED, NOT_RUN, SubmissionResult, to_json
from grader.run.sandbox import Limits
from grader.verify import violations

DEVICE_CHOICES = {
    "all": ("cpu", "cuda", "meta"),
    "cpu": ("cpu", "meta"),
    "cuda": ("cuda",),
    "meta": ("meta",),
}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--course",
    "course_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The course folder (default: found from the current folder).",
)
@click.version_option(package_name="torch-course-grader")
@click.pass_context
def main(ctx: click.Context, course_dir: Path | None) -> None:
    """Check PyTorch exercises against real PyTorch, and grade submissions."""
    ctx.obj = course_dir


def _course(ctx: click.Context) -> Course:
    try:
        return load_course(ctx.obj or find_course_root())
    except CourseError as exc:
        raise click.UsageError(str(exc)) from None


def _exercise_ids(course: Course, names: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(ex.id for ex in course.select(names))
    except UnknownExercise as exc:
        raise click.BadParameter(str(exc), param_hint="EXERCISE") from None


def _limits(call_timeout: float | None) -> Limits:
    limits = Limits()
    if call_timeout:
        limits.call_seconds = call_timeout
    return limits


# ---------------------------------------------------------------- learner commands


@main.command("list")
@click.pass_context
def list_exercises(ctx: click.Context) -> None:
    """List the exercises, their titles and points."""
    from grader.pipeline import collect_checks

    course = _course(ctx)
    checks = collect_checks(course)
    # In a learner kit the hidden suites are absent; release left what they are worth.
    kit_hidden = {} if course.has_hidden_suites else course.hidden_manifest()
    click.echo(f"{'exercise':<16} {'public':>7} {'hidden':>7}  title")
    for ex in course.exercises:
        _, public = tally(checks, "public", ex.id)
        _, hidden = tally(checks, "hidden", ex.id)
        hidden += float(kit_hidden.get(ex.id, {}).get("points", 0))
        click.echo(f"{ex.number + ' ' + ex.slug:<16} {public:>7g} {hidden:>7g}  {ex.title}")
    if not course.has_hidden_suites:
        click.echo(click.style(say("list_hidden_not_in_kit"), fg="cyan"))


@main.command()
@click.argument("exercises", nargs=-1)
@click.option(
    "--target",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of your exercise modules (default: the course's exercises/).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML report (default: .grader/report.html).",
)
@click.option(
    "--device",
    type=click.Choice(sorted(DEVICE_CHOICES)),
    default="all",
    show_default=True,
    help="Which device cases to run; cuda cases are skipped where there is no GPU.",
)
@click.option(
    "--hidden", is_flag=True, help="Also run hidden checks (instructors, in the full course)."
)
@click.option("-v", "--verbose", is_flag=True, help="List passing and skipped checks too.")
@click.option("--call-timeout", type=float, help="Seconds one call of your code may take.")
@click.pass_context
def check(ctx, exercises, target, html_path, device, hidden, verbose, call_timeout) -> None:
    """Check your exercises (all, or the ones named, e.g. `grader check 01 02`)."""
    from grader.render import html

    course = _course(ctx)
    ids = _exercise_ids(course, exercises)
    target = target or course.exercises_dir
    options = Options(
        exercises=ids,
        public_only=not hidden,
        devices=DEVICE_CHOICES[device],
        limits=_limits(call_timeout),
    )
    with Grader(course, options) as grader:
        result = grader.grade(Submission(name=target.name, source=target))
    click.echo(terminal.render(result, verbose=verbose))
    report = html_path or course.root / ".grader" / "report.html"
    _write(report, html.render_report(result, reveal_hidden=True))
    click.echo(say("report_written", path=report))
    ctx.exit(0 if _all_passed(result) else 1)


def _all_passed(result: SubmissionResult) -> bool:
    bad = result.count(FAILED) + result.count(ERROR) + result.count(NOT_RUN)
    return result.graded and bad == 0


# ---------------------------------------------------------------- instructor commands


@main.command()
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for results.json and report.html.",
)
@click.option("--exercise", "-e", "exercises", multiple=True, help="Grade only these exercises.")
@click.option("--reveal-hidden", is_flag=True, help="Show hidden checks' messages in the report.")
@click.option("--call-timeout", type=float, help="Seconds one call of learner code may take.")
@click.option(
    "--time-limit",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds for the whole submission.",
)
@click.option(
    "--keep-runs",
    type=click.Path(file_okay=False, path_type=Path),
    hidden=True,
    help="Keep each run's folder (judge log, raw pytest-json-report) here, for debugging.",
)
@click.pass_context
def grade(
    ctx, submission, out_dir, exercises, reveal_hidden, call_timeout, time_limit, keep_runs
) -> None:
    """Grade one submission (a folder or a .zip): writes results.json and report.html."""
    course = _course(ctx)
    options = Options(
        exercises=_exercise_ids(course, exercises),
        limits=_limits(call_timeout),
        submission_seconds=time_limit,
        hide=(str(out_dir.resolve()),),
        keep_runs=keep_runs,
    )
    with Grader(course, options) as grader:
        result = grader.grade(Submission(name=submission.name, source=submission))
    write_outputs(result, out_dir, reveal_hidden=reveal_hidden)
    click.echo(terminal.render(result))
    click.echo(f"Wrote {out_dir / 'results.json'} and {out_dir / 'report.html'}")
    ctx.exit(0 if result.graded else 1)


@main.command()
@click.argument("submissions_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for per-submission results and the class files.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="cores",
    help="Submissions graded at once.",
)
@click.option(
    "--shard", help="Grade only shard K of N (e.g. 2/4); combine shards with `grader merge`."
)
@click.option(
    "--force", is_flag=True, help="Grade again even what was already graded with the same checks."
)
@click.option("--exercise", "-e", "exercises", multiple=True, help="Grade only these exercises.")
@click.option("--reveal-hidden", is_flag=True, help="Show hidden checks' messages in the reports.")
@click.option("--call-timeout", type=float, help="Seconds one call of learner code may take.")
@click.option(
    "--time-limit", type=float, default=600.0, show_default=True, help="Seconds per submission."
)
@click.pass_context
def batch(
    ctx,
    submissions_dir,
    out_dir,
    jobs,
    shard,
    force,
    exercises,
    reveal_hidden,
    call_timeout,
    time_limit,
):
    """Grade every submission (folder or .zip) in SUBMISSIONS_DIR, in parallel."""
    from grader.batch import BatchError, Shard, already_graded, discover

    course = _course(ctx)
    ids = _exercise_ids(course, exercises)
    try:
        submissions = discover(submissions_dir, Shard.parse(shard) if shard else None)
    except BatchError as exc:
        raise click.UsageError(str(exc)) from None
    options = Options(
        exercises=ids,
        limits=_limits(call_timeout),
        submission_seconds=time_limit,
        hide=(str(out_dir.resolve()), str(submissions_dir.resolve())),
    )
    grader = Grader(course, options)  # starts nothing until entered; knows its stamp
    done = (
        {}
        if force
        else {
            s.name: r
            for s in submissions
            if (r := already_graded(out_dir, s, grader.stamp, ids)) is not None
        }
    )
    todo = [s for s in submissions if s.name not in done]
    options.many = len(todo) > 1  # warm up for many only when many are left to grade
    progress = Progress(len(submissions), skipped=len(done))
    results = list(done.values())
    if todo:
        with grader:
            for result in grader.grade_many(todo, jobs=jobs):
                write_outputs(result, out_dir / result.submission, reveal_hidden=reveal_hidden)
                results.append(result)
                progress.done(result)
    write_class_files(out_dir)
    progress.close()
    ungraded = [r.submission for r in results if not r.graded]
    click.echo(
        f"{len(results)} submission(s): {len(results) - len(ungraded)} graded, "
        f"{len(done)} of them from an earlier run; class files in {out_dir}"
    )
    if ungraded:
        click.echo(
            click.style(
                f"Not graded: {', '.join(sorted(ungraded))} (see their reports)", fg="yellow"
            )
        )
    ctx.exit(0 if not ungraded else 1)


@main.command()
@click.argument(
    "shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the merged class (may be one of the shard folders).",
)
def merge(shards, out_dir) -> None:
    """Combine the output folders of `grader batch --shard` runs into one class summary and gradebook."""
    import shutil

    from grader.batch import RESULTS_FILE, BatchError, results_in

    try:
        results = list(results_in(list(shards)))
    except BatchError as exc:
        raise click.UsageError(str(exc)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    for shard in shards:
        for folder in sorted(p.parent for p in shard.glob(f"*/{RESULTS_FILE}")):
            target = out_dir / folder.name
            if folder.resolve() != target.resolve():
                shutil.copytree(folder, target, dirs_exist_ok=True)
    merged = write_class_files(out_dir)
    click.echo(
        f"Merged {len(results)} submission(s) from {len(shards)} folder(s) into {out_dir}: "
        f"grades.csv, summary.html ({len(merged)} rows)"
    )


@main.command()
@click.argument("results_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "csv", "gradescope", "json", "text"]),
    default="html",
    show_default=True,
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: standard output).",
)
@click.option("--reveal-hidden", is_flag=True, help="Show hidden checks' messages.")
def report(results_file, fmt, out_path, reveal_hidden) -> None:
    """Re-render a results.json (no grading is run)."""
    from grader.batch import load_result
    from grader.render import gradebook, html
    from grader.render.gradescope import render_gradescope

    result = load_result(results_file)
    if result is None:
        raise click.UsageError(
            f"{results_file} is not a results file of this grader (or of this schema version)"
        )
    if fmt == "html":
        text = html.render_report(result, reveal_hidden=reveal_hidden)
    elif fmt == "csv":
        text = gradebook.render_csv([result])
    elif fmt == "gradescope":
        text = _json_text(render_gradescope(result, reveal_hidden=reveal_hidden))
    elif fmt == "json":
        text = _json_text(to_json(result))
    else:
        text = click.unstyle(terminal.render(result, reveal_hidden=reveal_hidden))
    if out_path:
        _write(out_path, text)
    else:
        click.echo(text)


class Progress:
    """A progress bar on a terminal; one plain line per submission elsewhere (CI logs)."""

    def __init__(self, total: int, skipped: int) -> None:
        self.total, self.count = total, skipped
        interactive = sys.stdout.isatty() and not os.environ.get("CI")
        self.bar = (
            click.progressbar(length=total, label="Grading", show_pos=True) if interactive else None
        )
        if self.bar:
            self.bar.__enter__()
            self.bar.update(skipped)
        elif skipped:
            click.echo(
                f"{skipped} of {total} already graded with the same checks: skipped (--force grades again)"
            )

    def done(self, result: SubmissionResult) -> None:
        self.count += 1
        if self.bar:
            self.bar.update(1)
            return
        score = f"{result.earned:g}/{result.possible:g}" if result.graded else result.status
        click.echo(
            f"[{self.count}/{self.total}] {result.submission}: {score} ({result.duration:.1f} s)"
        )

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


def write_class_files(out_dir: Path) -> list[SubmissionResult]:
    """grades.csv and summary.html, from every result under out_dir (made if missing)."""
    from grader.batch import results_in
    from grader.render import gradebook, html

    out_dir.mkdir(parents=True, exist_ok=True)
    results = list(results_in([out_dir]))
    _write(out_dir / "grades.csv", gradebook.render_csv(results))
    # Each result sits in out_dir/<its submission name>/: `discover` made the names safe.
    links = {r.submission: f"{r.submission}/report.html" for r in results}
    _write(out_dir / "summary.html", html.render_summary(results, links))
    return results


def write_outputs(result: SubmissionResult, out_dir: Path, *, reveal_hidden: bool) -> None:
    """results.json, report.html and gradescope.json for one submission."""
    from grader.render import html
    from grader.render.gradescope import render_gradescope

    out_dir.mkdir(parents=True, exist_ok=True)
    # results.json first: whatever fails after it, the grade is kept and can be re-rendered.
    _write(out_dir / "results.json", _json_text(to_json(result)))
    _write(out_dir / "report.html", html.render_report(result, reveal_hidden=reveal_hidden))
    gradescope = render_gradescope(result, reveal_hidden=reveal_hidden)
    _write(out_dir / "gradescope.json", _json_text(gradescope))


@main.command()
@click.pass_context
def doctor(ctx) -> None:
    """Show the sandbox protections workers get on this machine, and what a worker looks like."""
    course = _course(ctx)
    with Grader(course, Options()) as grader:
        measures, stats = grader.inspect_sandbox()
    user = "root" if os.geteuid() == 0 else f"uid {os.geteuid()} (not root)"
    click.echo(f"Grader running as {user}; learner code runs in workers with these protections:\n")
    for name, detail in sorted(measures.get("active", {}).items()):
        click.echo(click.style("  on   ", fg="green") + f"{name:<22} {detail}")
    for name, why in sorted(measures.get("inactive", {}).items()):
        click.echo(click.style("  off  ", fg="yellow") + f"{name:<22} {why}")
    if stats:
        floor = stats["vm_size_kib"] // 1024
        click.echo(
            f"\nA fresh worker: uid {stats['uid']}, {floor} MiB of address space before any learner "
            f"code (torch's floor; the memory limit comes on top), {stats['rss_kib'] // 1024} MiB "
            f"resident, {stats['torch_threads']} torch thread(s), CUDA initialised: "
            f"{stats['cuda_initialized']}, HOME {stats['home']}, environment: "
            f"{', '.join(stats['environment'])}"
        )
    click.echo("\nWhat each protection defends against: docs/security.md")


@main.command("release")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the learner kit (outside the course folder).",
)
@click.option("--force", is_flag=True, help="Replace what the folder holds.")
@click.pass_context
def release_kit(ctx, out_dir, force) -> None:
    """Cut the learner kit: stubs, public checks, the grader; no solutions, no hidden checks."""
    from grader.pipeline import collect_checks
    from grader.release import ReleaseError, release

    course = _course(ctx)
    checks = collect_checks(course)
    try:
        files = release(course, out_dir, checks, force=force)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    hidden, _ = tally(checks, "hidden")
    click.echo(
        f"Wrote the learner kit to {out_dir} ({len(files)} files): {len(course.exercises)} exercises, "
        f"{len(checks) - hidden} public checks; {hidden} hidden checks counted, none copied."
    )


@main.command()
@click.argument("exercises", nargs=-1)
@click.pass_context
def verify(ctx, exercises) -> None:
    """Prove the suites: solutions/ must score 100 %, the untouched exercises/ stubs 0."""
    course = _course(ctx)
    if not course.solutions_dir.is_dir():
        raise click.UsageError("this course has no solutions/ folder to verify against")
    options = Options(exercises=_exercise_ids(course, exercises), many=True)
    with Grader(course, options) as grader:
        results = {
            r.submission: r
            for r in grader.grade_many(
                [
                    Submission("solutions", course.solutions_dir),
                    Submission("stubs", course.exercises_dir),
                ],
                jobs=2,
            )
        }
    solutions, stubs = results["solutions"], results["stubs"]
    click.echo(f"{'exercise':<22} {'solutions':>12} {'stubs':>12}")
    for mine, theirs in zip(solutions.exercises, stubs.exercises, strict=True):
        ok_sol = mine.earned == mine.possible
        ok_stub = theirs.earned == 0
        click.echo(
            f"{mine.number + ' ' + mine.title[:18]:<22} "
            + click.style(f"{mine.earned:>6g}/{mine.possible:<5g}", fg="green" if ok_sol else "red")
            + click.style(
                f"{theirs.earned:>7g}/{theirs.possible:<5g}", fg="green" if ok_stub else "red"
            )
        )
    skipped = solutions.count("skipped")
    if skipped:
        click.echo(
            click.style(
                f"{skipped} check(s) skipped on this machine (e.g. CUDA).", fg="bright_black"
            )
        )
    problems = violations(solutions, stubs)
    for v in problems:
        click.echo(
            click.style(
                f"✘ [{v.side}] {v.check}: {v.problem.splitlines()[0] if v.problem else ''}",
                fg="red",
            )
        )
    if problems:
        raise click.ClickException(
            f"{len(problems)} check(s) break the rule: solutions 100 %, stubs 0"
        )
    click.echo(
        click.style(
            f"OK: solutions score 100 % and stubs 0 on all {len(solutions.checks) - skipped} graded checks.",
            fg="green",
            bold=True,
        )
    )


def _json_text(data: object) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
