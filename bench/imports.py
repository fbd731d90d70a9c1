"""Benchmark 1: the CSV import, through `bot.integrations.importing.run.import_file`, as
`psbot import` does."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.database import BenchDatabase
from bench.portfolio import PortfolioFiles
from bot.entry.slack_standin.standin import StandInSlack
from bot.integrations.importing.csvfile import parse_table, read_text
from bot.integrations.importing.formats import BOOKINGS, validate_columns
from bot.integrations.importing.run import ImportResult, import_file, link_people
from bot.runtime.slack_client import create_web_client


@dataclass(frozen=True)
class Timed:
    seconds: float
    statements: int
    result: ImportResult

    @property
    def rows_per_second(self) -> float:
        return self.result.rows / self.seconds


@dataclass(frozen=True)
class ImportFigures:
    projects: Timed
    milestones: Timed
    bookings: Timed
    bookings_again: Timed  # the same file once more: must change nothing
    validate_seconds: float  # reading, parsing and validating the bookings file, no database
    slack_ids: dict[str, str]  # email → Slack user id, for the people linked after the import


def _timed(db: BenchDatabase, kind: str, files: PortfolioFiles) -> Timed:
    path = getattr(files, kind)
    db.counter.take()
    started = time.perf_counter()
    result = import_file(kind, path, db.session_factory)
    seconds = time.perf_counter() - started
    if result.skipped:
        raise RuntimeError(f"{path.name}: {len(result.skipped)} rows skipped: {result.skipped[0]}")
    return Timed(seconds, db.counter.take(), result)


def slack_user_id(index: int) -> str:
    return f"UB{index:05d}"


def import_portfolio(db: BenchDatabase, files: PortfolioFiles, fake: StandInSlack) -> ImportFigures:
    """Import the three files in order, re-import the bookings, then link people to Slack."""
    projects = _timed(db, "projects", files)
    bookings = _timed(db, "bookings", files)
    again = _timed(db, "bookings", files)
    counts = again.result.counts
    if (counts.inserted, counts.updated, counts.removed) != (0, 0, 0):
        raise RuntimeError(f"re-import was not a no-op: {again.result.summary()}")
    milestones = _timed(db, "milestones", files)

    started = time.perf_counter()
    table = parse_table(read_text(files.bookings), files.bookings.name, BOOKINGS.columns)
    validate_columns(BOOKINGS, table.lines, table.columns)
    validate_seconds = time.perf_counter() - started

    # As `psbot import` does with SLACK_BOT_TOKEN set: users.lookupByEmail on the stand-in.
    slack_ids = {email: slack_user_id(i) for i, email in enumerate(files.emails)}
    for email, user_id in slack_ids.items():
        fake.add_user(user_id, email, email.split("@")[0].replace(".", " ").title())
    client = create_web_client("xoxb-bench", fake.api_url)
    _lines, error = link_people(db.session_factory, client, files.emails)
    if error:
        raise RuntimeError(error)
    db.counter.take()
    return ImportFigures(projects, milestones, bookings, again, validate_seconds, slack_ids)
