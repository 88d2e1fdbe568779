"""The learner's commands: `grader list` and `grader check`."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import click

from grader.cli.options import (
    DEVICE_CHOICES,
    call_timeout_option,
    course_of,
    exercise_ids,
    import_renderers,
    lang_option,
    limits,
)
from grader.messages import say
from grader.records import Tally


@click.command("list", short_help="List the exercises and their points.")
@lang_option
@click.pass_context
def list_exercises(ctx: click.Context) -> None:
    """List the exercises, their titles and points."""
    from grader.judging import collect_checks
    from grader.render.terminal import pad

    course = course_of(ctx)
    checks = collect_checks(course)
    # In a learner kit the hidden suites are absent; release left what they are worth.
    kit_hidden = {} if course.has_hidden_suites else course.hidden_manifest()
    head = (say("list_exercise"), say("list_public"), say("list_hidden"), say("list_title"))
    click.echo(
        f"{pad(head[0], 16)} {pad(head[1], 7, right=True)} {pad(head[2], 7, right=True)}  {head[3]}"
    )
    for ex in course.exercises:
        public = Tally.of(checks, "public", ex.id).points
        hidden = (Tally.of(checks, "hidden", ex.id) + kit_hidden.get(ex.id, Tally())).points
        click.echo(f"{ex.number + ' ' + ex.slug:<16} {public:>7g} {hidden:>7g}  {ex.title}")
    if not course.has_hidden_suites:
        click.echo(click.style(say("list_hidden_not_in_kit"), fg="cyan"))


@click.command(short_help="Check your exercises (all, or the ones named).")
@click.argument("exercises", nargs=-1)
@click.option(
    "-k",
    "--function",
    "functions",
    multiple=True,
    help="Only the checks of this function (repeatable); also written `grader check 01::one_hot`.",
)
@click.option(
    "--target",
    type=click.Path(exists=True, path_type=Path),
    help="Folder of your exercise modules, or a notebook (.ipynb) that defines an exercise's "
    "functions (default: the course's exercises/).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML report (default: .grader/report.html).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the result as JSON there (what `grader report` reads).",
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
@click.option(
    "--written-only",
    is_flag=True,
    help="Succeed when every function you have written passes (for CI while you work through "
    "the course): functions not written yet do not fail the run.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append a Markdown progress table to this file (in GitHub Actions: "
    "$GITHUB_STEP_SUMMARY).",
)
@call_timeout_option
@lang_option
@click.pass_context
def check(
    ctx,
    exercises,
    functions,
    target,
    html_path,
    device,
    json_path,
    hidden,
    verbose,
    written_only,
    summary_path,
    call_timeout,
) -> None:
    """Check your exercises (all, or the ones named, e.g. `grader check 01 02`), or one
    function of one (`grader check 01::one_hot`, or `grader check 01 -k one_hot`)."""
    from grader.pipeline import Grader, Options, Submission

    started = time.monotonic()
    course = course_of(ctx)
    target = target or course.exercises_dir
    if not (target.is_dir() or target.suffix == ".ipynb"):
        raise click.BadParameter(say("check_target_kind"), param_hint="--target")
    chosen = functions_by_exercise(course, exercises, functions)
    options = Options(
        exercises=exercise_ids(course, tuple(n.partition("::")[0] for n in exercises)),
        public_only=not hidden,
        functions=chosen,
        devices=DEVICE_CHOICES[device],
        limits=limits(call_timeout),
        local=True,
    )
    with Grader(course, options) as grader:
        result = grader.grade(
            Submission(name=submission_name(target), source=target), meanwhile=import_renderers
        )
    from grader.render import html, progress, terminal  # (imported meanwhile)
    from grader.render.outputs import json_text, write_text
    from grader.results_json import to_json

    if chosen and result.graded and not result.checks:
        named = ", ".join(sorted({f for fs in chosen.values() for f in fs}))
        raise click.BadParameter(say("no_check_about", functions=named), param_hint="-k")
    # The report's time is what the learner waited for: the whole command.
    result = replace(result, duration=time.monotonic() - started)
    click.echo(terminal.render(result, verbose=verbose))
    if len(result.exercises) > 1:
        click.echo(progress.text_table(result))
    if summary_path is not None:
        with summary_path.open("a", encoding="utf-8") as summary:
            summary.write(progress.markdown(result))
    report = html_path or course.root / ".grader" / "report.html"
    write_text(report, html.render_report(result, reveal_hidden=True))
    click.echo(say("report_written", path=report))
    if json_path:
        write_text(json_path, json_text(to_json(result)))
    passing = progress.only_unwritten_fail(result) if written_only else result.all_passed
    ctx.exit(0 if passing else 1)


def functions_by_exercise(
    course, names: tuple[str, ...], everywhere: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """Which functions to check, by exercise id: `01::one_hot` names one function of 01;
    `-k one_hot` names it in every exercise checked; an exercise named alone runs whole."""
    chosen: dict[str, list[str]] = {}
    for name in names:
        exercise, _, function = name.partition("::")
        if function:
            (ex_id,) = exercise_ids(course, (exercise,))
            chosen.setdefault(ex_id, []).append(function)
    if everywhere:
        for ex_id in exercise_ids(course, tuple(n.partition("::")[0] for n in names)):
            chosen.setdefault(ex_id, []).extend(everywhere)
    return {k: tuple(v) for k, v in chosen.items()}


def submission_name(target: Path) -> str:
    """What the report is headed with: the folder's name, or, for the kit's own `exercises`
    folder, the name of the folder that holds it (the learner's copy of the course)."""
    folder = target.resolve()
    return folder.parent.name if folder.name == "exercises" and folder.parent.name else folder.name


COMMANDS = (list_exercises, check)
