"""Exercises 01-05 in Chinese too (issue 16): every check has a Chinese title, every stub
docstring a Chinese part with the same examples, and every sentence the suites write comes
from a catalog with both languages. Read from the source and the imported suites; nothing is
graded."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import string
import sys
from pathlib import Path
from types import FunctionType, ModuleType

import pytest
from helpers import EXERCISES, ROOT

from grader.messages import docstring_parts, titles
from grader.testing import Catalog, public_suite

EXERCISE_IDS = ["ex01_tensors", "ex02_ops", "ex03_autograd", "ex04_backward", "ex05_modules"]
SUITES = ("test_public.py", "test_hidden.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


def suite(exercise: str, file_name: str) -> ModuleType:
    """A suite module as the judge imports it (the hidden one imports the public one)."""
    path = ROOT / "suites" / exercise / file_name
    if file_name == "test_public.py":
        return public_suite(str(path))
    name = f"zh_check_{exercise}_hidden"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def checks(module: ModuleType) -> dict[str, FunctionType]:
    return {
        name: fn
        for name, fn in vars(module).items()
        if name.startswith("test_") and isinstance(fn, FunctionType)
    }


CASES = [(ex, f) for ex in EXERCISE_IDS for f in SUITES]


@pytest.mark.parametrize(("exercise", "file_name"), CASES)
def test_every_check_has_a_chinese_title_that_keeps_its_leading_call(exercise, file_name):
    found = checks(suite(exercise, file_name))
    assert found, f"no checks in {exercise}/{file_name}"
    for name, fn in found.items():
        english, chinese = titles(fn.__doc__, name)
        assert chinese != english and CJK.search(chinese), f"{exercise}::{name}: no zh title"
        lines = [line.strip() for line in (fn.__doc__ or "").splitlines() if line.strip()]
        assert lines[1].startswith("zh:"), f"{exercise}::{name}: a title is one line"
        call = re.match(r"[\w.]+\(.*?\)", english)  # "one_hot()", "print(Linear(3, 4))"
        if call and english.startswith(call.group(0)):
            assert chinese.startswith(call.group(0)), f"{exercise}::{name}: {chinese}"


def examples(text: str) -> list[str]:
    """The doctest examples of a docstring: each `>>>` line and the output lines after it."""
    found, inside = [], False
    for line in inspect.cleandoc(text).splitlines():
        line = line.strip()
        inside = line.startswith(">>>") or (inside and bool(line))
        if inside:
            found.append(line)
    return found


def docstrings(path: Path) -> dict[str, str]:
    """The raw docstring of the module and of every function, class and method in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {"(module)": ast.get_docstring(tree, clean=False)}

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node, clean=False)
                if doc is not None:
                    found[prefix + node.name] = doc
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_every_stub_docstring_has_a_chinese_part_with_the_same_examples(exercise):
    found = docstrings(EXERCISES / f"{exercise}.py")
    assert found["(module)"], f"{exercise}: no module docstring"
    for name, doc in found.items():
        english, chinese = docstring_parts(doc)
        assert chinese and CJK.search(chinese), f"{exercise}.{name}: no Chinese docstring"
        assert examples(chinese) == examples(english), f"{exercise}.{name}: examples differ"
    # The Chinese title is in the same form as the English one: "01 张量：...".
    english, chinese = docstring_parts(found["(module)"])
    number = exercise[2:4]
    assert english.startswith(f"{number} ") and chinese.startswith(f"{number} "), exercise


@pytest.mark.parametrize(("exercise", "file_name"), CASES)
def test_every_suite_sentence_comes_from_a_catalog_in_both_languages(exercise, file_name):
    catalog = suite(exercise, file_name).T
    assert isinstance(catalog, Catalog)  # built with grader.testing.catalog: validated at import
    for key, (english, chinese) in catalog.entries.items():
        assert english != chinese, f"{exercise} {key}: not translated"
        fields = {name: 1.5 for _, name, _, _ in string.Formatter().parse(english) if name}
        for text in (english, chinese):
            assert text.format(**fields), key  # the same format specs work in both


@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_the_hidden_catalog_adds_to_the_public_one_and_overrides_nothing(exercise):
    public, hidden = suite(exercise, "test_public.py").T, suite(exercise, "test_hidden.py").T
    assert public.entries.items() <= hidden.entries.items()
    # The hidden suite's own keys, as its source writes them: none repeats a public key.
    tree = ast.parse((ROOT / "suites" / exercise / "test_hidden.py").read_text(encoding="utf-8"))
    own = [
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict) and None in node.keys  # {**S.T.entries, ...}
        for key in node.keys
        if isinstance(key, ast.Constant)
    ]
    assert own and not set(own) & set(public.entries), exercise


def test_a_catalog_speaks_the_learners_language(monkeypatch):
    catalog = suite("ex01_tensors", "test_public.py").T
    monkeypatch.setenv("GRADER_LANG", "zh")
    assert catalog.say("the_keys", what="describe(x)") == "describe(x) 的键"
    monkeypatch.setenv("GRADER_LANG", "en")
    assert catalog.say("the_keys", what="describe(x)") == "describe(x): the keys"
