"""One submission's learner code, as the judge sees it for a whole run: which modules are
there and import, which functions overran, the seed of the running check, and every request
to a worker, interpreted into a value or a LearnerProblem."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from grader.messages import say
from grader.run.judge import seeds, stuck
from grader.run.judge.answers import problem_of, tamper_what
from grader.run.judge.channel import Channel, Reply
from grader.run.judge.describe import Lazy, describe_call
from grader.run.judge.problems import (
    BadReturn,
    GraderFault,
    LearnerDied,
    LearnerProblem,
    LearnerRaised,
    LearnerTampered,
    LearnerTimeout,
    ModuleProblem,
    clean_record,
    explain_device_error,
    import_problem,
)
from grader.run.shared import standin
from grader.run.shared.codec import decode_value, encode_value
from grader.run.shared.frames import ProtocolError

TIMEOUTS_BEFORE_GIVING_UP = 2  # per learner function, per submission


class LearnerSession:
    """One submission's learner code, as the judge sees it for a whole run."""

    def __init__(
        self,
        workspace: Path,
        connect,
        *,
        call_seconds: float,
        deadline: float | None,
        ruled: frozenset[str] = frozenset(),
    ):
        self.workspace = workspace
        self._connect = connect  # () -> Channel; lazy, so a run that never calls costs nothing
        self._channel: Channel | None = None
        self.call_seconds = (
            call_seconds  # the plan's limit: a call may take longer only if a check says so
        )
        self.deadline = deadline  # time.monotonic() value, or None
        self.module_problems: dict[str, LearnerProblem] = {}
        self.timeouts: Counter[str] = Counter()
        self.timed_out_as: dict[str, str] = {}  # how the message named a call that overran
        self._imported: set[str] = set()  # modules imported in the current worker
        self._present: set[str] = set()  # modules found in the workspace
        self._test_seed: int | None = None
        self._room = "public"
        self._begun = False
        self.output: list[str] = []
        self.output_truncated = False
        self.measures: dict[str, Any] = {}  # the sandbox's protections, once connected
        self.ruled = ruled  # exercises whose functions have forbidden-call rules
        self.tamper: list[dict[str, str]] = []  # what stopped a worker, for the whole run
        self.measured = False  # the running check relies on measurements made in a worker

    @property
    def channel(self) -> Channel:
        if self._channel is None:
            self._channel = self._connect()
            self.measures = self._channel.measures
        return self._channel

    def begin_test(self, nodeid: str, room: str = "public") -> None:
        """A check begins. Checks of another room (public, hidden) get a fresh worker: no
        worker that saw a hidden check's inputs ever serves a check whose output a learner
        reads."""
        if room != self._room and self._channel is not None:
            self._channel.retire()
            self._worker_gone()
        self._room = room
        self.measured = False
        self._test_seed = seeds.worker_seed(nodeid)
        self._begun = False
        self.output = []
        self.output_truncated = False

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    # ------------------------------------------------------------ requests

    def call(
        self,
        exercise: str,
        path: str,
        args: tuple,
        kwargs: dict,
        timeout: float | None,
        watch: bool = False,
    ) -> Any:
        # Named in messages only when something goes wrong: build the text only then.
        described = Lazy(lambda: describe_call(path, args, kwargs))
        header = {"op": "call", "exercise": exercise, "path": path, "watch": watch}
        # A watched call, or any call under forbidden-call rules, is judged in part by what
        # the worker measured beside the learner's code (see results: tampering voids these).
        self.measured = self.measured or watch or exercise in self.ruled
        return self._explained(
            exercise, header, args, kwargs, described, path.split(".")[0], timeout
        )

    def call_each(
        self, exercise: str, path: str, calls: list[tuple[tuple, dict]], timeout: float | None
    ) -> list[Any]:
        """`path(*args, **kwargs)` for each call, in one round trip; their values, in order.
        The first call that does not return raises its problem, named by its own call."""
        described = [Lazy(lambda a=a, k=k: describe_call(path, a, k)) for a, k in calls]
        header = {"op": "calls", "exercise": exercise, "path": path}
        self.measured = self.measured or exercise in self.ruled
        payload = [(tuple(a), dict(k)) for a, k in calls]
        shown = Lazy(lambda: say("calls_described", first=described[0], count=len(calls)))
        answer = self._explained(
            exercise, header, (payload,), {}, shown, path.split(".")[0], timeout
        )
        return self._each(answer, exercise, calls, described)

    def _each(self, answer: Any, exercise: str, calls: list, described: list) -> list[Any]:
        replies, values = answer
        module_file = f"{exercise}.py"
        out = []
        for i, (reply, value) in enumerate(zip(replies, values, strict=False)):
            if not isinstance(reply, dict) or i >= len(calls):
                raise GraderFault("a malformed answer to several calls")
            if reply.get("status") != "returned":
                problem = self._problem(reply, exercise, module_file, described[i])
                if isinstance(problem, LearnerRaised) and standin.has_standin(calls[i]):
                    problem = explain_device_error(problem) or problem
                raise problem
            out.append(value)
        if len(out) != len(calls):
            raise GraderFault("an answer to several calls that is missing some")
        return out

    def probe(
        self,
        exercise: str,
        name: str,
        args: tuple,
        kwargs: dict,
        timeout: float | None,
        describe: str | None = None,
    ) -> Any:
        header = {"op": "probe", "exercise": exercise, "name": name}
        described = describe or ProbeCall()
        self.measured = True  # a probe runs beside the learner's code
        return self._explained(exercise, header, args, kwargs, described, name, timeout)

    def _explained(self, exercise, header, args, kwargs, described, function, timeout):
        try:
            return self._request(exercise, header, args, kwargs, described, function, timeout)
        except LearnerRaised as raised:
            # On meta inputs, a device error means the code made a tensor on a fixed device.
            if standin.has_standin((args, kwargs)):
                explained = explain_device_error(raised)
                if explained is not None:
                    raise explained from None
            raise

    def _request(self, exercise, header, args, kwargs, described, function, timeout):
        module_file = f"{exercise}.py"
        self._check_module(exercise, module_file)
        key = f"{exercise}.{function}"
        if self.timeouts[key] >= TIMEOUTS_BEFORE_GIVING_UP:
            raise LearnerTimeout(
                say(
                    "call_timeout_skipped",
                    function=self.timed_out_as.get(key, function).removesuffix("(…)"),
                    count=self.timeouts[key],
                ),
                call=described,
            )
        self._ensure_imported(exercise, module_file)
        limit = self._limit(timeout)
        payload = encode_value((tuple(args), dict(kwargs)))
        reply = self.channel.request(self._seeded({**header, "seconds": limit}), payload, limit)
        output, dumped = stuck.split_dump(reply.output)
        self._keep_output(reply, output)
        if reply.status == "timeout":
            self.timeouts[key] += 1
            self._worker_gone()
            frames = stuck.learner_frames(dumped, module_file, self.workspace)
            _learn(described, frames)
            if isinstance(described, ProbeCall):
                self.timed_out_as[key] = str(described)
            raise LearnerTimeout(
                say("call_timeout", call=described, seconds=reply.seconds),
                call=str(described),
                frames=frames,
            )
        if reply.status == "too_large":
            self._worker_gone()
            raise BadReturn(
                say("call_too_large", call=described, limit=reply.how.get("limit_mb")),
                call=str(described),
            )
        if reply.status != "answered":
            self._worker_gone()
            self._stopped_for_tampering(reply, described)
            raise LearnerDied(
                say("call_died", call=described, how=describe_death(reply)), call=described
            )
        return self._interpret(reply, exercise, module_file, described)

    def _stopped_for_tampering(self, reply: Reply, described: object) -> None:
        """A worker the tamper tripwire stopped: say what the learner's code reached for."""
        if not reply.tamper:
            return
        self.tamper += [r for r in reply.tamper if r not in self.tamper]  # one flag per sign
        record = reply.tamper[0]
        where = (
            say("tamper_where", file=record["file"], line=record["line"]) if record["file"] else ""
        )
        raise LearnerTampered(
            say("call_tamper", call=described, what=tamper_what(record), where=where),
            call=str(described),
        )

    def _interpret(self, reply: Reply, exercise: str, module_file: str, described: object) -> Any:
        answer = reply.worker
        if answer.get("status") == "returned_each":
            each = answer.get("each")
            try:
                values = decode_value(reply.payload)
            except ProtocolError as exc:
                raise BadReturn(
                    say("call_bad_return", call=described, detail=str(exc)), call=str(described)
                )
            if not isinstance(each, list) or not isinstance(values, list):
                raise GraderFault("a malformed answer to several calls")
            return each, values
        if answer.get("status") == "returned":
            try:
                return decode_value(reply.payload)
            except ProtocolError as exc:
                raise BadReturn(
                    say("call_bad_return", call=described, detail=str(exc)), call=str(described)
                )
        raise self._problem(answer, exercise, module_file, described)

    def _problem(self, answer: dict, exercise: str, module_file: str, described: object):
        entry, error = answer.get("entry"), answer.get("error")
        if isinstance(entry, str) and entry.isidentifier() and isinstance(described, ProbeCall):
            described.function = described.function or entry[:100]
        _learn(described, clean_record(error).get("frames") if isinstance(error, dict) else [])
        problem = problem_of(answer, module_file, described)
        if answer.get("status") == "import_failed":
            self.module_problems[exercise] = problem
        return problem

    # ------------------------------------------------------------ bookkeeping

    def _check_module(self, exercise: str, module_file: str) -> None:
        known = self.module_problems.get(exercise)
        if known is not None:
            raise type(known)(known.message, call=known.call, frames=known.frames)
        if exercise not in self._present:
            if not (self.workspace / module_file).is_file():
                problem = ModuleProblem(say("module_missing", file=module_file))
                self.module_problems[exercise] = problem
                raise problem
            self._present.add(exercise)

    def _seeded(self, header: dict[str, Any]) -> dict[str, Any]:
        """The first request of a check carries its seed: the worker reseeds before it runs."""
        if not self._begun:
            self._begun = True
            return {**header, "seed": self._test_seed or 0}
        return header

    def _ensure_imported(self, exercise: str, module_file: str) -> None:
        """Import a module on its own first, so a hang or crash at import is reported as such."""
        if exercise in self._imported:
            return
        header = self._seeded({"op": "probe", "exercise": exercise, "name": "__import__"})
        reply = self.channel.request(header, b"", self._limit(None))
        self._keep_output(reply)
        problem: LearnerProblem | None = None
        if reply.status == "timeout":
            problem = ModuleProblem(
                say("module_import_timeout", file=module_file, seconds=reply.seconds)
            )
        elif reply.status != "answered":
            try:
                self._stopped_for_tampering(reply, say("importing", file=module_file))
            except LearnerTampered as tampered:
                problem = tampered  # the module's every check fails so, as for a crash
            else:
                problem = ModuleProblem(
                    say("module_import_died", file=module_file, how=describe_death(reply))
                )
        elif reply.worker.get("status") == "import_failed":
            problem = import_problem(reply.worker.get("error") or {}, module_file)
        if problem is not None:
            self._worker_gone()
            self.module_problems[exercise] = problem
            raise problem
        self._imported.add(exercise)

    def _worker_gone(self) -> None:
        # The supervisor forks a fresh worker for the next request: nothing is imported there.
        self._imported.clear()
        self._begun = False

    def _limit(self, timeout: float | None) -> float:
        limit = timeout or self.call_seconds
        if self.deadline is not None:
            limit = max(0.1, min(limit, self.deadline - time.monotonic()))
        return limit

    def _keep_output(self, reply: Reply, output: str | None = None) -> None:
        output = reply.output if output is None else output
        if output:
            self.output.append(output)
        self.output_truncated = self.output_truncated or reply.output_truncated


class ProbeCall:
    """How a message names a probe's call into learner code: by the learner's function the
    probe was in when it went wrong (`share_numpy(…)`), never by the probe's own name."""

    def __init__(self) -> None:
        self.function = ""

    def __str__(self) -> str:
        return f"{self.function}(…)" if self.function else say("probe_call")

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _learn(described: object, frames: list[dict]) -> None:
    """Name a probe's call by the outermost learner frame (the function the probe called)."""
    if isinstance(described, ProbeCall) and frames and not described.function:
        described.function = str(frames[0].get("function") or "")


def describe_death(reply: Reply) -> str:
    how = reply.how
    if how.get("kind") == "signal":
        if how.get("name") in ("SIGXCPU",):
            return say("how_cpu_limit")
        return say("how_signal", signal=how.get("signal"), name=how.get("name"))
    if how.get("kind") == "exit":
        return say("how_exit_code", code=how.get("code"))
    return str(how.get("detail") or reply.status)
