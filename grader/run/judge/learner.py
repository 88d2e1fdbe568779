"""The `learner` fixture's object: the learner's exercise module, seen from a check.

`learner.softmax(x, dim=0)` runs the learner's function in a worker and returns its value;
`learner.probe("name", ...)` runs a scenario of the exercise's probes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.messages import say
from grader.run.judge.problems import BadReturn
from grader.run.judge.session import LearnerSession


class Learner:
    """The learner's exercise module, seen from a check: attribute calls run in a worker."""

    def __init__(
        self,
        session: LearnerSession,
        exercise: str,
        timeout: float | None = None,
        watch: bool = False,
    ) -> None:
        self._session = session
        self._exercise = exercise
        self._timeout = timeout
        self._watch = watch

    def __getattr__(self, name: str) -> RemoteCallable:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteCallable(self, name)

    def probe(self, name: str, *args: Any, describe: str | None = None, **kwargs: Any) -> Any:
        """Run the named probe of this exercise (see its probes.py) with these inputs.
        `describe` names the call in messages, e.g. "second_derivative(f, x) with f = sin"."""
        return self._session.probe(self._exercise, name, args, kwargs, self._timeout, describe)

    def each(self, name: str, calls: list[tuple[tuple, dict]]) -> list[Any]:
        """Call the learner's `name` once per (args, kwargs), in one round trip to the worker
        (e.g. over a family of input variants); the values in order. The first call that
        fails raises its own problem, naming that call."""
        return self._session.call_each(self._exercise, name, list(calls), self._timeout)

    def with_timeout(self, seconds: float) -> Learner:
        """The same learner, with a longer wall-clock limit per call (e.g. for training)."""
        return Learner(self._session, self._exercise, seconds, self._watch)

    @property
    def watch(self) -> Learner:
        """Calls through `learner.watch` return a Watched: the result, the inputs as they were
        after the call, and how many torch operations learner code made."""
        return Learner(self._session, self._exercise, self._timeout, watch=True)

    @property
    def output(self) -> str:
        return "".join(self._session.output)


@dataclass(frozen=True)
class Watched:
    """A call seen closely: its result, its inputs after the call, torch ops learner code made."""

    result: Any
    args: tuple
    kwargs: dict
    ops: int


class RemoteCallable:
    def __init__(self, learner: Learner, path: str) -> None:
        self._learner = learner
        self._path = path

    def __getattr__(self, name: str) -> RemoteCallable:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteCallable(self._learner, f"{self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        learner = self._learner
        value = learner._session.call(
            learner._exercise, self._path, args, kwargs, learner._timeout, watch=learner._watch
        )
        if not learner._watch:
            return value
        if not isinstance(value, dict) or set(value) != {"result", "args", "kwargs", "ops"}:
            raise BadReturn(
                say("call_bad_return", call=self._path, detail="a malformed watch record")
            )
        return Watched(
            value["result"], tuple(value["args"]), dict(value["kwargs"]), int(value["ops"])
        )

    def __repr__(self) -> str:
        return f"<learner's {self._path}>"
