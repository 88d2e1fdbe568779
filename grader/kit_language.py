"""The language a learner kit was released in (`grader release --lang zh`), where this is one.

`grader release` writes `kit.json` ({"language": "zh"}) into the kit's copy of this package,
so every process of the kit's grader (the command, its judges and workers, `check()` in a
notebook, an installed wheel) knows it without finding the course folder first. The
instructor's course has no such file. The learner's language is chosen in this order:
`--lang` > `GRADER_LANG` > the kit's language > the locale (`LANG=zh_CN.UTF-8`) > English
(grader.messages.language). Nothing here imports the rest of the grader.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

KIT_CONFIG = "kit.json"
KNOWN = ("en", "zh")


@cache
def kit_language() -> str | None:
    """ "en" or "zh" in a released kit; None in the course itself (or an unreadable config)."""
    return read_kit_language(Path(__file__).resolve().parent)


def read_kit_language(package: Path) -> str | None:
    """The language recorded in the grader package folder `package`, if any."""
    try:
        config = json.loads((package / KIT_CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    language = config.get("language") if isinstance(config, dict) else None
    return language if language in KNOWN else None


def write_kit_language(package: Path, language: str) -> Path:
    """Record `language` as the kit's, in its grader package folder `package`."""
    if language not in KNOWN:
        raise ValueError(f"no kit language {language!r}: choose one of {', '.join(KNOWN)}")
    path = package / KIT_CONFIG
    path.write_text(json.dumps({"language": language}) + "\n", encoding="utf-8")
    return path
