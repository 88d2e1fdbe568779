"""The `grader` command: a thin click layer over the workflows (intake → run → results → render).

It parses options and prints; everything else lives with its stage. Bad input is a one-line
error with exit code 2 (click.UsageError); a command that ran but did not succeed exits 1;
success exits 0.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli import handoff, instructor, learner


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


for command in (*learner.COMMANDS, *instructor.COMMANDS, *handoff.COMMANDS):
    main.add_command(command)
