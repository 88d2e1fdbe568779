"""The release-time guard: no shipped file holds a piece of a solution, up to renaming."""

from __future__ import annotations

import pytest
from helpers import ROOT, copy_course, run_grader

from grader.leaks import find_leaks

SOLUTION = """
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * inputs.shape[0]
        count += inputs.shape[0]
    return total / count
"""

RENAMED = """
def reference_epoch(net, batches, criterion, opt, where):
    seen, summed = 0, 0.0
    net.train()
    for x, y in batches:
        x, y = x.to(where), y.to(where)
        value = criterion(net(x), y)
        opt.zero_grad()
        value.backward()
        opt.step()
        summed += value.item() * x.shape[0]
        seen += x.shape[0]
    return summed / seen
"""


def test_a_solution_piece_is_found_up_to_renaming_with_its_line(tmp_path):
    solution = tmp_path / "ex08_training.py"
    solution.write_text(SOLUTION)
    leaks = find_leaks([solution], {"suites/ex08/test_public.py": RENAMED})
    assert leaks, "a renamed copy of the solution's statements was not found"
    assert leaks[0].file == "suites/ex08/test_public.py" and leaks[0].line == 5
    assert "train_one_epoch" in str(leaks[0])


def test_short_and_unrelated_code_is_no_leak(tmp_path):
    solution = tmp_path / "ex08_training.py"
    solution.write_text(SOLUTION)
    shipped = {"a.py": "def f(model):\n    model.train()\n    return model(1)\n"}
    assert find_leaks([solution], shipped) == []


@pytest.mark.slow
def test_release_refuses_a_kit_with_a_planted_answer(tmp_path):
    course = copy_course(tmp_path / "course")
    public = course / "suites" / "ex02_ops" / "test_public.py"
    solution = (ROOT / "solutions" / "ex02_ops.py").read_text()
    # A helper in the public suite that is the solution's softmax, renamed.
    start = solution.index("def softmax(")
    end = solution.index("\ndef ", start + 1)
    planted = solution[start:end].replace("def softmax(", "def _expected_softmax(")
    public.write_text(public.read_text() + "\n\n" + planted + "\n")
    out = tmp_path / "kit"
    done = run_grader("--course", str(course), "release", "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "suites/ex02_ops/test_public.py:" in error[0], done.stderr
    assert "ex02_ops.py: softmax" in error[0]
    assert not out.exists()
