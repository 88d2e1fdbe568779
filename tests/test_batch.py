"""`grader batch` and `grader merge`, end to end: a class with good, broken and bad submissions."""

import csv
import io
import json
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, make_submission, replace_function, run_grader, solution, stub

pytestmark = pytest.mark.slow  # grades real submissions

EX01 = "ex01_tensors.py"
HALF = replace_function(
    stub(EX01),
    "describe",
    (
        "    return {'shape': tuple(x.shape), 'dtype': x.dtype, 'device': x.device,\n"
        "            'numel': x.numel(), 'requires_grad': x.requires_grad}\n"
    ),
)


def zip_of(
    path: Path, entries: dict[str, bytes | str], links: dict[str, str] | None = None
) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def build_class(folder: Path) -> Path:
    folder.mkdir(parents=True)
    make_submission(folder / "ada", {f"exercises/{EX01}": solution(EX01)})
    make_submission(folder / "bob", {EX01: HALF, "notes.md": "my notes"})
    zip_of(folder / "cleo.zip", {f"cleo-main/exercises/{EX01}": HALF})
    # Bad submissions: each must get a row and a report that says what was wrong.
    (folder / "dan").mkdir()  # empty
    (folder / "eve.txt").write_text("not a submission")
    (folder / "fay.zip").write_bytes(b"PK\x03\x04 truncated")
    zip_of(
        folder / "gus.zip",
        {"../evil.py": "x = 1", "/etc/evil.py": "x = 1", f"gus/{EX01}": solution(EX01)},
        links={"gus/ex02_ops.py": "/etc/passwd"},
    )
    make_submission(folder / "hal", {EX01: "x = 1\n" + "#" * 600_000})
    make_submission(folder / "ivy", {"README.md": "forgot the code"})
    (folder / "jo").mkdir()
    (folder / "jo" / EX01).write_bytes("# café\n".encode("latin-1"))
    return folder


BAD = {
    "dan": "empty",
    "eve.txt": "not_a_submission",
    "fay": "bad_zip",
    "hal": "too_large",
    "ivy": "no_modules",
    "jo": "not_utf8",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    klass = build_class(root / "class")
    out = root / "out"
    started = time.monotonic()
    done = run_grader("batch", str(klass), "--out", str(out), "-e", "01", "-j", "2")
    return klass, out, done, time.monotonic() - started


def rows(out: Path) -> dict[str, dict]:
    return {
        r["submission"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))
    }


def test_every_submission_gets_a_row_and_a_report(graded):
    _, out, done, _ = graded
    assert done.returncode == 1, "not every submission could be graded, and the exit code says so"
    names = {"ada", "bob", "cleo", "dan", "eve.txt", "fay", "gus", "hal", "ivy", "jo"}
    assert set(rows(out)) == names
    for name in names:
        for file in ("results.json", "report.html", "gradescope.json"):
            assert (out / "submissions" / name / file).is_file(), (name, file)
    assert "Not graded: dan, eve.txt, fay, hal, ivy, jo" in done.stdout


def test_good_submissions_score_and_zips_grade_like_folders(graded):
    _, out, _, _ = graded
    table = rows(out)
    assert table["ada"]["percent"] == "100.0" and table["ada"]["status"] == "graded"
    assert 0 < float(table["bob"]["total"]) < float(table["bob"]["possible"])
    assert table["cleo"]["total"] == table["bob"]["total"], "the same code in a zip scores the same"


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_submission_says_what_was_wrong(graded, name):
    _, out, _, _ = graded
    results = json.loads((out / "submissions" / name / "results.json").read_text())
    assert results["status"] == "rejected" and results["totals"]["earned"] == 0
    assert BAD[name] in {f["code"] for f in results["findings"]}
    report = (out / "submissions" / name / "report.html").read_text()
    assert "Not graded" in report


def test_an_unsafe_zip_is_graded_without_its_unsafe_entries(graded):
    klass, out, _, _ = graded
    results = json.loads((out / "submissions" / "gus" / "results.json").read_text())
    assert results["status"] == "graded" and results["totals"]["percent"] == 100.0
    unsafe = [f for f in results["findings"] if f["code"] == "unsafe_zip_entry"]
    assert len(unsafe) == 3
    assert not (klass.parent / "evil.py").exists() and not (out.parent / "evil.py").exists()


