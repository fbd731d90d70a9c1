"""Row parsers and duplicate detection: pure functions over cell text."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.integrations.importing.formats import (
    ACTUALS,
    BOOKINGS,
    MILESTONES,
    PROJECTS,
    BadRow,
    BookingRecord,
    MilestoneRecord,
    Problem,
    ProjectRecord,
    parse_booking,
    parse_milestone,
    parse_project,
    split_unknown_sows,
    validate_rows,
)


def project_row(**changes: str) -> dict[str, str]:
    row = dict.fromkeys(PROJECTS.columns, "")
    row.update(
        sow="sow-7", customer="Acme", name="Rollout", type="consulting block",
        pm_email="PM@Example.com", status="Active", top_customer="YES",
    )  # fmt: skip
    row.update(changes)
    return row


def booking_row(**changes: str) -> dict[str, str]:
    row = {
        "sow": "sow-7",
        "person_email": "Jane@Example.com",
        "role": "pse",
        "week_start": "2026-11-30",
        "hours": "40",
        "kind": "Hard",
        "bill_rate": "",
    }
    row.update(changes)
    return row


def test_a_project_row_is_normalised():
    assert parse_project(project_row(start_date="2026-10-01", raid_url="https://r.example/1")) == (
        ProjectRecord(
            sow="SOW-7",
            customer="Acme",
            name="Rollout",
            type="Consulting Block",
            pm_email="pm@example.com",
            status="active",
            start_date=dt.date(2026, 10, 1),
            end_date=None,
            kickoff_date=None,
            top_customer=True,
            raid_url="https://r.example/1",
            epic_url=None,
        )
    )


def test_every_bad_cell_of_a_project_row_is_reported():
    problems = parse_project(
        project_row(
            type="Retainer",
            status="paused",
            top_customer="maybe",
            epic_url="javascript:alert(1)",
            start_date="2026-10-01",
            end_date="2026-09-30",
        )
    )
    assert [str(p) for p in problems] == [
        "type: 'Retainer' is not one of T&M, FF, Consulting Block, Dedicated Engineer",
        "status: 'paused' is not one of active, closing, completed",
        "top_customer: 'maybe' is not yes or no",
        "epic_url: 'javascript:alert(1)' is not an http(s) URL",
        "end_date: 2026-09-30 is before start_date 2026-10-01",
    ]


def test_a_project_without_pm_email_has_no_pm():
    assert parse_project(project_row(pm_email="")).pm_email is None


def test_a_booking_row_is_normalised():
    assert parse_booking(booking_row(bill_rate="175.5")) == BookingRecord(
        sow="SOW-7",
        person_email="jane@example.com",
        role="PSE",
        week_start=dt.date(2026, 11, 30),
        hours=Decimal("40.00"),
        kind="hard",
        bill_rate=Decimal("175.50"),
    )


def test_a_milestone_row():
    row = {
        "sow": "sow-7",
        "milestone": "Design sign-off",
        "due_date": "2026-12-15",
        "signoff_sent": "2026-12-16",
        "signoff_received": "2026-12-15",
        "passive_days": "0",
    }
    assert [str(p) for p in parse_milestone(row)] == [
        "passive_days: 0 is not between 1 and 365",
        "signoff_received: 2026-12-15 is before signoff_sent 2026-12-16",
    ]
    row.update(signoff_received="", passive_days="10")
    assert parse_milestone(row) == MilestoneRecord(
        "SOW-7", "Design sign-off", dt.date(2026, 12, 15), dt.date(2026, 12, 16), None, 10
    )
    assert MILESTONES.key(parse_milestone(row)) == ("SOW-7", "Design sign-off")


def test_duplicates_keep_the_first_row_and_name_it():
    rows = [
        (2, booking_row()),
        (3, booking_row(sow="SOW-7", person_email="jane@example.com", hours="8")),
        (4, booking_row(kind="soft")),
        (5, booking_row(hours="-1")),
    ]
    good, bad = validate_rows(BOOKINGS, rows)
    assert [line for line, _ in good] == [2, 4]
    assert [str(b) for b in bad] == ["line 3: duplicate of line 2", "line 5, hours: -1 is negative"]
    assert [b.sow for b in bad] == ["", "SOW-7"]  # a duplicate's slot is covered by its first row


def test_progress_is_reported_per_row():
    seen = []
    validate_rows(
        BOOKINGS,
        [(2, booking_row()), (3, booking_row(kind="soft"))],
        lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 2), (2, 2)]


def test_unknown_sows_are_bad_rows():
    good, _ = validate_rows(BOOKINGS, [(2, booking_row()), (3, booking_row(sow="sow-9"))])
    kept, bad = split_unknown_sows(good, {"SOW-7": 1})
    assert [line for line, _ in kept] == [2]
    assert [str(b) for b in bad] == ["line 3, sow: unknown SOW 'SOW-9' — import projects first"]


# A few texts per column, the first two good; case variants make duplicates.
CELLS = {
    BOOKINGS: {
        "sow": ["SOW-7", "sow-7", "SOW-8", "", "SOW 9"],
        "person_email": ["jane@example.com", "Jane@Example.com", "raj@example.com", "raj@"],
        "role": ["PM", "pse", "EM"],
        "week_start": ["2026-11-30", "2026-12-07", "2026-12-02", "11/30/2026"],
        "hours": ["40", "8.5", "08.50", "-1", "x", "168.001"],
        "kind": ["hard", "Soft", "firm"],
        "bill_rate": ["", "175.5", "-3"],
    },
    MILESTONES: {
        "sow": ["SOW-7", "sow-7", ""],
        "milestone": ["Design", "Go-live", ""],
        "due_date": ["", "2026-12-15", "2026-13-01"],
        "signoff_sent": ["", "2026-12-16", "2026-12-14"],
        "signoff_received": ["", "2026-12-15", "someday"],
        "passive_days": ["", "5", "0"],
        "amount": ["12000", "", "-1", "$5"],
    },
    ACTUALS: {
        "sow": ["SOW-7", "sow-7", "SOW-8", ""],
        "person_email": ["jane@example.com", "Jane@Example.com", "raj@"],
        "date": ["2026-11-30", "2026-12-01", "2026-02-30"],
        "hours": ["8", "7.25", "-2", "24.5"],
        "approved": ["yes", "no", "maybe"],
    },
}


@pytest.mark.parametrize("file_format", list(CELLS), ids=lambda f: f.kind)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_file_is_validated_as_its_rows_are_one_by_one(file_format, data):
    """Parsing column by column, each distinct text once, in chunks, changes nothing."""
    texts = CELLS[file_format]
    if data.draw(st.booleans(), label="good texts only"):
        texts = {column: values[:2] for column, values in texts.items()}
    row = st.fixed_dictionaries({c: st.sampled_from(v) for c, v in texts.items()})
    numbered = list(enumerate(data.draw(st.lists(row, max_size=400)), start=2))
    expected_good, expected_bad, first = [], [], {}
    for line, values in numbered:
        parsed = file_format.parse_row(values)
        if isinstance(parsed, list):
            expected_bad.append(BadRow(line, tuple(parsed), values["sow"].upper()))
        elif file_format.key(parsed) in first:
            duplicate = f"duplicate of line {first[file_format.key(parsed)]}"
            expected_bad.append(BadRow(line, (Problem(None, duplicate),)))
        else:
            first[file_format.key(parsed)] = line
            expected_good.append((line, parsed))
    good, bad = validate_rows(file_format, numbered)
    assert list(good) == expected_good
    assert bad == expected_bad
