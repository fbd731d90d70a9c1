"""`psbot import actuals`: time entries per project, person and day, as the bookings import
treats weeks: the file's span becomes the file's rows; a bad row names its line."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.store.models import Milestone, Person, Project, TimeEntry
from tests.bot.integrations.importing.conftest import (
    BOOKINGS_HEADER,
    MILESTONES_HEADER,
    PROJECTS_HEADER,
    rows,
    write_csv,
)

ACTUALS_HEADER = "sow,person_email,date,hours,approved"


def today() -> dt.date:
    """The CLI's today: the date in PSBOT_TIMEZONE (New York by default)."""
    return dt.datetime.now(ZoneInfo("America/New_York")).date()


pytestmark = pytest.mark.usefixtures("with_projects", "with_people")


@pytest.fixture
def with_people(psbot, tmp_path):
    """Jane and Raj are known (from a bookings file); nobody else is."""
    text = f"""\
    {BOOKINGS_HEADER}
    SOW-1,jane@example.com,PSE,2026-11-02,40,hard,200
    SOW-1,raj@example.com,TA,2026-11-02,10,hard,250
    """
    assert psbot("import", "bookings", write_csv(tmp_path, "b.csv", text)).code == 0


def entries(session_factory) -> set[tuple]:
    statement = (
        sa.select(
            Project.sow,
            Person.email,
            TimeEntry.day,
            TimeEntry.week_start,
            TimeEntry.hours,
            TimeEntry.approved,
        )
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Person, Person.id == TimeEntry.person_id)
    )
    return {tuple(r) for r in rows(session_factory, statement)}


def test_actuals_are_stored_and_a_reimport_changes_nothing(psbot, tmp_path, session_factory):
    text = f"""\
    {ACTUALS_HEADER}
    sow-1,Jane@Example.com,2026-11-02,8,yes
    SOW-1,jane@example.com,2026-11-03,7.5,no
    SOW-1,raj@example.com,2026-11-06,2.25,YES
    """
    path = write_csv(tmp_path, "actuals.csv", text)
    result = psbot("import", "actuals", path)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "actuals.csv: 3 inserted, 0 updated, 0 removed"
    monday, jane, raj = dt.date(2026, 11, 2), "jane@example.com", "raj@example.com"
    assert entries(session_factory) == {
        ("SOW-1", jane, dt.date(2026, 11, 2), monday, Decimal(8), True),
        ("SOW-1", jane, dt.date(2026, 11, 3), monday, Decimal("7.5"), False),
        ("SOW-1", raj, dt.date(2026, 11, 6), monday, Decimal("2.25"), True),
    }
    again = psbot("import", "actuals", path)
    assert again.out.splitlines()[0] == "actuals.csv: 0 inserted, 0 updated, 0 removed"


def test_an_approval_updates_in_place_and_a_deleted_entry_disappears(
    psbot, tmp_path, session_factory
):
    first = f"""\
    {ACTUALS_HEADER}
    SOW-1,jane@example.com,2026-11-02,8,no
    SOW-1,jane@example.com,2026-11-03,8,no
    SOW-1,jane@example.com,2026-11-20,8,no
    """
    assert psbot("import", "actuals", write_csv(tmp_path, "a.csv", first)).code == 0
    # The next export covers Nov 2–3 only: the 3rd was deleted, the 2nd approved; the
    # 20th lies outside the file's span and stays.
    second = f"""\
    {ACTUALS_HEADER}
    SOW-1,jane@example.com,2026-11-02,8,yes
    """
    result = psbot("import", "actuals", write_csv(tmp_path, "a.csv", second))
    assert result.out.splitlines()[0] == "a.csv: 0 inserted, 1 updated, 0 removed"
    third = f"""\
    {ACTUALS_HEADER}
    SOW-1,jane@example.com,2026-11-02,8,yes
    SOW-1,jane@example.com,2026-11-04,1,yes
    """
    result = psbot("import", "actuals", write_csv(tmp_path, "a.csv", third))
    assert result.out.splitlines()[0] == "a.csv: 1 inserted, 0 updated, 1 removed"
    assert {(day, approved) for _, _, day, _, _, approved in entries(session_factory)} == {
        (dt.date(2026, 11, 2), True),
        (dt.date(2026, 11, 4), True),
        (dt.date(2026, 11, 20), False),
    }


