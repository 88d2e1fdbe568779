"""The learner's commands: `grader list` and `grader check`."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.options import DEVICE_CHOICES, call_timeout_option, course_of, exercise_ids, limits
from grader.messages import say
from grader.records import Tally


@click.command("list", short_help="List the exercises and their points.")
@click.pass_context
def list_exercises(ctx: click.Context) -> None:
    """List the exercises, their titles and points."""
    from grader.judging import collect_checks

    course = course_of(ctx)
    checks = collect_checks(course)
    # In a learner kit the hidden suites are absent; release left what they are worth.
    kit_hidden = {} if course.has_hidden_suites else course.hidden_manifest()
    click.echo(f"{'exercise':<16} {'public':>7} {'hidden':>7}  title")
    for ex in course.exercises:
        public = Tally.of(checks, "public", ex.id).points
        hidden = (Tally.of(checks, "hidden", ex.id) + kit_hidden.get(ex.id, Tally())).points
        click.echo(f"{ex.number + ' ' + ex.slug:<16} {public:>7g} {hidden:>7g}  {ex.title}")
    if not course.has_hidden_suites:
        click.echo(click.style(say("list_hidden_not_in_kit"), fg="cyan"))


@click.command(short_help="Check your exercises (all, or the ones named).")
@click.argument("exercises", nargs=-1)
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
@call_timeout_option
@click.pass_context
def check(
    ctx, exercises, target, html_path, json_path, device, hidden, verbose, call_timeout
) -> None:
    """Check your exercises (all, or the ones named, e.g. `grader check 01 02`)."""
    from grader.pipeline import Grader, Options, Submission
    from grader.render import html, terminal
    from grader.render.outputs import json_text, write_text
    from grader.results import to_json

    course = course_of(ctx)
    target = target or course.exercises_dir
    if not (target.is_dir() or target.suffix == ".ipynb"):
        raise click.BadParameter("a folder or a notebook (.ipynb)", param_hint="--target")
    options = Options(
        exercises=exercise_ids(course, exercises),
        public_only=not hidden,
        devices=DEVICE_CHOICES[device],
        limits=limits(call_timeout),
    )
    with Grader(course, options) as grader:
        result = grader.grade(Submission(name=target.name, source=target))
    click.echo(terminal.render(result, verbose=verbose))
    report = html_path or course.root / ".grader" / "report.html"
    write_text(report, html.render_report(result, reveal_hidden=True))
    click.echo(say("report_written", path=report))
    if json_path:
        write_text(json_path, json_text(to_json(result)))
    ctx.exit(0 if result.all_passed else 1)


COMMANDS = (list_exercises, check)
