"""The `grader` command: a thin click layer over the workflows (intake → run → results → render).

It parses options and prints; everything else lives with its stage. Bad input is a one-line
error with exit code 2 (click.UsageError); a command that ran but did not succeed exits 1;
success exits 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli import handoff, instructor, learner
from grader.cli.localize import lang_in, localize, use_language
from grader.cli.options import lang_option
from grader.run.shared import launcher

# The commands that grade, and so start a worker template.
GRADING_COMMANDS = frozenset(["check", "grade", "batch", "verify", "doctor"])


class GraderGroup(click.Group):
    """The `grader` group: settles the language from the command line (`--lang`, wherever it
    is) before click parses it, so the help and click's own errors are in it too."""

    def main(self, args=None, *pargs, **kwargs):  # type: ignore[override]
        if args is None:  # the `grader` command itself (click's test runner passes arguments)
            # First of all, while this process holds nothing of the course, the class or
            # the command's options: a grading command forks its worker template here.
            launcher.prefork_template(sys.argv[1:], GRADING_COMMANDS)
        args = list(sys.argv[1:] if args is None else args)
        use_language(lang_in(args))
        localize(self)
        return super().main(args, *pargs, **kwargs)


@click.group(cls=GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--course",
    "course_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The course folder (default: found from the current folder).",
)
@lang_option
@click.version_option(package_name="torch-course-grader")
@click.pass_context
def main(ctx: click.Context, course_dir: Path | None) -> None:
    """Check PyTorch exercises against real PyTorch, and grade submissions."""
    ctx.obj = course_dir


for command in (*learner.COMMANDS, *instructor.COMMANDS, *handoff.COMMANDS):
    main.add_command(command)
