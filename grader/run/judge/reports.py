"""How a judge reports, leaner than pytest's own: no traceback formatting, no terminal.

Registered only in judge runs (the grader's); a suite author's plain `pytest` run of a suite
keeps pytest's full reports.
"""

from __future__ import annotations

import sys

import pytest

from grader.run.judge.checks import is_suite_item


class CheapReports:
    """Failed checks' reports without pytest's traceback formatting (judge runs only).

    pytest renders every failure's traceback with source lines, tens of milliseconds each;
    a submission of stubs fails hundreds of checks, and nobody reads those tracebacks: the
    learner reads our message. A suite author reads them in a plain pytest run of the suite,
    where this class is not registered.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> pytest.TestReport | None:
        excinfo = call.excinfo
        if (
            excinfo is None
            or not is_suite_item(item)
            or excinfo.errisinstance(pytest.skip.Exception)
        ):
            return None
        first_line = (str(excinfo.value).strip().splitlines() or [""])[0]
        sections = [(f"Captured {key} {when}", text) for when, key, text in item._report_sections]
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {name: 1 for name in item.keywords},
            "failed",
            f"{excinfo.typename}: {first_line[:500]}",
            call.when,
            sections,
            call.duration,
            call.start,
            call.stop,
            item.user_properties,
        )


class TerminalStandIn:
    """What a judge still needs of pytest's terminal plugin, which it runs without (its
    end-of-run summary of failures costs time quadratic in their number; see
    judge.JUDGE_WITHOUT)."""

    def __init__(self, broken: list[str]) -> None:
        self.broken = broken  # written to collected.json, for the grader's message

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Note a suite file that failed to collect, and log its traceback for the suite's
        author in the judge's log."""
        if report.failed:
            self.broken.append(report.nodeid)
            sys.stderr.write(f"ERROR collecting {report.nodeid}\n{report.longreprtext}\n")
            sys.stderr.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str]:
        """A check's outcome as the terminal plugin words it (pytest-json-report asks): a
        failure outside the check's call is an "error"."""
        outcome = report.outcome
        if outcome == "failed" and report.when in ("collect", "setup", "teardown"):
            outcome = "error"
        return outcome, outcome[0].upper(), outcome.upper()
