"""The batch's progress: a bar on a terminal, one plain line per submission elsewhere."""

from __future__ import annotations

import os
import sys

import click

from grader.results import SubmissionResult


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
                f"{skipped} of {total} already graded with the same checks: skipped "
                "(--force grades again)"
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
