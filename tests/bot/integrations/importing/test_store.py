"""The bulk path under the bookings merge: COPY on PostgreSQL, multi-row INSERTs on SQLite."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bot.integrations.importing.store import _bulk_load


def test_bulk_load_keeps_every_value_as_written(engine):
    table = sa.Table(
        "bulk_load_check",
        sa.MetaData(),
        sa.Column("text", sa.String(40)),
        sa.Column("day", sa.Date),
        sa.Column("amount", sa.Numeric(7, 2)),
        prefixes=["TEMPORARY"],
    )
    texts = ["tab\there", "new\nline", "back\\slash", "\\N", "carriage\rreturn", "", None, "é"]
    days = [dt.date(2026, 11, 30), None, *[dt.date(2026, 12, 7)] * 6]
    amounts = [Decimal("8.50"), None, *[Decimal(40)] * 6]
    with engine.begin() as connection:
        table.create(connection)
        _bulk_load(connection, table, [texts, days, amounts])
        loaded = connection.execute(sa.select(table)).all()
    assert loaded == list(zip(texts, days, amounts, strict=True))


@pytest.mark.parametrize("rows", [0, 1, 100, 250])
def test_bulk_load_loads_every_row_however_many_statements_it_takes(engine, rows):
    table = sa.Table(
        "bulk_load_rows",
        sa.MetaData(),
        sa.Column("number", sa.Integer),
        sa.Column("word", sa.String(8)),
        prefixes=["TEMPORARY"],
    )
    numbers = list(range(rows))
    words = [f"w{n % 7}" for n in numbers]
    with engine.begin() as connection:
        table.create(connection)
        _bulk_load(connection, table, [numbers, words])
        loaded = connection.execute(sa.select(table).order_by(table.c.number)).all()
    assert loaded == list(zip(numbers, words, strict=True))


def test_a_merge_that_fails_midway_leaves_no_staged_table_for_the_next_import(
    ctx, portfolio, monkeypatch
):
    # On SQLite the temporary table's DDL can run outside the transaction (nothing was
    # inserted before it), so a rollback didn't remove it and every later import failed.
    from bot.integrations.importing import store
    from bot.integrations.importing.formats import BookingRecord
    from bot.pmo.people import ensure_people

    booking = BookingRecord(
        "SOW-1", "pat.engineer@example.com", "PSE", dt.date(2026, 11, 30), Decimal(8), "hard", None
    )
    with ctx.session_factory.begin() as session:
        ids = store.project_ids(session, ["SOW-1"])
        ensure_people(session, {booking.person_email})  # so the import inserts no one
    real_insert = store._insert_new

    def locked():
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "_insert_new", locked)
    with pytest.raises(sa.exc.OperationalError), ctx.session_factory.begin() as session:
        store.replace_project_bookings(session, [booking], ids, {"SOW-1"})
    monkeypatch.setattr(store, "_insert_new", real_insert)
    with ctx.session_factory.begin() as session:
        counts = store.replace_project_bookings(session, [booking], ids, {"SOW-1"})
    assert counts.updated == 1  # the 8 h replace the 40 h booked that week
