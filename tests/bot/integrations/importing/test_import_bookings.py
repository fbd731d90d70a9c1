"""`psbot import bookings`: the file replaces its projects' bookings in the weeks it covers."""

import datetime as dt
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.integrations.importing import store
from bot.integrations.importing.run import import_file
from bot.store.models import Booking, Person, Project
from tests.bot.integrations.importing.conftest import (
    BOOKINGS_HEADER,
    PROJECTS_HEADER,
    rows,
    write_csv,
)

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


@pytest.mark.parametrize("quote", ["", '"'], ids=["plain", "quoted"])
def test_a_file_without_a_bill_rate_column_imports_empty_rates(
    psbot, tmp_path, session_factory, quote
):
    # SPEC §6: bill_rate is optional. A quoted cell takes the csv module's reader.
    text = f"""\
    SOW,Person_Email,Role,Week_Start,Hours,Kind
    SOW-1,pse@example.com,PSE,2026-11-30,{quote}40{quote},hard
    SOW-2,ta@example.com,TA,2026-12-14,10.5,soft
    """
    path = write_csv(tmp_path, "b3.csv", text)
    result = psbot("import", "bookings", path)
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines()[0] == "b3.csv: 2 inserted, 0 updated, 0 removed"
    assert bookings(session_factory) == {
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 11, 30), "hard", 40, None),
        ("SOW-2", "ta@example.com", "TA", dt.date(2026, 12, 14), "soft", Decimal("10.5"), None),
    }
    again = psbot("import", "bookings", path)
    assert again.out.splitlines()[0] == "b3.csv: 0 inserted, 0 updated, 0 removed"


def test_a_file_without_rates_keeps_the_rates_it_had(psbot, tmp_path, session_factory):
    """An export without the bill_rate column says nothing about rates: it must not erase
    the ones an earlier import stored (the forecast's money comes from them)."""
    with_rates = write_csv(
        tmp_path,
        "rates.csv",
        """\
        sow,person_email,role,week_start,hours,kind,bill_rate
        SOW-1,pse@example.com,PSE,2026-11-30,40,hard,250
        SOW-1,pse@example.com,PSE,2026-12-07,40,hard,250
        """,
    )
    assert psbot("import", "bookings", with_rates).code == 0
    without_rates = write_csv(
        tmp_path,
        "hours.csv",
        """\
        sow,person_email,role,week_start,hours,kind
        SOW-1,pse@example.com,PSE,2026-11-30,40,hard
        SOW-1,pse@example.com,PSE,2026-12-07,32,hard
        SOW-1,ta@example.com,TA,2026-12-07,8,soft
        """,
    )
    result = psbot("import", "bookings", without_rates)
    assert result.out.splitlines()[0] == "hours.csv: 1 inserted, 1 updated, 0 removed"
    assert bookings(session_factory) == {
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 11, 30), "hard", 40, 250),
        ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 12, 7), "hard", 32, 250),
        ("SOW-1", "ta@example.com", "TA", dt.date(2026, 12, 7), "soft", 8, None),
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
        (  # a huge cell is clipped, so the message stays one short line
            f"SOW-1,a@example.com,PM,2026-11-30,{'1' * 5000},hard,",
            f"line 3, hours: {'1' * 37}... is more than the 168 hours in a week\n",
        ),
        (
            f"SOW-1,a@example.com,PM,2026-11-30,8,hard,-{'9' * 5000}",
            f"line 3, bill_rate: -{'9' * 36}... is negative\n",
        ),
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
    first, last = result.err.splitlines(keepends=True)
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


def export_text(bookings: dict[tuple, tuple]) -> str:
    """A bookings.csv of {(sow, email, role, week, kind): (hours, bill_rate)}."""
    lines = [BOOKINGS_HEADER]
    for (sow, email, role, week, kind), (hours, rate) in bookings.items():
        lines.append(f"{sow},{email},{role},{week},{hours},{kind},{'' if rate is None else rate}")
    return "\n".join(lines) + "\n"


