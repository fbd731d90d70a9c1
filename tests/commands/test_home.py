"""App Home through signed `app_home_opened` events."""

import datetime as dt
import json

import pytest
from slack_sdk.models.views import View

from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.store.models import OutboxEntry, Win
from messages import ids
from tests.conftest import ADMIN_ID
from tests.factories import Portfolio, owed_win
from tests.jobs.sample import as_fallback


def open_home(slack, fake_slack, user_id="U0PM", tab="home"):
    fake_slack.reset()
    response = slack.event(
        {"type": "app_home_opened", "user": user_id, "channel": "D1", "tab": tab}
    )
    assert response.status == 200
    call = fake_slack.wait_for("views.publish")[-1]
    assert call.params["user_id"] == user_id
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    View(**view).validate_json()  # slack_sdk's own limits
    assert len(view["blocks"]) <= 100
    return view


def text(view) -> str:
    """The view as JSON, date tokens read as their fallback (the ET wording)."""
    return as_fallback(raw(view))


def raw(view) -> str:
    return json.dumps(view, ensure_ascii=False)


def buttons(view, action_id):
    return [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == action_id
    ]


def test_a_pm_sees_notes_due_bookings_and_buttons(slack, fake_slack, portfolio):
    view = open_home(slack, fake_slack)
    assert view["type"] == "home"
    body = text(view)
    assert "Your PMO week — 2026-W48" in body
    assert "Top Customer notes are due Tue 16:00 ET." in body
    assert "missing — due Tue 16:00 ET" in body
    assert buttons(view, ids.NOTES_OPEN) == [str(portfolio.rollout.id)]  # the Top Customer one
    assert "Bookings to fix" in body and "has 10 h soft-booked in Nov 2026" in body
    assert "Portfolio this week" not in body  # not an admin


def test_notes_written_show_their_temperatures(slack, fake_slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        fields = NoteFields(
            "UAT passed",
            Temperature.YELLOW,
            Temperature.GREEN,
            raid_url="https://x.example/r",
            epic_url="https://x.example/e",
        )
        save_note(session, portfolio.rollout.id, "2026-W48", fields, "U0PM", ctx.now())
    body = text(open_home(slack, fake_slack))
    assert ":large_yellow_circle::large_green_circle: UAT passed" in body


def test_times_are_shown_in_each_readers_own_zone(slack, fake_slack, portfolio):
    body = raw(open_home(slack, fake_slack))
    due = int(dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC).timestamp())  # Tue 16:00 ET
    token = f"<!date^{due}^{{date_short_pretty}} {{time}}|Tue 16:00 ET>"
    assert f"Top Customer notes are due {token}." in body
    assert f"missing — due {token}" in body
    assert "your time" not in body


def test_a_pse_sees_their_projects_but_no_pm_sections(slack, fake_slack, portfolio):
    body = text(open_home(slack, fake_slack, "U0PAT"))
    assert "Acme — Rollout" in body
    assert "Bookings to fix" not in body and "no rule breaks" not in body


def test_an_admin_sees_portfolio_counts_and_jobs(slack, fake_slack, portfolio):
    body = text(open_home(slack, fake_slack, ADMIN_ID))
    assert "Portfolio this week" in body
    assert "1 notes missing" in body  # Acme Rollout is the only Top Customer project
    assert "`top_customer_report` next Tue Nov 24 16:00 ET · last never run" in body


def test_a_new_user_gets_a_friendly_first_run_view(slack, fake_slack, portfolio):
    body = text(open_home(slack, fake_slack, "U0NEWBIE"))
    assert "Welcome to psbot" in body and "/ps help" in body


def test_sixty_projects_stay_within_the_limits(slack, fake_slack, ctx):
    data = Portfolio(ctx.session_factory)
    pm = data.person("Busy PM", "U0BUSY")
    for n in range(60):
        data.project(f"SOW-{500 + n}", f"Customer {n:02d}", pm=pm, top_customer=n % 2 == 0)
    view = open_home(slack, fake_slack, "U0BUSY")
    assert len(buttons(view, ids.NOTES_OPEN)) == 15
    assert "…and 15 more" in text(view)  # the 30 Top Customer projects


def test_other_tabs_publish_nothing(slack, fake_slack, portfolio):
    fake_slack.reset()
    slack.event({"type": "app_home_opened", "user": "U0PM", "channel": "D1", "tab": "messages"})
    assert fake_slack.calls_to("views.publish") == []


def test_home_is_refreshed_after_a_note_is_saved(slack, fake_slack, portfolio):
    from tests.commands.test_notes import submit

    fake_slack.reset()
    submit(slack, portfolio.rollout.id)
    call = fake_slack.wait_for("views.publish")[-1]
    assert call.params["user_id"] == "U0PM"


@pytest.mark.parametrize("status", [500, 429])
def test_a_failing_publish_never_breaks_the_users_action(slack, fake_slack, portfolio, ctx, status):
    from tests.commands.test_notes import errors_of, notes, submit

    fake_slack.fail("views.publish", status, retry_after=0 if status == 429 else None, times=10)
    assert errors_of(submit(slack, portfolio.rollout.id)) == {}
    assert len(notes(ctx)) == 1
    fake_slack.wait_for("views.publish", count=4 if status == 429 else 3)  # retried, then given up


def test_closing_projects_show_checklist_progress(slack, fake_slack, portfolio, ctx):
    data = Portfolio(ctx.session_factory)
    closing = data.project("SOW-77", "Umbrella", "Wind-down", pm=portfolio.pam, status="closing")
    view = open_home(slack, fake_slack)
    assert buttons(view, ids.CLOSURE_OPEN) == [str(closing.id)]
    assert "Umbrella — Wind-down" in text(view) and "closing · closure 0/" in text(view)


