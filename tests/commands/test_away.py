"""`/ps away START END [@delegate]`, `/ps back` and App Home's time-off modal, through
signed requests; the delegate writes the away PM's notes until the time off lapses."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from bot.store.models import AuditEntry, Away
from messages import ids
from tests.commands.test_home import buttons, open_home, text
from tests.commands.test_notes import errors_of, revisions, submit
from tests.conftest import ADMIN_ID

ET = dt.timezone(dt.timedelta(hours=-5))


@pytest.fixture
def team(fake_slack, portfolio):
    fake_slack.add_user("U0PM", "pam@example.com", "pam")
    fake_slack.add_user("U0PAT", "pat@example.com", "pat")
    fake_slack.add_user("U0ROBOT", "robot@example.com", "robot", is_bot=True)
    return portfolio


def time_off(ctx):
    with ctx.session_factory() as session:
        return [
            (a.slack_user_id, a.starts_on, a.ends_on, a.delegate_id)
            for a in session.scalars(sa.select(Away))
        ]


def test_away_with_a_delegate_is_recorded_and_audited(slack, ctx, team):
    reply = slack.ask("away 2026-12-21 2027-01-01 <@U0PAT|pat>")
    assert reply["text"] == (
        ":palm_tree: You're away Mon Dec 21 – Fri Jan 1 2027. <@U0PAT> covers: they get your "
        "nudges, are named in the Tuesday reminder and may write your notes. `/ps back` ends "
        "it early; it lapses by itself after the last day."
    )
    assert time_off(ctx) == [("U0PM", dt.date(2026, 12, 21), dt.date(2027, 1, 1), "U0PAT")]
    # A second one replaces the first: one time off a person.
    slack.ask("away 2026-12-24 2026-12-28")
    assert time_off(ctx) == [("U0PM", dt.date(2026, 12, 24), dt.date(2026, 12, 28), None)]
    with ctx.session_factory() as session:
        audits = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(a.actor, a.action) for a in audits] == [("U0PM", "away.set"), ("U0PM", "away.set")]
    assert audits[1].detail["old"]["delegate_id"] == "U0PAT"
    assert audits[1].detail["new"]["ends_on"] == "2026-12-28"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        (
            "away 2026-12-21 2026-12-20",
            "The end date 2026-12-20 is before the start date 2026-12-21.",
        ),
        ("away dec-21 2027-01-01", "The start date: 'dec-21' is not a date in YYYY-MM-DD form"),
        ("away 2026-12-21 2026-13-01", "The end date: 2026-13-01 is not a valid date"),
        ("away 2026-11-01 2026-11-20", "That time off ended already (2026-11-20)"),
        ("away 2026-12-21", "Give your first and last day away"),
        ("away 2026-12-21 2027-01-01 <@U0PM|pam>", "You can't cover for yourself"),
        ("away 2026-12-21 2027-01-01 <@U0ROBOT|robot>", "<@U0ROBOT> is a bot"),
        ("away 2026-12-21 2027-01-01 @sam", "@sam"),
        ("away 2026-12-21 2027-01-01 sam", "Name who covers for you with an @-mention"),
        ("back", "You're not marked away, so there's nothing to end."),
        ("back now", "`/ps back` takes nothing after it."),
    ],
)
def test_bad_input_gets_one_clear_line(slack, ctx, team, command, problem):
    reply = slack.ask(command)
    assert reply["text"].startswith(":warning: ")
    assert problem.replace("'", "&#39;") in reply["text"] or problem in reply["text"]
    assert "Usage: `/ps away YYYY-MM-DD YYYY-MM-DD [@delegate]" in reply["text"]
    assert "Traceback" not in reply["text"]
    assert time_off(ctx) == []


def test_back_ends_time_off_or_cancels_one_to_come(slack, ctx, team, clock):
    slack.ask("away 2026-12-21 2027-01-01")
    assert slack.ask("back")["text"] == "Your time off Mon Dec 21 – Fri Jan 1 2027 is cancelled."
    slack.ask("away 2026-11-23 2026-11-27")  # today is Tue Nov 24
    assert slack.ask("back")["text"] == ":wave: Welcome back! Nudges come to you again."
    assert time_off(ctx) == []


def test_the_delegate_writes_the_notes_until_the_time_off_lapses(slack, ctx, team, clock):
    assert (
        "Only the project's PM"
        in errors_of(submit(slack, team.rollout.id, user_id="U0PAT"))["progress"]
    )
    slack.ask("away 2026-11-23 2026-11-27 <@U0PAT|pat>")
    assert errors_of(submit(slack, team.rollout.id, user_id="U0PAT", view_id="V2")) == {}
    assert [r.author_id for r in revisions(ctx)] == ["U0PAT"]
    clock.set(dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC))  # the day after the last
    errors = errors_of(submit(slack, team.rollout.id, user_id="U0PAT", view_id="V3"))
    assert "Only the project's PM" in errors["progress"]


def home_action(slack, user_id, action_id):
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.away",
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [{"action_id": action_id, "type": "button", "value": ""}],
    }
    assert slack.interactive(payload).status == 200


def submit_away(slack, user_id="U0PM", starts="2026-12-21", ends="2027-01-01", delegate=None):
    values = {
        "starts_on": {"value": {"type": "datepicker", "selected_date": starts}},
        "ends_on": {"value": {"type": "datepicker", "selected_date": ends}},
        "delegate": {"value": {"type": "users_select", "selected_user": delegate}},
    }
    payload = {
        "type": "view_submission",
        "user": {"id": user_id},
        "view": {
            "id": "VAWAY",
            "hash": "h1",
            "type": "modal",
            "callback_id": ids.AWAY_VIEW,
            "state": {"values": values},
        },
    }
    return slack.interactive(payload)


def test_app_home_plans_time_off_in_a_modal_and_admins_see_who_is_away(
    slack, fake_slack, ctx, team
):
    view = open_home(slack, fake_slack)
    assert "Plan time off" in text(view)
    home_action(slack, "U0PM", ids.AWAY_OPEN)
    modal = fake_slack.wait_for("views.open")[-1].params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    assert modal["callback_id"] == ids.AWAY_VIEW
    assert [b["block_id"] for b in modal["blocks"]] == ["starts_on", "ends_on", "delegate"]

    bad = [
        (dict(ends="2026-12-20"), "ends_on", "The end date 2026-12-20 is before"),
        (dict(delegate="U0PM"), "delegate", "You can't cover for yourself"),
        (dict(delegate="U0ROBOT"), "delegate", "<@U0ROBOT> is a bot"),
    ]
    for typed, field, problem in bad:
        assert problem in errors_of(submit_away(slack, **typed))[field]
    assert time_off(ctx) == []

    assert errors_of(submit_away(slack, delegate="U0PAT")) == {}
    assert time_off(ctx) == [("U0PM", dt.date(2026, 12, 21), dt.date(2027, 1, 1), "U0PAT")]
    told = fake_slack.wait_for("chat.postMessage")[-1].params
    assert told["channel"] == "U0PM" and "You're away Mon Dec 21" in told["text"]
    fake_slack.wait_for("views.publish", count=2)  # the home refreshed after saving

    mine = text(open_home(slack, fake_slack))
    assert "You'll be away Mon Dec 21 – Fri Jan 1 2027" in mine and "Cancel it" in mine
    admin = text(open_home(slack, fake_slack, ADMIN_ID))
    assert "<@U0PM> away soon, Mon Dec 21 – Fri Jan 1 2027 · <@U0PAT> covers" in admin

    fake_slack.reset()
    home_action(slack, "U0PM", ids.AWAY_BACK)
    fake_slack.wait_for("views.publish")
    told = fake_slack.wait_for("chat.postMessage")[-1].params
    assert told["text"] == "Your time off Mon Dec 21 – Fri Jan 1 2027 is cancelled."
    assert time_off(ctx) == []
    assert "nobody is away" in text(open_home(slack, fake_slack, ADMIN_ID))


def test_the_delegates_app_home_offers_the_away_pms_notes(slack, fake_slack, ctx, team):
    data = team
    initech = data.project("SOW-7", "Initech", "Upgrade", pm=data.pam, top_customer=True)
    before = open_home(slack, fake_slack, "U0PAT")
    assert buttons(before, ids.NOTES_OPEN) == []  # only booked on Rollout
    assert "Initech" not in text(before)
    slack.ask("away 2026-11-23 2026-11-27 <@U0PAT|pat>")
    covering = open_home(slack, fake_slack, "U0PAT")
    assert sorted(buttons(covering, ids.NOTES_OPEN)) == sorted(
        [str(data.rollout.id), str(initech.id)]
    )


def test_away_alone_opens_the_modal_filled_in_with_what_is_recorded(slack, fake_slack, team):
    slack.ask("away 2026-12-21 2027-01-01 <@U0PAT|pat>")
    fake_slack.reset()
    assert slack.command("away").status == 200
    modal = fake_slack.wait_for("views.open")[-1].params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    assert modal["callback_id"] == ids.AWAY_VIEW
    fields = {b["block_id"]: b["element"] for b in modal["blocks"]}
    assert fields["starts_on"]["initial_date"] == "2026-12-21"
    assert fields["ends_on"]["initial_date"] == "2027-01-01"
    assert fields["delegate"]["initial_user"] == "U0PAT"
