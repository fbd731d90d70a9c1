"""Row parsers and duplicate detection: pure functions over cell text."""

import datetime as dt
from decimal import Decimal

from bot.importing.formats import (
    BOOKINGS,
    MILESTONES,
    PROJECTS,
    BookingRecord,
    MilestoneRecord,
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
