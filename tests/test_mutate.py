"""bench/mutate.py's generator and verdicts, without grading anything: which single-point
mutants a module yields, that they parse and stay stable, and what they leave alone."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys

import pytest
from helpers import ROOT

spec = importlib.util.spec_from_file_location("mutate", ROOT / "bench" / "mutate.py")
assert spec and spec.loader
mutate = importlib.util.module_from_spec(spec)
sys.modules["mutate"] = mutate
spec.loader.exec_module(mutate)

TOY = '''"""99 toy: a module docstring that no mutant may touch."""

from __future__ import annotations

import torch

Pair = tuple[torch.Tensor, torch.Tensor]


def scale(x: torch.Tensor, factor: float = 2.0, *, keepdim: bool = False) -> torch.Tensor:
    """A function docstring that no mutant may touch."""
    if factor < 0:
        raise ValueError(f"factor {factor + 1} is negative")
    y = x.detach() * factor  # a comment that stays
    return y.sum(dim=-1, keepdim=keepdim)


def pick(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    best = torch.maximum(a, b)
    return best
'''


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "ex99_toy.py"
    path.write_text(TOY)
    return path


def changes(mutants) -> set[tuple[str, str]]:
    return {(m.scope, m.change) for m in mutants}


def test_a_toy_module_yields_the_expected_mutants(toy):
    found = changes(mutate.generate(toy))
    expected = {
        ("scale", "2.0 -> 4.0"),  # a default value
        ("scale", "2.0 -> -2.0"),
        ("scale", "False -> True"),  # the keyword-only default
        ("scale", "'<' -> '<='"),
        ("scale", "'<' -> '>='"),
        ("scale", "0 -> 1"),
        ("scale", "if factor < 0 -> if True"),
        ("scale", "drop 'raise ValueError(f\"factor {factor + 1} is negative\")'"),
        ("scale", "'*' -> '/'"),
        ("scale", "drop .detach(...)"),
        ("scale", "drop 'y = x.detach() * factor'"),
        ("scale", "drop dim=-1"),
        ("scale", "drop keepdim=keepdim"),
        ("scale", "keepdim=keepdim -> keepdim=True"),
        ("scale", "keepdim=keepdim -> keepdim=False"),
        ("scale", "-1 -> 0"),
        ("scale", "-1 -> 1"),
        ("scale", "drop .sum(...)"),
        ("pick", "swap the arguments of torch.maximum"),
        ("pick", "return best -> return a"),
        ("pick", "return best -> return b"),
        ("pick", "drop 'best = torch.maximum(a, b)'"),
    }
    assert expected <= found, expected - found


def test_docstrings_annotations_imports_and_messages_are_left_alone(toy):
    mutants = mutate.generate(toy)
    assert mutants
    for m in mutants:
        assert '"""99 toy: a module docstring that no mutant may touch."""' in m.source
        assert '"""A function docstring that no mutant may touch."""' in m.source
        assert "from __future__ import annotations\n\nimport torch\n" in m.source
        assert "Pair = tuple[torch.Tensor, torch.Tensor]" in m.source
        assert "(x: torch.Tensor, factor: float = " in m.source or m.kind == "default"
        assert "-> torch.Tensor:" in m.source
    # The f-string's value is not something the course grades (here; see MESSAGE_NAMES).
    assert not any("factor + 1" in m.target and m.kind != "statement" for m in mutants)


def test_every_mutant_parses_and_is_a_different_program(toy):
    original = ast.dump(ast.parse(TOY))
    shapes = set()
    for m in mutate.generate(toy):
        shape = ast.dump(ast.parse(m.source))
        assert shape != original, m.description
        shapes.add(shape)
        assert m.before in TOY, m.description
        assert m.after in m.source, m.description
    assert len(shapes) == len(mutate.generate(toy))


def test_a_change_is_made_in_place_keeping_the_rest_of_the_text(toy):
    (m,) = [m for m in mutate.generate(toy) if m.change == "'*' -> '/'"]
    assert m.source == TOY.replace("x.detach() * factor", "x.detach() / factor")
    assert m.description == "ex99_toy.py:14 '*' -> '/'"
    assert m.before.strip() == "y = x.detach() * factor  # a comment that stays"
    assert m.after.strip() == "y = x.detach() / factor  # a comment that stays"


def test_ids_and_keys_are_stable_and_do_not_depend_on_line_numbers(toy, tmp_path):
    first = mutate.generate(toy)
    assert [m.id for m in first] == [m.id for m in mutate.generate(toy)]
    assert len({m.id for m in first}) == len(first)
    moved = tmp_path / "moved" / "ex99_toy.py"
    moved.parent.mkdir()
    moved.write_text(TOY.replace("import torch\n", "import torch\n\n# a new comment\nX = 1\n"))
    again = {m.key: m for m in mutate.generate(moved)}
    for m in first:
        assert m.key in again, m.key
        assert again[m.key].id == m.id
        assert again[m.key].line == m.line + 3
    assert all("::" in m.key and str(m.line) not in m.key.split("::")[-1] for m in first)


@pytest.fixture(scope="module")
def solution_mutants():
    return {p.name: mutate.generate(p) for p in sorted((ROOT / "solutions").glob("ex*.py"))}


def test_every_solution_yields_mutants_that_parse_with_unique_ids(solution_mutants):
    ids = set()
    for name, mutants in solution_mutants.items():
        original = (ROOT / "solutions" / name).read_text()
        assert len(mutants) > 20, name
        for m in mutants:
            compile(m.source, m.file, "exec")
            assert m.id.startswith(name[2:4] + "-")
            ids.add(m.id)
            if m.kind != "statement":  # an edit in place: every comment is still there
                assert m.source.count("#") == original.count("#"), m.description
    assert len(ids) == sum(len(ms) for ms in solution_mutants.values())


def results(earned, possible, *outcomes, status="graded", detail=""):
    checks = [{"name": f"test_{i}", "outcome": o, "kind": k} for i, (o, k) in enumerate(outcomes)]
    return {
        "status": status,
        "status_detail": detail,
        "totals": {"earned": earned, "possible": possible},
        "exercises": [{"checks": checks}],
    }


@pytest.mark.parametrize(
    ("result", "stopped", "outcome", "reason"),
    [
        (results(10, 10, ("passed", ""), ("skipped", "skipped")), False, "survived", ""),
        (results(5, 10, ("passed", ""), ("failed", "wrong")), False, "killed", "checks"),
        (results(5, 10, ("passed", ""), ("failed", "timeout")), False, "killed", "timeout"),
        (results(5, 10, ("passed", ""), ("not_run", "not_run")), False, "killed", "timeout"),
        (
            results(0, 10, status="error", detail="judge died"),
            False,
            "killed",
            "not graded (error)",
        ),
        (None, False, "killed", "not graded: no results.json"),
        (None, True, "unresolved", "the batch ran past its time budget"),
    ],
)
def test_verdicts(result, stopped, outcome, reason):
    verdict = mutate.verdict_of("01-x", result, stopped)
    assert (verdict.outcome, verdict.reason) == (outcome, reason)


def test_the_known_survivor_list_parses_and_names_mutants_that_exist(tmp_path, solution_mutants):
    known = mutate.load_known(mutate.EQUIVALENT_FILE)
    keys = {m.key for mutants in solution_mutants.values() for m in mutants}
    listed = {**known.equivalent, **known.needs_cuda}
    assert set(listed) <= keys, sorted(set(listed) - keys)
    assert not set(known.equivalent) & set(known.needs_cuda)
    assert all(reason.strip() for reason in listed.values())
    toml = tmp_path / "known.toml"
    toml.write_text(
        '[[equivalent]]\nkey = "a"\nreason = "one"\n\n'
        '[[equivalent]]\nkeys = ["b", "c"]\nreason = "two"\n\n'
        '[[needs_cuda]]\nkeys = ["d"]\ncheck = "test_x[cuda]"\nreason = "three"\n'
    )
    known = mutate.load_known(toml)
    assert known.equivalent == {"a": "one", "b": "two", "c": "two"}
    assert known.needs_cuda == {"d": "killed by test_x[cuda] on a machine with CUDA: three"}


@pytest.mark.parametrize(("cuda_ran", "verdict"), [(False, "needs_cuda"), (True, "not_killed")])
def test_survivors_are_classified(cuda_ran, verdict):
    known = mutate.Known({"a": "same"}, {"b": "killed by test_x[cuda] ..."})
    ex = {"survived": 3, "cuda_ran": cuda_ran, "survivors": [{"key": k} for k in "abc"]}
    mutate.classify(ex, known)
    assert [s["verdict"] for s in ex["survivors"]] == ["equivalent", verdict, "not_killed"]
    assert ex["equivalent"] == 1
    assert ex["not_killed"] == (2 if cuda_ran else 1)


def test_the_json_report_has_one_line_per_mutant():
    mutants = [{"id": f"01-{i}", "key": "a::b", "outcome": "killed"} for i in range(3)]
    report = {"made": 3, "exercises": [{"file": "ex01.py", "mutants": mutants}]}
    text = mutate.report_json(report)
    assert json.loads(text) == report
    assert sum(1 for line in text.splitlines() if '"outcome"' in line) == 3
