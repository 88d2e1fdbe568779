"""A stub in the kit's language: each docstring's English or Chinese part, on the source text.

A stub's docstring may carry its Chinese version after a line that is exactly `zh:`
(grader.messages.docstring_parts). `kit_stub(source, "en")` drops every such block;
`kit_stub(source, "zh")` puts each Chinese part in place of its English one and makes the
stub's `raise NotImplementedError("…")` messages Chinese. Only the docstring literals (and
those messages) are rewritten, where `ast` places them: code, comments, layout and quote
style stay exactly as the course has them. A docstring with no Chinese part stays English in
a zh kit, and is listed, so that an author sees what is left to translate.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.messages import ZH_MARK

KIT_LANGUAGES = ("en", "zh")

# The stubs' "not written yet" messages, and their Chinese: the English must match whole.
_NOT_WRITTEN = (
    (
        re.compile(r"(?P<name>[\w.]+): write this function \(see its docstring\)"),
        "{name}：请实现这个函数（说明见其文档字符串）",
    ),
    (
        re.compile(r"(?P<name>[\w.]+): write this method \(see the class docstring\)"),
        "{name}：请实现这个方法（说明见类的文档字符串）",
    ),
    (
        re.compile(r"(?P<name>[\w.]+): write (?P<method>\w+) \(see the class docstring\)"),
        "{name}：请实现 {method}（说明见类的文档字符串）",
    ),
)


class StubError(ValueError):
    """A docstring or message cannot be rewritten in place (a course author's mistake)."""


@dataclass(frozen=True)
class Untranslated:
    """Text a zh kit keeps in English: a docstring with no `zh:` part, or a message."""

    line: int  # where it starts in the stub
    name: str  # "describe", "Linear.forward", "(module)", or the message for a message
    kind: str = "docstring"  # or "message"

    def where(self, file: str) -> str:
        what = self.name if self.kind == "docstring" else f"NotImplementedError({self.name!r})"
        return f"{file}:{self.line} {what}"


@dataclass(frozen=True)
class KitStub:
    source: str
    untranslated: tuple[Untranslated, ...] = ()


def kit_stub(source: str, lang: str) -> KitStub:
    """The stub `source` as the kit of language `lang` ("en" or "zh") ships it."""
    if lang not in KIT_LANGUAGES:
        raise ValueError(f"no kit language {lang!r}: choose one of {', '.join(KIT_LANGUAGES)}")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []  # (start, end, new text) in character offsets
    untranslated: list[Untranslated] = []
    for name, literal in _docstrings(tree):
        start, end = _span(lines, literal)
        old = source[start:end]
        new = _localised_docstring(old, lang)
        if new is None:
            if lang == "zh":
                untranslated.append(Untranslated(literal.lineno, name))
        elif new != old:
            edits.append((start, end, new))
    if lang == "zh":
        for literal in _not_written_messages(tree):
            start, end = _span(lines, literal)
            chinese = _chinese_message(literal.value)
            if chinese is None:
                untranslated.append(Untranslated(literal.lineno, literal.value, "message"))
            else:
                edits.append((start, end, _literal_like(source[start:end], chinese)))
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    return KitStub(source, tuple(sorted(untranslated, key=lambda u: u.line)))


def _docstrings(tree: ast.Module) -> list[tuple[str, ast.Constant]]:
    """(qualified name, literal) of the module's, every class's and every function's docstring."""
    found = []

    def visit(node: ast.AST, name: str) -> None:
        body = getattr(node, "body", [])
        if body and _is_docstring(body[0]):
            found.append((name, body[0].value))
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, child.name if name == "(module)" else f"{name}.{child.name}")

    visit(tree, "(module)")
    return found


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _span(lines: list[str], node: ast.expr) -> tuple[int, int]:
    """`node`'s place in the source as character offsets (ast counts columns in UTF-8 bytes)."""

    def offset(line: int, column: int) -> int:
        before = sum(len(text) for text in lines[: line - 1])
        return before + len(lines[line - 1].encode("utf-8")[:column].decode("utf-8"))

    assert node.end_lineno is not None and node.end_col_offset is not None
    return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)