def test_a_newer_export_of_many_projects_is_merged_as_documented(psbot, tmp_path, session_factory):
    """Hundreds of projects, every kind of change: the database ends as the rules say."""
    rng = random.Random(11)
    sows = [f"SOW-{n}" for n in range(100, 700)]
    projects = [PROJECTS_HEADER] + [f"{sow},Acme,P,T&M,,active,,,,no,," for sow in sows]
    projects_csv = write_csv(tmp_path, "projects.csv", "\n".join(projects) + "\n")
    assert psbot("import", "projects", projects_csv).code == 0
    weeks = [dt.date(2026, 11, 2) + dt.timedelta(weeks=n) for n in range(8)]

    def slot(week: dt.date) -> tuple:
        role = rng.choice(["PM", "PSE", "TA"])
        email, kind = f"p{rng.randrange(40)}@example.com", rng.choice(["soft", "hard"])
        return (rng.choice(sows), email, role, week, kind)

    older = {
        slot(rng.choice(weeks[:6])): (Decimal(rng.randrange(1, 41)), None) for _ in range(3000)
    }
    older.update({slot(weeks[3]): (Decimal("7.25"), Decimal(175)) for _ in range(200)})
    newer = {}
    for key, (hours, rate) in older.items():
        if key[3] >= weeks[2] and rng.random() < 0.7:  # kept, possibly changed; others removed
            change = rng.choice(["none", "hours", "rate", "rate"])
            hours = hours + 1 if change == "hours" else hours
            rate = (Decimal(99) if rate is None else None) if change == "rate" else rate
            newer[key] = (hours, rate)
    newer.update({slot(rng.choice(weeks[2:])): (Decimal("0.5"), Decimal(120)) for _ in range(500)})
    newer_sows = {key[0] for key in newer}

    assert psbot("import", "bookings", write_csv(tmp_path, "old.csv", export_text(older))).code == 0
    result = psbot("import", "bookings", write_csv(tmp_path, "new.csv", export_text(newer)))

    span = (min(key[3] for key in newer), max(key[3] for key in newer))
    replaced = {k for k in older if k[0] in newer_sows and span[0] <= k[3] <= span[1]}
    expected = {k: v for k, v in older.items() if k not in replaced} | newer
    inserted = len(newer.keys() - older.keys())
    updated = sum(1 for k in newer.keys() & older.keys() if newer[k] != older[k])
    removed = len(replaced - newer.keys())
    assert min(inserted, updated, removed) > 50  # the export exercises every kind of change
    assert result.out.splitlines()[0] == (
        f"new.csv: {inserted} inserted, {updated} updated, {removed} removed"
    )
    assert bookings(session_factory) == {
        (sow, email, role, week, kind, hours, rate)
        for (sow, email, role, week, kind), (hours, rate) in expected.items()
    }


def test_a_failed_write_changes_nothing_and_the_next_import_works(
    tmp_path, session_factory, monkeypatch
):
    path = write_csv(tmp_path, "bookings.csv", EXPORT)
    import_file("bookings", path, session_factory)
    before = bookings(session_factory), rows(session_factory, sa.select(Person.email))
    newer = write_csv(
        tmp_path,
        "new.csv",
        f"""\
        {BOOKINGS_HEADER}
        SOW-1,jane.doe@example.com,PM,2026-11-30,12,hard,200
        SOW-1,new@example.com,TA,2026-12-07,20,hard,150
        """,
    )

    def fail():
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(store, "_insert_new", fail)  # after the delete and the update
        with pytest.raises(RuntimeError):
            import_file("bookings", newer, session_factory)
    assert (bookings(session_factory), rows(session_factory, sa.select(Person.email))) == before
    counts = import_file("bookings", newer, session_factory).counts  # no staged table is left
    assert (counts.inserted, counts.updated, counts.removed) == (1, 1, 2)


