"""Fresh data before a judgement, "data as of", and "Re-check now", against the fake Kantata.

Monday 30 November 2026. The weekly full sync ran at 07:00 ET. Pam (U0PAM) runs Acme
Rollout (SOW-1), which is not hard-booked for January: her PM week and Pat's PSE weeks
end in December.
"""

import datetime as dt
import itertools
import json

import pytest
import sqlalchemy as sa

from bot.store.models import Booking, Project
from jobs.forecast_nudge import run_forecast_nudge
from jobs.forecast_prep import run_forecast_prep
from jobs.kantata_sync import run_kantata_sync
from messages import ids
from tests.jobs.sample import ET, as_fallback, everything

SYNCED = dt.datetime(2026, 11, 30, 7, 0, tzinfo=ET)
FIXED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=ET)
FIRST_NUDGE = dt.datetime(2026, 11, 30, 8, 0, tzinfo=ET)
SECOND_NUDGE = dt.datetime(2026, 11, 30, 10, 30, tzinfo=ET)
_names = itertools.count(1)


@pytest.fixture
def synced(ctx, clock, fake_kantata, fake_slack):
    """The 07:00 full sync, with Pam linked to her Slack user."""
    fake_slack.add_user("U0PAM", "pam@example.com", "Pam Manager")
    clock.set(SYNCED)
    run_kantata_sync(ctx, SYNCED)
    fake_kantata.calls.clear()


def fix_january(fake_kantata):
    """What Pam does at 09:00: hard-book herself and Pat through January."""
    for allocation_id, resource_id in (("37", "20"), ("38", "21")):
        fake_kantata.change(
            "workspace_allocations",
            allocation_id,
            FIXED,
            workspace_resource_id=resource_id,
            workspace_id="1",
            start_date="2027-01-04",
            end_date="2027-01-29",
            minutes=20 * 8 * 60,
            hard=True,
        )


def nudge_at(ctx, clock, moment):
    clock.set(moment)
    return run_forecast_nudge(ctx, moment)


@pytest.mark.usefixtures("synced")
def test_a_fix_between_two_nudges_makes_the_second_say_nothing(ctx, clock, fake_kantata):
    (first,) = nudge_at(ctx, clock, FIRST_NUDGE)
    assert first.channel == "U0PAM"
    text = everything([first])
    assert "Acme — Rollout (SOW-1) is not hard-booked 2 months out: PM in Jan 2027" in text
    # An hour after the 07:00 sync: synced again first, so the data is as of 08:00.
    assert ":clock3: Kantata data as of 08:00 ET" in text

    fix_january(fake_kantata)
    assert nudge_at(ctx, clock, SECOND_NUDGE) == []
    # Each time it asked Kantata only for what changed since the sync before (less 2 min).
    asked = [c.query for c in fake_kantata.calls_to("stories") if c.query["per_page"] != "1"]
    assert [query["updated_after"] for query in asked] == [
        "2026-11-30T11:58:00+00:00",
        "2026-11-30T12:58:00+00:00",
    ]


@pytest.mark.usefixtures("synced")
def test_data_synced_minutes_ago_is_not_synced_again(ctx, clock, fake_kantata):
    (nudge,) = nudge_at(ctx, clock, SYNCED + dt.timedelta(minutes=4))
    assert fake_kantata.calls == []
    assert ":clock3: Kantata data as of 07:00 ET" in everything([nudge])


@pytest.mark.usefixtures("synced")
def test_kantata_down_posts_with_what_psbot_has_and_says_so(ctx, clock, fake_kantata):
    for endpoint in ("workspaces", "workspace_allocations"):
        fake_kantata.fail(endpoint, 503, retry_after="0", times=99)
    clock.set(FIRST_NUDGE)
    (prep,) = run_forecast_prep(ctx, FIRST_NUDGE)
    text = everything([prep])
    assert (
        ":warning: Kantata could not be reached just now (Kantata answered 503 for workspaces "
        "page 1 5 times (the fake was told to fail); try again later), so this uses what "
        "psbot has. Kantata data as of 07:00 ET." in text
    )
    assert "Acme — Rollout (SOW-1) is not hard-booked 2 months out" in text


# --- Re-check now ---------------------------------------------------------------------------


