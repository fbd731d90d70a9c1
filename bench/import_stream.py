"""The bookings import at scale: peak RSS against the row count, time against the floor.

`python -m bench.import_stream [--projects 1000,10000]` (10,000 projects ≈ 500,000
bookings): for each size, the peak RSS of `import_file("bookings", …)` in a fresh
interpreter (VmHWM, reset just before the import; the projects are imported first), and
the first import's time against the database floor `python -m bench` prints (bench/bulk.py:
the bulk load plus one INSERT … SELECT into a table shaped like bookings). PostgreSQL when
PSBOT_BENCH_DATABASE_URL is set, else SQLite (and it says so).

Goals (issue 24): peak RSS ≤ 150 MiB at 500,000 rows, and independent of the row count;
import time ≤ 1.5× the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import stats
from bench.bulk import real_table_floor
from bench.database import postgres_database, sqlite_database
from bench.memory import peak_rss_bytes, reset_peak_rss, rss_bytes
from bench.portfolio import Size, generate
from bot.integrations.importing.run import import_file

REPO = Path(__file__).resolve().parents[1]
GOAL_PEAK_MIB = 150
GOAL_TIME_RATIO = 1.5
FLOOR_RUNS = 3
FLAT_MIB = 8
SIZES = (1000, 10000)  # projects: 50,000 and 500,000 bookings


def peak_of_import(csv_folder: Path, postgres_url: str) -> dict[str, float]:
    """In this (fresh) interpreter: the projects, then the bookings, whose peak RSS is read."""
    with tempfile.TemporaryDirectory(prefix="psbot-bench-stream-") as folder:
        db = (
            postgres_database(postgres_url)
            if postgres_url
            else sqlite_database(Path(folder), "m.db")
        )
        try:
            import_file("projects", csv_folder / "projects.csv", db.session_factory)
            before = rss_bytes()
            reset_peak_rss()
            started = time.perf_counter()
            result = import_file("bookings", csv_folder / "bookings.csv", db.session_factory)
            seconds = time.perf_counter() - started
            peak = peak_rss_bytes()
        finally:
            db.close()
    return {"rows": result.rows, "before": before, "peak": peak, "seconds": seconds}


def _in_fresh_interpreter(csv_folder: Path, postgres_url: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PSBOT_BENCH_DATABASE_URL": postgres_url}
    out = subprocess.run(
        [sys.executable, "-m", "bench.import_stream", "--child", str(csv_folder)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _floor(csv_folder: Path, postgres_url: str, folder: Path) -> float:
    db = postgres_database(postgres_url) if postgres_url else sqlite_database(folder, "floor.db")
    try:
        import_file("projects", csv_folder / "projects.csv", db.session_factory)
        import_file("bookings", csv_folder / "bookings.csv", db.session_factory)  # the people
        return statistics.median(real_table_floor(db, csv_folder / "bookings.csv", FLOOR_RUNS))
    finally:
        db.close()


def run(postgres_url: str, sizes: Sequence[int] = SIZES) -> str:
    backend = (
        "PostgreSQL (PSBOT_BENCH_DATABASE_URL)"
        if postgres_url
        else ("SQLite — PSBOT_BENCH_DATABASE_URL is not set, so not PostgreSQL")
    )
    rows = []
    peaks: list[float] = []
    rises: list[float] = []
    ratio = 0.0
    with tempfile.TemporaryDirectory(prefix="psbot-bench-stream-") as tmp:
        folder = Path(tmp)
        for projects in sizes:
            print(f"· import: {projects:,} projects", file=sys.stderr, flush=True)
            files = generate(folder / f"csv-{projects}", Size.of(projects))
            figures = _in_fresh_interpreter(files.bookings.parent, postgres_url)
            floor = _floor(files.bookings.parent, postgres_url, folder)
            ratio = figures["seconds"] / floor
            peaks.append(figures["peak"])
            rises.append(figures["peak"] - figures["before"])
            rows.append(
                [
                    f"{int(figures['rows']):,}",
                    stats.mib(figures["before"]),
                    stats.mib(figures["peak"]),
                    f"{figures['seconds']:.2f}",
                    f"{floor:.2f}",
                    f"{ratio:.2f}",
                ]
            )
    peak_met = peaks[-1] <= GOAL_PEAK_MIB * 1024 * 1024
    # What the import itself adds (peak above the RSS before it) may not grow with the rows.
    growth = rises[-1] - rises[0]
    flat = growth <= FLAT_MIB * 1024 * 1024
    lines = [
        f"bookings import at scale ({backend}); peak RSS in a fresh interpreter",
        stats.table(
            ["rows", "RSS before", "peak RSS", "import s", "floor s", "import ÷ floor"], rows
        ),
        f"  peak RSS at {rows[-1][0]} rows: {stats.mib(peaks[-1])} (goal ≤ {GOAL_PEAK_MIB} MiB): "
        f"{'met' if peak_met else 'NOT MET'}",
        f"  the import's rise above the RSS before it, {rows[0][0]} → {rows[-1][0]} rows: "
        f"{stats.mib(rises[0])} → {stats.mib(rises[-1])} (independent of the row count, "
        f"within {FLAT_MIB} MiB): {'met' if flat else 'NOT MET'}",
        f"  import ÷ floor at {rows[-1][0]} rows: {ratio:.2f} (goal ≤ {GOAL_TIME_RATIO}): "
        f"{'met' if ratio <= GOAL_TIME_RATIO else 'NOT MET'}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_stream", description=__doc__)
    parser.add_argument("--projects", default=",".join(map(str, SIZES)))
    parser.add_argument("--child", metavar="CSV_FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    postgres_url = os.environ.get("PSBOT_BENCH_DATABASE_URL", "")
    if args.child:
        print(json.dumps(peak_of_import(Path(args.child), postgres_url)))
        return 0
    sizes = [int(n) for n in args.projects.split(",")]
    print(run(postgres_url, sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
