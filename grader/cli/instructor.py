"""The instructor's commands: grade, batch, merge, report, release, verify, doctor."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from grader.cli.batch_progress import Progress
from grader.cli.options import (
    call_timeout_option,
    course_of,
    exercise_ids,
    exercises_option,
    hidden_seed_option,
    hidden_visibility_option,
    import_renderers,
    kit_lang_option,
    lang_option,
    limits,
    out_option,
    reveal_hidden_option,
    roster_option,
    time_limit_option,
)
from grader.messages import say


@click.command(short_help="Grade one submission (a folder or a .zip).")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@out_option("Folder for results.json, report.html and gradescope.json.")
@exercises_option
@reveal_hidden_option
@call_timeout_option
@time_limit_option
@hidden_seed_option
@click.option(
    "--keep-runs",
    type=click.Path(file_okay=False, path_type=Path),
    hidden=True,
    help="Keep each run's folder (judge log, raw pytest-json-report) here, for debugging.",
)
@lang_option
@click.pass_context
def grade(
    ctx,
    submission,
    out_dir,
    exercises,
    reveal_hidden,
    call_timeout,
    time_limit,
    hidden_seed,
    keep_runs,
) -> None:
    """Grade one submission (a folder or a .zip): writes results.json, report.html and
    gradescope.json."""
    from grader.pipeline import Grader, Options, Submission

    course = course_of(ctx)
    options = Options(
        exercises=exercise_ids(course, exercises),
        limits=limits(call_timeout, time_limit),
        hidden_seed=hidden_seed,
        keep_runs=keep_runs,
    )
    with Grader(course, options) as grader:
        result = grader.grade(
            Submission(name=submission.name, source=submission), meanwhile=import_renderers
        )
    from grader.render import terminal  # (imported meanwhile)
    from grader.render.outputs import RESULTS_FILE, write_outputs

    write_outputs(result, out_dir, reveal_hidden=reveal_hidden)
    click.echo(terminal.render(result))
    click.echo(say("grade_wrote", results=out_dir / RESULTS_FILE, out=out_dir))
    ctx.exit(0 if result.graded else 1)


@click.command(short_help="Grade a folder of submissions, in parallel.")
@click.argument("submissions_dir", type=click.Path(exists=True, path_type=Path))
@out_option("Folder for per-submission results and the class files.")
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
@exercises_option
@reveal_hidden_option
@call_timeout_option
@time_limit_option
@hidden_seed_option
@roster_option
@lang_option
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
    hidden_seed,
    roster,
):
    """Grade every learner's submission in SUBMISSIONS_DIR (a folder, or a class download
    .zip), in parallel: a folder or .zip per learner, or an LMS download as it comes
    (Canvas's loose files, Moodle's folders, GitHub Classroom's repositories)."""
    from grader import batch as batches
    from grader.pipeline import Grader, Options

    course = course_of(ctx)
    try:
        shard_of = batches.Shard.parse(shard) if shard else None
        batches.check_roster(roster)  # before any grading
        # Gathered parts of learners (loose files, zips opened) live until the command ends.
        staging = Path(ctx.with_resource(tempfile.TemporaryDirectory(prefix="grader-staging-")))
        submissions, layout = batches.discover(submissions_dir, shard_of, staging)
    except batches.BatchError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(say("batch_read_as", rule=layout.rule, count=len(layout.learners)))
    for problem in layout.problems:
        click.echo(click.style(f"  ! {problem}", fg="yellow"))
    batches.write_intake(out_dir, layout)
    options = Options(
        exercises=exercise_ids(course, exercises),
        limits=limits(call_timeout, time_limit),
        hidden_seed=hidden_seed,
    )
    grader = Grader(course, options)  # starts nothing until entered; knows its stamp
    todo, done = batches.split_done(out_dir, submissions, grader, force=force)
    options.many = len(todo) > 1  # warm up for many only when many are left to grade
    progress = Progress(len(submissions), skipped=len(done))
    graded = batches.grade_into(
        grader, todo, out_dir, jobs=jobs, reveal_hidden=reveal_hidden, on_result=progress.done
    )
    try:
        batches.write_class(out_dir, roster)
    except batches.BatchError as exc:
        raise click.UsageError(str(exc)) from None
    progress.close()
    results = done + graded
    ungraded = sorted(r.submission for r in results if not r.graded)
    click.echo(
        say(
            "batch_done",
            count=len(results),
            graded=len(results) - len(ungraded),
            earlier=len(done),
            out=out_dir,
        )
    )
    if ungraded:
        click.echo(click.style(say("batch_not_graded", names=", ".join(ungraded)), fg="yellow"))
    ctx.exit(0 if not ungraded else 1)


@click.command(short_help="Join sharded batch outputs into one class.")
@click.argument(
    "shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@out_option("Folder for the merged class (may be one of the shard folders).")
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Accept a submission found in two inputs (the last one wins) instead of refusing.",
)
@roster_option
@lang_option
def merge(shards, out_dir, allow_duplicates, roster) -> None:
    """Combine the output folders of `grader batch --shard` runs into one class summary and
    gradebook."""
    from grader import batch as batches

    try:
        results = batches.merge(
            list(shards), out_dir, allow_duplicates=allow_duplicates, roster=roster
        )
    except batches.BatchError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(say("merge_done", count=len(results), folders=len(shards), out=out_dir))


REPORT_FORMATS = ("html", "csv", "gradescope", "json", "text")


@click.command(short_help="Re-render a results.json (no grading).")
@click.argument("results_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="html",
    show_default=True,
    help="html: the learner's report; csv: a one-row gradebook; gradescope: Gradescope's "
    "results.json; json: the result itself; text: what the terminal shows.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: standard output).",
)
@reveal_hidden_option
@hidden_visibility_option
@roster_option
@lang_option
def report(results_file, fmt, out_path, reveal_hidden, hidden_visibility, roster) -> None:
    """Re-render a results.json (no grading is run)."""
    from grader.batch import load_result
    from grader.render import gradebook, html, terminal
    from grader.render.gradescope import render_gradescope
    from grader.render.outputs import json_text, write_text
    from grader.results_json import to_json

    result = load_result(results_file)
    if result is None:
        raise click.UsageError(say("report_not_results", path=results_file))
    if fmt == "html":
        text = html.render_report(result, reveal_hidden=reveal_hidden)
    elif fmt == "csv":
        text = gradebook.render_csv([result], _matching([result.submission], roster))
    elif fmt == "gradescope":
        gradescope = render_gradescope(
            result, reveal_hidden=reveal_hidden, hidden_visibility=hidden_visibility
        )
        text = json_text(gradescope)
    elif fmt == "json":
        text = json_text(to_json(result))
    else:
        text = click.unstyle(terminal.render(result, reveal_hidden=reveal_hidden))
    if out_path:
        write_text(out_path, text)
    else:
        click.echo(text)


def _matching(submissions: list[str], roster: Path | None):
    from grader.render.roster import RosterError, load_roster, match

    if roster is None:
        return None
    try:
        return match(submissions, load_roster(roster))
    except RosterError as exc:
        raise click.UsageError(str(exc)) from None


@click.command(short_help="Show the sandbox protections on this machine.")
@click.pass_context
def doctor(ctx) -> None:
    """Show the sandbox protections workers get on this machine, and what a worker looks like."""
    from grader import doctor as doctors
    from grader.pipeline import Grader, Options

    with Grader(course_of(ctx), Options()) as grader:
        measures, stats = doctors.inspect_sandbox(grader)
    click.echo(
        f"Grader running as {doctors.running_as()}; learner code runs in workers with these "
        "protections:\n"
    )
    for state, name, detail in doctors.describe(measures, stats):
        colour = "green" if state == "on" else "yellow"
        click.echo(click.style(f"  {state:<5}", fg=colour) + f"{name:<22} {detail}")
    if stats:
        click.echo("\n" + doctors.worker_line(stats))
    click.echo("\nWhat each protection defends against: docs/security.md")


@click.command("release", short_help="Cut the learner kit (no solutions, no hidden checks).")
@out_option("Folder for the learner kit (outside the course folder).")
@click.option("--force", is_flag=True, help="Replace what the folder holds.")
@kit_lang_option
@click.pass_context
def release_kit(ctx, out_dir, force, lang) -> None:
    """Cut the learner kit: stubs, public checks, the grader; no solutions, no hidden checks."""
    from grader.judging import collect_checks
    from grader.records import Tally
    from grader.release import ReleaseError, check_out_folder, release

    course = course_of(ctx)
    try:
        check_out_folder(course, out_dir, force=force)  # at once, before collecting the checks
        checks = collect_checks(course)
        kit = release(course, out_dir, checks, force=force, lang=lang)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    hidden = Tally.of(checks, "hidden").checks
    click.echo(
        f"Wrote the learner kit to {out_dir} ({len(kit.files)} files): {len(course.exercises)} "
        f"exercises, {len(checks) - hidden} public checks; {hidden} hidden checks counted, "
        "none copied."
    )
    for line in kit.warning():  # what a zh kit keeps in English, for the course's author
        click.echo(click.style(line, fg="yellow"), err=True)


@click.command(short_help="Prove the suites: solutions 100 %, stubs 0.")
@click.argument("exercises", nargs=-1)
@lang_option
@click.pass_context
def verify(ctx, exercises) -> None:
    """Prove the suites: solutions/ must score 100 %, the untouched exercises/ stubs 0."""
    from grader import verify as verifying
    from grader.pipeline import Grader, Options, Submission

    course = course_of(ctx)
    if not course.solutions_dir.is_dir():
        raise click.UsageError(say("verify_no_solutions"))
    options = Options(exercises=exercise_ids(course, exercises), many=True)
    sides = [
        Submission("solutions", course.solutions_dir),
        Submission("stubs", course.exercises_dir),
    ]
    with Grader(course, options) as grader:
        results = {r.submission: r for r in grader.grade_many(sides, jobs=2)}
    solutions, stubs = results["solutions"], results["stubs"]
    rows = verifying.table(solutions, stubs)
    width = max(len(r.exercise) for r in rows)
    click.echo(f"{'exercise':<{width}}  {'solutions':>12} {'stubs':>12}")
    for row in rows:
        click.echo(
            f"{row.exercise:<{width}}  "
            + click.style(f"{row.solutions:>12}", fg="green" if row.solutions_ok else "red")
            + click.style(f" {row.stubs:>12}", fg="green" if row.stubs_ok else "red")
        )
    skipped = solutions.count("skipped")
    if skipped:
        click.echo(
            click.style(
                f"{skipped} check(s) skipped on this machine (e.g. CUDA).", fg="bright_black"
            )
        )
    problems = verifying.violations(solutions, stubs)
    for v in problems:
        first = v.problem.splitlines()[0] if v.problem else ""
        click.echo(click.style(f"✘ [{v.side}] {v.check}: {first}", fg="red"))
    if problems:
        raise click.ClickException(say("verify_broken", count=len(problems)))
    click.echo(
        click.style(
            f"OK: solutions score 100 % and stubs 0 on all {len(solutions.checks) - skipped} "
            "graded checks.",
            fg="green",
            bold=True,
        )
    )


COMMANDS = (grade, batch, merge, report, doctor, release_kit, verify)
