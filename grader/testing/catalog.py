"""A suite's own sentences, each written once with its English and Chinese side by side.

    MESSAGES = catalog({
        "not_a_dict": ("{what}: expected a dict, got {kind}.", "{what}：应返回 dict，实际得到 {kind}。"),
    })
    fail(MESSAGES.say("not_a_dict", what="describe(x)", kind="list"))

`say` fills in the learner's language (grader.messages.language: GRADER_LANG, then the
locale). A check's title is its docstring's first line; a line starting `zh:` below it is the
title in Chinese (keep the leading call, e.g. `one_hot(...)`, as it is in English): see
grader.messages.title.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from grader.messages import LANGUAGES, language


class CatalogError(ValueError):
    """A suite's catalog is incomplete: a suite author's mistake, found at import."""


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, tuple[str, str]]  # key -> (English, Chinese)

    def say(self, key: str, **fields: object) -> str:
        english, chinese = self.entries[key]
        return (chinese if language() == "zh" else english).format(**fields)


def catalog(entries: dict[str, tuple[str, str]]) -> Catalog:
    """Check every entry has both languages, with the same fields, before any check runs."""
    for key, texts in entries.items():
        if not (isinstance(texts, tuple) and len(texts) == len(LANGUAGES)):
            raise CatalogError(f"{key}: needs ({', '.join(LANGUAGES)}) texts side by side")
        if not all(isinstance(t, str) and t.strip() for t in texts):
            raise CatalogError(f"{key}: a language is missing")
        fields = [_fields(t) for t in texts]
        if any(f != fields[0] for f in fields):
            raise CatalogError(f"{key}: the languages fill in different fields {fields}")
    return Catalog(dict(entries))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
