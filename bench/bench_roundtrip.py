"""One answer from a worker, measured: what a judge's call of a learner function costs beyond
the function itself.

    python bench/bench_roundtrip.py [--calls 2000] [--profile]

A real Worker (the worker's own loop, the forbidden-call guard, the side-effect record, the
integrity check and the tamper tripwire, all as in a sandboxed worker, but without the
sandbox's namespaces) serves a real LearnerSession (the judge's side: codec, framing, nonce,
bookkeeping) over a socket pair, both pinned to one CPU as a judge and its worker are. The
learner module is exercise 02's solution plus two functions: `same(x)` returns its input and
`stub(x)` raises NotImplementedError, as an untouched exercise does. With `--profile`, each
side's cProfile, top entries by own time (the worker's without the tripwire, which stops any
profiler: its figures are the tripwire's hook short). Timings, not assertions: this machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from grader.run.judge.channel import Channel  # noqa: E402
from grader.run.judge.problems import LearnerProblem  # noqa: E402
from grader.run.judge.session import LearnerSession  # noqa: E402
from grader.run.workers import guard, integrity, tamper  # noqa: E402
from grader.run.workers.probes import load_probes  # noqa: E402
from grader.run.workers.worker import Worker  # noqa: E402

EXERCISE = "ex02_ops"
EXTRA = "\n\ndef same(x):\n    return x\n\n\ndef stub(x):\n    raise NotImplementedError\n"
CALLS = ("same", "stub", "softmax")


class PairedChannel(Channel):
    """The judge's channel, on one end of a socket pair instead of a supervisor's worker."""

    def __init__(self, sock: socket.socket) -> None:
        self.worker, self.seen, self.measures = sock, 0, {}
        self.output_chars, self.answer_bytes = 20_000, 64 << 20

    def _end(self) -> dict:  # no supervisor to ask how it ended
        raise RuntimeError("the worker ended (see above)")


def serve(sock: socket.socket, workspace: Path, profile_to: str | None) -> None:
    """The worker's side, in a forked child: set up as supervisor.py does, then serve."""
    probes = load_probes(ROOT)
    guard.install_tripwires(p.forbidden for p in probes.values())
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    worker = Worker(workspace, probes)
    snapshot = integrity.Snapshot()
    _, tamper_write = os.pipe()
    tamper.hide_machinery()
    profiler = cProfile.Profile() if profile_to else None
    if profiler is None:
        trip = tamper.install(worker.learner_root, tamper_write, os.urandom(16))
    else:  # the tripwire stops any profiler (its start and stop are audited): profile without
        trip = _no_trip
        profiler.enable()
    worker.verify = integrity.verifier(snapshot, trip)
    try:
        worker.serve(sock)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile_to)


def _no_trip(event: str, detail: str) -> None:
    raise RuntimeError(f"the integrity check found {event}: {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    folder = Path(tempfile.mkdtemp(prefix="roundtrip-"))
    workspace = folder / "ws"
    workspace.mkdir()
    source = (ROOT / "solutions" / f"{EXERCISE}.py").read_text() + EXTRA
    (workspace / f"{EXERCISE}.py").write_text(source)
    judge_end, worker_end = socket.socketpair()
    worker_profile = str(folder / "worker.prof") if args.profile else None
    pid = os.fork()
    if pid == 0:
        judge_end.close()
        try:
            serve(worker_end, workspace, worker_profile)
        finally:
            os._exit(0)
    worker_end.close()
    session = LearnerSession(
        workspace,
        lambda: PairedChannel(judge_end),
        call_seconds=10,
        deadline=None,
        ruled=frozenset({EXERCISE}),
    )
    session.begin_test("roundtrip")
    x = torch.randn(4, 4)
    judge_profiler = cProfile.Profile() if args.profile else None
    print(
        f"{args.calls} calls each, learner module {EXERCISE} (its forbidden-call rules armed), a 4x4 float32 tensor in and out"
    )
    for name in CALLS:
        times = []
        for _ in range(args.calls):
            started = time.perf_counter()
            if judge_profiler is not None:
                judge_profiler.enable()
            try:
                session.call(EXERCISE, name, (x,), {}, None)
            except LearnerProblem:
                pass
            if judge_profiler is not None:
                judge_profiler.disable()
            times.append(time.perf_counter() - started)
        print(
            f"  {name:<8} median {1000 * statistics.median(times):.3f} ms, mean {1000 * statistics.fmean(times):.3f} ms"
        )
    judge_end.close()
    os.waitpid(pid, 0)
    if judge_profiler is not None and worker_profile is not None:
        for side, stats in (
            ("judge", pstats.Stats(judge_profiler)),
            ("worker", pstats.Stats(worker_profile)),
        ):
            print(f"\n{side}, top entries by own time:")
            stats.sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
