"""What the commands share: the course they work on, and options written once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from grader.cli.localize import use_language
from grader.course import Course, CourseError, UnknownExercise, find_course_root, load_course
from grader.messages import LANGUAGES, MESSAGES
from grader.render.gradescope import DEFAULT_HIDDEN_VISIBILITY, HIDDEN_VISIBILITIES
from grader.run.shared.plan import Limits

DEVICE_CHOICES = {
    "all": ("cpu", "cuda", "standin"),
    "cpu": ("cpu", "standin"),
    "cuda": ("cuda",),
    "standin": ("standin",),
}


def course_of(ctx: click.Context) -> Course:
    """The course named by `grader --course`, or found from the current folder."""
    try:
        return load_course(ctx.find_root().obj or find_course_root())
    except CourseError as exc:
        raise click.UsageError(str(exc)) from None


def exercise_ids(course: Course, names: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(ex.id for ex in course.select(names))
    except UnknownExercise as exc:
        raise click.BadParameter(str(exc), param_hint="EXERCISE") from None


def import_renderers() -> None:
    """Import the renderers (jinja2, the reports' modules) and compile the report's template:
    about 0.1 s. A command that grades one submission does this while its judge runs, so that
    the learner does not wait for it afterwards (Grader.grade's `meanwhile`)."""
    from grader.render import html, outputs, progress, terminal  # noqa: F401

    html.environment().get_template("report.html.j2")  # (jinja2 keeps it compiled)


def limits(call_timeout: float | None, time_limit: float | None = None) -> Limits:
    """The run's limits: the defaults, with what the command line set."""
    chosen = Limits()
    if call_timeout:
        chosen.call_seconds = call_timeout
    if time_limit:
        chosen.submission_seconds = time_limit
    return chosen


def out_option(help: str) -> Callable:
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help,
    )


exercises_option = click.option(
    "--exercise", "-e", "exercises", multiple=True, help="Grade only these exercises."
)
call_timeout_option = click.option(
    "--call-timeout", type=float, help="Seconds one call of learner code may take."
)
time_limit_option = click.option(
    "--time-limit",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds for all of one submission's checks.",
)
reveal_hidden_option = click.option(
    "--reveal-hidden", is_flag=True, help="Show hidden checks' messages in the reports."
)
hidden_seed_option = click.option(
    "--hidden-seed",
    type=click.IntRange(min=0),
    help="The secret hidden checks mix into their inputs, as recorded in an earlier "
    "results.json (hidden_seed): grades again with the same inputs. Default: a new secret.",
)

hidden_visibility_option = click.option(
    "--hidden-visibility",
    type=click.Choice(HIDDEN_VISIBILITIES),
    default=DEFAULT_HIDDEN_VISIBILITY,
    show_default=True,
    help="Gradescope: when learners see hidden checks' entries (public checks are always "
    "visible; the overall output never names a hidden check).",
)

roster_option = click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV of the class (id, email, name, login columns; Canvas's gradebook export "
    "works as it is): grades.csv says who each submission is, and LMS imports are written.",
)


def _use_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    use_language(value)


# On every learner-facing command (and on `grader` itself): eager, so it is set before any
# other option's callback or the command speaks. grader.cli's main reads it off the command
# line even earlier, for --help.
lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    expose_value=False,
    is_eager=True,
    callback=_use_language,
    help=MESSAGES["help_opt_lang"][0],
)

# The kit's language (grader release): its stubs' docstrings, notebooks and README.
kit_lang_option = click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help=MESSAGES["help_release_lang"][0],
)
