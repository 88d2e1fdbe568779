"""LMS downloads as they come: which entries of a class download belong to which learner.

One rule per download, chosen from the entries' names and printed (Layout.rule):

- Canvas: loose files "<login>[_LATE]_<user id>_<submission id>_<file name>", where a
  resubmitted file gets "-1", "-2" before its extension (the highest is the latest). A
  learner is their login and user id: "smithjohn_12345".
- Moodle: folders "<Full Name>_<participant id>_assignsubmission_<plugin>_"; a learner's
  folders of every plugin are theirs: "Jane Doe_881".
- GitHub Classroom: one repository folder per learner, "<assignment>-<username>", all with
  the same assignment prefix; the learner is the username.
- Otherwise: one folder or .zip per learner (its name without .zip).

A class download may itself be a .zip, and a learner's part may hold zips: both are opened
(two levels at most, with the intake's limits, unsafe entries left out). A name no rule can
place, or a learner id seen under two names, is a problem listed for the instructor: those
entries are left out or kept apart, never merged into another learner.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.intake.workspace import MAX_FILE_BYTES, MAX_ZIP_ENTRIES, MAX_ZIP_TOTAL, safe_name
from grader.messages import say

CANVAS_FILE = re.compile(
    r"^(?P<login>[A-Za-z0-9]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$"
)
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
RESUBMITTED = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")
MAX_ZIP_DEPTH = 2
KEPT_SUFFIXES = (".py", ".zip")  # all intake ever takes from a submission


@dataclass(frozen=True)
class Part:
    source: Path  # a file or folder of the download
    as_name: str = ""  # the name it had before the LMS renamed it (a Canvas file)


@dataclass
class Learner:
    name: str
    parts: list[Part] = field(default_factory=list)


@dataclass
class Layout:
    kind: str  # canvas | moodle | github-classroom | folders
    rule: str  # one line, printed and kept in the summary
    learners: list[Learner]
    problems: list[str] = field(default_factory=list)


RULE_KEYS = {
    "canvas": "lms_rule_canvas",
    "moodle": "lms_rule_moodle",
    "github-classroom": "lms_rule_github",
    "folders": "lms_rule_folders",
}


def rule(kind: str) -> str:
    """How a download of this kind is read, in one line (the run's language)."""
    return say(RULE_KEYS[kind])


def read_layout(folder: Path, scratch: Path) -> Layout:
    """The learners of a class download (a folder, or a .zip opened into `scratch`)."""
    problems: list[str] = []
    if folder.is_file() and folder.suffix.lower() == ".zip":
        opened = scratch / "download"
        extract_zip(folder, opened, problems)
        folder = _single_folder(opened)
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    files = [p for p in entries if p.is_file() and p.suffix.lower() != ".zip"]
    canvas = [p for p in entries if p.is_file() and CANVAS_FILE.match(p.name)]
    moodle = [p for p in entries if p.is_dir() and MOODLE_FOLDER.match(p.name)]
    prefix = _classroom_prefix(entries)
    if canvas and len(canvas) >= len(files):
        return _canvas(entries, problems)
    if moodle and len(moodle) * 2 >= len(entries):
        return _moodle(entries, problems)
    if prefix:
        return _classroom(entries, prefix, problems)
    return _folders(entries, problems)


def _canvas(entries: list[Path], problems: list[str]) -> Layout:
    groups: dict[tuple[str, str], Learner] = {}
    logins, users = defaultdict(set), defaultdict(set)
    for entry in entries:
        found = CANVAS_FILE.match(entry.name) if entry.is_file() else None
        if not found:
            problems.append(say("lms_no_canvas_prefix", name=entry.name))
            continue
        login, user = found["login"], found["user"]
        logins[user].add(login)
        users[login.lower()].add(user)
        learner = groups.setdefault((login, user), Learner(f"{login}_{user}"))
        learner.parts.append(Part(entry, found["file"]))
    for user, names in sorted(logins.items()):
        if len(names) > 1:
            problems.append(
                say(
                    "lms_canvas_logins",
                    user=user,
                    count=len(names),
                    logins=", ".join(sorted(names)),
                )
            )
    for login, ids in sorted(users.items()):
        if len(ids) > 1:
            problems.append(
                say("lms_canvas_users", login=login, count=len(ids), ids=", ".join(sorted(ids)))
            )
    return Layout("canvas", rule("canvas"), list(groups.values()), problems)


def _moodle(entries: list[Path], problems: list[str]) -> Layout:
    groups: dict[tuple[str, str], Learner] = {}
    for entry in entries:
        found = MOODLE_FOLDER.match(entry.name) if entry.is_dir() else None
        if not found:
            problems.append(say("lms_not_moodle", name=entry.name))
            continue
        key = (found["name"], found["id"])
        groups.setdefault(key, Learner(f"{found['name']}_{found['id']}")).parts.append(Part(entry))
    return Layout("moodle", rule("moodle"), list(groups.values()), problems)


def _classroom_prefix(entries: list[Path]) -> str:
    """The "<assignment>-" every entry's name starts with, if all are folders (two or more)."""
    if len(entries) < 2 or not all(p.is_dir() for p in entries):
        return ""
    first = entries[0].name
    for cut in range(len(first) - 1, 0, -1):
        prefix = first[: cut + 1]
        if prefix.endswith("-") and all(
            p.name.startswith(prefix) and len(p.name) > len(prefix) for p in entries
        ):
            return prefix
    return ""


def _classroom(entries: list[Path], prefix: str, problems: list[str]) -> Layout:
    learners = [Learner(p.name[len(prefix) :], [Part(p)]) for p in entries]
    rule_line = say("lms_rule_github_prefix", rule=rule("github-classroom"), prefix=prefix)
    return Layout("github-classroom", rule_line, learners, problems)


def _folders(entries: list[Path], problems: list[str]) -> Layout:
    stems = [p.stem if p.is_file() and p.suffix.lower() == ".zip" else p.name for p in entries]
    # "bob.zip" and a folder "bob" are both "bob": then each keeps its full entry name.
    learners = [
        Learner(stem if stems.count(stem) == 1 else entry.name, [Part(entry)])
        for entry, stem in zip(entries, stems, strict=True)
    ]
    return Layout("folders", rule("folders"), learners, problems)


def _single_folder(folder: Path) -> Path:
    """A download zip often wraps everything in one folder: look inside it."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def stage(learner: Learner, target: Path, problems: list[str]) -> Path:
    """What intake should read for this learner: their one folder or .zip as it is, or a
    folder in `target` gathering their parts (renamed back, zips opened)."""
    parts = learner.parts
    if len(parts) == 1 and not parts[0].as_name and not _holds_zip(parts[0].source):
        return parts[0].source
    target.mkdir(parents=True, exist_ok=True)
    latest: dict[str, int] = {}
    for index, part in enumerate(parts):
        source = part.source
        if source.is_dir():
            _copy_tree(source, target / f"part{index}", problems)
        elif source.suffix.lower() == ".zip":
            extract_zip(source, target / f"part{index}", problems)
        elif part.as_name:
            name, number = _resubmission(part.as_name)
            if number >= latest.get(name, -1):  # Canvas's -N: the highest is the latest
                latest[name] = number
                _copy_file(source, target / safe_name(name))
    return target


def _resubmission(name: str) -> tuple[str, int]:
    found = RESUBMITTED.match(name)
    return (found["stem"] + found["ext"], int(found["n"])) if found else (name, 0)


def _holds_zip(source: Path) -> bool:
    return source.is_dir() and any(p.suffix.lower() == ".zip" for p in source.rglob("*.zip"))


def _copy_tree(source: Path, target: Path, problems: list[str], depth: int = 0) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.suffix.lower() not in KEPT_SUFFIXES:
            continue
        relative = path.relative_to(source)
        if path.suffix.lower() == ".zip":
            extract_zip(path, target / relative.with_suffix(""), problems, depth + 1)
        else:
            _copy_file(path, target / relative)


def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)  # keeps the time: an unchanged part resumes as graded


def extract_zip(path: Path, target: Path, problems: list[str], depth: int = 0) -> None:
    """Open a zip of a download into `target`: only .py files (cut just past intake's size
    limit, so intake still reports them) and zips inside it (MAX_ZIP_DEPTH levels); an entry
    that is unsafe or over a limit is a problem, never written."""
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        problems.append(say("lms_bad_zip", name=path.name, detail=exc))
        return
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_TOTAL:
        problems.append(say("lms_zip_too_large", name=path.name))
        return
    target.mkdir(parents=True, exist_ok=True)
    with archive:
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            suffix = name.suffix.lower()
            if info.is_dir() or suffix not in KEPT_SUFFIXES:
                continue
            if name.is_absolute() or ".." in name.parts or stat.S_ISLNK(info.external_attr >> 16):
                problems.append(say("lms_unsafe_entry", name=path.name, entry=info.filename))
                continue
            out = target.joinpath(*[safe_name(p) for p in name.parts])
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as handle:
                limit = MAX_FILE_BYTES + 1 if suffix == ".py" else MAX_ZIP_TOTAL
                out.write_bytes(handle.read(limit))
            # The entry's own time, not now: an unchanged download resumes as graded.
            when = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(out, (when, when))
            if suffix == ".zip":
                if depth + 1 >= MAX_ZIP_DEPTH:
                    problems.append(say("lms_zip_depth", name=path.name, depth=MAX_ZIP_DEPTH))
                else:
                    extract_zip(out, out.with_suffix(""), problems, depth + 1)
                out.unlink()
