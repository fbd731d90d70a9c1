"""The forecast chart: forecast vs actual by month for a quarter, upside stacked.

The spec is built here (pure); the PNG is drawn by `messages.chart_png` in a child
process, so matplotlib (tens of MiB) is never imported into psbot's own process — not at
start, not after a chart — and a drawing that fails or hangs cannot take psbot with it.
Every chart has alt text that says what it shows, so the message is complete without it.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from bot.runtime.outbox import Post
from messages.format import money

DRAW_TIMEOUT_SECONDS = 60
ALT_TEXT_LIMIT = 1000  # files.getUploadURLExternal's alt_txt


@dataclass(frozen=True)
class ChartMonth:
    label: str
    forecast: Decimal
    upside: Decimal
    actual: Decimal | None  # None: the month isn't closed


@dataclass(frozen=True)
class Chart:
    title: str
    months: Sequence[ChartMonth]

    @property
    def alt_text(self) -> str:
        parts = []
        for m in self.months:
            part = f"{m.label}: {money(m.forecast)} forecast, {money(m.upside)} upside"
            if m.actual is not None:
                part += f", {money(m.actual)} actual"
            parts.append(part)
        text = f"{self.title}. " + "; ".join(parts) + "."
        return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"

    def spec(self) -> str:
        """What the drawing process reads: JSON, dollars as floats (a picture, not a sum)."""
        months = [
            {**asdict(m), **{k: float(v) for k, v in asdict(m).items() if isinstance(v, Decimal)}}
            for m in self.months
        ]
        return json.dumps({"title": self.title, "months": months})


class ChartError(Exception):
    """The chart could not be drawn; the message says why in one line."""


def render_png(chart: Chart) -> bytes:
    """The chart as PNG bytes, drawn in a child process."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "messages.chart_png"],
            input=chart.spec().encode(),
            capture_output=True,
            timeout=DRAW_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ChartError(f"drawing the chart failed: {error}") from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no PNG"]
        raise ChartError(f"drawing the chart failed: {reason[0]}")
    return done.stdout


def chart_post(chart: Chart, png: bytes, filename: str) -> Post:
    """The chart as an outbox post: shared after the entry's first post, in its channel."""
    file = {
        "filename": filename,
        "title": chart.title,
        "alt_txt": chart.alt_text,
        "content": base64.b64encode(png).decode(),
    }
    return Post(channel="", text=chart.alt_text, file=file)
