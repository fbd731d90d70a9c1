"""Database engine and session factory (SQLite by default, PostgreSQL supported)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.data_versions import track_writes
from bot.store.limits import POOL_WAIT_SECONDS, answer_within

T = TypeVar("T")

# How long a SQLite writer waits for another's lock (a long import, say). Long, so that a
# post already out is still recorded as sent, and a job's run still gets claimed.
SQLITE_LOCK_WAIT_SECONDS = 15
# A request Slack waits on (a modal submission) waits this long at most, then answers
# "try again" in the modal, text kept, inside Slack's 3 seconds.
SLACK_LOCK_WAIT_SECONDS = 2


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and a small cache,
    PostgreSQL connections the limits of bot/store/limits.py. Writes to the portfolio's
    data bump its version (bot/store/data_versions.py)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        from bot.store.postgres import bound_connections  # psycopg, for PostgreSQL only

        engine = create_engine(url, pool_pre_ping=True, pool_timeout=POOL_WAIT_SECONDS)
        bound_connections(engine)  # no call waits for ever (bot/store/limits.py)
    track_writes(engine)
    return engine


# Each pooled connection (up to 15) keeps its own page cache, 2 MiB by default. Pages not
# cached are one read from the OS's cache away: `python -m bench --memory` measured peak
# RSS 109.1 -> 101.8 MiB with 512 KiB, and no slower forecast, report or projects.
SQLITE_CACHE_KIB = 512


# A bulk write (the bookings import's final INSERT) updates every index of a table at
# once; with the small cache its pages are written out and read back again and again.
# 8 MiB: the 500,000-row import 4.4 -> 4.0 s, its peak RSS unchanged (python -m
# bench.import_stream); 16 MiB raised the peak by 9 MiB, with the row count.
SQLITE_BULK_CACHE_KIB = 8192


@contextmanager
def bulk_write_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a page cache of SQLITE_BULK_CACHE_KIB on this connection until the block
    ends, then the small one again: the connection goes back to a pool of up to 15."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # negative: KiB, not pages
    cursor.close()


def _switch_to_wal(cursor) -> None:
    """WAL mode, waiting out a process that is creating the same new database file: the
    switch can find the file locked without SQLite's busy handler being asked to wait
    (CI saw `psbot migrate` run twice at once on a new file report it unreachable)."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            locked = error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_while_slack_waits(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, as `session_factory.begin()`, for a request Slack waits on:
    on SQLite it waits at most SLACK_LOCK_WAIT_SECONDS for another writer's lock (then
    OperationalError), and the connection goes back to the long wait after; on
    PostgreSQL the whole transaction gives up after SLACK_LOCK_WAIT_SECONDS."""
    with answer_within(SLACK_LOCK_WAIT_SECONDS), session_factory.begin() as session:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            yield session
            return
        _lock_wait(connection, SLACK_LOCK_WAIT_SECONDS)
        try:
            # The write lock first, then the reads: a transaction that read before another
            # writer committed could not write after it (SQLITE_BUSY_SNAPSHOT), so two
            # copies of one submission would fail instead of the second finding the first.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield session
        finally:
            _lock_wait(connection, SQLITE_LOCK_WAIT_SECONDS)


def _lock_wait(connection: Connection, seconds: int) -> None:
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {seconds * 1000}")


def is_lock_wait(error: OperationalError) -> bool:
    """Whether `error` is SQLite's write lock, held by another writer for longer than the
    wait (as opposed to a database that is down)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    # An extended code (SQLITE_BUSY_TIMEOUT, say) keeps its primary code in the low byte.
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def once_more_on_conflict(work: Callable[[], T]) -> T:
    """`work()`, run a second time if it lost a race for a unique key (IntegrityError) to
    a copy of itself running at the same moment (a view submitted twice, the same
    project's first note saved by two people): the second run finds the copy's row."""
    try:
        return work()
    except IntegrityError:
        return work()


def database_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds; used by /readyz and the CLI."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as error:
        return is_lock_wait(error)  # locked by another writer: there, and answering
    except Exception:
        return False
    return True
