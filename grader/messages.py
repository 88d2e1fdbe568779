"""Every sentence the grader says to a learner, in English and Chinese, side by side.

`MESSAGES` maps a key to its (English, Chinese) `str.format` templates, with the same
`{fields}` in both: one structure, written by theme in grader/catalog/ (calls, checks,
intake, pages, commands, helptext) so each table stays short enough to read. `say(key,
**fields)` fills in the template of the run's language (`language()`: GRADER_LANG, then the
locale; English where neither names a language the course speaks). Suites write their own
check titles and hints with `grader.testing.catalog`, the same pairs.
"""

from __future__ import annotations

import os

from grader.catalog import calls, checks, commands, helptext, intake, pages
from grader.kit_language import kit_language

TABLES = (calls, checks, intake, pages, commands, helptext)


def _joined() -> dict[str, tuple[str, str]]:
    joined: dict[str, tuple[str, str]] = {}
    for table in TABLES:
        twice = joined.keys() & table.MESSAGES.keys()
        assert not twice, f"keys in two tables of grader/catalog/: {sorted(twice)}"
        joined.update(table.MESSAGES)
    return joined


# key -> (English, Chinese): one structure, written in grader/catalog/ by theme.
MESSAGES: dict[str, tuple[str, str]] = _joined()

EN: dict[str, str] = {key: texts[0] for key, texts in MESSAGES.items()}
ZH: dict[str, str] = {key: texts[1] for key, texts in MESSAGES.items()}
CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


LANGUAGES = ("en", "zh")


def language() -> str:
    """The learner's language: GRADER_LANG (set by `--lang`), else the language a released
    kit records (grader/kit.json), else the locale (LC_ALL, LC_MESSAGES, LANG:
    `zh_CN.UTF-8` gives "zh"); English where none names a language the course speaks."""
    if not os.environ.get("GRADER_LANG", "").strip() and kit_language():
        return kit_language()
    for name in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value and value not in ("c", "posix") and not value.startswith("c."):
            code = value.replace("-", "_").split("_")[0].split(".")[0]
            return code if code in LANGUAGES else "en"
    return "en"


def _catalog() -> dict[str, str]:
    return CATALOGS.get(language(), EN)


def say(key: str, **fields: object) -> str:
    template = _catalog().get(key) or EN[key]
    return template.format(**fields)


def titles(doc: str | None, fallback: str) -> tuple[str, str]:
    """A check's (English, Chinese) title from its docstring: the first line, and the line
    that starts with `zh:` (the English one where there is none)."""
    lines = [line.strip() for line in (doc or "").strip().splitlines() if line.strip()]
    english = lines[0] if lines else fallback
    chinese = next((line[3:].strip() for line in lines[1:] if line.startswith("zh:")), english)
    return english, chinese or english


def title(doc: str | None, fallback: str) -> str:
    english, chinese = titles(doc, fallback)
    return chinese if language() == "zh" else english


ZH_MARK = "zh:"  # a line of its own in a stub's docstring: the Chinese docstring follows it


def docstring_parts(doc: str) -> tuple[str, str | None]:
    """A stub's docstring as (English, Chinese): the Chinese part is everything after a line
    that is exactly `zh:` (None where there is none). Both keep their examples (`>>>`)."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == ZH_MARK:
            english = "\n".join(lines[:i]).rstrip()
            chinese = "\n".join(lines[i + 1 :]).strip("\n")
            return english, chinese
    return doc, None
