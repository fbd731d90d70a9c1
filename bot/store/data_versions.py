"""The version of the data the portfolio is computed from, kept in the database.

Every transaction that writes one of `TRACKED_TABLES` bumps the one row of
`data_versions` as it commits, in the same transaction: an import, a Kantata sync, a
Slack write, a Core bulk statement or an ORM flush alike, since the engine watches the SQL
itself (`track_writes`), not the code that sends it. A process that keeps results computed
from those tables keys them by `current(session)`, so the next request on any replica
sees a write as soon as it is committed.

A writer that knows which projects it changed (a Kantata sync) says so
(`touching_projects`); each version's `data_changes` row then lists them, and a process
holding the portfolio of an earlier version recomputes only those (`changed_projects`).
A transaction that wrote without saying, or wrote people or time off, changes
everything. A write of a value nothing computed reads (a project's `data_as_of`) is
marked `NOT_A_CHANGE` and bumps nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.store.models import DataChange, DataVersion

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
# The tables whose every row belongs to one project: a write to them alone can be scoped.
PROJECT_TABLES = frozenset(
    {"projects", "bookings", "milestones", "time_entries", "forecast_snapshots", "closure_items"}
)
# In the DB-API connection's info, until it commits: the tracked tables written, and the
# projects the writer said it changed.
WROTE = "psbot_wrote_tracked_data"
TOUCHED = "psbot_touched_projects"
# An execution option: this statement writes nothing the portfolio is computed from.
NOT_A_CHANGE = "psbot_not_a_change"
ROW_ID = 1
KEEP_CHANGES = 1000  # versions whose changes are kept: older ones mean "recompute all"
_BUMP = (
    f"INSERT INTO data_versions (id, version) VALUES ({ROW_ID}, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = data_versions.version + 1 "
    "RETURNING version"
)
_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_changes'",
    "postgresql": "SELECT to_regclass('data_changes') IS NOT NULL",
}


def current(session: Session) -> int:
    """The data's version now (0 before any write was tracked)."""
    version = session.scalar(sa.select(DataVersion.version).where(DataVersion.id == ROW_ID))
    return version or 0


def touching_projects(session: Session, project_ids: Collection[int]) -> None:
    """Say that this transaction's writes change these projects only (more calls add to
    them). Writing a table outside `PROJECT_TABLES` still changes everything."""
    touched = session.connection().info.setdefault(TOUCHED, set())
    touched.update(project_ids)


def changed_projects(session: Session, since: int, upto: int) -> frozenset[int] | None:
    """The projects changed by the versions after `since` up to `upto`; None when any of
    them may have changed everything (or is no longer known)."""
    if since >= upto:
        return frozenset()
    rows = session.execute(
        sa.select(DataChange.projects).where(DataChange.version.between(since + 1, upto))
    ).all()
    if len(rows) != upto - since or any(projects is None for (projects,) in rows):
        return None
    return frozenset(int(p) for (projects,) in rows for p in projects.split(",") if p)


def track_writes(engine: Engine) -> None:
    """Bump the version in every transaction of `engine` that writes a tracked table."""
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_if_written)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "checkin", _forget_on_checkin)


def _note_write(
    conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    written = _WRITE.match(statement)
    if written is None:
        return
    if getattr(context, "execution_options", {}).get(NOT_A_CHANGE):
        return
    conn.info.setdefault(WROTE, set()).add(written.group(1).lower())


def _bump_if_written(conn: Connection) -> None:
    """Just before the commit, on the DB-API cursor (the connection is committing), so
    the row is locked only for the commit itself: no writer waits on it holding others."""
    written: set[str] = conn.info.pop(WROTE, set())
    touched: set[int] | None = conn.info.pop(TOUCHED, None)
    if not written:
        return
    scoped = touched is not None and written <= PROJECT_TABLES
    # Written into the SQL (the DB-API's parameter style differs by driver): integers only.
    projects = f"'{','.join(str(int(p)) for p in sorted(touched))}'" if scoped else "NULL"
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        # Any revision: a database migrated to before `data_changes` still takes writes.
        cursor.execute(_EXISTS[conn.dialect.name])
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute(_BUMP)
            version = int(cursor.fetchone()[0])
            cursor.execute(
                f"INSERT INTO data_changes (version, projects) VALUES ({version}, {projects})"
            )
            cursor.execute(f"DELETE FROM data_changes WHERE version <= {version - KEEP_CHANGES}")
    finally:
        cursor.close()


def _forget(conn: Connection) -> None:
    conn.info.pop(WROTE, None)
    conn.info.pop(TOUCHED, None)


def _forget_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info.pop(WROTE, None)
    record.info.pop(TOUCHED, None)
