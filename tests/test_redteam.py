"""The red-team corpus, graded as one class with the real CLI (as root in CI, as CI runs).

Every case must end with a report, the batch must finish, no case may score above the
honest-wrong-answer control on a check it did not solve, no file outside the workspace may
change, no process a case started may survive, and the canary planted in the hidden suites
must never appear in anything a learner sees.
"""

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT, make_submission, run_grader
from redteam_corpus import CANARY, EX01, GARBAGE, HOST_MARKER, MARKER, corpus

pytestmark = pytest.mark.slow  # grades real submissions

AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="the full sandbox needs root, as in CI")


class Listener:
    """A loopback TCP port that must never hear from a worker."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.heard: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.heard.append(conn.recv(100) or b"(connected)")
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [
            d
            for d in dirs
            if d not in (".git", "__pycache__", ".grader", ".pytest_cache", ".ruff_cache")
        ]
        for name in files:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


def marked_processes() -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if f"sleep {MARKER}.".encode() in cmdline:
                found.append(cmdline.decode(errors="replace"))
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    listener = Listener()
    cases = {c.name: c for c in corpus(ROOT, listener.port)}
    subs = root / "class"
    subs.mkdir()
    make_submission(subs / "control", {EX01: GARBAGE})
    for case in cases.values():
        if case.build:
            case.build(subs / case.name)
        else:
            make_submission(subs / case.name, case.files)
    before = snapshot(ROOT)
    for marker in (Path(HOST_MARKER), ROOT / "redteam-was-here", Path("/var/tmp/redteam-was-here")):
        marker.unlink(missing_ok=True)
    out = root / "out"
    started = time.monotonic()
    done = run_grader(
        "batch",
        str(subs),
        "--out",
        str(out),
        "-e",
        "01",
        "-j",
        "2",
        "--call-timeout",
        "2",
        "--time-limit",
        "120",
        timeout=900,
    )
    # The learner's own view: `grader check` on the case that reads the suites.
    check = run_grader(
        "check",
        "01",
        "--target",
        str(subs / "reads_suites"),
        "--call-timeout",
        "2",
        "--html",
        str(root / "check.html"),
        timeout=300,
    )
    listener.close()
    yield {
        "cases": cases,
        "out": out,
        "done": done,
        "check": check,
        "root": root,
        "listener": listener,
        "before": before,
        "seconds": time.monotonic() - started,
    }


def results(graded, name):
    return json.loads((graded["out"] / "submissions" / name / "results.json").read_text())


def checks_by_id(data):
    return {c["id"]: c for e in data["exercises"] for c in e["checks"]}


def test_the_corpus_is_large_enough(graded):
    assert len(graded["cases"]) >= 25


def test_the_batch_finishes_and_every_case_ends_with_a_report(graded):
    done = graded["done"]
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for name in [*graded["cases"], "control"]:
        for file in ("results.json", "report.html", "gradescope.json"):
            assert (graded["out"] / "submissions" / name / file).is_file(), (name, file)
    assert (graded["out"] / "summary.html").is_file()


CASE_NAMES = [c.name for c in corpus(ROOT, 9)]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_case_gets_its_expected_outcome(graded, name):
    case = graded["cases"][name]
    data = results(graded, name)
    assert data["status"] == case.status, data["status_detail"]
    kinds = {c["kind"] for c in checks_by_id(data).values() if c["outcome"] != "passed"}
    if case.kinds:
        assert kinds & case.kinds, f"expected one of {case.kinds}, got {kinds}"
    assert case.flags <= {f["code"] for f in data["flags"]}
    assert case.findings <= {f["code"] for f in data["findings"]}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_no_case_scores_above_the_honest_wrong_answer(graded, name):
    control = checks_by_id(results(graded, "control"))
    solves = graded["cases"][name].solves
    for check_id, check in checks_by_id(results(graded, name)).items():
        if any(f"test_{fn}" in check["name"] for fn in solves):
            continue
        baseline = control.get(check_id, {"earned": 0.0})["earned"]
        assert check["earned"] <= baseline, f"{name} earned {check['earned']} on {check_id}"


def test_the_canary_never_reaches_a_learner(graded):
    texts = [
        graded["done"].stdout,
        graded["done"].stderr,
        graded["check"].stdout,
        graded["check"].stderr,
    ]
    texts.append((graded["root"] / "check.html").read_text())
    for path in graded["out"].rglob("*"):
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    assert texts and not [t for t in texts if CANARY in t]
    # The attack ran, and found nothing to read.
    assert "raised FileNotFoundError" in graded["check"].stdout


@needs_root
def test_no_file_outside_the_workspace_changes(graded):
    assert not Path(HOST_MARKER).exists() and not (ROOT / "redteam-was-here").exists()
    assert (
        not Path("/var/tmp/redteam-was-here").exists()
        and not Path("/root/redteam-was-here").exists()
    )
    after = snapshot(ROOT)
    changed = {
        p for p in set(graded["before"]) | set(after) if graded["before"].get(p) != after.get(p)
    }
    assert not changed, sorted(changed)[:10]


def test_no_process_of_a_case_survives(graded):
    deadline = time.monotonic() + 5
    while marked_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked_processes() == []


@needs_root
def test_no_network(graded):
    assert graded["listener"].heard == []
    printed = results(graded, "opens_socket")
    outputs = " ".join(c["output"] for c in checks_by_id(printed).values())
    assert "connected" not in outputs.replace("no network", "")


def test_output_floods_are_cut(graded):
    data = results(graded, "prints_megabytes")
    flooded = [c for c in checks_by_id(data).values() if c["output"]]
    assert flooded and all(c["output_truncated"] and len(c["output"]) <= 20_000 for c in flooded)
    assert (
        graded["out"] / "submissions" / "prints_megabytes" / "report.html"
    ).stat().st_size < 2_000_000


def test_a_guard_bypass_is_flagged_for_the_instructor(graded):
    summary = (graded["out"] / "summary.html").read_text()
    assert "Flagged for a look" in summary and "guard_bypass" in summary
