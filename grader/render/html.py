"""HTML reports: one self-contained page per submission (and, for a class, a summary page).

Pages are rendered from templates/ with jinja2, autoescaping on: every text that came from
a learner (messages, printed output, file names) is escaped. Pages inline their CSS and
make no external requests.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

from grader.messages import say
from grader.render.curve import learning_curve_line, learning_curve_svg
from grader.render.terminal import clean, public_only_note
from grader.results import SubmissionResult


def templates_dir() -> Path:
    """templates/ beside the package in a checkout; grader/templates/ inside a built wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "report.html.j2").is_file():
            return candidate
    raise FileNotFoundError("the grader's templates/ folder is missing from this installation")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clean"] = clean
    env.filters["pts"] = lambda value: f"{value:g}"
    # learning_curve_svg escapes every text it writes and takes only finite numbers.
    env.filters["curve_svg"] = lambda curve: markupsafe.Markup(learning_curve_svg(curve))
    env.filters["curve_line"] = learning_curve_line
    env.globals["say"] = say
    return env


def render_report(result: SubmissionResult, *, reveal_hidden: bool = False) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(
        result=result,
        reveal_hidden=reveal_hidden,
        public_note=public_only_note(result) if result.scope == "public" else "",
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_summary(results: list[SubmissionResult], links: dict[str, str]) -> str:
    """The class summary page; `links` maps each submission to its report's relative path."""
    from grader.render.summary import histogram_svg, summarise

    summary = summarise(results)
    template = environment().get_template("summary.html.j2")
    return template.render(
        summary=summary,
        svg=histogram_svg(summary.histogram),
        links=links,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