def recheck(slack, fake_slack, user_id="U0PAM"):
    """Click "Re-check now" on the nudge DM (channel D0PAM, message 1700000000.000100)."""
    name = f"recheck{next(_names)}"
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.recheck",
        "container": {
            "type": "message",
            "channel_id": "D0PAM",
            "message_ts": "1700000000.000100",
            "is_ephemeral": False,
        },
        "channel": {"id": "D0PAM"},
        "message": {"ts": "1700000000.000100"},
        "response_url": fake_slack.response_url(name),
        "actions": [
            {
                "action_id": ids.RECHECK_NUDGE,
                "block_id": "recheck",
                "type": "button",
                "value": "recheck",
                "action_ts": "1700000001.1",
            }
        ],
    }
    assert slack.interactive(payload).status == 200
    return name


def updated_text(fake_slack) -> str:
    (update,) = fake_slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("D0PAM", "1700000000.000100")
    blocks = update.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return as_fallback(json.dumps(blocks))


@pytest.mark.usefixtures("synced")
def test_the_nudge_has_a_recheck_button(ctx, clock):
    (nudge,) = nudge_at(ctx, clock, FIRST_NUDGE)
    buttons = [
        element
        for block in nudge.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        (ids.RECHECK_NUDGE, "Re-check now")
    ]


@pytest.mark.usefixtures("synced")
def test_recheck_after_the_fix_says_all_fixed_in_place(slack, fake_slack, fake_kantata, clock):
    clock.set(SYNCED + dt.timedelta(minutes=2))  # fresh, but a re-check syncs anyway
    fix_january(fake_kantata)
    recheck(slack, fake_slack)
    text = updated_text(fake_slack)
    assert "All fixed, thanks!" in text
    assert "Kantata data as of 07:02 ET" in text
    assert fake_kantata.calls_to("workspace_allocations")


@pytest.mark.usefixtures("synced")
def test_recheck_still_broken_says_what_still_breaks(slack, fake_slack, clock):
    clock.set(FIRST_NUDGE)
    recheck(slack, fake_slack)
    text = updated_text(fake_slack)
    assert "Your projects still break 1 bookings rule" in text
    assert "PM in Jan 2027" in text
    assert ids.RECHECK_NUDGE in text  # the button stays, for the next try


@pytest.mark.usefixtures("synced")
def test_recheck_with_kantata_down_answers_clearly_and_changes_nothing(
    ctx, slack, fake_slack, fake_kantata, clock
):
    clock.set(FIRST_NUDGE)
    fix_january(fake_kantata)
    fake_kantata.fail("workspaces", 503, retry_after="0", times=99)
    with ctx.session_factory() as session:
        before = session.scalars(sa.select(sa.func.count(Booking.id))).one()
        stamped = session.scalars(sa.select(Project.data_as_of)).all()
    name = recheck(slack, fake_slack)
    (answer,) = fake_slack.wait_for(f"/response/{name}")
    assert answer.params["text"].startswith(
        ":warning: Kantata could not be reached just now (Kantata answered 503 for workspaces"
    )
    assert answer.params["text"].endswith(
        "so I could not re-check your bookings; nothing was changed. Try again in a few minutes."
    )
    assert answer.params["response_type"] == "ephemeral"
    assert fake_slack.calls_to("chat.update") == []
    with ctx.session_factory() as session:
        assert session.scalars(sa.select(sa.func.count(Booking.id))).one() == before
        assert session.scalars(sa.select(Project.data_as_of)).all() == stamped


@pytest.mark.usefixtures("synced")
def test_recheck_from_app_home_publishes_it_again(slack, fake_slack, fake_kantata, clock):
    clock.set(FIRST_NUDGE)
    fix_january(fake_kantata)
    payload = {
        "type": "block_actions",
        "user": {"id": "U0PAM"},
        "trigger_id": "t.home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [{"action_id": ids.RECHECK_HOME, "type": "button", "value": "recheck"}],
    }
    assert slack.interactive(payload).status == 200
    (published,) = fake_slack.wait_for("views.publish")
    view = as_fallback(json.dumps(published.params["view"]))
    assert "no rule breaks on your projects" in view
    assert "Kantata data as of 08:00 ET" in view