def test_people_are_found_by_email_whatever_its_case(psbot, tmp_path, session_factory):
    with session_factory.begin() as session:
        session.add(Person(email="Jane.Doe@Example.com", name="Jane", slack_user_id="U0JANE"))
    assert psbot("import", "bookings", write_csv(tmp_path, "b.csv", EXPORT)).code == 0
    people = rows(session_factory, sa.select(Person.email, Person.slack_user_id))
    assert sorted(people) == [
        ("Jane.Doe@Example.com", "U0JANE"),
        ("pm@example.com", None),  # the projects' PM
        ("pse@example.com", None),
        ("ta@example.com", None),
    ]
    statement = sa.select(Person.slack_user_id).join(Booking.person).where(Booking.role == "PM")
    assert rows(session_factory, statement) == [("U0JANE",)]


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_unicode_padding_crlf_and_a_bom_are_read_alike_with_or_without_quotes(
    psbot, tmp_path, session_factory, quoted
):
    sow = '"SOW-1"' if quoted else "SOW-1"
    text = (
        BOOKINGS_HEADER.upper()
        + "\r\n"
        + f"{sow} ,\u00a0ZOË@Exämple.com ,pse,2026-11-30, 8.5 ,Hard,\t175\r\n"
        + f"{sow},rené@example.com,TA,2026-12-07,4,soft,\r\n"
    )
    path = tmp_path / "bookings.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = psbot("import", "bookings", path)
    assert result.code == 0, result.err
    assert bookings(session_factory) == {
        ("SOW-1", "zoë@exämple.com", "PSE", dt.date(2026, 11, 30), "hard", Decimal("8.5"), 175),
        ("SOW-1", "rené@example.com", "TA", dt.date(2026, 12, 7), "soft", 4, None),
    }


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_bad_rows_deep_in_a_large_file_are_all_named_and_nothing_is_written(
    psbot, tmp_path, session_factory, quoted
):
    lines = [BOOKINGS_HEADER]
    for i in range(3_000):
        week = dt.date(2026, 11, 30) + dt.timedelta(weeks=i // 100)
        lines.append(f"SOW-{1 + i % 2},p{i % 100}@example.com,PSE,{week},40,hard,")
    lines[1500] = "SOW-1,p1@example.com,PSE,2026-12-01,forty,firm,"
    lines[2500] = lines[2].upper()
    if quoted:
        lines[1] = '"' + lines[1].replace(",", '","') + '"'
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", "\n".join(lines)))
    assert result.code == 2
    assert result.err.splitlines() == [
        "bookings.csv: line 1501, week_start: 2026-12-01 is a Tuesday; week_start must be a "
        "Monday; hours: 'forty' is not a number; kind: 'firm' is not one of soft, hard",
        "bookings.csv: line 2501: duplicate of line 3",
        "psbot: bookings.csv has 2 bad rows; nothing was imported "
        "(fix them, or pass --skip-bad-rows to import the good rows)",
    ]
    assert rows(session_factory, sa.select(Booking.id)) == []
    assert rows(session_factory, sa.select(Person.id).where(Person.email != "pm@example.com")) == []


# A file read in parts of three rows: a repeated slot, a bad row and an unknown SOW each
# in a later part than the row they concern.
LONG_EXPORT = f"""\
{BOOKINGS_HEADER}
SOW-1,pse@example.com,PSE,2026-11-30,40,hard,180
SOW-1,pse@example.com,PSE,2026-12-07,40,hard,180

SOW-2,ta@example.com,TA,2026-12-14,10,soft,
SOW-1,pse@example.com,PSE,2026-12-14,40,hard,180
SOW-1,jane@example.com,PM,2026-12-14,8,hard,200
SOW-2,ta@example.com,TA,2026-12-21,10,soft,
SOW-1,pse@example.com,PSE,2026-11-30,32,hard,180
SOW-2,ta@example.com,TA,2026-12-28,many,soft,
SOW-9,ta@example.com,TA,2026-12-28,1,soft,
SOW-1,"jane@example.com",PM,2026-12-21,8,hard,200
"""


@pytest.fixture
def parts_of_three(monkeypatch):
    from bot.integrations.importing import csvfile

    monkeypatch.setattr(csvfile, "PART_ROWS", 3)


@pytest.mark.usefixtures("parts_of_three")
def test_a_file_read_in_parts_names_each_bad_row_by_its_line_and_writes_nothing(
    psbot, tmp_path, session_factory
):
    result = psbot("import", "bookings", write_csv(tmp_path, "long.csv", LONG_EXPORT))
    assert result.code != 0
    assert result.err.splitlines()[:3] == [
        "long.csv: line 9: duplicate of line 2",
        "long.csv: line 10, hours: 'many' is not a number",
        "long.csv: line 11, sow: unknown SOW 'SOW-9' — import projects first",
    ]
    assert "nothing was imported" in result.err
    assert bookings(session_factory) == set()
    assert rows(session_factory, sa.select(Person.email)) == [("pm@example.com",)]  # no new one


@pytest.mark.usefixtures("parts_of_three")
def test_a_first_import_whose_only_bad_row_repeats_an_earlier_part_writes_nothing(
    psbot, tmp_path, session_factory
):
    # No project has bookings yet: the slot index, not a sort, finds the repeated slot.
    good = [line for line in LONG_EXPORT.splitlines() if "many" not in line and "SOW-9" not in line]
    result = psbot("import", "bookings", write_csv(tmp_path, "long.csv", "\n".join(good)))
    assert result.code != 0
    assert result.err.splitlines()[0] == "long.csv: line 9: duplicate of line 2"
    assert "has a bad row; nothing was imported" in result.err
    assert bookings(session_factory) == set()
    assert rows(session_factory, sa.select(Person.email)) == [("pm@example.com",)]


@pytest.mark.usefixtures("parts_of_three")
def test_a_file_read_in_parts_imports_as_a_whole_and_again_changes_nothing(
    psbot, tmp_path, session_factory
):
    path = write_csv(tmp_path, "long.csv", LONG_EXPORT)
    result = psbot("import", "bookings", "--skip-bad-rows", path)
    assert result.code == 0, result.err
    assert (
        result.out.splitlines()[0]
        == "long.csv: 7 inserted, 0 updated, 0 removed, 3 skipped (bad rows)"
    )
    imported = bookings(session_factory)
    assert ("SOW-1", "pse@example.com", "PSE", dt.date(2026, 11, 30), "hard", 40, 180) in imported
    assert ("SOW-1", "jane@example.com", "PM", dt.date(2026, 12, 21), "hard", 8, 200) in imported
    assert len(imported) == 7
    again = psbot("import", "bookings", "--skip-bad-rows", path)
    assert (
        again.out.splitlines()[0]
        == "long.csv: 0 inserted, 0 updated, 0 removed, 3 skipped (bad rows)"
    )
    assert bookings(session_factory) == imported
