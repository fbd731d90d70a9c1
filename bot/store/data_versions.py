"""The version of the data the portfolio is computed from, kept in the database.

Every transaction that writes one of `TRACKED_TABLES` bumps the one row of
`data_versions` as it commits, in the same transaction: an import, a Kantata sync, a
Slack write, a Core bulk statement or an ORM flush alike, since the engine watches the SQL
itself (`track_writes`), not the code that sends it. A process that keeps results computed
from those tables keys them by `current(session)`, so the next request on any replica
sees a write as soon as it is committed.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.store.models import DataVersion

# What the bookings rules, the forecast and the revenue read.
TRACKED_TABLES = (
    "people",
    "projects",
    "bookings",
    "milestones",
    "time_off",
    "time_entries",
    "forecast_snapshots",
    "closure_items",
)
_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    rf'"?({"|".join(TRACKED_TABLES)})\b',
    re.IGNORECASE,
)
WROTE = "psbot_wrote_tracked_data"  # in the DB-API connection's info, until it commits
ROW_ID = 1
_BUMP = (
    f"INSERT INTO data_versions (id, version) VALUES ({ROW_ID}, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = data_versions.version + 1"
)
_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_versions'",
    "postgresql": "SELECT to_regclass('data_versions') IS NOT NULL",
}


def current(session: Session) -> int:
    """The data's version now (0 before any write was tracked)."""
    version = session.scalar(sa.select(DataVersion.version).where(DataVersion.id == ROW_ID))
    return version or 0


def track_writes(engine: Engine) -> None:
    """Bump the version in every transaction of `engine` that writes a tracked table."""
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_if_written)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "checkin", _forget_on_checkin)


def _note_write(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if _WRITE.match(statement):
        conn.info[WROTE] = True


def _bump_if_written(conn: Connection) -> None:
    """Just before the commit, on the DB-API cursor (the connection is committing), so
    the row is locked only for the commit itself: no writer waits on it holding others."""
    if not conn.info.pop(WROTE, False):
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        # Any revision: a database migrated to before `data_versions` still takes writes.
        cursor.execute(_EXISTS[conn.dialect.name])
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute(_BUMP)
    finally:
        cursor.close()


def _forget(conn: Connection) -> None:
    conn.info.pop(WROTE, None)


def _forget_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info.pop(WROTE, None)
