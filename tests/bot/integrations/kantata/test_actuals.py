"""Kantata time entries become actuals; milestone amounts and the EM>PS transition date
come along with the rest of the sync."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from bot.integrations.kantata.actuals import actuals_window, plan_actuals
from bot.integrations.kantata.client import Listing
from bot.integrations.kantata.sync import sync_kantata
from bot.store.models import Milestone, Person, Project, TimeEntry
from tests.bot.integrations.kantata.sample import kantata_objects

TODAY = dt.date.today()


def actuals(session_factory) -> set[tuple]:
    statement = (
        sa.select(
            TimeEntry.kantata_id,
            Project.sow,
            Person.email,
            TimeEntry.day,
            TimeEntry.hours,
            TimeEntry.approved,
            TimeEntry.bill_rate,
        )
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Person, Person.id == TimeEntry.person_id)
    )
    with session_factory() as session:
        return {tuple(row) for row in session.execute(statement)}


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_time_entries_are_synced_as_actuals(session_factory, client, settings, fake_kantata):
    sync_kantata(session_factory, client, settings)
    assert actuals(session_factory) == {
        ("60", "SOW-1", "pat@example.com", ago(12), Decimal(8), True, Decimal(180)),
        ("61", "SOW-1", "pat@example.com", ago(11), Decimal("7.5"), False, Decimal(180)),
        # Not billable: it earns nothing, whatever its rate.
        ("62", "SOW-2", "tia@example.com", ago(7), Decimal("1.5"), True, Decimal(0)),
    }
    first, last = actuals_window(dt.datetime.now(settings.timezone).date())
    pages = fake_kantata.calls_to("time_entries")  # two entries a page
    assert {call.query["date_performed_between"] for call in pages} == {f"{first}:{last}"}


def test_actuals_window_starts_with_the_previous_quarter():
    assert actuals_window(dt.date(2026, 11, 24)) == (dt.date(2026, 7, 1), dt.date(2026, 11, 24))
    assert actuals_window(dt.date(2027, 2, 3)) == (dt.date(2026, 10, 1), dt.date(2027, 2, 3))


def test_an_approval_is_updated_and_a_deleted_entry_disappears(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    fake_kantata.objects["time_entries"]["61"]["approved"] = True
    del fake_kantata.objects["time_entries"]["62"]
    result = sync_kantata(session_factory, client, settings)
    assert "actuals: 0 inserted, 1 updated, 1 removed" in result.summary()
    assert {(key, approved) for key, *_, approved, _ in actuals(session_factory)} == {
        ("60", True),
        ("61", True),
    }


def test_an_entry_in_the_future_or_over_a_day_is_skipped_and_said_why():
    """The window ends today, so Kantata should send neither; if it does, they are not
    worked hours (and the project keeps its entries: its list is not trusted)."""
    objects = kantata_objects()
    entries = objects["time_entries"]
    entries["60"]["date_performed"] = "2026-11-25"
    entries["61"]["date_performed"] = "2026-11-24"
    entries["61"]["time_in_minutes"] = 25 * 60
    listing = Listing("time_entries", ids=["60", "61"], objects=objects)
    plan = plan_actuals(listing, {"1": "SOW-1"}, dt.date(2026, 11, 24))
    assert plan.entries == {}
    assert plan.skipped == [
        "time entry 60 of SOW-1 on 2026-11-25: the day is in the future (today is 2026-11-24)",
        "time entry 61 of SOW-1 on 2026-11-24: 25.00 is more than the 24 hours in a day",
    ]
    assert plan.keep_sows == {"SOW-1"}


def test_milestone_amounts_come_from_a_custom_field_or_the_story_budget(
    session_factory, client, settings, fake_kantata
):
    stories = fake_kantata.objects["stories"]
    stories["40"]["budget_estimate_in_cents"] = 1_250_050
    stories["41"]["budget_estimate_in_cents"] = 999
    fake_kantata.objects["custom_field_values"]["540"] = {
        "id": "540",
        "subject_type": "Story",
        "subject_id": 41,
        "custom_field_id": "9540",
        "custom_field_name": "Milestone Amount",
        "type": "currency",
        "value": 30000,
        "display_value": "$30,000.00",
    }
    fake_kantata.objects["custom_field_values"]["541"] = {
        "id": "541",
        "subject_type": "Workspace",
        "subject_id": 1,
        "custom_field_id": "9541",
        "custom_field_name": "EM>PS Transition Date",
        "type": "date",
        "value": "2026-10-12",
        "display_value": "10/12/2026",
    }
    sync_kantata(session_factory, client, settings)
    with session_factory() as session:
        amounts = dict(session.execute(sa.select(Milestone.name, Milestone.amount)).all())
        transition = session.scalar(
            sa.select(Project.transition_date).where(Project.sow == "SOW-1")
        )
    assert amounts == {"Design sign-off": Decimal("12500.50"), "Go-live": Decimal(30000)}
    assert transition == dt.date(2026, 10, 12)