def test_fixed_fee_closing_progress_counts_the_hours_too(slack, fake_slack, portfolio, ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-78", "Umbrella", "Fixed", pm=portfolio.pam, type="FF", status="closing")
    view = open_home(slack, fake_slack)
    assert "closing · closure 0/10" in text(view)


def test_closing_projects_past_the_first_eight_are_counted(slack, fake_slack, portfolio, ctx):
    data = Portfolio(ctx.session_factory)
    for n in range(10):
        data.project(f"SOW-7{n}", f"Umbrella {n}", "Wind-down", pm=portfolio.pam, status="closing")
    view = open_home(slack, fake_slack)
    assert len(buttons(view, ids.CLOSURE_OPEN)) == 8
    assert "…and 2 more: `/ps closure` lists them." in text(view)


def test_admins_see_deliveries_psbot_could_not_make(slack, fake_slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        for key, kind, status, days_ago in (
            ("win:1", "win", "failed", 2),
            ("job:x:2026-W48", "job", "retrying", 2),
            ("job:x:2026-W46", "job", "failed", 8),  # more than a week ago: dropped off
        ):
            session.add(
                OutboxEntry(
                    key=key,
                    kind=kind,
                    posts=[],
                    status=status,
                    error="Slack answered 200: not_in_channel",
                    deadline=ctx.now(),
                    created_at=ctx.now() - dt.timedelta(days=days_ago),
                    finished_at=ctx.now() - dt.timedelta(days=days_ago)
                    if status == "failed"
                    else None,
                )
            )
    body = text(open_home(slack, fake_slack, ADMIN_ID))
    assert "Slack posts not delivered: 1 failed, 1 retrying." in body
    assert "2026-W46" not in body
    assert "• ProjectWin shout-out: Slack answered 200: not_in_channel" in body
    assert "Every Slack post and GitLab note was delivered" not in body


def _failed_win_shout_out(ctx, portfolio):
    win_id, entry_id = owed_win(ctx, portfolio.rollout, ctx.now() - dt.timedelta(days=2))
    with ctx.session_factory.begin() as session:
        entry = session.get_one(OutboxEntry, entry_id)
        entry.status, entry.error = "failed", "Slack answered 200: not_in_channel"
        entry.finished_at = ctx.now() - dt.timedelta(days=1)
        job = OutboxEntry(
            key="job:top_customer_open:2026-W47",
            kind="job",
            posts=[],
            status="failed",
            error="Slack answered 503: fatal_error",
            deadline=ctx.now() - dt.timedelta(days=7),
            created_at=ctx.now() - dt.timedelta(days=7),
            finished_at=ctx.now() - dt.timedelta(days=7),
        )
        session.add(job)
        session.flush()
        return win_id, entry.id, job.id


def _post_again(slack, user_id, entry_id):
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.home",
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [{"action_id": ids.OUTBOX_RETRY, "type": "button", "value": str(entry_id)}],
    }
    assert slack.interactive(payload).status == 200


def test_an_admin_posts_a_failed_shout_out_again_once_the_cause_is_fixed(
    slack, fake_slack, portfolio, ctx
):
    win_id, entry_id, job_id = _failed_win_shout_out(ctx, portfolio)
    view = open_home(slack, fake_slack, ADMIN_ID)
    assert buttons(view, ids.OUTBOX_RETRY) == [str(entry_id)]  # not the stale job reminder
    assert "ProjectWin shout-out: Slack answered 200: not_in_channel" in text(view)
    assert "job `top_customer_open:2026-W47`: Slack answered 503" in text(view)

    fake_slack.reset()
    _post_again(slack, ADMIN_ID, entry_id)
    (post,) = fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0INTERNAL" and "Go-live" in post.params["text"]
    republished = fake_slack.wait_for("views.publish")[-1]
    assert "Post again" not in json.dumps(republished.params["view"])
    with ctx.session_factory() as session:
        assert session.get_one(OutboxEntry, entry_id).status == "sent"
        assert session.get_one(OutboxEntry, job_id).status == "failed"
        assert session.get_one(Win, win_id).pinned

    _post_again(slack, ADMIN_ID, entry_id)  # a double click posts nothing more
    fake_slack.wait_for("views.publish", count=2)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("who", ["U0PM", "U0PAT"])  # a PM, a member
def test_only_admins_may_post_again(slack, fake_slack, portfolio, ctx, who):
    _, entry_id, job_id = _failed_win_shout_out(ctx, portfolio)
    fake_slack.reset()
    _post_again(slack, who, entry_id)
    _post_again(slack, ADMIN_ID, job_id)  # and never a job's stale reminder
    fake_slack.wait_for("views.publish")
    (told,) = fake_slack.wait_for("chat.postMessage")
    assert (told.params["channel"], told.params["text"]) == (
        who,
        "Only PMO admins can post failed posts again.",
    )
    with ctx.session_factory() as session:
        assert session.get_one(OutboxEntry, entry_id).status == "failed"
        assert session.get_one(OutboxEntry, job_id).status == "failed"


def test_recent_wins_mention_their_people_and_ping_nobody(slack, fake_slack, portfolio, ctx):
    # Stored as /ps win stores it: a person Slack resolved, and words that look like pings.
    owed_win(ctx, portfolio.rollout, text="Go-live with <@U0PSE>! @here " + "x" * 190 + " <@U0PM>")
    view = open_home(slack, fake_slack)
    body = text(view)
    assert ":trophy: Go-live with <@U0PSE>! @\u2060here" in body
    assert "<@U0PM>" not in body.split(":trophy:")[1].split("\\n")[0]  # cut whole, not halved
    assert "<!" not in body and "&lt;@U0PSE&gt;" not in body
