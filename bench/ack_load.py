"""Acks under HTTP load, against a bare Bolt app in the same run (issue 24).

`python -m bench.ack_load [--projects 1000] [--commands 2000] [--rounds 10]`, or
`python -m bench --only acks`: PostgreSQL when PSBOT_BENCH_DATABASE_URL is set, else
SQLite (and it says so).

`psbot run` and the bare Bolt app (bench/bare_bolt.py) are both started, each served by
waitress on 127.0.0.1. The mixed signed `/ps` commands of the load test (bench/serving.py)
are sent in rounds, each round to psbot then the same commands to the bare app, at
concurrency 20 on keep-alive connections: interleaved, so both see the same machine. After
psbot's part of a round the bench waits for its replies, so psbot's work of one round
never slows the bare app's acks (which would flatter psbot). The goal: psbot's ack p99
≤ 1.5× the bare app's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench import stats
from bench.database import BenchDatabase, postgres_database, sqlite_database
from bench.imports import import_portfolio
from bench.portfolio import PortfolioFiles, Size, generate
from bench.serving import (
    CONCURRENCY,
    REPLY_LIMIT,
    SEND_LIMIT,
    Command,
    Server,
    Shot,
    collect_replies,
    fire,
    mixed_commands,
    start_bare,
    start_psbot,
)
from bot.entry.slack_standin.standin import StandInSlack
from bot.store.models import Project

GOAL_ACK_RATIO = 1.5
PROJECTS = 1000
COMMANDS = 2000
ROUNDS = 10
SEED = 24


def progress(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


@dataclass
class AckFigures:
    backend: str
    projects: int
    psbot: list[Shot]
    bare: list[Shot]
    replies: int  # psbot's replies that came
    missing: int  # psbot's replies that did not come within REPLY_LIMIT
    errors: int  # psbot's replies reporting a failure
    seconds: float

    @staticmethod
    def acks(shots: Sequence[Shot]) -> list[float]:
        return [shot.ack for shot in shots if not shot.error]

    @property
    def ratio(self) -> float:
        return stats.percentile(self.acks(self.psbot), 99) / stats.percentile(
            self.acks(self.bare), 99
        )

    @property
    def failed(self) -> int:
        return sum(1 for shot in [*self.psbot, *self.bare] if shot.error)


def commands_for(db: BenchDatabase, files: PortfolioFiles, slack_ids: dict[str, str], count: int):
    with db.session_factory() as session:
        sows = sorted(session.scalars(sa.select(Project.sow).where(Project.status == "active")))
    pm_ids = [slack_ids[email] for email in files.pm_emails]
    user_ids = [slack_ids[email] for email in files.emails]
    return mixed_commands(count, sows, pm_ids, user_ids, SEED)


def interleaved(
    psbot: Server, bare: Server, fake: StandInSlack, commands: Sequence[Command], rounds: int
) -> tuple[list[Shot], list[Shot], int, int]:
    """Each round's commands to psbot (then its replies are awaited), then to the bare app."""
    size = -(-len(commands) // rounds)
    psbot_shots: list[Shot] = []
    bare_shots: list[Shot] = []
    missing = errors = 0
    for number in range(rounds):
        chunk = commands[number * size : (number + 1) * size]
        if not chunk:
            break
        fired = fire(
            psbot.port,
            chunk,
            fake,
            concurrency=CONCURRENCY,
            prefix=f"acks{number}-",
            time_limit=SEND_LIMIT,
        )
        psbot_shots += fired.shots
        answered = collect_replies(fake, [shot.name for shot in fired.shots], REPLY_LIMIT)
        missing += len(answered.missing)
        errors += len(answered.errors())
        fake.reset()
        fired = fire(
            bare.port,
            chunk,
            fake,
            concurrency=CONCURRENCY,
            prefix=f"bare{number}-",
            time_limit=SEND_LIMIT,
        )
        bare_shots += fired.shots
        fake.reset()
        progress(
            f"  round {number + 1}/{rounds}: psbot p99 "
            f"{stats.ms(stats.percentile(AckFigures.acks(psbot_shots), 99))} ms, bare p99 "
            f"{stats.ms(stats.percentile(AckFigures.acks(bare_shots), 99))} ms"
        )
    return psbot_shots, bare_shots, missing, errors


def measure(
    db: BenchDatabase,
    files: PortfolioFiles,
    fake: StandInSlack,
    folder: Path,
    slack_ids: dict[str, str],
    count: int = COMMANDS,
    rounds: int = ROUNDS,
) -> AckFigures:
    commands = commands_for(db, files, slack_ids, count)
    started = time.perf_counter()
    psbot = start_psbot(db.url, fake, folder)
    try:
        bare = start_bare(fake, folder)
        try:
            time.sleep(0.5)  # let both settle
            shots, bare_shots, missing, errors = interleaved(psbot, bare, fake, commands, rounds)
        finally:
            bare.stop()
    finally:
        psbot.stop()
    seconds = time.perf_counter() - started
    replies = len(shots) - missing
    return AckFigures(
        db.backend, files.size.projects, shots, bare_shots, replies, missing, errors, seconds
    )


def report(figures: AckFigures) -> str:
    where = (
        "PostgreSQL (PSBOT_BENCH_DATABASE_URL)"
        if figures.backend == "postgresql"
        else "SQLite — PSBOT_BENCH_DATABASE_URL is not set, so not PostgreSQL"
    )
    rows = []
    for label, shots in (("psbot run", figures.psbot), ("bare Bolt app", figures.bare)):
        acks = figures.acks(shots)
        rows.append(
            [
                label,
                str(len(shots)),
                stats.ms(stats.percentile(acks, 50)),
                stats.ms(stats.percentile(acks, 99)),
                stats.ms(max(acks)),
            ]
        )
    by_label: dict[str, list[float]] = {}
    for shot in figures.psbot:
        by_label.setdefault(shot.command.label, []).append(shot.ack)
    for label, acks in sorted(by_label.items(), key=lambda item: -len(item[1])):
        rows.append(
            [
                f"  psbot: {label}",
                str(len(acks)),
                stats.ms(stats.percentile(acks, 50)),
                stats.ms(stats.percentile(acks, 99)),
                stats.ms(max(acks)),
            ]
        )
    met = figures.ratio <= GOAL_ACK_RATIO and not figures.failed
    return "\n".join(
        [
            f"acks under HTTP load: {len(figures.psbot):,} mixed signed /ps commands at "
            f"concurrency {CONCURRENCY}, {figures.projects:,} projects, {where}; psbot run "
            "and the bare Bolt app in turns (waitress, 127.0.0.1)",
            stats.table(["server", "sent", "ack p50 ms", "ack p99 ms", "ack max ms"], rows),
            f"  psbot replies: {figures.replies:,} came, {figures.missing} missing, "
            f"{figures.errors} reporting a failure; requests without HTTP 200: {figures.failed}; "
            f"{figures.seconds:.0f} s",
            f"  psbot ack p99 ÷ bare Bolt ack p99 = {figures.ratio:.2f} "
            f"(goal ≤ {GOAL_ACK_RATIO}): {'met' if met else 'NOT MET'}",
        ]
    )


@dataclass
class Served:
    """A portfolio imported into a new database, and the stand-in Slack its servers use."""

    fake: StandInSlack
    folder: Path
    files: PortfolioFiles
    db: BenchDatabase
    slack_ids: dict[str, str]

    def commands(self, count: int) -> list[Command]:
        return commands_for(self.db, self.files, self.slack_ids, count)


@contextmanager
def served_portfolio(name: str, postgres_url: str, projects: int) -> Iterator[Served]:
    """The seeded portfolio at `projects` imported into PostgreSQL (when `postgres_url`)
    or SQLite, in a temporary folder; everything is removed and stopped afterwards."""
    fake = StandInSlack(strict=False).start()
    try:
        with tempfile.TemporaryDirectory(prefix=f"psbot-bench-{name}-") as tmp:
            folder = Path(tmp)
            progress(f"{name}: generating {projects:,} projects")
            files = generate(folder / "csv", Size.of(projects))
            db = (
                postgres_database(postgres_url)
                if postgres_url
                else sqlite_database(folder, f"{name}.db")
            )
            try:
                progress(f"{name}: importing into {db.backend}")
                slack_ids = import_portfolio(db, files, fake).slack_ids
                yield Served(fake, folder, files, db, slack_ids)
            finally:
                db.close()
    finally:
        fake.stop()


def run(
    postgres_url: str, projects: int = PROJECTS, count: int = COMMANDS, rounds: int = ROUNDS
) -> str:
    with served_portfolio("acks", postgres_url, projects) as served:
        progress(f"acks: {count:,} commands in {rounds} rounds, psbot then bare Bolt")
        figures = measure(
            served.db, served.files, served.fake, served.folder, served.slack_ids, count, rounds
        )
    return report(figures)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack_load", description=__doc__)
    parser.add_argument("--projects", type=int, default=PROJECTS)
    parser.add_argument("--commands", type=int, default=COMMANDS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    postgres_url = os.environ.get("PSBOT_BENCH_DATABASE_URL", "")
    print(run(postgres_url, args.projects, args.commands, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
