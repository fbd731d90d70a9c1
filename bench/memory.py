"""Benchmark 5: peak memory of the bookings import, in a fresh interpreter.

Run by `python -m bench` as `python -m bench.memory CSV_FOLDER`; prints one JSON object.
Two imports of the same files into two new SQLite databases: the first measures how far
the process's peak RSS rises above its RSS before the bookings import, the second the peak
of Python allocations under tracemalloc (which slows the import, so it is not timed).

Peak RSS comes from /proc (VmHWM, reset just before the import through clear_refs); a
forked child inherits its parent's ru_maxrss, so that is only the fallback elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import tempfile
import tracemalloc
from pathlib import Path

from bench.database import sqlite_database
from bot.integrations.importing.run import import_file

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_bytes(field: str) -> int | None:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    """The RSS now, or the peak so far where /proc is missing."""
    return _status_bytes("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> None:
    with contextlib.suppress(OSError):
        CLEAR_REFS.write_text("5")  # Linux: reset VmHWM to the current RSS


def peak_rss_bytes() -> int:
    return _status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(csv_folder: Path) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="psbot-bench-memory-") as folder:
        figures: dict[str, int] = {}
        for name in ("rss.db", "traced.db"):
            db = sqlite_database(Path(folder), name)
            import_file("projects", csv_folder / "projects.csv", db.session_factory)
            if name == "rss.db":
                figures["rss_before"] = rss_bytes()
                reset_peak_rss()
                import_file("bookings", csv_folder / "bookings.csv", db.session_factory)
                figures["rss_after"] = peak_rss_bytes()
            else:
                tracemalloc.start()
                import_file("bookings", csv_folder / "bookings.csv", db.session_factory)
                figures["traced_peak"] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            db.close()
        return figures


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
