"""Exercises 06 to 10 speak Chinese too: every check has a Chinese title, every stub docstring
a Chinese part with the same examples, and every sentence of a suite sits in a catalog with
both languages (grader.testing.catalog, which refuses an incomplete one at import)."""

from __future__ import annotations

import ast
import importlib.util
import re
import string
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from grader.messages import docstring_parts, titles
from grader.testing import Catalog

EXERCISES = {
    "06": "ex06_losses",
    "07": "ex07_optim",
    "08": "ex08_training",
    "09": "ex09_devices",
    "10": "ex10_digits",
}
SUITES = ("test_public.py", "test_hidden.py")
LEADING_CALL = re.compile(r"^[A-Za-z_][\w.]*\([^)]*\)")


def checks(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("number", list(EXERCISES))
def test_every_check_has_a_chinese_title(number, suite):
    found = checks(ROOT / "suites" / EXERCISES[number] / suite)
    assert found, f"{number} {suite}: no checks"
    for check in found:
        doc = ast.get_docstring(check)
        english, chinese = titles(doc, check.name)
        lines = [line.strip() for line in (doc or "").splitlines() if line.strip()]
        # A title is one line (a second English line would be cut off), its Chinese the next.
        assert lines[1:2] and lines[1].startswith("zh:"), (number, check.name)
        assert chinese != english and re.search(r"[\u4e00-\u9fff]", chinese), (check.name, doc)
        call = LEADING_CALL.match(english)
        if call:  # a leading call stays as it is in English
            assert chinese.startswith(call[0]), (check.name, english, chinese)


def docstrings(path: Path) -> list[tuple[str, str]]:
    """(name, docstring) of the module and of every class, function and method that has one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))]
    found = []
    for node in nodes:
        doc = ast.get_docstring(node, clean=False)
        if doc:
            found.append((getattr(node, "name", "module"), doc))
    return found


def examples(text: str) -> list[str]:
    """A docstring's examples: each `>>>` line and the output lines under it, stripped."""
    lines, found, inside = text.splitlines(), [], False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(">>>"):
            inside = True
        elif not stripped:
            inside = False
        if inside:
            found.append(stripped)
    return found


@pytest.mark.parametrize("number", list(EXERCISES))
def test_every_stub_docstring_has_a_chinese_part_with_the_same_examples(number):
    stub = ROOT / "exercises" / f"{EXERCISES[number]}.py"
    found = docstrings(stub)
    assert len(found) >= 3, stub
    for name, doc in found:
        english, chinese = docstring_parts(doc)
        assert chinese, f"{stub.name}: {name} has no zh: part"
        assert re.search(r"[\u4e00-\u9fff]", chinese), (name, chinese)
        assert examples(chinese) == examples(english), name
        assert ">>>" not in english or examples(english), name
    module_english, module_chinese = docstring_parts(found[0][1])
    first = module_chinese.strip().splitlines()[0]
    assert first.startswith(f"{number} ") and "：" in first, first  # "06 损失函数：…"
    assert module_english.startswith(f"{number} "), module_english


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("number", list(EXERCISES))
def test_every_suite_sentence_has_both_languages(number, monkeypatch):
    folder = ROOT / "suites" / EXERCISES[number]
    public = load(folder / "test_public.py", f"zh_check_public_{number}")
    hidden = load(folder / "test_hidden.py", f"zh_check_hidden_{number}")
    for module in (public, hidden):
        assert isinstance(module.MESSAGES, Catalog), module.__name__  # built by catalog()
    # the hidden checks say all the public sentences too, and add their own
    assert set(public.MESSAGES.entries) <= set(hidden.MESSAGES.entries)
    assert len(public.MESSAGES.entries) >= 10
    for key, (english, chinese) in hidden.MESSAGES.entries.items():
        assert english != chinese, key
        # Chinese words, or at least Chinese punctuation (a bare "{call}：")
        assert re.search(r"[\u4e00-\u9fff\uff08\uff09\uff0c\uff1a]", chinese), (key, chinese)
    monkeypatch.setenv("GRADER_LANG", "zh")
    key, (_, chinese) = next(iter(public.MESSAGES.entries.items()))
    fields = {name: "X" for _, name, _, _ in string.Formatter().parse(chinese) if name}
    assert public.MESSAGES.say(key, **fields) == chinese.format(**fields)
