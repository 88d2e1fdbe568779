"""The second red-team corpus (redteam2_corpus.py), graded as one class with the real CLI,
as root, as CI runs it: one learner never touches another's grade, measurements that learner
code rewrites gain nothing and are flagged, names never collide, outputs stay bounded."""

import csv
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from helpers import ROOT, SOLUTIONS, make_submission, run_grader
from redteam2_corpus import EX01, EX02, GARBAGE1, GARBAGE2, LEAK, MARKER, corpus

pytestmark = [
    pytest.mark.slow,  # grades real submissions
    pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root, as in CI"),
]
REQUIRED = ("whitelist_root", "private_scratch", "pid_namespace", "ipc_namespace", "cgroup_limits")
SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", str(Path.home()))


def left_behind() -> list[str]:
    """Files, shared-memory segments and processes any case left on the machine."""
    found = []
    for place in SHARED_PLACES:
        try:
            found += [f"{place}/{n}" for n in os.listdir(place) if MARKER in n]
        except OSError:
            pass
    sysv = Path("/proc/sysvipc/shm")
    if sysv.exists():
        rows = sysv.read_text().splitlines()[1:]
        found += [f"sysv shm {r.split()[1]}" for r in rows if r.split()[7:8] != ["0"]]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"{MARKER}.".encode() in cmdline or b"rt2_" in cmdline:
            found.append(f"process {pid}: {cmdline!r}")
    return found


def sysv_segments() -> set[str]:
    sysv = Path("/proc/sysvipc/shm")
    return {r.split()[1] for r in sysv.read_text().splitlines()[1:]} if sysv.exists() else set()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    doctor = run_grader("doctor", timeout=300)
    off = [
        m
        for m in REQUIRED
        if not any(line.split()[:2] == ["on", m] for line in doctor.stdout.splitlines())
    ]
    assert not off, f"protections off on this machine: {off}\n{doctor.stdout}"
    root = tmp_path_factory.mktemp("redteam2")
    cases = {c.name: c for c in corpus(SOLUTIONS)}
    subs = root / "class"
    make_submission(subs / "control", {EX01: GARBAGE1, EX02: GARBAGE2})
    for case in cases.values():
        make_submission(subs / case.name, case.files)
    segments_before = sysv_segments()
    out = root / "out"
    started = time.monotonic()
    args = ["batch", str(subs), "--out", str(out), "-e", "01", "-e", "02", "-j", "2"]
    done = run_grader(*args, "--call-timeout", "3", "--time-limit", "120", timeout=900)
    seconds = time.monotonic() - started
    again = run_grader(*args, timeout=300)  # nothing left to grade: every result is kept
    yield {
        "cases": cases,
        "out": out,
        "done": done,
        "again": again,
        "seconds": seconds,
        "segments_before": segments_before,
    }
    shutil.rmtree(f"/tmp/rt2_mod_{MARKER}.py", ignore_errors=True)


def folders(graded) -> dict[str, Path]:
    """Each submission's output folder, found by the name its results.json holds."""
    found = {}
    for path in (graded["out"] / "submissions").glob("*/results.json"):
        found[json.loads(path.read_text())["submission"]] = path.parent
    return found


def results(graded, name):
    return json.loads((folders(graded)[name] / "results.json").read_text())


def checks(data):
    return {c["id"]: c for e in data["exercises"] for c in e["checks"]}


CASES = corpus(SOLUTIONS)
NAMES = [c.name for c in CASES]


def test_the_corpus_has_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_the_batch_finishes_with_every_report_and_class_file(graded):
    done = graded["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    found = folders(graded)
    for name in [*graded["cases"], "control"]:
        assert name in found, name
        for file in ("results.json", "report.html", "gradescope.json"):
            assert (found[name] / file).is_file(), (name, file)
    for file in ("grades.csv", "summary.html"):
        assert (graded["out"] / file).is_file()
    print(f"\nthe batch of {len(found)} submissions took {graded['seconds']:.0f} s")
    assert graded["seconds"] < 600  # loose: a hung judge, not a slow machine


def test_a_rerun_keeps_every_grade(graded):
    again = graded["again"]
    assert again.returncode == 0, again.stdout[-2000:]
    assert f"{len(graded['cases']) + 1} of them from an earlier run" in again.stdout


def test_each_name_gets_one_row_and_a_folder_of_its_own(graded):
    with open(graded["out"] / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = next(iter(rows[0]))
    named = [row[first] for row in rows]
    expected = [*graded["cases"], "control"]
    assert sorted(named) == sorted(expected) or len(named) == len(expected)
    found = folders(graded)
    assert len({str(p).lower() for p in found.values()}) == len(expected)
    for file in ("grades.csv", "summary.html"):
        assert (graded["out"] / file).is_file()  # a submission named so took nothing of it


@pytest.mark.parametrize("name", NAMES)
def test_each_case_gets_its_outcome(graded, name):
    case = graded["cases"][name]
    data = results(graded, name)
    assert data["status"] == case.status, data["status_detail"]
    by_id = checks(data)
    errors = [c["id"] for c in by_id.values() if c["kind"] == "grader_error"]
    assert not errors, f"learner code made grader errors: {errors}"
    kinds = {c["kind"] for c in by_id.values() if c["outcome"] != "passed"}
    if case.kinds:
        assert kinds & case.kinds, f"expected one of {case.kinds}, got {kinds}"
    flags = {f["code"] for f in data["flags"]}
    assert case.flags <= flags, flags
    for check in by_id.values():
        if any(check["name"].startswith(m) for m in case.must_fail):
            assert check["earned"] == 0, f"{check['name']} earned {check['earned']}"
    if case.full_marks:
        lost = [
            (c["name"], c["message"][:300])
            for c in by_id.values()
            if c["outcome"] != "skipped" and c["earned"] < c["points"]
        ]
        assert not lost, lost
        assert not [f for f in data["flags"] if f.get("severity") == "tamper"], data["flags"]


@pytest.mark.parametrize("name", NAMES)
def test_no_case_scores_above_the_honest_wrong_answer(graded, name):
    case = graded["cases"][name]
    if case.full_marks:
        return  # an honest submission: its marks are checked above
    control = checks(results(graded, "control"))
    for check_id, check in checks(results(graded, name)).items():
        if any(check["name"].startswith(s) for s in case.solves) and not any(
            check["name"].startswith(m) for m in case.must_fail
        ):
            continue
        baseline = control.get(check_id, {"earned": 0.0})["earned"]
        assert check["earned"] <= baseline, f"{name} earned {check['earned']} on {check_id}"


def test_nothing_of_any_case_survives_the_batch(graded):
    deadline = time.monotonic() + 5
    while left_behind() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left_behind() == []
    assert sysv_segments() <= graded["segments_before"]


def test_text_from_a_hidden_check_never_reaches_an_output(graded):
    texts = [graded["done"].stdout, graded["done"].stderr]
    texts += [p.read_text(errors="replace") for p in graded["out"].rglob("*") if p.is_file()]
    assert not [t for t in texts if LEAK in t]


def test_outputs_stay_bounded(graded):
    largest = {}
    for file in ("results.json", "report.html", "gradescope.json"):
        sizes = [p.stat().st_size for p in graded["out"].rglob(file)]
        largest[file] = max(sizes)
    print(f"\nlargest per-submission files: {largest}")
    assert all(size < 2_000_000 for size in largest.values()), largest


def test_the_root_stays_untouched(graded):
    assert not (ROOT / f"rt2_{MARKER}.py").exists()
