"""How long SQLite writers wait for another writer's lock, and a bulk write's page cache
(bot/store/db.py)."""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bot.store.db import (
    SLACK_LOCK_WAIT_SECONDS,
    SQLITE_BULK_CACHE_KIB,
    SQLITE_CACHE_KIB,
    SQLITE_LOCK_WAIT_SECONDS,
    bulk_write_cache,
    write_while_slack_waits,
)
from bot.store.models import AuditEntry

HELD = SLACK_LOCK_WAIT_SECONDS + 1.0  # longer than Slack's requests wait


def hold_lock_for(write_locked, seconds: float) -> threading.Thread:
    """Another writer holding the lock for `seconds`, from now."""
    taken = threading.Event()

    def hold() -> None:
        with write_locked():
            taken.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    return holder


def audit(session) -> None:
    session.add(AuditEntry(actor="test", action="lock.waited"))


def test_a_writer_waits_out_a_lock_longer_than_a_request_slack_waits_on(ctx, write_locked):
    # The outbox recording a post that is already out, say: giving up would post it again.
    holder = hold_lock_for(write_locked, HELD)
    with ctx.session_factory.begin() as session:
        audit(session)
    holder.join()
    with ctx.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_a_request_slack_waits_on_gives_up_in_time_and_the_wait_is_long_again(ctx, write_locked):
    engine = ctx.session_factory.kw["bind"]
    used = []  # the connection the transaction got (it fails as it begins, taking the lock)

    def checked_out(dbapi_connection, record, proxy) -> None:
        used.append(dbapi_connection)

    sa.event.listen(engine, "checkout", checked_out)
    holder = hold_lock_for(write_locked, HELD)
    started = time.monotonic()
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            write_while_slack_waits(ctx.session_factory) as session,
        ):
            audit(session)
    finally:
        sa.event.remove(engine, "checkout", checked_out)
    assert time.monotonic() - started < SLACK_LOCK_WAIT_SECONDS + 0.5
    holder.join()
    # The connection goes back to the pool with the long wait, for whoever takes it next.
    (connection,) = used
    assert connection.execute("PRAGMA busy_timeout").fetchone() == (
        SQLITE_LOCK_WAIT_SECONDS * 1000,
    )


def test_a_bulk_write_has_a_larger_sqlite_cache_and_then_the_small_one_again(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite page cache")
    with engine.connect() as connection:
        cache = "PRAGMA cache_size"
        with pytest.raises(RuntimeError), bulk_write_cache(connection):
            assert connection.exec_driver_sql(cache).scalar() == -SQLITE_BULK_CACHE_KIB
            raise RuntimeError("a failed import")
        assert connection.exec_driver_sql(cache).scalar() == -SQLITE_CACHE_KIB
