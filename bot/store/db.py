"""Database engine and session factory (SQLite by default, PostgreSQL supported)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.limits import POOL_WAIT_SECONDS, answer_within

# How long a SQLite writer waits for another's lock (a long import, say). Long, so that a
# post already out is still recorded as sent, and a job's run still gets claimed.
SQLITE_LOCK_WAIT_SECONDS = 15
# A request Slack waits on (a modal submission) waits this long at most, then answers
# "try again" in the modal, text kept, inside Slack's 3 seconds.
SLACK_LOCK_WAIT_SECONDS = 2


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and a small cache,
    PostgreSQL connections the limits of bot/store/limits.py."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    from bot.store.postgres import bound_connections  # psycopg, for PostgreSQL only

    engine = create_engine(url, pool_pre_ping=True, pool_timeout=POOL_WAIT_SECONDS)
    bound_connections(engine)  # no call waits for ever (bot/store/limits.py)
    return engine


# Each pooled connection (up to 15) keeps its own page cache, 2 MiB by default. Pages not
# cached are one read from the OS's cache away: `python -m bench --memory` measured peak
# RSS 109.1 -> 101.8 MiB with 512 KiB, and no slower forecast, report or projects.
SQLITE_CACHE_KIB = 512


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # negative: KiB, not pages
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_while_slack_waits(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, as `session_factory.begin()`, for a request Slack waits on:
    on SQLite its writes wait at most SLACK_LOCK_WAIT_SECONDS for another writer's lock
    (then OperationalError), and the connection goes back to the long wait after; on
    PostgreSQL the whole transaction gives up after SLACK_LOCK_WAIT_SECONDS."""
    with answer_within(SLACK_LOCK_WAIT_SECONDS), session_factory.begin() as session:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            yield session
            return
        _lock_wait(connection, SLACK_LOCK_WAIT_SECONDS)
        try:
            yield session
            session.flush()  # the writes take the lock now, within the short wait
        finally:
            _lock_wait(connection, SQLITE_LOCK_WAIT_SECONDS)


def _lock_wait(connection: Connection, seconds: int) -> None:
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {seconds * 1000}")


def is_lock_wait(error: OperationalError) -> bool:
    """Whether `error` is SQLite's write lock, held by another writer for longer than the
    wait (as opposed to a database that is down)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def database_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds; used by /readyz and the CLI."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
