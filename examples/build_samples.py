"""Rebuild examples/submissions/perfect.zip from solutions/ (an LMS-style download of a perfect
learner). tests/test_examples.py fails when the zip no longer matches the solutions."""

from __future__ import annotations

import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFECT = ROOT / "examples" / "submissions" / "perfect.zip"


def perfect_entries() -> dict[str, bytes]:
    return {
        f"perfect-main/exercises/{p.name}": p.read_bytes()
        for p in sorted((ROOT / "solutions").glob("ex*.py"))
    }


def main() -> None:
    with zipfile.ZipFile(PERFECT, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in perfect_entries().items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    print(f"wrote {PERFECT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
