"""App Home's notes: which projects owe one, and the deadline as the app's clock sees it
(Tuesday 16:00 in PSBOT_TIMEZONE, DST-aware; overdue once it has passed)."""

import datetime as dt

import pytest

from bot.pmo.notes import NoteFields, Temperature, save_note
from messages import ids
from tests.commands.test_home import buttons, open_home, text
from tests.conftest import ADMIN_ID

# Tuesday 16:00 in New York, in UTC, on either side of a DST change.
DST_DEADLINES = [
    dt.datetime(2026, 11, 3, 21, 0, tzinfo=dt.UTC),  # EST: DST ended on Sunday 1 Nov
    dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC),  # EDT: DST began on Sunday 8 Mar
]


def test_only_open_top_customer_projects_owe_a_note(slack, fake_slack, portfolio):
    data = portfolio
    closing = data.project(
        "SOW-5", "Umbrella", "Cutover", pm=data.pam, top_customer=True, status="closing"
    )
    data.project("SOW-6", "Hooli", "Done", pm=data.pam, top_customer=True, status="completed")
    view = open_home(slack, fake_slack)
    # Acme Migration (not a Top Customer) and the completed project are not listed.
    assert buttons(view, ids.NOTES_OPEN) == [str(data.rollout.id), str(closing.id)]
    assert text(view).count("missing — due Tue 16:00 ET") == 2


def test_missing_notes_are_overdue_once_the_deadline_has_passed(
    slack, fake_slack, portfolio, clock
):
    clock.set(dt.datetime(2026, 11, 26, 13, 37, tzinfo=dt.UTC))  # Thursday 08:37 in New York
    body = text(open_home(slack, fake_slack))
    assert "This week's Top Customer notes were due Tue 16:00 ET." in body
    assert "overdue — was due Tue 16:00 ET" in body
    assert "missing — due" not in body

    # Sunday 23:30 in New York is Monday in UTC: still the same reporting week.
    clock.set(dt.datetime(2026, 11, 30, 4, 30, tzinfo=dt.UTC))
    body = text(open_home(slack, fake_slack))
    assert "2026-W48" in body and "overdue — was due Tue 16:00 ET" in body

    clock.set(dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC))  # Monday: a new week
    body = text(open_home(slack, fake_slack))
    assert "2026-W49" in body and "missing — due Tue 16:00 ET" in body


@pytest.mark.parametrize("deadline", DST_DEADLINES)
def test_the_deadline_is_tuesday_16_00_local_across_dst(
    slack, fake_slack, portfolio, clock, deadline
):
    clock.set(deadline - dt.timedelta(minutes=1))
    body = text(open_home(slack, fake_slack))
    assert "Top Customer notes are due Tue 16:00 ET." in body
    assert "missing — due Tue 16:00 ET" in body and "overdue" not in body

    clock.set(deadline)
    body = text(open_home(slack, fake_slack))
    assert "were due Tue 16:00 ET" in body and "overdue — was due Tue 16:00 ET" in body


def press_update_notes(slack, fake_slack, project_id, user_id):
    """An "Update notes" click in App Home: its payload has no channel."""
    fake_slack.reset()
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": ids.NOTES_OPEN, "type": "button", "value": str(project_id)}],
    }
    assert slack.interactive(payload).status == 200


def test_update_notes_is_offered_only_to_those_who_may_write_the_note(
    slack, fake_slack, portfolio, ctx
):
    data = portfolio
    # Pat is booked on Acme Rollout: he sees it and its missing note, but no button that
    # would only refuse him.
    view = open_home(slack, fake_slack, "U0PAT")
    assert "Acme — Rollout" in text(view) and "missing — due Tue 16:00 ET" in text(view)
    assert buttons(view, ids.NOTES_OPEN) == []

    # Named DRI on the latest note, he may write it: the button is there, and it opens.
    with ctx.session_factory.begin() as session:
        fields = NoteFields("On track", Temperature.GREEN, Temperature.GREEN, dri_ids=("U0PAT",))
        save_note(session, data.rollout.id, "2026-W47", fields, "U0PM", ctx.now())
    assert buttons(open_home(slack, fake_slack, "U0PAT"), ids.NOTES_OPEN) == [str(data.rollout.id)]
    press_update_notes(slack, fake_slack, data.rollout.id, "U0PAT")
    assert fake_slack.wait_for("views.open")

    # An admin booked on a project may write any note.
    admin = data.person("Ada Admin", ADMIN_ID)
    data.book(data.rollout, admin, dt.date(2026, 11, 23))
    view = open_home(slack, fake_slack, ADMIN_ID)
    assert buttons(view, ids.NOTES_OPEN) == [str(data.rollout.id)]


def test_a_refused_update_notes_from_app_home_is_told_in_the_apps_dm(slack, fake_slack, portfolio):
    # Pat may not write Acme Rollout's note (a Home published before he stopped being its
    # DRI still shows him the button).
    press_update_notes(slack, fake_slack, portfolio.rollout.id, "U0PAT")
    (dm,) = fake_slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U0PAT"
    assert dm.params["text"].startswith("Only the project's PM, the DRI and contributors")
    assert fake_slack.calls_to("chat.postEphemeral") == []
    assert fake_slack.calls_to("views.open") == []
