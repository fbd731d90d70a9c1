"""`/ps accuracy --quarter` on a year of Monday snapshots, and the snapshot job itself.

The portfolio gets 52 weekly snapshots (each Monday's forecast as the snapshot job would
store it: the forecast rows of today, moved to that Monday's months) and approved time
for every hard-booked working day of the quarter measured, then `/ps accuracy --quarter`
is asked through the Bolt app like any command. The quarter is 2026-Q3, whose three
months are all closed on the benchmark's clock: the heaviest case (one closed month in
2026-Q4).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from bench.database import BenchDatabase
from bench.slash import Bench, Sample
from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, Quarter, monday_of
from bot.pmo.snapshots import current_forecast
from bot.store.models import Booking, ForecastSnapshot, TimeEntry
from jobs.forecast_snapshot import run_forecast_snapshot

QUARTER = Quarter(2026, 3)
SNAPSHOT_WEEKS = 52
ACCURACY_RUNS = 5
BATCH = 20_000


@dataclass
class AccuracyFigures:
    projects: int
    snapshot_rows: int
    time_entries: int
    samples: list[Sample]
    snapshot_job: float  # seconds, one run of the job on the portfolio


def seed_history(db: BenchDatabase, today: dt.date) -> tuple[int, int]:
    """52 Monday snapshots before `today` and the quarter's approved hours: (rows, entries)."""
    calendar = BusinessCalendar("US")
    with db.session_factory() as session:
        rows = current_forecast(session, today, calendar)
    this_month = Month.of(today)
    offsets = [
        (r, (r.month.year - this_month.year) * 12 + r.month.month - this_month.month) for r in rows
    ]
    monday = monday_of(today) - dt.timedelta(weeks=SNAPSHOT_WEEKS)
    values = []
    for _ in range(SNAPSHOT_WEEKS):
        month = Month.of(monday)
        for row, offset in offsets:
            stored = row.values(monday)
            stored["month"] = month.plus(offset).first_day
            values.append(stored)
        monday += dt.timedelta(weeks=1)
    entries = _time_entries(db)
    with db.session_factory.begin() as session:
        for start in range(0, len(values), BATCH):
            session.execute(sa.insert(ForecastSnapshot), values[start : start + BATCH])
        for start in range(0, len(entries), BATCH):
            session.execute(sa.insert(TimeEntry), entries[start : start + BATCH])
    return len(values), len(entries)


def _time_entries(db: BenchDatabase) -> list[dict]:
    """One approved entry per hard-booked working day in the quarter, a fifth of the week."""
    first, last = QUARTER.months[0].first_day, QUARTER.months[-1].last_day
    with db.session_factory() as session:
        hard = session.execute(
            sa.select(
                Booking.project_id, Booking.person_id, Booking.week_start, Booking.hours
            ).where(Booking.kind == "hard", Booking.week_start.between(monday_of(first), last))
        ).all()
    entries = []
    for project_id, person_id, week_start, hours in hard:
        share = (Decimal(hours) / 5).quantize(Decimal("0.01"))
        for offset in range(5):
            day = week_start + dt.timedelta(days=offset)
            if first <= day <= last:
                entries.append(
                    {
                        "project_id": project_id,
                        "person_id": person_id,
                        "day": day,
                        "week_start": week_start,
                        "hours": share,
                        "approved": True,
                        "bill_rate": None,
                        "kantata_id": None,
                    }
                )
    return entries


def measure_accuracy(
    db: BenchDatabase, bench: Bench, ctx, caller: str, projects: int, now: dt.datetime, small: bool
) -> AccuracyFigures:
    """Seed the history, then time `/ps accuracy --quarter` and one snapshot job run."""
    rows, entries = seed_history(db, now.date())
    samples = bench.repeat(
        f"accuracy --quarter {QUARTER.label}", caller, 2 if small else ACCURACY_RUNS
    )
    started = time.perf_counter()
    run_forecast_snapshot(ctx, now)
    return AccuracyFigures(projects, rows, entries, samples, time.perf_counter() - started)
