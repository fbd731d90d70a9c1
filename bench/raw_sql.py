"""Benchmark 3: the rows `/ps forecast` needs, fetched with the plain driver (no ORM, no rules).

`show_forecast` loads the portfolio once, over one window that covers both this quarter's
weeks (the totals) and the rules window (the rule checks); the load reads the projects, the
bookings in that window, every milestone and the people involved. This does the same reads,
with the same filters, through sqlite3 or psycopg, and only turns them into lists of tuples.
The two are timed in turns, since these machines drift by tens of percent within a minute.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.database import BenchDatabase
from bench.slash import Bench
from bot.core.dates import Quarter
from bot.pmo.portfolio_loading import forecast_window


def _fetch(cursor: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _column(cursor: Any, name: str) -> int:
    """Where `name` is in the last result's columns."""
    return [d[0] for d in cursor.description].index(name)


def fetch_forecast_rows(connection: Any, backend: str, today: dt.date) -> int:
    """Read everything the forecast reads; the number of rows."""
    mark = "?" if backend == "sqlite" else "%s"
    cursor = connection.cursor()
    first, last = forecast_window(today, Quarter.of(today))
    window: tuple[Any, ...] = (
        (first.isoformat(), last.isoformat()) if backend == "sqlite" else (first, last)
    )
    projects = _fetch(cursor, "SELECT * FROM projects ORDER BY sow")
    pm_id = _column(cursor, "pm_id")
    bookings = _fetch(
        cursor, f"SELECT * FROM bookings WHERE week_start BETWEEN {mark} AND {mark}", window
    )
    person_id = _column(cursor, "person_id")
    milestones = _fetch(cursor, "SELECT * FROM milestones")
    ids = sorted({b[person_id] for b in bookings} | {p[pm_id] for p in projects if p[pm_id]})
    if backend == "sqlite":
        people = _fetch(
            cursor,
            f"SELECT * FROM people WHERE id IN ({', '.join('?' * len(ids))})",
            tuple(ids),
        )
    else:
        people = _fetch(cursor, "SELECT * FROM people WHERE id = ANY(%s)", (ids,))
    connection.rollback()
    return len(projects) + len(bookings) + len(milestones) + len(people)


def time_against_forecast(
    db: BenchDatabase, bench: Bench, user_id: str, today: dt.date, runs: int
) -> tuple[list[float], list[float], int]:
    """Seconds per raw fetch and per `/ps forecast` (dispatch to reply), taken in turns so
    that the machine's drift hits both alike; and the rows per fetch. One warm-up each."""
    connection = db.raw_connection()
    try:
        rows = fetch_forecast_rows(connection, db.backend, today)
        bench.ask("forecast", user_id)
        raw, forecast = [], []
        for _ in range(runs):
            started = time.perf_counter()
            fetch_forecast_rows(connection, db.backend, today)
            raw.append(time.perf_counter() - started)
            forecast.append(bench.ask("forecast", user_id).reply)
        return raw, forecast, rows
    finally:
        connection.close()
