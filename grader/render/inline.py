"""The HTML report inline, for a notebook's output: the page's body in one scoped <div>.

A notebook shows HTML inside its own page, so the report's page cannot come whole: its CSS
would restyle the notebook (`body`, `h1`, `table`), and its Content-Security-Policy meta
has no meaning inside a <div>. So the inline version is the same template's body, with every
CSS selector scoped under `.grader-report`. Like the page, it needs no script and makes no
request: it reads the same wherever scripts are off (Colab, untrusted notebooks, GitHub).
"""

from __future__ import annotations

import re

from grader.render.html import environment, html_lang, render_report
from grader.results import SubmissionResult

SCOPE = "grader-report"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def render_inline(result: SubmissionResult) -> str:
    """The report of `result` as a fragment to embed in a notebook's output."""
    page = render_report(result, reveal_hidden=True)
    match = _BODY.search(page)
    body = match.group(1) if match else page
    # The page's lang attribute goes with it (CJK fonts and line breaking follow it); a
    # notebook's own page says nothing about the report's language.
    lang = f' lang="{html_lang()}"' if html_lang() != "en" else ""
    return (
        f'<div class="{SCOPE}"{lang}>\n<style>\n{scoped_css()}\n</style>\n{body.strip()}\n</div>\n'
    )


def scoped_css() -> str:
    """The report's stylesheet with every rule applying only inside the report's <div>."""
    source = environment().loader.get_source(environment(), "_style.css")[0]  # type: ignore[union-attr]
    return "\n".join(
        f"{', '.join(_scope(s.strip()) for s in selectors.split(','))} {{{body}}}"
        for selectors, body in _RULE.findall(source)
    )


def _scope(selector: str) -> str:
    """`body` and `:root` become the <div> itself; anything else is looked for inside it."""
    if selector in ("body", ":root", "html"):
        return f".{SCOPE}"
    return f".{SCOPE} {selector}"
