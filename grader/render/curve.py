"""The learning curve of a training check: loss and accuracy per epoch, as a small inline SVG
for the HTML report and one line of figures for the terminal.

The history comes from a results file (the judge reduced it to plain floats, but a results
file can be edited before `grader report` renders it), so nothing is taken on trust: only
finite numbers are kept, at most MAX_EPOCHS of them, and every text is escaped.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from grader.messages import say

MAX_EPOCHS = 1000
SPARKS = "▁▂▃▄▅▆▇█"
WIDTH, HEIGHT, PAD = 360, 150, 34


@dataclass(frozen=True)
class CurvePoint:
    train_loss: float
    val_loss: float
    val_accuracy: float


def curve_points(history: Any) -> list[CurvePoint]:
    """The epochs of `history` (dicts with train_loss, val_loss, val_accuracy) that hold three
    finite numbers, in order, at most MAX_EPOCHS; anything else is left out."""
    if not isinstance(history, (list, tuple)):
        return []
    found = []
    for entry in history[:MAX_EPOCHS]:
        if not isinstance(entry, dict):
            continue
        values = [entry.get(key) for key in ("train_loss", "val_loss", "val_accuracy")]
        if all(_finite(v) for v in values):
            found.append(CurvePoint(*(float(v) for v in values)))
    return found


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def learning_curve_line(history: Any) -> str:
    """e.g. "learning curve, 10 epochs: train loss 1.26 → 0.0124, val loss 0.298 → 0.102, val
    accuracy 89.5% → 96.0% ▁▁▇▃██▇▆█▇" ("" when there is nothing to show)."""
    points = curve_points(history)
    if not points:
        return ""
    first, last = points[0], points[-1]
    epochs = say("curve_epochs_one" if len(points) == 1 else "curve_epochs", count=len(points))
    return say(
        "curve_line",
        epochs=epochs,
        train_first=f"{first.train_loss:.3g}",
        train_last=f"{last.train_loss:.3g}",
        val_first=f"{first.val_loss:.3g}",
        val_last=f"{last.val_loss:.3g}",
        acc_first=f"{first.val_accuracy:.1%}",
        acc_last=f"{last.val_accuracy:.1%}",
        sparkline=_sparkline([p.val_accuracy for p in points]),
    )


def _sparkline(values: list[float]) -> str:
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return SPARKS[-1] * len(values)
    return "".join(SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def learning_curve_svg(history: Any) -> str:
    """A self-contained <svg> (no script, no link, no external file): train and validation
    loss on the left axis, validation accuracy (0 to 100 %) on the right; "" when there is
    nothing to draw."""
    points = curve_points(history)
    if not points:
        return ""
    top = max(max(p.train_loss, p.val_loss) for p in points)
    top = top if top > 0 else 1.0
    lines = [
        (say("curve_train_loss"), "#1f77b4", [p.train_loss / top for p in points]),
        (say("curve_val_loss"), "#ff7f0e", [p.val_loss / top for p in points]),
        (
            say("curve_val_accuracy"),
            "#2ca02c",
            [min(max(p.val_accuracy, 0.0), 1.0) for p in points],
        ),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{html.escape(learning_curve_line(history))}</title>",
        f'<rect x="{PAD}" y="8" width="{WIDTH - 2 * PAD}" height="{HEIGHT - PAD - 8}" '
        'fill="none" stroke="#ccc"/>',
        _text(2, 16, f"{top:.3g}"),
        _text(2, HEIGHT - PAD, "0"),
        _text(WIDTH - PAD + 3, 16, "100%"),
        _text(WIDTH - PAD + 3, HEIGHT - PAD, "0%"),
        _text(PAD, HEIGHT - PAD + 14, say("curve_epoch", number=1)),
        _text(WIDTH - PAD - 48, HEIGHT - PAD + 14, say("curve_epoch", number=len(points))),
    ]
    for i, (label, colour, values) in enumerate(lines):
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
            f'points="{_polyline(values)}"/>'
        )
        parts.append(_text(PAD + i * 100, HEIGHT - 4, label, colour))
    parts.append("</svg>")
    return "".join(parts)


def _polyline(values: list[float]) -> str:
    """Values in [0, 1] as "x,y" pairs across the plot (one value: a short flat line)."""
    left, right, bottom, height = PAD, WIDTH - PAD, HEIGHT - PAD, HEIGHT - PAD - 8
    if len(values) == 1:
        values = values * 2
    step = (right - left) / (len(values) - 1)
    return " ".join(
        f"{left + i * step:.1f},{bottom - v * height:.1f}" for i, v in enumerate(values)
    )


def _text(x: float, y: float, text: str, colour: str = "#555") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" fill="{colour}">{html.escape(text)}</text>'
    )
