"""The `grader` command: a thin click layer over the workflows (intake → run → results → render).

It parses options and prints; everything else lives with its stage. Bad input is a one-line
error with exit code 2 (click.UsageError); a command that ran but did not succeed exits 1;
success exits 0.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from grader.cli import handoff, instructor, learner
from grader.cli.localize import lang_in, localize, use_language
from grader.cli.options import lang_option


class GraderGroup(click.Group):
    """The `grader` group: settles the language from the command line (`--lang`, wherever it
    is) before click parses it, so the help and click's own errors are in it too."""

    def main(self, args=None, *pargs, **kwargs):  # type: ignore[override]
        if args is None:  # the `grader` command itself (click's test runner passes arguments)
            # (grader.__main__.run has forked what a grading command needs before this.)
            try:
                return self._parsed_and_run(sys.argv[1:], *pargs, **kwargs)
            except SystemExit as done:  # how click ends every command it runs
                exit_at_once(done.code)
        return self._parsed_and_run(list(args), *pargs, **kwargs)

    def _parsed_and_run(self, args: list[str], *pargs, **kwargs):
        use_language(lang_in(args))
        localize(self)
        return super().main(args, *pargs, **kwargs)


def exit_at_once(code: object) -> NoReturn:
    """End the `grader` command once it is done: its output flushed and the exit handlers
    run (temporary folders), but not Python's teardown of every module, which for torch's
    takes 0.4 s and does nothing a finished command needs."""
    if "torch" not in sys.modules or sys.getprofile() or sys.gettrace():
        sys.exit(code)  # nothing to spare, or a profiler or coverage writes its data at exit
    status = code if isinstance(code, int) else 0 if code is None else 1
    if not isinstance(code, (int, type(None))):
        print(code, file=sys.stderr)  # what sys.exit("message") prints
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`grader check | head`)
            pass
    os._exit(status)


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
