"""`psbot import bookings`: the file replaces its projects' bookings in the weeks it covers."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.models import Booking, Person, Project
from tests.bot.importing.conftest import BOOKINGS_HEADER, rows, write_csv

pytestmark = pytest.mark.usefixtures("with_projects")

EXPORT = f"""\
{BOOKINGS_HEADER}
SOW-1,Jane.Doe@Example.com,PM,2026-11-30,8,hard,200
SOW-1,pse@example.com,PSE,2026-11-30,40,hard,180
SOW-1,pse@example.com,PSE,2026-12-07,40,soft,180
SOW-2,ta@example.com,TA,2026-12-14,10.5,soft,
"""


def bookings(session_factory) -> set[tuple]:
    statement = (
        sa.select(Project.sow, Person.email, Booking.role, Booking.week_start, Booking.kind)
        .add_columns(Booking.hours, Booking.bill_rate)
        .join(Booking.project)
        .join(Booking.person)
    )
    return {tuple(r) for r in rows(session_factory, statement)}


def test_bookings_are_imported_and_people_created(psbot, tmp_path, session_factory):
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "bookings.csv: 4 inserted, 0 updated, 0 removed"
    assert bookings(session_factory) == {
        ("SOW-1", "jane.doe@example.com", "PM", dt.date(2026, 11, 30), "hard", 8, 200),
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 11, 30), "hard", 40, 180),
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 12, 7), "soft", 40, 180),
        ("SOW-2", "ta@example.com", "TA", dt.date(2026, 12, 14), "soft", Decimal("10.5"), None),
    }
    names = dict(rows(session_factory, sa.select(Person.email, Person.name)))
    assert names["jane.doe@example.com"] == "Jane Doe"


def test_reimporting_the_same_file_changes_nothing(psbot, tmp_path, session_factory):
    path = write_csv(tmp_path, "bookings.csv", EXPORT)
    assert psbot("import", "bookings", path).code == 0
    before = rows(session_factory, sa.select(Booking.id, Booking.hours).order_by(Booking.id))
    result = psbot("import", "bookings", path)
    assert result.out.splitlines()[0] == "bookings.csv: 0 inserted, 0 updated, 0 removed"
    assert (
        rows(session_factory, sa.select(Booking.id, Booking.hours).order_by(Booking.id)) == before
    )


def test_a_newer_export_replaces_the_weeks_it_covers(psbot, tmp_path, session_factory):
    older = EXPORT + "SOW-1,pse@example.com,PSE,2026-11-23,40,hard,180\n"
    assert psbot("import", "bookings", write_csv(tmp_path, "old.csv", older)).code == 0
    newer = f"""\
    {BOOKINGS_HEADER}
    SOW-1,jane.doe@example.com,PM,2026-11-30,12,hard,200
    SOW-1,pse@example.com,PSE,2026-12-07,40,soft,180
    SOW-1,new@example.com,TA,2026-12-07,20,hard,150
    """
    result = psbot("import", "bookings", write_csv(tmp_path, "new.csv", newer))
    assert result.out.splitlines()[0] == "new.csv: 1 inserted, 1 updated, 1 removed"
    assert bookings(session_factory) == {
        # before the file's first week: kept
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 11, 23), "hard", 40, 180),
        ("SOW-1", "jane.doe@example.com", "PM", dt.date(2026, 11, 30), "hard", 12, 200),
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 12, 7), "soft", 40, 180),
        ("SOW-1", "new@example.com", "TA", dt.date(2026, 12, 7), "hard", 20, 150),
        # SOW-2 is not in the file: untouched
        ("SOW-2", "ta@example.com", "TA", dt.date(2026, 12, 14), "soft", Decimal("10.5"), None),
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "SOW-1,a@example.com,PM,2026-12-02,8,hard,",
            "line 3, week_start: 2026-12-02 is a Wednesday; week_start must be a Monday",
        ),
        (
            "SOW-1,a@example.com,PM,11/30/2026,8,hard,",
            "line 3, week_start: '11/30/2026' is not a date in YYYY-MM-DD form",
        ),
        ("SOW-1,a@example.com,PM,2026-11-30,-8,hard,", "line 3, hours: -8 is negative"),
        ("SOW-1,a@example.com,PM,2026-11-30,eight,hard,", "line 3, hours: 'eight' is not a number"),
        ("SOW-1,a@example.com,PM,2026-11-30,8,hard,-1", "line 3, bill_rate: -1 is negative"),
        (
            "SOW-1,a@example.com,EM,2026-11-30,8,hard,",
            "line 3, role: 'EM' is not one of PM, PSE, TA",
        ),
        (
            "SOW-1,a@example.com,PM,2026-11-30,8,firm,",
            "line 3, kind: 'firm' is not one of soft, hard",
        ),
        (
            "SOW-1,a@example,PM,2026-11-30,8,hard,",
            "line 3, person_email: 'a@example' is not an email",
        ),
        (
            "sow-9,a@example.com,PM,2026-11-30,8,hard,",
            "line 3, sow: unknown SOW 'SOW-9' — import projects first",
        ),
        ("SOW-1,a@example.com,PM,2026-11-30,4,HARD,", "line 3: duplicate of line 2"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(
    psbot, tmp_path, session_factory, row, message
):
    text = f"{BOOKINGS_HEADER}\nSOW-1,A@example.com,PM,2026-11-30,8,hard,\n{row}\n"
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", text))
    assert result.code == 2
    first, last = result.err.splitlines()
    assert first.startswith(f"bookings.csv: {message}")
    assert last.startswith("psbot: bookings.csv has a bad row; nothing was imported")
    assert rows(session_factory, sa.select(Booking.id)) == []
    assert (
        rows(session_factory, sa.select(Person.email).where(Person.email == "a@example.com")) == []
    )


def test_skip_bad_rows_writes_the_good_rows_and_keeps_bookings_of_projects_with_bad_ones(
    psbot, tmp_path, session_factory
):
    assert psbot("import", "bookings", write_csv(tmp_path, "old.csv", EXPORT)).code == 0
    newer = f"""\
    {BOOKINGS_HEADER}
    SOW-1,jane.doe@example.com,PM,2026-11-30,8,hard,200
    SOW-1,pse@example.com,PSE,2026-11-30,forty,hard,180
    SOW-2,other@example.com,TA,2026-12-07,4,soft,
    SOW-9,x@example.com,TA,2026-12-07,4,soft,
    """
    result = psbot("import", "bookings", write_csv(tmp_path, "new.csv", newer), "--skip-bad-rows")
    assert result.code == 0
    assert result.err.splitlines() == [
        "new.csv: skipped line 3, hours: 'forty' is not a number",
        "new.csv: skipped line 5, sow: unknown SOW 'SOW-9' — import projects first",
    ]
    # SOW-1 had a skipped row, so its bookings missing from the file are kept;
    # SOW-2's booking in the span (2026-11-30 … 2026-12-07) that the file lacks is not.
    assert result.out.splitlines()[0] == (
        "new.csv: 1 inserted, 0 updated, 0 removed, 2 skipped (bad rows)"
    )
    assert {(b[0], b[1], b[3]) for b in bookings(session_factory)} == {
        ("SOW-1", "jane.doe@example.com", dt.date(2026, 11, 30)),
        ("SOW-1", "pse@example.com", dt.date(2026, 11, 30)),
        ("SOW-1", "pse@example.com", dt.date(2026, 12, 7)),
        ("SOW-2", "other@example.com", dt.date(2026, 12, 7)),
        ("SOW-2", "ta@example.com", dt.date(2026, 12, 14)),  # after the span
    }


def test_a_5_mb_export_with_one_malformed_last_line_writes_nothing(
    psbot, tmp_path, session_factory
):
    monday = dt.date(2026, 11, 30)
    lines = [BOOKINGS_HEADER]
    for i in range(80_000):
        week = monday + dt.timedelta(weeks=i // 400)
        lines.append(
            f"SOW-{1 + i % 2},consultant{i % 400}@example.com,PSE,{week},40.00,hard,175.00"
        )
    lines.append("SOW-1,person1@example.com,PSE")
    path = tmp_path / "bookings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 5_000_000

    result = psbot("import", "bookings", path)
    assert result.code == 2
    assert result.err.splitlines() == [
        "bookings.csv: line 80002: has 3 cells but the header has 7",
        "psbot: bookings.csv has a bad row; nothing was imported "
        "(fix them, or pass --skip-bad-rows to import the good rows)",
    ]
    assert rows(session_factory, sa.select(Booking.id)) == []


def test_writes_are_bulk_not_a_query_per_row(psbot, tmp_path):
    def export(hours: int) -> str:
        lines = [BOOKINGS_HEADER]
        for i in range(2_000):
            week = dt.date(2026, 11, 30) + dt.timedelta(weeks=i // 100)
            lines.append(f"SOW-1,p{i % 100}@example.com,PSE,{week},{hours},hard,")
        return "\n".join(lines) + "\n"

    statements = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    sa.event.listen(Engine, "before_cursor_execute", record)  # psbot makes its own engine
    try:
        first = psbot("import", "bookings", write_csv(tmp_path, "a.csv", export(40)))
        second = psbot("import", "bookings", write_csv(tmp_path, "b.csv", export(20)))
    finally:
        sa.event.remove(Engine, "before_cursor_execute", record)
    assert first.out.startswith("a.csv: 2000 inserted, 0 updated, 0 removed")
    assert second.out.startswith("b.csv: 0 inserted, 2000 updated, 0 removed")
    # An executemany counts once; a query per row would make thousands.
    assert 10 < len(statements) < 100, statements
