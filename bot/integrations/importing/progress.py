"""A progress line for long imports, redrawn in place on a terminal."""

from __future__ import annotations

import time
from typing import TextIO


class TerminalProgress:
    """Shows "label: rows read / total" on one line of `stream`, at most ten times a second."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.shown_at = 0.0
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.shown_at < 0.1:
            return
        self.shown_at = now
        text = f"{self.label}: {done:,}/{total:,} rows read"
        self.width = max(self.width, len(text))
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Erase the line, so that what is printed next starts on a clean line.
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
