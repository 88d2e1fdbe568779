"""A stub in the kit's language: the English kit drops every `zh:` block and is otherwise the
stub byte for byte; the Chinese kit has each Chinese part in place of its English one, the
code, comments, layout and examples unchanged, and lists what has no Chinese."""

from __future__ import annotations

import ast
import re

import pytest
from helpers import EXERCISES
from kit_fixture import BOTH, TODAY

from grader.kit_stubs import StubError, kit_stub
from grader.messages import docstring_parts


def docstrings(source: str) -> dict[str, str]:
    """Every docstring of a module (cleaned, as `ast.get_docstring` gives it), by name."""
    found = {}

    def visit(node, name):
        doc = ast.get_docstring(node, clean=True)
        if doc is not None:
            found[name] = doc
        for child in getattr(node, "body", []):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                visit(child, f"{name}.{child.name}")

    visit(ast.parse(source), "")
    return found


def examples(doc: str) -> list[str]:
    """The `>>>` lines of a docstring and the output lines under them."""
    kept, inside = [], False
    for line in doc.splitlines():
        if line.strip().startswith(">>>"):
            inside = True
        elif not line.strip():
            inside = False
        if inside:
            kept.append(line.strip())
    return kept


def code_only(source: str) -> str:
    """The module's AST with every docstring and NotImplementedError message blanked."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                value.value = ""
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NotImplementedError":
            node.args = []
    return ast.dump(tree)


def lines_outside_docstrings(source: str) -> list[str]:
    """The source lines that are not part of a docstring (code, comments, blank lines)."""
    tree = ast.parse(source)
    inside = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                inside.update(range(value.lineno, value.end_lineno + 1))
    return [line for n, line in enumerate(source.splitlines(), 1) if n not in inside]


def test_the_english_kit_drops_every_zh_block_and_nothing_else():
    assert kit_stub(BOTH, "en").source == TODAY
    assert kit_stub(BOTH, "en").untranslated == ()
    assert kit_stub(TODAY, "en").source == TODAY  # a stub without Chinese: byte for byte


def test_the_chinese_kit_has_each_chinese_part_in_place_of_the_english():
    made = kit_stub(BOTH, "zh").source
    before, after = docstrings(BOTH), docstrings(made)
    assert before.keys() == after.keys()
    for name, doc in before.items():
        english, chinese = docstring_parts(doc)
        assert after[name] == (chinese if chinese is not None else english), name
        if chinese is not None:
            assert examples(after[name]) == examples(english), name
    assert "\nzh:" not in made and "    zh:" not in made
    assert code_only(made) == code_only(BOTH)
    # Outside the docstrings, only the "not written yet" messages differ.
    blanked = [re.sub(r'"[^"\n]*"', '""', line) for line in lines_outside_docstrings(made)]
    assert blanked == [re.sub(r'"[^"\n]*"', '""', line) for line in lines_outside_docstrings(BOTH)]
    assert '    """与 `a` 共享内存的张量：写入其中一个，另一个也能看到。"""\n' in made  # one line
    assert '    r"""原始字符串文档：\\d+ 保持原样。"""\n' in made  # raw prefix, closing kept
    assert "'''y = exp(x)，与 torch.exp 相同。\n\n    d/dx exp(x) = exp(x)。'''" in made


def test_the_chinese_kit_translates_the_not_written_messages():
    made = kit_stub(BOTH, "zh").source
    assert 'NotImplementedError("describe：请实现这个函数（说明见其文档字符串）")' in made
    assert '        "share_numpy：请实现这个函数（说明见其文档字符串）"\n' in made
    assert 'NotImplementedError("Exp.forward：请实现这个方法（说明见类的文档字符串）")' in made
    assert 'NotImplementedError("Exp：请实现 backward（说明见类的文档字符串）")' in made
    assert "write this" not in made
    assert kit_stub(BOTH, "en").source.count("write this") == 3  # English: as it was


def test_a_zh_kit_lists_what_has_no_chinese_part():
    untranslated = kit_stub(BOTH, "zh").untranslated
    assert [(u.name, u.kind) for u in untranslated] == [("Exp.forward", "docstring")]
    assert untranslated[0].where("exercises/ex01_tensors.py") == (
        "exercises/ex01_tensors.py:66 Exp.forward"
    )
    odd = TODAY.replace("describe: write this function (see its docstring)", "describe: todo")
    listed = kit_stub(odd, "zh").untranslated
    message = next(u for u in listed if u.kind == "message")
    assert message.where("ex.py") == "ex.py:19 NotImplementedError('describe: todo')"
    # Untranslated text stays English, exactly as it is.
    assert 'NotImplementedError("describe: todo")' in kit_stub(odd, "zh").source


def test_a_kit_stub_is_made_once():
    for lang in ("en", "zh"):
        once = kit_stub(BOTH, lang).source
        assert kit_stub(once, lang).source == once


def test_a_broken_zh_block_is_an_authors_mistake():
    empty = BOTH.replace(
        "    zh:\n    与 `a` 共享内存的张量：写入其中一个，另一个也能看到。\n", "    zh:\n"
    )
    with pytest.raises(StubError, match="empty Chinese part"):
        kit_stub(empty, "zh")
    with pytest.raises(ValueError, match="no kit language"):
        kit_stub(BOTH, "fr")


def test_a_zh_block_indented_like_the_docstring_body_is_taken_as_written():
    """`zh:` written deeper than the docstring: its block moves to the docstring's indentation."""
    deeper = BOTH.replace(
        "    zh:\n    与 `a` 共享内存的张量：写入其中一个，另一个也能看到。\n",
        "        zh:\n        与 `a` 共享内存的张量：\n        第二行。\n",
    )
    made = kit_stub(deeper, "zh").source
    assert '    """与 `a` 共享内存的张量：\n    第二行。\n    """\n' in made
    assert kit_stub(deeper, "en").source == TODAY


@pytest.mark.parametrize("path", sorted(EXERCISES.glob("ex*.py")), ids=lambda p: p.stem)
def test_the_course_stubs_in_either_language(path):
    """On the course's own stubs, whatever their translation state: the English kit keeps the
    code and every line outside a docstring as it is, with the English parts; the Chinese kit
    imports as the same code, with the Chinese parts and the same examples."""
    source = path.read_text(encoding="utf-8")
    before = docstrings(source)
    english = kit_stub(source, "en").source
    chinese = kit_stub(source, "zh").source
    assert lines_outside_docstrings(english) == lines_outside_docstrings(source)
    assert code_only(english) == code_only(source) == code_only(chinese)
    assert not re.search(r"^\s*zh:\s*$", english, re.M)
    assert not re.search(r"^\s*zh:\s*$", chinese, re.M)
    if not re.search(r"^\s*zh:\s*$", source, re.M):
        assert english == source  # nothing translated yet: the stub as it is
    for name, doc in docstrings(english).items():
        assert doc == docstring_parts(before[name])[0], name
    for name, doc in docstrings(chinese).items():
        en, zh = docstring_parts(before[name])
        assert doc == (zh if zh is not None else en), name
        assert examples(doc) == examples(en), name
    compile(chinese, str(path), "exec")
    assert "write this" not in chinese  # every "not written yet" message is Chinese
