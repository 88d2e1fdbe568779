"""HTML reports: one self-contained page per submission (and, for a class, a summary page).

Pages are rendered from templates/ with jinja2, autoescaping on: every text that came from
a learner (messages, printed output, file names) is escaped. Pages inline their CSS and
make no external requests.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

from grader.messages import language, say
from grader.render.curve import learning_curve_line, learning_curve_svg
from grader.render.roster import Matching
from grader.render.terminal import clean, public_only_note, status_label
from grader.results import SubmissionResult

# The summary's only script: sort the learners' table by a column, filter it by a text. Inline
# (the page works from file://, with no request), allowed by its hash in the page's CSP.
SUMMARY_SCRIPT = """
(function () {
  var table = document.getElementById("learners");
  if (!table) return;
  var rows = function () { return Array.prototype.slice.call(table.tBodies[0].rows); };
  var filter = document.getElementById("learner-filter");
  filter.addEventListener("input", function () {
    var text = filter.value.toLowerCase();
    rows().forEach(function (row) {
      row.hidden = text !== "" && row.textContent.toLowerCase().indexOf(text) < 0;
    });
  });
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (head, column) {
    var button = head.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var up = head.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", up ? "ascending" : "descending");
      var key = function (row) {
        var cell = row.cells[column];
        return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
      };
      var sorted = rows().sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
        return up ? order : -order;
      });
      sorted.forEach(function (row) { table.tBodies[0].appendChild(row); });
    });
  });
})();
"""


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


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
    # The page's words come from the catalog, in the run's language (looked up at render time).
    env.globals["say"] = say
    env.globals["status_label"] = status_label
    env.globals["html_lang"] = html_lang
    env.globals["colon"] = lambda: "：" if language() == "zh" else ":"
    return env


def html_lang() -> str:
    """The page's `lang` attribute: browsers pick CJK fonts and line breaking from it."""
    return "zh-CN" if language() == "zh" else "en"


def render_report(result: SubmissionResult, *, reveal_hidden: bool = False) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(
        result=result,
        reveal_hidden=reveal_hidden,
        public_note=public_only_note(result) if result.scope == "public" else "",
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_summary(
    results: list[SubmissionResult],
    links: dict[str, str],
    *,
    matching: Matching | None = None,
    intake: dict | None = None,
) -> str:
    """The class summary page; `links` maps each submission to its report's relative path;
    `matching` says who each submission is (a roster), `intake` how the download was read."""
    from grader.render.summary import histogram_svg, summarise

    summary = summarise(results)
    template = environment().get_template("summary.html.j2")
    return template.render(
        summary=summary,
        svg=histogram_svg(summary.histogram),
        links=links,
        matching=matching,
        intake=intake or {},
        script=SUMMARY_SCRIPT,
        script_hash=script_hash(SUMMARY_SCRIPT),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