def test_bad_rows_name_their_line_and_nothing_is_written(psbot, tmp_path, session_factory):
    text = f"""\
    {ACTUALS_HEADER}
    SOW-1,jane@example.com,2026-11-02,8,yes
    SOW-9,jane@example.com,2026-11-02,8,yes
    SOW-1,nobody@example.com,2026-11-02,8,yes
    SOW-1,jane@example.com,2026-11-03,-4,yes
    SOW-1,jane@example.com,2099-01-05,8,no
    SOW-1,jane@example.com,2026-11-04,25,yes
    SOW-1,jane@example.com,2026-11-02,3,yes
    SOW-1,jane@example.com,11/05/2026,8,perhaps
    """
    result = psbot("import", "actuals", write_csv(tmp_path, "actuals.csv", text))
    assert result.code == 2
    assert result.err.splitlines() == [
        "actuals.csv: line 3, sow: unknown SOW 'SOW-9' — import projects first",
        "actuals.csv: line 4, person_email: unknown person 'nobody@example.com' — import "
        "their bookings first (or sync Kantata)",
        "actuals.csv: line 5, hours: -4 is negative",
        f"actuals.csv: line 6, date: 2099-01-05 is in the future (today is {today()})",
        "actuals.csv: line 7, hours: 25 is more than the 24 hours in a day",
        "actuals.csv: line 8: duplicate of line 2",
        "actuals.csv: line 9, date: '11/05/2026' is not a date in YYYY-MM-DD form; "
        "approved: 'perhaps' is not yes or no",
        "psbot: actuals.csv has 7 bad rows; nothing was imported (fix them, or pass "
        "--skip-bad-rows to import the good rows)",
    ]
    assert entries(session_factory) == set()
    skipped = psbot("import", "actuals", write_csv(tmp_path, "a.csv", text), "--skip-bad-rows")
    assert skipped.code == 0
    assert (
        skipped.out.splitlines()[0]
        == "a.csv: 1 inserted, 0 updated, 0 removed, 7 skipped (bad rows)"
    )


def test_milestone_amounts_and_transition_dates_are_optional_columns(
    psbot, tmp_path, session_factory
):
    milestones = f"""\
    {MILESTONES_HEADER},amount
    SOW-2,Design sign-off,2026-12-15,,,10,12500.50
    SOW-2,Go-live,2027-02-01,,,,
    """
    assert psbot("import", "milestones", write_csv(tmp_path, "m.csv", milestones)).code == 0
    # An export without the column leaves the amounts as they are.
    without = f"{MILESTONES_HEADER}\nSOW-2,Design sign-off,2026-12-16,,,10\n"
    result = psbot("import", "milestones", write_csv(tmp_path, "m.csv", without))
    assert result.out.splitlines()[0] == "m.csv: 0 inserted, 1 updated, 0 removed"
    amounts = rows(session_factory, sa.select(Milestone.name, Milestone.amount))
    assert set(map(tuple, amounts)) == {("Design sign-off", Decimal("12500.50")), ("Go-live", None)}
    negative = f"{MILESTONES_HEADER},amount\nSOW-2,Go-live,2027-02-01,,,,-100\n"
    result = psbot("import", "milestones", write_csv(tmp_path, "m.csv", negative))
    assert result.err.splitlines()[0] == "m.csv: line 2, amount: -100 is negative"

    projects = f"""\
    {PROJECTS_HEADER},transition_date
    SOW-3,Initech,Block,Consulting Block,,active,,,,no,,,2026-10-12
    """
    assert psbot("import", "projects", write_csv(tmp_path, "p.csv", projects)).code == 0
    plain = f"{PROJECTS_HEADER}\nSOW-3,Initech,Block,Consulting Block,,active,,,,no,,\n"
    result = psbot("import", "projects", write_csv(tmp_path, "p.csv", plain))
    assert result.out.splitlines()[0] == "p.csv: 0 inserted, 0 updated, 0 removed"
    transition = rows(
        session_factory, sa.select(Project.transition_date).where(Project.sow == "SOW-3")
    )
    assert transition[0][0] == dt.date(2026, 10, 12)
