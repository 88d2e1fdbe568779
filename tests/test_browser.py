"""The HTML pages in a real browser: headless Chromium renders them with no console error and
no request beyond the page itself. Needs Debian's chromium and chromium-driver (.ci/run
installs them); without them the test is skipped locally and fails in CI."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, run_grader

pytestmark = pytest.mark.slow  # grades real submissions

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser test: install Debian's chromium and chromium-driver"
            )
        pytest.skip("no chromium/chromedriver on this machine (CI installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    roster = folder / "roster.csv"
    roster.write_text(
        "name,login,email\nHal Fdone,half-done,hal@x.org\nPat Fect,perfect,pat@x.org\n"
        "Ann Absent,absent,ann@x.org\n"
    )
    out = folder / "out"
    done = run_grader(
        "batch",
        str(ROOT / "examples" / "submissions"),
        "--out",
        str(out),
        "-e",
        "01",
        "-e",
        "02",
        "--roster",
        str(roster),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def load(browser, path: Path) -> tuple[list[dict], list[str]]:
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.as_uri())
    console = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    events = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    requests = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    return console, requests


@pytest.mark.parametrize(
    "page", ["summary.html", "submissions/half-done/report.html", "submissions/broken/report.html"]
)
def test_pages_render_without_errors_or_external_requests(browser, pages, page):
    path = pages / page
    console, requests = load(browser, path)
    assert console == []
    assert requests == [path.as_uri()], "the page must be self-contained"
    body = browser.find_element("tag name", "body").text
    assert ("Class summary" in body) if page == "summary.html" else ("points" in body)


def test_the_summary_draws_the_distribution_and_links_reports(browser, pages):
    load(browser, pages / "summary.html")
    bars = browser.find_elements("css selector", "svg rect.hbar")
    assert len(bars) == 11 and any(float(b.get_attribute("height")) > 0 for b in bars)
    # The tallest bar's count is drawn inside the picture; the last bar is 100 % alone.
    counts = browser.find_elements("css selector", "svg text.count")
    svg = browser.find_element("css selector", "svg.histogram").rect
    for count in counts:
        box = count.rect
        assert box["y"] >= svg["y"] and box["y"] + box["height"] <= svg["y"] + svg["height"]
    perfect = bars[-1].find_element("tag name", "title").get_attribute("textContent")
    assert perfect == "100%: 1"
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", "a")]
    assert (pages / "submissions" / "perfect" / "report.html").as_uri() in links


def test_the_learners_come_first_sort_and_filter(browser, pages):
    load(browser, pages / "summary.html")
    headings = [h.text for h in browser.find_elements("css selector", "h2")]
    assert headings[0] == "Learners"
    assert not browser.find_element("id", "checks").get_attribute("open")  # folded

    def names():
        rows = browser.find_elements("css selector", "#learners tbody tr")
        return [r.find_element("tag name", "td").text for r in rows if r.is_displayed()]

    assert names() == ["broken", "half-done", "perfect"]
    total = browser.find_elements("css selector", "#learners thead th")[-3]
    total.find_element("tag name", "button").click()
    assert names()[-1] == "perfect" and total.get_attribute("aria-sort") == "ascending"
    total.find_element("tag name", "button").click()
    assert names()[0] == "perfect"
    browser.find_element("id", "learner-filter").send_keys("hal")
    assert names() == ["half-done"]
    roster = browser.find_element("id", "roster").text
    assert "Ann Absent" in roster and "broken" in roster  # unmatched both ways


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("page", ["summary.html", "submissions/half-done/report.html"])
def test_nothing_overflows_the_page_at_phone_and_desktop_widths(browser, pages, page, width):
    browser.set_window_size(width, 900)
    try:
        load(browser, pages / page)
        inner = browser.execute_script("return window.innerWidth")
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= inner, f"{page} is {scroll} px wide in a {inner} px window"
        if page == "summary.html":
            browser.find_element("css selector", "#checks summary").click()  # unfolded too
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= inner
        else:  # each score sits inside its own row, clear of the dividers
            for row in browser.find_elements("css selector", "ul.checks > li:not(.skipped)")[:40]:
                points = row.find_element("css selector", ".pts").rect
                box = row.rect
                assert (
                    box["y"] <= points["y"]
                    and points["y"] + points["height"] <= box["y"] + box["height"]
                )
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(height + 200, 4000))
        shot = pages.parent / f"{page.replace('/', '_')}-{width}.png"
        browser.save_screenshot(str(shot))
        print(f"screenshot: {shot}")
    finally:
        browser.set_window_size(1280, 900)


# --- the Chinese report (issue 16): CJK glyphs drawn with the system's fonts, no web font

# Draws `text` on a canvas in the page's own font, and returns its pixels (as a string).
GLYPHS = """
const canvas = document.createElement("canvas");
canvas.width = 64; canvas.height = 64;
const ctx = canvas.getContext("2d");
ctx.font = "40px " + getComputedStyle(document.body).fontFamily;
ctx.fillStyle = "#000"; ctx.textBaseline = "top";
ctx.fillText(arguments[0], 4, 4);
const data = ctx.getImageData(0, 0, 64, 64).data;
let ink = 0, out = [];
for (let i = 3; i < data.length; i += 4) { out.push(data[i]); if (data[i]) ink++; }
return [ink, out.join(",")];
"""


def cjk_fonts() -> str:
    done = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def zh_pages(tmp_path_factory):
    if not cjk_fonts():
        if os.environ.get("CI"):
            pytest.fail("CI must render Chinese: .ci/run installs fonts-wqy-microhei as root")
        pytest.skip("no CJK font on this machine (fc-list :lang=zh is empty; CI installs one)")
    out = tmp_path_factory.mktemp("zh-pages") / "out"
    examples = str(ROOT / "examples" / "submissions")
    done = run_grader("batch", examples, "--out", str(out), "-e", "01", "--lang", "zh")
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("page", ["summary.html", "submissions/half-done/report.html"])
def test_the_chinese_pages_render_cjk_glyphs_not_boxes(browser, zh_pages, page):
    path = zh_pages / page
    console, requests = load(browser, path)
    assert console == [] and requests == [path.as_uri()], "no web font, no request"
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    body = browser.find_element("tag name", "body").text
    assert ("全班汇总" in body) if page == "summary.html" else ("分" in body)
    # A font without the glyph draws the same empty box (tofu) for every character it lacks,
    # as for a private-use code point: real glyphs differ from it and from each other.
    glyphs = {c: browser.execute_script(GLYPHS, c) for c in ("分", "张", "\ue000")}
    (ink_a, fen), (ink_b, zhang), (_, box) = glyphs["分"], glyphs["张"], glyphs["\ue000"]
    assert ink_a and ink_b, "the CJK characters draw nothing"
    assert fen != box and zhang != box, "CJK characters are drawn as empty boxes (tofu)"
    assert fen != zhang
    browser.set_window_size(1000, 900)
    try:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1000, min(height + 200, 2400))
        shot = zh_pages.parent / f"zh-{page.replace('/', '_')}.png"
        browser.save_screenshot(str(shot))
        print(f"screenshot: {shot}")
    finally:
        browser.set_window_size(1280, 900)
