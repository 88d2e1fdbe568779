"""Intake: copy the exercise modules of a submission into a fresh workspace, trusting nothing.

A submission is a folder (a clone of the learner's repository, exercises at its
`exercises/` or at its root) or a .zip (an LMS download). Only files named exactly like
the course's exercise modules are copied; everything else is left behind and listed.
Every problem (a missing module, a symlink, an oversized or non-UTF-8 file, an unsafe zip
entry, a corrupt zip) becomes a finding on the result, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.intake import notebook
from grader.messages import say
from grader.records import Finding

MAX_FILE_BYTES = 512 * 1024  # one exercise module
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_DIRECTORY = 4 << 20  # bytes of central directory: 5,000 entries need far less
MAX_ZIP_TOTAL = 512 << 20  # uncompressed bytes of everything in it
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for an entry we would read
MAX_WALK_FILES = 20_000
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
}


@dataclass
class Workspace:
    path: Path
    modules: list[str] = field(default_factory=list)  # module files copied in
    findings: list[Finding] = field(default_factory=list)
    required: list[str] = field(default_factory=list)  # the modules being graded

    @property
    def rejected(self) -> bool:
        """Nothing to grade: none of the graded modules could be taken from the submission."""
        return not set(self.modules) & set(self.required or self.modules)


@dataclass(frozen=True)
class _Candidate:
    relative: PurePosixPath  # where it sits in the submission
    read: object  # (limit=MAX_FILE_BYTES) -> bytes, reading at most limit + 1
    size: int
    is_link: bool = False


def prepare_workspace(
    source: Path,
    module_files: tuple[str, ...],
    workspace: Path,
    required: tuple[str, ...] | None = None,
    notebook_names: Mapping[str, frozenset[str]] | None = None,
) -> Workspace:
    """Copy the submission's exercise modules from `source` into the (new) `workspace`.

    Every course module found is copied (one may import another); `required` are the ones
    being graded: a missing one is a finding, and none of them present rejects the submission.
    A module not handed in as .py may come from a notebook (intake/notebook.py), which
    `notebook_names` (each module's functions) helps to place.
    """
    required = module_files if required is None else required
    workspace.mkdir(parents=True, exist_ok=False)
    os.chmod(workspace, 0o755)
    result = Workspace(path=workspace, required=list(required))
    try:
        candidates = list(_candidates(source, result))
    except _Rejected as rejected:
        result.findings.append(rejected.finding)
        return result
    if not candidates and not result.findings:
        result.findings.append(Finding("error", "empty", say("intake_empty")))
        return result
    chosen = _choose(candidates, module_files)
    missing = [name for name in module_files if name not in chosen]
    made = notebook.notebook_modules(candidates, missing, notebook_names or {}, result.findings)
    for name, (relative, data) in made.items():
        chosen[name] = _Candidate(relative, lambda limit=0, data=data: data, len(data))
    for name in module_files:
        candidate = chosen.get(name)
        if candidate is None:
            if name in required:
                finding = Finding(
                    "warning", "missing_module", say("intake_missing_module", file=name), name
                )
                result.findings.append(finding)
            continue
        _copy_module(candidate, workspace / name, result)
    used = {c.relative for c in chosen.values()}
    ignored = sorted(
        str(c.relative) for c in candidates if c.relative not in used and not c.is_link
    )
    if ignored:
        shown = ", ".join(ignored[:15]) + (
            f" and {len(ignored) - 15} more" if len(ignored) > 15 else ""
        )
        result.findings.append(Finding("info", "ignored_files", say("intake_ignored", files=shown)))
    if result.rejected and not any(f.severity == "error" for f in result.findings):
        result.findings.append(
            Finding("error", "no_modules", say("intake_no_modules", files=", ".join(required)))
        )
    return result


class _Rejected(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _candidates(source: Path, result: Workspace) -> Iterator[_Candidate]:
    if source.is_symlink():
        raise _Rejected(Finding("error", "symlink", say("intake_submission_link")))
    if source.is_dir():
        yield from _folder_candidates(source, result)
    elif source.suffix.lower() == ".zip":
        yield from _zip_candidates(source, result)
    elif source.suffix == notebook.SUFFIX and source.is_file():  # one notebook, handed in alone
        yield _Candidate(PurePosixPath(source.name), _file_reader(source), source.stat().st_size)
    elif source.exists():
        raise _Rejected(
            Finding("error", "not_a_submission", say("intake_not_a_submission", name=source.name))
        )
    else:
        raise _Rejected(Finding("error", "not_found", say("intake_not_found", name=source.name)))


def _folder_candidates(root: Path, result: Workspace) -> Iterator[_Candidate]:
    seen = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files) + sorted(
            d for d in dirs if os.path.islink(os.path.join(folder, d))
        ):
            seen += 1
            if seen > MAX_WALK_FILES:
                result.findings.append(
                    Finding(
                        "warning",
                        "too_many_files",
                        say("intake_too_many_files", limit=MAX_WALK_FILES),
                    )
                )
                return
            path = Path(folder) / name
            relative = PurePosixPath(path.relative_to(root).as_posix())
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                result.findings.append(
                    Finding(
                        "warning", "symlink", say("intake_symlink", file=relative), str(relative)
                    )
                )
                yield _Candidate(relative, lambda: b"", 0, is_link=True)
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            yield _Candidate(relative, _file_reader(path), info.st_size)


def _file_reader(path: Path):
    def read(limit: int = MAX_FILE_BYTES) -> bytes:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            return handle.read(limit + 1)

    return read


def _zip_candidates(path: Path, result: Workspace) -> Iterator[_Candidate]:
    _check_zip_directory(path)  # before zipfile reads a directory of any size
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise _Rejected(
            Finding("error", "bad_zip", say("intake_bad_zip", name=path.name, detail=exc))
        )
    _check_zip_entries(path, infos)
    for info in infos:
        name = info.filename
        unsafe = _unsafe_zip_entry(info)
        if unsafe:
            result.findings.append(
                Finding(
                    "error",
                    "unsafe_zip_entry",
                    say("intake_unsafe_entry", name=name, why=say(unsafe)),
                    name,
                )
            )
            continue
        if info.is_dir():
            continue
        yield _Candidate(PurePosixPath(name), _zip_reader(archive, info, result), info.file_size)


def _check_zip_directory(path: Path) -> None:
    """Refuse, from the end-of-directory record alone, an archive whose directory is too big."""
    entries, directory_bytes = zip_directory_size(path)
    if entries > MAX_ZIP_ENTRIES or directory_bytes > MAX_ZIP_DIRECTORY:
        raise _Rejected(
            Finding(
                "error",
                "zip_too_many_entries",
                say("intake_zip_entries", name=path.name, count=entries, limit=MAX_ZIP_ENTRIES),
            )
        )


def zip_directory_size(path: Path) -> tuple[int, int]:
    """(entries, bytes of central directory) as the archive's end record states them, zip64
    included; (0, 0) where there is no such record (zipfile then says what is wrong)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        tail_start = max(0, size - (22 + 0xFFFF))  # the record, after a comment of any length
        handle.seek(tail_start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return 0, 0
        entries, directory = struct.unpack_from("<HI", tail, at + 10)
        if entries != 0xFFFF and directory != 0xFFFFFFFF:
            return entries, directory
        locator = tail_start + at - 20  # zip64: its locator stands right before the record
        if locator < 0:
            return entries, directory
        handle.seek(locator)
        found = handle.read(20)
        if found[:4] != b"PK\x06\x07":
            return entries, directory
        (record,) = struct.unpack_from("<Q", found, 8)
        handle.seek(record)
        zip64 = handle.read(56)
        if zip64[:4] != b"PK\x06\x06" or len(zip64) < 56:
            return entries, directory
        return struct.unpack_from("<QQ", zip64, 32)


def _check_zip_entries(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:  # a directory that lied about its size in its end record
        raise _Rejected(
            Finding(
                "error",
                "zip_too_many_entries",
                say("intake_zip_entries", name=path.name, count=len(infos), limit=MAX_ZIP_ENTRIES),
            )
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL:
        raise _Rejected(
            Finding(
                "error",
                "zip_too_large",
                say("intake_zip_total", name=path.name, mib=total >> 20, limit=MAX_ZIP_TOTAL >> 20),
            )
        )


def _unsafe_zip_entry(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "intake_why_absolute"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "intake_why_parent"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "intake_why_link"
    if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
        return "intake_why_ratio"
    return None


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, result: Workspace):
    def read(limit: int = MAX_FILE_BYTES) -> bytes:
        # Read at most one byte past the limit: a zip bomb is never inflated.
        with archive.open(info) as handle:
            return handle.read(limit + 1)

    return read


def _choose(candidates: list[_Candidate], module_files: tuple[str, ...]) -> dict[str, _Candidate]:
    """For each module, the copy a learner meant: under an `exercises/` folder if there is
    one, else the one nearest the top."""
    chosen: dict[str, _Candidate] = {}
    for name in module_files:
        matches = [c for c in candidates if c.relative.name == name and not c.is_link]
        if not matches:
            continue
        matches.sort(
            key=lambda c: (
                "exercises" not in c.relative.parts[:-1],
                len(c.relative.parts),
                str(c.relative),
            )
        )
        chosen[name] = matches[0]
    return chosen


def _copy_module(candidate: _Candidate, target: Path, result: Workspace) -> None:
    name = target.name
    try:
        data = candidate.read()  # type: ignore[operator]
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError) as exc:
        result.findings.append(
            Finding(
                "error",
                "unreadable",
                say("intake_unreadable", file=candidate.relative, detail=exc),
                name,
            )
        )
        return
    if len(data) > MAX_FILE_BYTES:
        result.findings.append(
            Finding(
                "error",
                "too_large",
                say("intake_too_large", file=candidate.relative, limit_kib=MAX_FILE_BYTES // 1024),
                name,
            )
        )
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.findings.append(
            Finding(
                "error",
                "not_utf8",
                say("intake_not_utf8", file=candidate.relative, byte=exc.start),
                name,
            )
        )
        return
    target.write_bytes(data)
    os.chmod(target, 0o644)
    result.modules.append(name)


def safe_name(name: str) -> str:
    """`name` as a file or folder name that is safe anywhere: only letters, digits and
    `._@+-` (anything else becomes `_`), no leading or trailing dots, at most 100 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", name).strip("._")
    return cleaned[:100] or "submission"


def fingerprint(source: Path) -> str:
    """Cheap identity of a submission's content: a zip's bytes, or a folder's file list with
    sizes and modification times (no file is read). Equal fingerprints: nothing changed."""
    digest = hashlib.sha256()
    if source.is_file():
        with open(source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()[:16]
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)  # what intake never looks at
        for name in sorted(files):
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            digest.update(
                f"{path.relative_to(source)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()[:16]
