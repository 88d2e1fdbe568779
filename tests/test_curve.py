"""The learning curve of a training check: an inline SVG and a line of figures, from untrusted data."""

import math
import re
from dataclasses import replace

import click

from grader.render import html, terminal
from grader.render.curve import (
    MAX_EPOCHS,
    curve_points,
    learning_curve_line,
    learning_curve_svg,
)
from grader.results import Check, ExerciseResult, Stamp, SubmissionResult

HISTORY = [
    {"train_loss": 1.2568, "val_loss": 0.2985, "val_accuracy": 0.895},
    {"train_loss": 0.2638, "val_loss": 0.3302, "val_accuracy": 0.9},
    {"train_loss": 0.0124, "val_loss": 0.1019, "val_accuracy": 0.96},
]


def test_the_line_gives_first_and_last_figures_and_a_sparkline():
    line = learning_curve_line(HISTORY)
    assert line == (
        "learning curve, 3 epochs: train loss 1.26 → 0.0124, val loss 0.298 → 0.102, "
        "val accuracy 89.5% → 96.0% ▁▂█"
    )


def test_only_finite_numbers_are_kept_and_at_most_max_epochs():
    messy = [
        {"train_loss": math.nan, "val_loss": 1.0, "val_accuracy": 0.5},
        {"train_loss": 1.0, "val_loss": math.inf, "val_accuracy": 0.5},
        {"train_loss": True, "val_loss": 1.0, "val_accuracy": 0.5},
        {"train_loss": "1", "val_loss": 1.0, "val_accuracy": 0.5},
        "an epoch?",
        {"train_loss": 1.0, "val_loss": 1.0, "val_accuracy": 0.5},
    ]
    assert len(curve_points(messy)) == 1
    assert curve_points("not a list") == [] and curve_points(None) == []
    assert len(curve_points([HISTORY[0]] * (MAX_EPOCHS + 50))) == MAX_EPOCHS


def test_nothing_to_draw_gives_nothing():
    assert learning_curve_svg([]) == "" and learning_curve_line([]) == ""
    assert learning_curve_svg([{"train_loss": math.nan}]) == ""


def test_the_svg_is_self_contained_and_draws_three_lines():
    svg = learning_curve_svg(HISTORY)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 3
    assert not re.search(r"<script|href|xlink|url\(|<foreignObject|on\w+=", svg, re.I)
    numbers = re.findall(r'points="([^"]*)"', svg)
    for points in numbers:
        for pair in points.split():
            x, y = map(float, pair.split(","))
            assert 0 <= x <= 360 and 0 <= y <= 150


def test_one_epoch_and_flat_values_still_draw():
    one = learning_curve_svg(HISTORY[:1])
    assert one.count("<polyline") == 3
    assert learning_curve_line([HISTORY[0]] * 3).endswith("███")


def result_with_curve(curve) -> SubmissionResult:
    check = Check(
        id="suites/ex10_digits/test_hidden.py::test_accuracy_50",
        exercise="ex10_digits",
        name="test_accuracy_50",
        title="the trained model classifies at least 50 % of the test images",
        visibility="hidden",
        points=1.0,
        earned=1.0,
        outcome="passed",
        curve=tuple(curve),
    )
    exercise = ExerciseResult(
        "ex10_digits", "10", "digits", (check, replace(check, id="x", curve=()))
    )
    return SubmissionResult(
        submission="s", status="graded", exercises=(exercise,), stamp=Stamp("a", "b", "c", "d")
    )


def test_the_terminal_prints_the_line_under_a_passed_check():
    text = click.unstyle(terminal.render(result_with_curve(HISTORY)))
    assert "learning curve, 3 epochs" in text
    assert text.count("learning curve") == 1  # only the check that recorded one


def test_the_html_report_holds_the_svg_once_and_escapes_what_it_shows():
    page = html.render_report(result_with_curve(HISTORY))
    assert page.count("<svg") >= 1 and page.count('class="curve"') >= 1
    assert page.count("<polyline") == 3
    hostile = [{"train_loss": 1.0, "val_loss": 1.0, "val_accuracy": 0.5, "x": "<script>"}]
    assert "<script>" not in learning_curve_svg(hostile)
