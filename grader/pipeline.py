"""The pipeline, end to end: submission → intake → run (judge + workers) → results.

`Grader` holds the warm processes (a worker template, and this process warmed up to fork
judges) for as long as a command needs them, and grades one submission or many in
parallel. Every submission ends with a SubmissionResult, whatever it contained.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader import __version__, judging
from grader.course import Course, Exercise
from grader.intake.notebook import exercise_names
from grader.intake.screening import screen
from grader.intake.workspace import Workspace, fingerprint, prepare_workspace, safe_name
from grader.messages import say
from grader.records import DEVICES, Tally
from grader.results import (
    PYTEST_FAILED_ITSELF,
    ExerciseInfo,
    Stamp,
    SubmissionResult,
    build_result,
    rejected_result,
)
from grader.run.judge import early, seeds
from grader.run.judge import process as judges
from grader.run.judge.config import COLLECTED, JSON_REPORT, JudgeConfig
from grader.run.shared.launcher import TemplateProcess, start_template
from grader.run.shared.plan import Limits, Plan

SANDBOX_UID_BASE = 1_900_000_000  # far above any real account
JUDGE_GRACE_SECONDS = 30.0  # past the submission budget, before the judge itself is killed


@dataclass
class Options:
    exercises: tuple[str, ...] = ()  # exercise ids; empty: all
    public_only: bool = False
    # Only the checks about these learner functions, by exercise id; an exercise not named: all.
    functions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    devices: tuple[str, ...] = DEVICES
    limits: Limits = field(default_factory=Limits)  # every limit, from the command line
    hidden_seed: int | None = None  # the secret of hidden inputs (None: a new one per run)
    record_golden: Path | None = None  # write the references' values there (making a kit)
    isolate: bool = True
    keep_runs: Path | None = None  # keep each run folder (judge log, raw report) here
    many: bool = False  # many submissions: warm everything up front (batch, verify)
    local: bool = False  # a learner checking on their own machine (grader check)


@dataclass
class Submission:
    name: str  # how results and reports call it (a learner's folder or zip name, as it is)
    source: Path  # a folder or a .zip
    folder: str = ""  # its output folder in a batch: safe everywhere, unique in the class


class Grader:
    """Warm processes for grading; use as a context manager."""

    def __init__(self, course: Course, options: Options) -> None:
        self.course = course
        self.options = options
        self.exercises = course.select(options.exercises)
        self.suite_files = [
            str(f) for ex in self.exercises for f in ex.suite_files(include_hidden=True)
        ]
        self._template: TemplateProcess | None = None
        self._server: judges.JudgeServer | None = None
        self._tmp_root: Path | None = None
        self._counter = 0
        self._uses_optim = False
        self._warm = False
        self.stamp = stamp_for(course, self.exercises)
        # What each exercise defines, as its stub has it: places a notebook handed in.
        self.notebook_names = exercise_names(course.exercises_dir, course.module_files)
        self.hidden_seed = (
            seeds.new_secret() if options.hidden_seed is None else options.hidden_seed
        )

    def __enter__(self) -> Grader:
        self._tmp_root = Path(tempfile.mkdtemp(prefix="grader-"))
        os.chmod(self._tmp_root, 0o711)
        # torch._dynamo (about 2 s of CPU) is imported beforehand only where torch.optim will
        # import it: for exercises whose checks use torch.optim.
        uses_optim = any(e.names_torch_optim for e in self.exercises)
        self._template = start_template(
            self.course.root, full_warm=uses_optim
        )  # imports torch in the background...
        self._template.wait_ready()  # (it listens at once; judges' first calls wait for it)
        self._uses_optim = uses_optim
        if self.options.many and not early.waiting():
            self._warm_up()  # ...while this process warms up for the judges it forks
        else:  # the early judge has warmed up meanwhile, or one judge imports pytest itself
            judging.judge_environment()
        return self

    def _warm_up(self) -> None:
        """Warm this process up to fork judges from it (once)."""
        if not self._warm:
            judging.warm_up(meta=self._uses_optim)
        self._warm = True

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
        if self._template is not None:
            self._template.stop()
        if self._tmp_root is not None:
            shutil.rmtree(self._tmp_root, ignore_errors=True)

    # ------------------------------------------------------------ one or many

    def grade(
        self, submission: Submission, meanwhile: Callable[[], object] | None = None
    ) -> SubmissionResult:
        """Grade one submission. `meanwhile` runs here while its judge runs (on another CPU,
        where there is one): the command imports what it renders the result with."""
        return next(self.grade_many([submission], jobs=1, meanwhile=meanwhile))

    def grade_many(
        self,
        submissions: Iterable[Submission],
        jobs: int,
        on_start: Callable[[Submission], None] | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> Iterator[SubmissionResult]:
        """Grade with up to `jobs` judges at once; yields results as they finish. A submission
        whose grading failed for the grader's own reasons (status "error") is graded once more
        before its error is reported. `meanwhile` runs once, as soon as the first judges run."""
        queue = list(submissions)
        retried: set[int] = set()
        if len(queue) > 1:
            self._start_judge_server()  # many judges: start pytest and collect just once
        running: dict[int, _Run] = {}
        cpus = judging.cpus_for(jobs)

        def start_more() -> Iterator[SubmissionResult]:
            while queue and len(running) < max(1, jobs):
                submission = queue.pop(0)
                if on_start:
                    on_start(submission)
                busy = {run.cpu for run in running.values()}
                run = self._start(submission, next((c for c in cpus if c not in busy), None))
                if run.result is not None:  # rejected at intake: nothing to run
                    yield run.result
                else:
                    running[run.pid] = run

        while queue or running:
            yield from start_more()
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            if running:
                done = []
                for pid in judging.wait_any(_deadlines(running)):
                    run = running.pop(pid)
                    result = self._finish(run)
                    if result.status == "error" and id(run.submission) not in retried:
                        retried.add(id(run.submission))
                        queue.insert(0, run.submission)
                    else:
                        done.append(result)
                # The next judges start first: the caller writes these reports while they run.
                yield from start_more()
                yield from done

    # ------------------------------------------------------------ stages

    def _start(self, submission: Submission, cpu: int | None = None) -> _Run:
        started = time.monotonic()
        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        root = self._new_run_root()
        source_print = fingerprint(submission.source) if submission.source.exists() else ""
        workspace = prepare_workspace(
            submission.source,
            self.course.module_files,
            root / f"ws-{secrets.token_hex(8)}",
            required=tuple(ex.module_file for ex in self.exercises),
            notebook_names=self.notebook_names,
        )
        run = _Run(submission, root, workspace, started, started_at, source_print, cpu=cpu)
        if workspace.rejected:
            run.result = rejected_result(
                submission=submission.name,
                exercises=self._exercise_infos(),
                findings=workspace.findings,
                stamp=self.stamp,
                started_at=started_at,
                scope=self._scope(),
                source_fingerprint=source_print,
            )
            self._cleanup(run)
            return run
        run.flags = screen(workspace.path, workspace.modules)
        config = self._judge_config(submission, run)
        run.pid = self._fork_judge(config)
        run.deadline = (
            time.monotonic() + self.options.limits.submission_seconds + JUDGE_GRACE_SECONDS
        )
        return run

    def _judge_config(self, submission: Submission, run: _Run) -> JudgeConfig:
        run_dir = run.root / "run"
        run_dir.mkdir(mode=0o700)
        worker_tmp = run.root / "tmp"
        worker_tmp.mkdir(mode=0o711)
        self._counter += 1
        plan = Plan(
            workspace=str(run.workspace.path),
            worker_tmp=str(worker_tmp),
            limits=self.options.limits,
            sandbox_uid=SANDBOX_UID_BASE + os.getpid() % 10_000 * 100 + self._counter % 100,
            isolate=self.options.isolate,
            cpu=run.cpu,
        )
        return JudgeConfig(
            course_root=str(self.course.root),
            workspace=str(run.workspace.path),
            run_dir=str(run_dir),
            suite_files=self.suite_files,
            worker_socket=self._template.socket_path if self._template else None,
            devices=list(self.options.devices),
            deadline=time.time() + self.options.limits.submission_seconds,
            public_only=self.options.public_only,
            functions={k: list(v) for k, v in self.options.functions.items()},
            hidden_seed=self.hidden_seed,
            record_golden=str(self.options.record_golden) if self.options.record_golden else None,
            plan=plan,
        )

    def _finish(self, run: _Run) -> SubmissionResult:
        exit_ = judges.wait_judge(run.pid, run.deadline)
        run_dir = run.root / "run"
        collected = judging.read_collected(run_dir / COLLECTED)
        report = judging.read_json(run_dir / JSON_REPORT)
        problem = ""
        if exit_.timed_out:
            problem = say("judge_time_limit")
        elif report is None:
            problem = say("judge_no_report", code=exit_.code)
        elif report.get("exitcode") in PYTEST_FAILED_ITSELF:
            broken = collected.broken_suites if collected is not None else []
            problem = judging.suites_problem(broken, report["exitcode"])
        hidden = collected.hidden_not_run if collected is not None else Tally()
        if self.options.public_only and not hidden.checks:
            hidden = self._kit_hidden_summary()
        result = build_result(
            submission=run.submission.name,
            exercises=self._exercise_infos(),
            collected=collected.checks if collected is not None else None,
            report=report,
            stamp=self.stamp,
            findings=run.workspace.findings,
            flags=run.flags,
            judge_problem=problem,
            scope=self._scope(),
            hidden_not_run=hidden,
            started_at=run.started_at,
            duration=time.monotonic() - run.started,
            source_fingerprint=run.source_print,
            hidden_seed=self.hidden_seed if self._scope() == "all" else None,
            local=self.options.local,
        )
        self._cleanup(run)
        return result

    def scratch_plan(self) -> tuple[Plan, Path]:
        """A sandbox plan for an empty workspace (what `grader doctor` inspects), and the
        folder to remove afterwards."""
        root = self._new_run_root()
        workspace = root / "ws"
        workspace.mkdir(mode=0o755)
        submission = Submission("doctor", workspace)
        run = _Run(submission, root, Workspace(workspace), time.monotonic(), "")
        plan = self._judge_config(submission, run).plan
        assert plan is not None
        return plan, root

    @property
    def worker_socket(self) -> str:
        assert self._template is not None, "use Grader as a context manager"
        return self._template.socket_path

    def _start_judge_server(self) -> None:
        """Start pytest and collect the suites once; each judge then forks from there."""
        if self._server is not None:
            return
        assert self._tmp_root is not None
        run_dir = Path(tempfile.mkdtemp(prefix="server-", dir=self._tmp_root))
        config = JudgeConfig(
            course_root=str(self.course.root),
            workspace=str(run_dir),
            run_dir=str(run_dir),
            suite_files=self.suite_files,
            devices=list(self.options.devices),
            public_only=self.options.public_only,
            functions={k: list(v) for k, v in self.options.functions.items()},
        )
        try:
            self._server = early.server(config, warm_meta=self._uses_optim)
            if self._server is None:
                self._warm_up()
                self._server = judges.JudgeServer.fork(config)
            # Before the first submission's clock starts: its time is its own, and waiting
            # for the server is the batch's start.
            self._server.wait_ready()
        except judges.ServerGone:  # (suites that did not collect: each judge says why)
            if self._server is not None:
                self._server.stop()
            self._server = None

    def _fork_judge(self, config: JudgeConfig) -> int:
        if self._server is not None:
            try:
                return self._server.fork_judge(config)
            except judges.ServerGone:
                # The suites did not collect (a judge of its own reports why), or the
                # server died: from now on, judges start pytest themselves.
                self._server.stop()
                self._server = None
        pid = early.judge(config)  # the command's first judge, warmed up meanwhile
        if pid is not None:
            return pid
        if self.options.many:
            self._warm_up()
        return judges.fork_judge(config)

    # ------------------------------------------------------------ helpers

    def _exercise_infos(self) -> list[ExerciseInfo]:
        return [ExerciseInfo(ex.id, ex.number, ex.title) for ex in self.exercises]

    def _scope(self) -> str:
        return "public" if self.options.public_only or not self.course.has_hidden_suites else "all"

    def _kit_hidden_summary(self) -> Tally:
        """In a learner kit the hidden suites are absent; release left their size behind."""
        manifest = self.course.hidden_manifest()
        return sum((manifest.get(ex.id, Tally()) for ex in self.exercises), Tally())

    def _new_run_root(self) -> Path:
        assert self._tmp_root is not None, "use Grader as a context manager"
        root = Path(tempfile.mkdtemp(prefix="s-", dir=self._tmp_root))
        os.chmod(root, 0o711)  # workers may reach their workspace but not list what is here
        return root

    def _cleanup(self, run: _Run) -> None:
        if self.options.keep_runs is not None:
            target = self.options.keep_runs / safe_name(run.submission.name)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                run.root, target, symlinks=True, ignore_dangling_symlinks=True, dirs_exist_ok=True
            )
        shutil.rmtree(run.root, ignore_errors=True)


@dataclass
class _Run:
    submission: Submission
    root: Path
    workspace: Workspace
    started: float
    started_at: str
    source_print: str = ""
    flags: list = field(default_factory=list)
    pid: int = 0
    deadline: float = 0.0
    result: SubmissionResult | None = None
    cpu: int | None = None  # its judge and workers run on this CPU (None: anywhere)


def _deadlines(running: dict[int, _Run]) -> dict[int, float]:
    return {pid: run.deadline for pid, run in running.items()}


def stamp_for(course: Course, exercises: tuple[Exercise, ...] | None = None) -> Stamp:
    """What produced a result: the same stamp means the same checks on the same stack."""
    from importlib.metadata import version

    return Stamp(
        suites=course.suite_hash(exercises),
        torch=version("torch"),  # without importing torch: the template is starting meanwhile
        python=platform.python_version(),
        grader=__version__,
    )
