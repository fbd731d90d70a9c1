"""`python -m bench`: generate the portfolio, run every benchmark, print the figures."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import stats
from bench.breakdown import STEPS, median_steps, profile_forecast
from bench.database import BenchDatabase, postgres_database, sqlite_database
from bench.imports import ImportFigures, import_portfolio
from bench.portfolio import SEED, PortfolioFiles, Size, generate
from bench.raw_sql import time_raw_fetch
from bench.slash import (
    NOW,
    Bench,
    Sample,
    acks_while_busy,
    bare_app,
    interleaved_acks,
    psbot_app,
    psbot_context,
    replies,
)
from tests.fake_slack import FakeSlack, start_fake_slack

REPO = Path(__file__).resolve().parents[1]
TODAY = NOW.date()  # 2026-11-24 in New York too
SCALES = (100, 1000)
ACK_RUNS = 300
SMALL_RUNS = 3
BUSY_ROUNDS = 4
RAW_RUNS = 20
STEP_RUNS = 3


@dataclass(frozen=True)
class Command:
    label: str
    text: str  # {sow} and {person} are filled in
    runs: int  # at 1,000 projects


COMMANDS = (
    Command("/ps forecast", "forecast", 20),
    Command("/ps projects", "projects", 8),
    Command("/ps projects --mine", "projects --mine", 30),
    Command("/ps bookings", "bookings", 8),
    Command("/ps bookings SOW-…", "bookings {sow}", 50),
    Command("/ps bookings @person", "bookings <@{person}|person>", 50),
    Command("/ps report --all", "report --all", 50),
)
HELP = "/ps help"


@dataclass
class ScaleFigures:
    files: PortfolioFiles
    imports: ImportFigures
    commands: dict[str, list[Sample]]


@dataclass
class BackendFigures:
    backend: str
    scales: dict[int, ScaleFigures]
    acks: list[Sample]
    bare_acks: list[float]
    busy_acks: list[float]
    raw: list[float]
    raw_rows: int
    steps: list[float]
    steps_no_gc: list[float]
    profile: str


def progress(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def _commands(bench: Bench, files: PortfolioFiles, imports: ImportFigures, small: bool):
    caller = imports.slack_ids[files.pm_emails[0]]  # a PM with projects of their own
    person = imports.slack_ids[files.emails[-1]]  # an engineer
    results: dict[str, list[Sample]] = {}
    for command in COMMANDS:
        text = command.text.format(sow=files.busiest_sow, person=person)
        runs = SMALL_RUNS if small else command.runs
        progress(f"  {command.label} × {runs}")
        results[command.label] = bench.repeat(text, caller, runs)
    if small:
        results[HELP] = bench.repeat("help", caller, SMALL_RUNS)
    return results


def run_backend(
    backend: str, folder: Path, fake: FakeSlack, portfolios: dict[int, PortfolioFiles], args
) -> BackendFigures:
    scales: dict[int, ScaleFigures] = {}
    for projects in SCALES:
        files = portfolios[projects]
        db: BenchDatabase = (
            sqlite_database(folder, f"bench-{projects}.db")
            if backend == "sqlite"
            else postgres_database(args.postgres_url)
        )
        try:
            progress(f"{backend}, {projects:,} projects: importing")
            imports = import_portfolio(db, files, fake)
            ctx = psbot_context(db, fake)
            bench = Bench(psbot_app(ctx), fake, db)
            commands = _commands(bench, files, imports, small=projects != max(SCALES))
            scales[projects] = ScaleFigures(files, imports, commands)
            if projects != max(SCALES):
                continue
            caller = imports.slack_ids[files.pm_emails[0]]
            progress(f"  ack latency: {HELP} × {ACK_RUNS}, psbot and bare Bolt interleaved")
            acks, bare_acks = interleaved_acks(
                bench, Bench(bare_app(fake), fake, None), caller, ACK_RUNS
            )
            scales[projects].commands[HELP] = acks
            progress("  acks while a forecast is computing")
            busy = acks_while_busy(bench, caller, BUSY_ROUNDS)
            progress("  raw SQL baseline and forecast steps")
            raw, raw_rows = time_raw_fetch(db, TODAY, RAW_RUNS)
            steps = median_steps(db.session_factory, TODAY, STEP_RUNS)
            steps_no_gc = median_steps(db.session_factory, TODAY, STEP_RUNS, collect=False)
            profile = profile_forecast(ctx, caller, args.profile) if args.profile else ""
        finally:
            db.close()
    return BackendFigures(
        backend, scales, acks, bare_acks, busy, raw, raw_rows, steps, steps_no_gc, profile
    )


def measure_memory(files: PortfolioFiles) -> dict[str, int]:
    progress("memory: bookings import in a fresh interpreter")
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(files.bookings.parent)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the report ----------------------------------------------------------------------------


def _p(samples: Sequence[float], pct: float) -> str:
    return stats.ms(stats.percentile(samples, pct))


def report_header(portfolios: dict[int, PortfolioFiles], backends: Sequence[str]) -> str:
    big = portfolios[max(SCALES)]
    small = portfolios[min(SCALES)]
    size = big.size
    return "\n".join(
        [
            f"psbot benchmarks · seed {SEED} · clock {NOW:%Y-%m-%d %H:%M} UTC · "
            f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version} · "
            f"{os.cpu_count()} CPUs · {', '.join(backends)}",
            f"portfolio: {size.projects:,} projects, {size.people:,} people, "
            f"{size.bookings:,} bookings, {big.milestone_count:,} milestones "
            f"({big.csv_bytes / 1e6:.1f} MB of CSV); small: {small.size.projects:,} projects, "
            f"{small.size.people:,} people, {small.size.bookings:,} bookings",
        ]
    )


def report_imports(results: Sequence[BackendFigures], memory: dict[str, int]) -> str:
    size = max(SCALES)
    headers = ["1 · import (import_file, as `psbot import`)", *(r.backend for r in results)]
    figures = [r.scales[size].imports for r in results]
    rows = [
        [
            f"bookings.csv, {figures[0].bookings.result.rows:,} rows: first import",
            *(f"{f.bookings.seconds:.2f} s" for f in figures),
        ],
        ["  rows/s", *(stats.count(f.bookings.rows_per_second) for f in figures)],
        [
            "  re-import of the same file (0 inserted, 0 updated, 0 removed)",
            *(f"{f.bookings_again.seconds:.2f} s" for f in figures),
        ],
        ["  re-import rows/s", *(stats.count(f.bookings_again.rows_per_second) for f in figures)],
        [
            "  of which read + parse + validate (no database)",
            *(f"{f.validate_seconds:.2f} s" for f in figures),
        ],
        [
            f"projects.csv, {figures[0].projects.result.rows:,} rows",
            *(f"{f.projects.seconds:.2f} s" for f in figures),
        ],
        [
            f"milestones.csv, {figures[0].milestones.result.rows:,} rows",
            *(f"{f.milestones.seconds:.2f} s" for f in figures),
        ],
    ]
    growth = memory["rss_after"] - memory["rss_before"]
    lines = [
        stats.table(headers, rows),
        f"  peak memory of the bookings import (SQLite, fresh interpreter): "
        f"RSS +{stats.mib(growth)} (to {stats.mib(memory['rss_after'])}); "
        f"tracemalloc peak {stats.mib(memory['traced_peak'])}",
    ]
    return "\n".join(lines)


def report_commands(result: BackendFigures) -> str:
    scale = result.scales[max(SCALES)]
    rows = []
    for label in [HELP, *(c.label for c in COMMANDS)]:
        samples = scale.commands[label]
        rows.append(
            [
                label,
                str(len(samples)),
                _p(replies(samples), 50),
                _p(replies(samples), 95),
                samples[-1].text[:60],
            ]
        )
    headers = [
        f"2 · dispatch → reply on response_url, {max(SCALES):,} projects ({result.backend})",
        "runs",
        "p50 ms",
        "p95 ms",
        "reply text",
    ]
    acks = [s.ack for s in result.acks]
    ack_rows = [
        [f"psbot, {HELP}", str(len(acks)), _p(acks, 50), _p(acks, 99)],
        [
            "bare Bolt App, one acking /ps listener",
            str(len(result.bare_acks)),
            _p(result.bare_acks, 50),
            _p(result.bare_acks, 99),
        ],
        [
            f"psbot, {HELP} while a /ps forecast is computing",
            str(len(result.busy_acks)),
            _p(result.busy_acks, 50),
            _p(result.busy_acks, 99),
        ],
    ]
    ratio = stats.percentile(acks, 99) / stats.percentile(result.bare_acks, 99)
    return "\n".join(
        [
            stats.table(headers, rows, left=(0, 4)),
            "",
            stats.table(
                ["ack latency (App.dispatch returns)", "runs", "p50 ms", "p99 ms"], ack_rows
            ),
            f"  psbot p99 ÷ bare p99: {ratio:.2f}",
            "  App.dispatch polls for ack() every 10 ms (slack_bolt's ThreadListenerRunner), so",
            "  nothing is answered faster: replies near 10 ms really took less than that.",
        ]
    )


def report_forecast(result: BackendFigures) -> str:
    scale = result.scales[max(SCALES)]
    forecast = stats.percentile(replies(scale.commands["/ps forecast"]), 50)
    raw = stats.percentile(result.raw, 50)
    driver = "sqlite3" if result.backend == "sqlite" else "psycopg"
    total = sum(result.steps)
    rows = [
        [name, stats.ms(seconds), f"{seconds / total:.0%}", stats.ms(without_gc)]
        for name, seconds, without_gc in zip(STEPS, result.steps, result.steps_no_gc, strict=True)
    ]
    rows.append(["sum of the steps", stats.ms(total), "100%", stats.ms(sum(result.steps_no_gc))])
    return "\n".join(
        [
            f"3 · /ps forecast vs the raw SQL for the same rows ({result.backend})",
            f"  raw SQL with {driver} (2 windows, {result.raw_rows:,} rows), "
            f"p50 of {len(result.raw)}: {stats.ms(raw)} ms",
            f"  /ps forecast dispatch → reply, p50: {stats.ms(forecast)} ms"
            f"  →  forecast ÷ raw SQL = {stats.ratio(forecast / raw)}",
            "",
            stats.table(
                [f"forecast steps, median of {STEP_RUNS}", "ms", "share", "ms, gc off"], rows
            ),
        ]
    )


def report_statements(result: BackendFigures) -> str:
    small, big = (result.scales[n] for n in SCALES)
    rows = []
    for kind in ("projects", "bookings", "milestones"):
        a, b = (getattr(s.imports, kind) for s in (small, big))
        rows.append(
            [
                f"import {kind}.csv",
                stats.count(a.statements),
                stats.count(b.statements),
                stats.ms(a.seconds),
                stats.ms(b.seconds),
            ]
        )
    for label in [HELP, *(c.label for c in COMMANDS)]:
        a, b = (s.commands[label] for s in (small, big))
        counts_a = sorted({s.statements for s in a})
        counts_b = sorted({s.statements for s in b})
        rows.append(
            [
                label,
                "/".join(map(str, counts_a)),
                "/".join(map(str, counts_b)),
                _p(replies(a), 50),
                _p(replies(b), 50),
            ]
        )
    n1, n2 = (f"{n:,}" for n in SCALES)
    headers = [
        f"4 · SQL statements ({result.backend})",
        f"SQL @{n1}",
        f"SQL @{n2}",
        f"ms @{n1}",
        f"ms @{n2}",
    ]
    return stats.table(headers, rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also print the N functions where one /ps forecast spends most time (cProfile)",
    )
    return parser


def main(argv: Sequence[str] | None = None, postgres_url: str = "") -> int:
    args = build_parser().parse_args(argv)
    args.postgres_url = postgres_url
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    started = time.perf_counter()
    backends = ["sqlite", *(["postgresql"] if postgres_url else [])]
    fake, server = start_fake_slack()
    try:
        with tempfile.TemporaryDirectory(prefix="psbot-bench-") as tmp:
            folder = Path(tmp)
            progress("generating the portfolios")
            portfolios = {n: generate(folder / f"csv-{n}", Size.of(n)) for n in SCALES}
            results = [run_backend(b, folder, fake, portfolios, args) for b in backends]
            memory = measure_memory(portfolios[max(SCALES)])
    finally:
        server.shutdown()
    sections = [report_header(portfolios, backends), report_imports(results, memory)]
    for result in results:
        sections += [report_commands(result), report_forecast(result), report_statements(result)]
        if result.profile:
            sections.append(
                f"cProfile of one /ps forecast, commands.ps.answer() in this thread "
                f"({result.backend}):\n{result.profile.rstrip()}"
            )
    sections.append(f"total time {time.perf_counter() - started:.0f} s")
    print("\n\n".join(sections))
    return 0