def test_gradescope_results_follow_the_format(graded):
    _, out, _, _ = graded
    data = json.loads((out / "submissions" / "bob" / "gradescope.json").read_text())
    assert data["score"] == sum(t["score"] for t in data["tests"])
    for test in data["tests"]:
        assert {"name", "score", "max_score", "status", "visibility"} <= set(test)
        if test["status"] == "failed" and "public" in test["tags"]:
            assert test["output"]
        if "hidden" in test["tags"]:
            assert "output" not in test, "hidden checks: name and points only"


def test_the_summary_page_has_the_class(graded):
    _, out, _, _ = graded
    page = (out / "summary.html").read_text()
    assert "<svg" in page and 'href="submissions/ada/report.html"' in page
    assert "Every check, lowest pass rate first" in page and "Not graded" in page
    # The learners come before the distribution, and the per-check table is folded.
    assert page.index('id="learners"') < page.index("<svg") < page.index('<details id="checks">')


def test_a_second_run_resumes_and_force_grades_again(graded, tmp_path):
    klass, out, _, _ = graded
    again = run_grader("batch", str(klass), "--out", str(out), "-e", "01", "-j", "2")
    assert "10 of 10 already graded with the same checks" in again.stdout
    # A learner hands in again: only that submission is graded anew.
    (klass / "bob" / EX01).write_text(solution(EX01))
    os.utime(klass / "bob" / EX01, (time.time() + 5, time.time() + 5))
    changed = run_grader("batch", str(klass), "--out", str(out), "-e", "01", "-j", "2")
    assert "9 of 10 already graded" in changed.stdout and "bob: " in changed.stdout
    assert rows(out)["bob"]["percent"] == "100.0"
    forced = run_grader("batch", str(klass), "--out", str(out), "-e", "01", "-j", "2", "--force")
    assert "already graded" not in forced.stdout and forced.stdout.count("[") >= 10


def test_shards_merged_equal_the_whole(graded, tmp_path):
    klass, out, _, _ = graded
    for k in (1, 2):
        run_grader(
            "batch",
            str(klass),
            "--out",
            str(tmp_path / f"shard{k}"),
            "-e",
            "01",
            "--shard",
            f"{k}/2",
        )
    shard_names = [
        {p.name for p in (tmp_path / f"shard{k}" / "submissions").iterdir()} for k in (1, 2)
    ]
    assert shard_names[0] and shard_names[1] and not shard_names[0] & shard_names[1]
    merged = run_grader(
        "merge",
        str(tmp_path / "shard1"),
        str(tmp_path / "shard2"),
        "--out",
        str(tmp_path / "class"),
    )
    assert merged.returncode == 0, merged.stderr
    whole, parts = rows(out), rows(tmp_path / "class")
    assert set(whole) == set(parts)
    for name in whole:
        if name != "bob":  # bob changed in the resume test above
            assert (whole[name]["status"], whole[name]["total"]) == (
                parts[name]["status"],
                parts[name]["total"],
            )
    assert (tmp_path / "class" / "summary.html").is_file()


def test_bad_batch_input_is_a_usage_error(tmp_path):
    done = run_grader("batch", str(ROOT / "README.md"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    (tmp_path / "c").mkdir()
    done = run_grader("batch", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "--shard", "3/2")
    assert done.returncode == 2 and "--shard must look like K/N" in done.stderr


def test_nothing_to_grade_is_a_clean_empty_class(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "one").mkdir()
    make_submission(tmp_path / "one" / "alice", {EX01: stub(EX01)})
    # An empty folder, and a shard that gets nothing: no grading, empty class files, exit 0.
    for args in ([str(empty)], [str(tmp_path / "one"), "--shard", "2/2"]):
        out = tmp_path / f"out{len(args)}"
        done = run_grader("batch", *args, "--out", str(out), "-e", "01")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "0 submission(s): 0 graded" in done.stdout
        assert (out / "summary.html").is_file()
        assert (out / "grades.csv").read_text().count("\n") == 1  # the header only


def test_report_re_renders_without_grading(graded, tmp_path):
    _, out, _, _ = graded
    for fmt in ("html", "csv", "gradescope", "json", "text"):
        done = run_grader(
            "report",
            str(out / "submissions" / "bob" / "results.json"),
            "--format",
            fmt,
            "--out",
            str(tmp_path / f"bob.{fmt}"),
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"bob.{fmt}").stat().st_size > 0


def test_judges_get_a_cpu_each_while_there_are_enough(monkeypatch):
    from grader import judging

    monkeypatch.setattr(judging.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert judging.cpus_for(1) == [1, 2, 3, 0]  # the first CPU left to the grader itself
    assert judging.cpus_for(4) == [0, 1, 2, 3]
    assert judging.cpus_for(5) == []  # more judges than CPUs: the scheduler balances them
