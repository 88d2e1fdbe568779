"""The instructor's hand-off to other systems: the Gradescope autograder package."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.options import (
    course_of,
    hidden_visibility_option,
    lang_option,
    reveal_hidden_option,
)
from grader.messages import language, say


@click.command(short_help="Make a Gradescope autograder package (a .zip to upload).")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("autograder.zip"),
    show_default=True,
    help="The package to write (a .zip).",
)
@hidden_visibility_option
@reveal_hidden_option
@click.option(
    "--torch-version",
    default="",
    help="The PyTorch version setup.sh installs (CPU build; default: the one grading here).",
)
@lang_option
@click.pass_context
def gradescope(ctx, out_path, hidden_visibility, reveal_hidden, torch_version) -> None:
    """Write a Gradescope autograder package: setup.sh (CPU PyTorch, the grader and this
    course's suites), run_autograder (grades /autograder/submission into
    /autograder/results/results.json), the suites hidden ones included; never the solutions."""
    from grader.autograder import PackageError, PackageOptions, build_package

    options = PackageOptions(
        hidden_visibility=hidden_visibility,
        reveal_hidden=reveal_hidden,
        torch_version=torch_version,
        lang=language(),
    )
    try:
        names = build_package(course_of(ctx), out_path, options)
    except PackageError as exc:
        raise click.UsageError(str(exc)) from None
    suites = sum(1 for n in names if n.startswith("course/suites/"))
    click.echo(
        say(
            "gradescope_wrote",
            out=out_path,
            count=len(names),
            suites=suites,
            visibility=hidden_visibility,
        )
    )


COMMANDS = (gradescope,)
