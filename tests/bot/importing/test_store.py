"""The bulk path under the bookings merge: COPY on PostgreSQL, executemany on SQLite."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from bot.importing.store import _bulk_load


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
