"""Rosters: who each submission belongs to, for a gradebook an LMS can import.

A roster is a CSV with a header row. Recognised columns (any case, any order; others are
ignored): an id ("id", "student id", "sis user id", "id number", "user id"), an email
("email", "email address", "e-mail"), a name ("name", "student", "full name", or "first
name" with "last name"/"surname"), and logins a submission may be named by ("login",
"username", "github", "sis login id", "submission"). Canvas's own gradebook export is a
roster as it is (its "Points Possible" row is skipped).

A submission matches a student when a run of its name's words ("smithjohn_12345",
"Jane Doe_881_assignsubmission_file_", "hw1-janedoe") equals, letters and digits only, one of
the student's ids, emails, logins or names ("Doe, Jane" reads as "doejane" and "janedoe").
Ids, emails and logins are tried first, names only when they find nobody; a submission that
matches two students matches nobody and is listed as ambiguous, never given to one of them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from grader.messages import say

ID_COLUMNS = ("id", "student id", "student_id", "sis user id", "id number", "user id", "sid")
EMAIL_COLUMNS = ("email", "email address", "e-mail", "mail")
NAME_COLUMNS = ("name", "student", "full name", "student name")
FIRST_COLUMNS = ("first name", "given name", "firstname")
LAST_COLUMNS = ("last name", "surname", "family name", "lastname")
LOGIN_COLUMNS = ("login", "username", "github", "github username", "sis login id", "submission")
CANVAS_COLUMNS = ("ID", "SIS User ID", "SIS Login ID", "Section")


class RosterError(Exception):
    """The roster file cannot be read as one."""


@dataclass(frozen=True)
class Student:
    id: str
    email: str
    name: str
    strong_keys: frozenset[str]  # ids, emails, logins: letters and digits, lower case
    name_keys: frozenset[str]
    canvas: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Matching:
    """Who each submission is: the students matched, and what the roster could not place."""

    students: dict[str, Student]  # submission -> student
    unmatched: list[str]  # submissions no roster row names
    ambiguous: dict[str, list[str]]  # submission -> the students it could be
    missing: list[Student]  # roster rows with no submission
    shared: dict[str, list[str]]  # student name -> submissions (more than one)


def fold(text: str) -> str:
    """Letters and digits only, lower case, accents dropped: "Zoë Brandt" -> "zoebrandt"."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKD", text).lower())


def load_roster(path: Path) -> list[Student]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(say("roster_unreadable", path=path, detail=exc)) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise RosterError(say("roster_empty", path=path))
    columns = {name.strip().lower(): name for name in reader.fieldnames if name}

    def pick(names: tuple[str, ...]) -> list[str]:
        return [columns[n] for n in names if n in columns]

    ids, emails, names = pick(ID_COLUMNS), pick(EMAIL_COLUMNS), pick(NAME_COLUMNS)
    firsts, lasts, logins = pick(FIRST_COLUMNS), pick(LAST_COLUMNS), pick(LOGIN_COLUMNS)
    if not (ids or emails or logins):
        raise RosterError(say("roster_no_id", path=path, columns=", ".join(reader.fieldnames)))
    students = []
    for row in reader:
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        name = _first(cells, names) or " ".join(
            filter(None, (_first(cells, firsts), _first(cells, lasts)))
        )
        if name.strip().lower() == "points possible" or not any(cells.values()):
            continue  # Canvas's second header row, or a blank line
        strong = {cells[c] for c in (*ids, *emails, *logins) if cells.get(c)}
        strong |= {e.split("@")[0] for c in emails if "@" in (e := cells.get(c, ""))}
        students.append(
            Student(
                id=_first(cells, ids),
                email=_first(cells, emails),
                name=name,
                strong_keys=frozenset(fold(k) for k in strong if fold(k)),
                name_keys=_name_keys(name, cells, firsts, lasts),
                canvas={
                    c: cells[columns[c.lower()]] for c in CANVAS_COLUMNS if c.lower() in columns
                },
            )
        )
    return students


def _first(cells: dict[str, str], columns: list[str]) -> str:
    return next((cells[c] for c in columns if cells.get(c)), "")


def _name_keys(name: str, cells: dict[str, str], firsts, lasts) -> frozenset[str]:
    keys = {fold(name)}
    if "," in name:  # "Doe, Jane": Canvas's sortable name, and its download prefix "doejane"
        last, _, first = name.partition(",")
        keys |= {fold(first + last), fold(last + first)}
    first, last = _first(cells, firsts), _first(cells, lasts)
    if first and last:
        keys |= {fold(first + last), fold(last + first)}
    return frozenset(k for k in keys if k)


def match(submissions: list[str], students: list[Student]) -> Matching:
    found = Matching({}, [], {}, [], {})
    for submission in sorted(submissions):
        runs = _runs(submission)
        candidates = [s for s in students if s.strong_keys & runs] or [
            s for s in students if s.name_keys & runs
        ]
        if len(candidates) == 1:
            found.students[submission] = candidates[0]
        elif candidates:
            found.ambiguous[submission] = [_label(s) for s in candidates]
        else:
            found.unmatched.append(submission)
    taken: dict[int, list[str]] = {}
    for submission, student in found.students.items():
        taken.setdefault(id(student), []).append(submission)
    found.missing = [s for s in students if id(s) not in taken]
    found.shared = {_label(s): taken[id(s)] for s in students if len(taken.get(id(s), [])) > 1}
    return found


def _runs(submission: str) -> set[str]:
    """Every run of consecutive words of a submission name, folded."""
    words = [w for w in re.split(r"[\s_.\-]+", submission) if w][:12]
    return {
        fold("".join(words[start:end]))
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
    } - {""}


def _label(student: Student) -> str:
    return " ".join(filter(None, (student.name, f"({student.id or student.email})")))