_LITERAL = re.compile(r"(?P<prefix>[rRuU]?)(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)", re.S)


def _split_literal(text: str) -> tuple[str, str, str]:
    """A string literal's source as (prefix + opening quote, body, closing quote)."""
    match = _LITERAL.fullmatch(text)
    if not match or match["quote"] in match["body"]:
        raise StubError(f"not one plain string literal: {text[:60]!r}")
    opening = match["prefix"] + match["quote"]
    return opening, match["body"], match["quote"]


def _localised_docstring(literal: str, lang: str) -> str | None:
    """The docstring literal in `lang`: None where a zh kit has no Chinese for it (the English
    stays); the literal itself where there is nothing to change."""
    opening, body, closing = _split_literal(literal)
    rows = body.split("\n")
    # The closing quotes on a line of their own: that line is only their indentation.
    own_line = len(rows) > 1 and rows[-1].strip() == ""
    closing_indent = rows[-1] if own_line else None
    content = rows[:-1] if own_line else rows
    mark = next((i for i, row in enumerate(content) if i and row.strip() == ZH_MARK), None)
    if mark is None:
        return None if lang == "zh" else literal
    if lang == "en":
        part = _trim(content[:mark], leading=False)  # the English keeps its first rows as they are
    else:
        part = _trim(content[mark + 1 :])
        if not part:
            raise StubError(f"an empty Chinese part after `zh:` in {literal[:60]!r}")
        part = _reindent(part, content[mark], _indent(content, closing_indent))
        # The Chinese summary goes where the English one is: on the quotes' line, or below it.
        part = ["", *part] if not content[0].strip() else [part[0].lstrip(), *part[1:]]
    if len(part) == 1:  # one line: the quotes close on it (PEP 257), as one-liners are written
        return opening + part[0] + closing
    if closing_indent is None:
        return opening + "\n".join(part) + closing
    return opening + "\n".join(part) + "\n" + closing_indent + closing


def _trim(rows: list[str], *, leading: bool = True) -> list[str]:
    """`rows` without the blank rows at their end (and at their start, if `leading`)."""
    start, end = 0, len(rows)
    while leading and start < end and not rows[start].strip():
        start += 1
    while end > start and not rows[end - 1].strip():
        end -= 1
    return rows[start:end]


def _indent(content: list[str], closing_indent: str | None) -> str:
    """The docstring's indentation: its closing line's, else its English lines' smallest."""
    if closing_indent is not None:
        return closing_indent
    indents = [row[: len(row) - len(row.lstrip())] for row in content[1:] if row.strip()]
    return min(indents, key=len) if indents else ""


def _reindent(rows: list[str], mark_row: str, indent: str) -> list[str]:
    """Chinese rows written at the `zh:` line's indentation, moved to the docstring's."""
    mark_indent = mark_row[: len(mark_row) - len(mark_row.lstrip())]
    if mark_indent == indent:
        return list(rows)
    return [
        indent + row[len(mark_indent) :] if row.startswith(mark_indent) else row for row in rows
    ]


def _not_written_messages(tree: ast.Module) -> list[ast.Constant]:
    """The message literal of every `raise NotImplementedError("…")` in the stub."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        if (
            isinstance(call.func, ast.Name)
            and call.func.id == "NotImplementedError"
            and len(call.args) == 1
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            found.append(call.args[0])
    return found


def _chinese_message(english: str) -> str | None:
    for pattern, chinese in _NOT_WRITTEN:
        match = pattern.fullmatch(english)
        if match:
            return chinese.format(**match.groupdict())
    return None


def _literal_like(literal: str, text: str) -> str:
    """`text` as a literal written the way `literal` is (its prefix and quotes)."""
    opening, _, closing = _split_literal(literal)
    if closing in text or "\\" in text or "\n" in text:
        raise StubError(f"cannot write {text!r} inside {closing} quotes")
    return opening + text + closing
