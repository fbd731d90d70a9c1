"""`psbot run`'s memory over a long soak at scale (issue 24: bounded memory).

`python -m bench.soak [--projects 10000] [--commands 10000]`, or `python -m bench --only
soak [--scale N]`: PostgreSQL when PSBOT_BENCH_DATABASE_URL is set, else SQLite (and it
says so). Not part of pytest.

`psbot run` (waitress, scheduler off; bench/serving.py) starts on the seeded portfolio
imported into a new database; its idle RSS is what it logs before computing the portfolio
at start-up (the portfolio kept counts in the peak), and its RSS once start-up has settled
is printed beside it. Then the mixed signed `/ps` commands of the load test (help,
bookings SOW, projects --mine, report, a few forecasts) are sent over HTTP at concurrency
20, `STEP` at a time; after each step its replies are awaited and the process's RSS is
read. Goals: peak RSS (VmHWM, start-up included) ≤ 2× the idle RSS, and flat after
warm-up: the RSS at the end at most `GOAL_GROWTH` above the RSS after the first `WARM_UP`
commands.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench import stats
from bench.ack_load import Served, progress, served_portfolio
from bench.serving import (
    CONCURRENCY,
    REPLY_LIMIT,
    SEND_LIMIT,
    Command,
    Server,
    collect_replies,
    fire,
    start_psbot,
)

PROJECTS = 10000
COMMANDS = 10000
STEP = 1000  # commands between two RSS readings
WARM_UP = 2000  # commands before the RSS must stay flat
SETTLE = 2.0  # seconds after start-up before the idle RSS is read
START_UP_LIMIT = 120.0  # seconds for psbot to compute the portfolio at start-up
START_UP_DONE = re.compile(r"portfolio (not )?computed at start-up")
GOAL_PEAK_RATIO = 2.0
GOAL_GROWTH = 0.05


@dataclass
class Step:
    sent: int  # commands sent so far
    rss: int  # after this step's replies came
    peak: int  # VmHWM so far
    seconds: float
    ack_p99: float
    failed: int  # no HTTP 200, reply missing or reporting a failure


@dataclass
class SoakFigures:
    backend: str
    projects: int
    idle: int
    # What psbot logged of its RSS before it computed the portfolio at start-up (the idle
    # RSS proper: the kept portfolio is part of the peak, not of the resting process).
    before_portfolio: int | None = None
    steps: list[Step] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)

    @property
    def peak(self) -> int:
        return self.steps[-1].peak

    @property
    def resting(self) -> int:
        """The idle RSS the goal divides by: before the portfolio, where psbot logged it."""
        return self.before_portfolio or self.idle

    @property
    def peak_ratio(self) -> float:
        return self.peak / self.resting

    @property
    def warm(self) -> Step:
        """The reading after the warm-up (the first one when the soak is shorter)."""
        return next((s for s in self.steps if s.sent >= WARM_UP), self.steps[0])

    @property
    def growth(self) -> float:
        return self.steps[-1].rss / self.warm.rss - 1

    @property
    def failed(self) -> int:
        return sum(step.failed for step in self.steps) + len(self.log_problems)


def soak(server: Server, served: Served, commands: Sequence[Command], figures: SoakFigures):
    for start in range(0, len(commands), STEP):
        chunk = commands[start : start + STEP]
        started = time.perf_counter()
        fired = fire(
            server.port,
            chunk,
            served.fake,
            concurrency=CONCURRENCY,
            prefix=f"soak{start}-",
            time_limit=SEND_LIMIT,
        )
        answered = collect_replies(served.fake, [s.name for s in fired.shots], REPLY_LIMIT)
        served.fake.reset()
        acks = [shot.ack for shot in fired.shots if not shot.error] or [0.0]
        failed = (
            fired.unsent
            + sum(1 for shot in fired.shots if shot.error)
            + len(answered.missing)
            + len(answered.errors())
        )
        step = Step(
            start + len(chunk),
            server.rss(),
            server.peak_rss(),
            time.perf_counter() - started,
            stats.percentile(acks, 99),
            failed,
        )
        figures.steps.append(step)
        progress(
            f"  {step.sent:,} sent: RSS {stats.mib(step.rss)}, peak {stats.mib(step.peak)}, "
            f"{step.seconds:.0f} s, ack p99 {stats.ms(step.ack_p99)} ms, failed {failed}"
        )


def measure(served: Served, count: int) -> SoakFigures:
    commands = served.commands(count)
    server = start_psbot(served.db.url, served.fake, served.folder)
    try:
        _wait_for_start_up(server)
        time.sleep(SETTLE)
        figures = SoakFigures(served.db.backend, served.files.size.projects, server.rss())
        progress(f"soak: psbot run idle RSS {stats.mib(figures.idle)}; {count:,} commands")
        soak(server, served, commands, figures)
    finally:
        server.stop()
    figures.log_problems = server.log_problems()
    figures.before_portfolio = rss_before_portfolio(server.log.read_text(errors="replace"))
    return figures


def _wait_for_start_up(server: Server) -> None:
    """Until psbot has logged the end of its start-up computation: it listens before it
    computes, so an RSS read when the port first answers would miss the portfolio."""
    deadline = time.monotonic() + START_UP_LIMIT
    while time.monotonic() < deadline:
        if START_UP_DONE.search(server.log.read_text(errors="replace")):
            return
        time.sleep(0.2)
    raise RuntimeError(f"psbot did not finish its start-up in {START_UP_LIMIT:.0f} s")


def rss_before_portfolio(log: str) -> int | None:
    """The RSS psbot run logged before computing the portfolio at start-up, in bytes."""
    found = re.search(r"portfolio computed at start-up: .*\(RSS ([0-9.]+) → ", log)
    return int(float(found.group(1)) * 2**20) if found else None


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(figures: SoakFigures) -> str:
    where = (
        "PostgreSQL (PSBOT_BENCH_DATABASE_URL)"
        if figures.backend == "postgresql"
        else "SQLite — PSBOT_BENCH_DATABASE_URL is not set, so not PostgreSQL"
    )
    rows = []
    if figures.before_portfolio is not None:
        rows.append(["idle, start-up", stats.mib(figures.before_portfolio), "", "", "", ""])
    rows.append(["portfolio computed", stats.mib(figures.idle), "", "", "", ""])
    rows += [
        [
            f"after {step.sent:,}",
            stats.mib(step.rss),
            stats.mib(step.peak),
            f"{step.seconds:.0f}",
            stats.ms(step.ack_p99),
            str(step.failed),
        ]
        for step in figures.steps
    ]
    sent = figures.steps[-1].sent
    peak_met = figures.peak_ratio <= GOAL_PEAK_RATIO
    flat_met = figures.growth <= GOAL_GROWTH
    return "\n".join(
        [
            f"soak: {sent:,} mixed signed /ps commands over HTTP at concurrency {CONCURRENCY} "
            f"to one psbot run, {figures.projects:,} projects, {where}; RSS read after each "
            f"{STEP:,} once their replies came",
            stats.table(["commands", "RSS", "peak", "s", "ack p99 ms", "failed"], rows),
            f"  failed requests or replies, and ERROR lines in psbot's log: {figures.failed}"
            + (f" (first: {figures.log_problems[0]})" if figures.log_problems else ""),
            f"  peak RSS ÷ idle RSS = {figures.peak_ratio:.2f} "
            f"({stats.mib(figures.peak)} ÷ {stats.mib(figures.resting)}; goal ≤ "
            f"{GOAL_PEAK_RATIO:g}): {_verdict(peak_met)}",
            f"  for reference, peak ÷ RSS once the portfolio is computed at start-up = "
            f"{figures.peak / figures.idle:.2f}",
            f"  growth after warm-up: RSS after {figures.warm.sent:,} {stats.mib(figures.warm.rss)}"
            f", at the end {stats.mib(figures.steps[-1].rss)}: {figures.growth:+.1%} "
            f"(goal ≤ {GOAL_GROWTH:+.0%}): {_verdict(flat_met)}",
        ]
    )


def run(postgres_url: str, projects: int = PROJECTS, count: int = COMMANDS) -> str:
    with served_portfolio("soak", postgres_url, projects) as served:
        figures = measure(served, count)
    return report(figures)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--projects", type=int, default=PROJECTS)
    parser.add_argument("--commands", type=int, default=COMMANDS)
    args = parser.parse_args(argv)
    postgres_url = os.environ.get("PSBOT_BENCH_DATABASE_URL", "")
    print(run(postgres_url, args.projects, args.commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
