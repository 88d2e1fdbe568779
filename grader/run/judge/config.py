"""One judge run's configuration, and the pytest command line it becomes.

The grader writes a JudgeConfig (judge.json) for each judge; the judge's plugin reads it
back. The judge is configured only by this: an ini file of ours, the suites folder as
rootdir, no conftest, no plugin autoloading, and the plugins below switched off.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.records import DEVICES
from grader.run.shared.plan import Plan

JUDGE_CONFIG = "judge.json"
JUDGE_LOG = "judge.log"
JSON_REPORT = "report.json"
COLLECTED = "collected.json"
PLUGIN_MODULE = "grader.run.judge.plugin"

JUDGE_WITHOUT = (
    "terminal",  # its end-of-run summary of failures is quadratic in their number
    "capture",
    "assertion",
    "logging",
    "warnings",
    "unraisableexception",
    "threadexception",
    "faulthandler",
    "doctest",
    "junitxml",
    "pastebin",
    "nose",
    "setuponly",
    "setupplan",
    "debugging",
    "unittest",
    "tmpdir",
    "monkeypatch",
    "recwarn",
    "subtests",
)  # json-report needs legacypath


@dataclass
class JudgeConfig:
    """Everything one judge run needs; written as JSON beside its report."""

    course_root: str
    workspace: str
    run_dir: str
    suite_files: list[str]
    worker_socket: str | None = None
    devices: list[str] = field(default_factory=lambda: list(DEVICES))
    deadline: float | None = None  # time.time() after which remaining checks are not run
    public_only: bool = False  # hidden suites are collected (to count them) but not run
    # Only the checks about these learner functions, by exercise id (checks.about); an
    # exercise not named here runs all its checks.
    functions: dict[str, list[str]] = field(default_factory=dict)
    hidden_seed: int | None = None  # the grading run's secret for hidden inputs (seeds.py)
    record_golden: str | None = None  # a folder: write the references' values there (golden.py)
    collect_only: bool = False  # list the checks, run none
    plan: Plan | None = None  # the sandbox and limits its workers get (None: collect only)
    serve_fd: int | None = None  # a JudgeServer's socket: collect, then fork judges on request

    def save(self) -> Path:
        path = Path(self.run_dir) / JUDGE_CONFIG
        data = asdict(self)
        data["plan"] = self.plan.to_json() if self.plan is not None else None
        path.write_text(json.dumps(data, indent=1))
        return path

    @classmethod
    def load(cls, path: str | Path) -> JudgeConfig:
        data = json.loads(Path(path).read_text())
        plan = data.pop("plan", None)
        return cls(**data, plan=Plan.from_json(plan) if plan is not None else None)

    @property
    def call_seconds(self) -> float:
        return self.plan.limits.call_seconds if self.plan is not None else 10.0


def pytest_args(config: JudgeConfig, config_path: Path) -> list[str]:
    run_dir = Path(config.run_dir)
    ini = run_dir / "pytest.ini"
    ini.write_text("[pytest]\npython_files = test_public.py test_hidden.py\n")
    return [
        "-c",
        str(ini),
        "--rootdir",
        str(Path(config.course_root) / "suites"),
        "--noconftest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-p",
        "pytest_jsonreport.plugin",
        "-p",
        PLUGIN_MODULE,
        "--import-mode=importlib",
        "--strict-markers",
        # Per check, every plugin hook costs time: the judge runs no learner code and prints
        # nothing, so it needs no output capture, no log or warning capture, no rewritten
        # asserts (suites fail through grader.testing, with messages of their own), none of
        # the fixtures suites do not use, and no terminal report: results go to the json
        # report, and the plugin logs what went wrong with the suites themselves
        # (plugin.TerminalStandIn).
        *[arg for name in JUDGE_WITHOUT for arg in ("-p", f"no:{name}")],
        "--json-report",
        f"--json-report-file={run_dir / JSON_REPORT}",
        "--json-report-omit",
        "collectors",
        "log",
        "traceback",
        "streams",
        "keywords",
        "warnings",
        f"--grader-config={config_path}",
        *(["--collect-only"] if config.collect_only else []),
        *config.suite_files,
    ]
