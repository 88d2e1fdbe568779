"""`grader release`: the learner kit works on its own and holds nothing hidden."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, copy_course, run_grader

from grader.course import load_course
from grader.kit_stubs import kit_stub

pytestmark = pytest.mark.slow  # grades real submissions


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "kit"
    done = run_grader("release", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "none copied" in done.stdout
    return out


@pytest.mark.parametrize("where", ["solutions", "."])
def test_force_never_deletes_any_of_the_course(tmp_path, where):
    course = copy_course(tmp_path / "course")
    out = (course / where).resolve()
    done = run_grader("--course", str(course), "release", "--out", str(out), "--force")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "inside the course folder" in done.stderr and "Traceback" not in done.stderr
    assert (course / "solutions" / "ex01_tensors.py").is_file()
    assert (course / "suites").is_dir()
    # Nor a folder that holds the course.
    done = run_grader("--course", str(course), "release", "--out", str(tmp_path), "--force")
    assert done.returncode == 2 and "holds the course folder" in done.stderr
    assert (course / "solutions" / "ex01_tensors.py").is_file()


def kit_texts(kit: Path):
    for path in kit.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path, path.read_text(errors="replace")


def hidden_check_names() -> set[str]:
    names = set()
    for suite in ROOT.glob("suites/ex*/test_hidden.py"):
        for node in ast.walk(ast.parse(suite.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def solution_bodies() -> list[str]:
    """Every solution function body of two statements or more, whitespace-normalised."""
    bodies = []
    for path in ROOT.glob("solutions/*.py"):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = [
                    s
                    for s in node.body
                    if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                ]
                if len(body) >= 2:
                    text = "\n".join(ast.get_source_segment(source, s) or "" for s in body)
                    bodies.append(normalise(text))
    return bodies


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_kit_holds_what_a_learner_needs(kit):
    for name in (
        "README.md",
        "pyproject.toml",
        ".github/workflows/check.yml",
        "grader/cli/__init__.py",
        "templates/report.html.j2",
        "suites/hidden.json",
        "exercises/ex01_tensors.py",
        "suites/ex01_tensors/test_public.py",
        "suites/ex01_tensors/probes.py",
    ):
        assert (kit / name).is_file(), name
    # The stub as the course has it, less its Chinese (`zh:` blocks: tests/test_kit_stubs.py).
    assert (kit / "exercises" / "ex01_tensors.py").read_text() == kit_stub(
        (ROOT / "exercises" / "ex01_tensors.py").read_text(), "en"
    ).source


def test_nothing_hidden_leaks(kit):
    assert not (kit / "solutions").exists() and not list(kit.rglob("test_hidden.py"))
    assert not (kit / "tests").exists() and not (kit / "examples").exists()
    names = hidden_check_names()
    bodies = solution_bodies()
    assert names and bodies
    for path, text in kit_texts(kit):
        assert "hidden-suite-canary" not in text, path
        leaked = [n for n in names if n in text]
        assert not leaked, f"{path} names hidden checks {leaked}"
        flat = normalise(text)
        copied = [b for b in bodies if b in flat]
        assert not copied, f"{path} holds a solution body: {copied[0][:80]}"


def test_the_kit_carries_the_training_split_and_nothing_of_the_test_split(kit):
    """Exercise 10's learners train on data/digits_train.npz; the test split, the script that
    makes it and the references stay with the course, and no test image is in any kit file."""
    assert (kit / "data" / "digits_train.npz").read_bytes() == (
        ROOT / "data" / "digits_train.npz"
    ).read_bytes()
    shipped = [p for p in kit.rglob("*") if p.is_file()]
    names = {p.name for p in shipped}
    assert not [n for n in names if n.startswith("digits_test")]
    assert "make_split.py" not in names and "reference.py" not in names
    with np.load(ROOT / "suites" / "ex10_digits" / "digits_test.npz") as test:
        test_images = test["images"].reshape(len(test["images"]), 64)
    test_rows = {row.tobytes() for row in test_images}
    # Images that occur in both splits (the same 8x8 counts from two people) are not the
    # test split's own: only those of its images that the training split lacks must be absent.
    with np.load(kit / "data" / "digits_train.npz") as train:
        train_rows = {row.tobytes() for row in train["images"].reshape(-1, 64)}
    own = test_rows - train_rows
    assert len(own) > 300
    for path in shipped:
        if path.suffix == ".npz":
            with np.load(path) as data:
                for key in data.files:
                    rows = data[key].reshape(-1, 64) if data[key].size % 64 == 0 else None
                    if rows is not None and rows.dtype == np.uint8:
                        assert not own & {r.tobytes() for r in rows}, f"{path}: {key}"
        blob = path.read_bytes()
        assert (ROOT / "suites" / "ex10_digits" / "digits_test.npz").read_bytes() not in blob
        assert test_images.tobytes() not in blob, path


def test_the_kit_checks_exercise_10_from_its_recorded_values(kit, tmp_path):
    """The kit has no reference.py: its public checks of 10 read the values recorded at release."""
    solved = tmp_path / "solved"
    shutil.copytree(ROOT / "solutions", solved)
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "--course",
            str(kit),
            "check",
            "10",
            "--target",
            str(solved),
        ],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Only public checks ran" in done.stdout


def test_the_kit_installs_and_runs_public_checks_only(kit, tmp_path):
    NO_BUILD = ["--no-build-isolation", "-e", str(kit)]
    # A fresh environment that sees this one's packages (torch, click, ...) through a .pth
    # file, so the test installs the kit itself, not a second copy of PyTorch.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    outer = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "outer.pth").write_text("\n".join(outer) + "\n")
    pip = subprocess.run(
        [*[str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"], *NO_BUILD],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    grader = [str(venv / "bin" / "python"), "-m", "grader"]
    stubs = subprocess.run(
        [*grader, "check", "01"], cwd=kit, capture_output=True, text=True, timeout=300, env=env
    )
    assert stubs.returncode == 1, stubs.stdout + stubs.stderr
    assert "is not written yet" in stubs.stdout
    assert re.search(
        r"Only public checks ran\. Hidden checks \(\d+ checks, \d+ points\)", stubs.stdout
    )
    # Even with every public check passing, the kit never says that everything passed.
    solved = tmp_path / "solved"
    shutil.copytree(ROOT / "solutions", solved)
    done = subprocess.run(
        [*grader, "check", "01", "--target", str(solved)],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Only public checks ran" in done.stdout and "All " not in done.stdout
    listing = subprocess.run(
        [*grader, "list"], cwd=kit, capture_output=True, text=True, timeout=300, env=env
    )
    assert listing.returncode == 0 and "Hidden checks are not part of this kit" in listing.stdout


def test_recorded_values_are_kept_for_the_same_course_and_recorded_again_after_a_change(
    tmp_path, monkeypatch
):
    """The English and the Chinese kit released one after the other grade the solutions once;
    any change to a suite or a solution records the values again."""
    from grader import release as releasing

    recorded = []

    def record(course, folder):
        recorded.append(folder)
        (folder / "values").write_text(str(len(recorded)))

    monkeypatch.setattr(releasing, "record_golden", record)
    course = load_course(copy_course(tmp_path / "course"))
    first = releasing.golden_values(course)
    assert releasing.golden_values(course) == first and len(recorded) == 1
    solution = course.solutions_dir / "ex01_tensors.py"
    solution.write_text(solution.read_text() + "\n# changed\n")
    second = releasing.golden_values(course)
    assert second != first and len(recorded) == 2
    assert (second / "values").read_text() == "2" and (first / "values").read_text() == "1"
    assert sorted(p.name for p in second.parent.iterdir()) == sorted([first.name, second.name])


def test_a_course_whose_solutions_fail_gets_no_kit(tmp_path, monkeypatch):
    """Values are recorded last (a leak is refused first, in a second); when the solutions
    fail a public check, the kit written so far is removed."""
    from grader import release as releasing

    def failing(course, folder):
        raise releasing.ReleaseError("the solutions fail a public check (test_x)")

    monkeypatch.setattr(releasing, "record_golden", failing)
    course = load_course(copy_course(tmp_path / "course"))
    out = tmp_path / "kit"
    with pytest.raises(releasing.ReleaseError, match="fail a public check"):
        releasing.release(course, out, [])
    assert not out.exists()
    assert not list((course.root / ".grader" / "golden").iterdir())  # nothing half-recorded
