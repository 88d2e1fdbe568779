"""Writing a result's files (results.json, report.html, gradescope.json) and a class's files
(grades.csv, summary.html, and with a roster the LMS imports). results.json is always written first: whatever fails after it,
the grade is kept and can be re-rendered with `grader report`."""

from __future__ import annotations

import json
from pathlib import Path

from grader.render import gradebook, html
from grader.render.gradescope import render_gradescope
from grader.render.roster import Student, match
from grader.results import SubmissionResult
from grader.results_json import to_json

RESULTS_FILE = "results.json"
REPORT_FILE = "report.html"
GRADESCOPE_FILE = "gradescope.json"
GRADEBOOK_FILE = "grades.csv"
SUMMARY_FILE = "summary.html"
CANVAS_FILE = "grades-canvas.csv"  # Canvas gradebook import (with a roster)
IDS_FILE = "grades-ids.csv"  # id,score (with a roster)
CANVAS_ASSIGNMENT = "PyTorch exercises"  # the column Canvas creates; rename it to an existing one


def write_outputs(result: SubmissionResult, out_dir: Path, *, reveal_hidden: bool) -> None:
    """results.json, report.html and gradescope.json for one submission."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / RESULTS_FILE, json_text(to_json(result)))
    write_text(out_dir / REPORT_FILE, html.render_report(result, reveal_hidden=reveal_hidden))
    gradescope = render_gradescope(result, reveal_hidden=reveal_hidden)
    write_text(out_dir / GRADESCOPE_FILE, json_text(gradescope))


def write_class_files(
    out_dir: Path,
    results: list[SubmissionResult],
    folders: dict[str, str],
    *,
    students: list[Student] | None = None,
    intake: dict | None = None,
) -> None:
    """grades.csv and summary.html for a class; `folders` maps each submission to its output
    folder, relative to out_dir (where its report is). With a roster (`students`): who each
    submission is, in grades.csv and the summary, and the LMS imports (Canvas, id,score)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    matching = match([r.submission for r in results], students) if students is not None else None
    write_text(out_dir / GRADEBOOK_FILE, gradebook.render_csv(results, matching))
    if matching is not None:
        canvas = gradebook.canvas_csv(results, matching, CANVAS_ASSIGNMENT)
        write_text(out_dir / CANVAS_FILE, canvas)
        write_text(out_dir / IDS_FILE, gradebook.ids_csv(results, matching))
    links = {name: f"{folder}/{REPORT_FILE}" for name, folder in folders.items()}
    summary = html.render_summary(results, links, matching=matching, intake=intake or {})
    write_text(out_dir / SUMMARY_FILE, summary)


def json_text(data: object) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
