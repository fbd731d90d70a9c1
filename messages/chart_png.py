"""`python -m messages.chart_png`: draw a chart spec (JSON on stdin) as PNG on stdout.

Run by `messages.chart.render_png` in a child process: the only module that imports
matplotlib, so psbot's own process never holds it.
"""

from __future__ import annotations

import io
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

FORECAST, UPSIDE, ACTUAL = "#4a6fa5", "#a9c1e3", "#2e8b57"


def draw(spec: dict) -> bytes:
    """Per month: forecast with upside stacked on it, and beside it the actual."""
    months = spec["months"]
    labels = [m["label"] for m in months]
    positions = range(len(months))
    width = 0.38
    figure, axes = plt.subplots(figsize=(8, 4.2), dpi=110)
    left = [p - width / 2 for p in positions]
    forecast = [m["forecast"] for m in months]
    axes.bar(left, forecast, width, color=FORECAST, label="Forecast (hard)")
    axes.bar(left, [m["upside"] for m in months], width, bottom=forecast, color=UPSIDE,
             label="Upside (soft)")  # fmt: skip
    right = [
        p + width / 2 for p, m in zip(positions, months, strict=True) if m["actual"] is not None
    ]
    actual = [m["actual"] for m in months if m["actual"] is not None]
    if actual:
        axes.bar(right, actual, width, color=ACTUAL, label="Actual")
    axes.set_xticks(list(positions), labels)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.0f}"))
    axes.set_title(spec["title"])
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()


def main() -> int:
    sys.stdout.buffer.write(draw(json.load(sys.stdin)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
