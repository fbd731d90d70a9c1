"""Monday 10:30: DM the PMs whose projects still break a bookings rule."""

import datetime as dt

import sqlalchemy as sa

from bot.store.models import Booking
from jobs.forecast_nudge import run_forecast_nudge
from messages.reminders_builder import MAX_DM_FINDINGS
from tests.factories import Portfolio
from tests.jobs.sample import (
    HOSTILE,
    HOSTILE_ESCAPED,
    MON_NUDGE,
    assert_safe,
    assert_valid,
    bulk_bookings,
    everything,
    hard_booking,
    many_projects,
)


def test_nudge_dms_only_the_pm_with_findings_and_a_slack_id(ctx, week):
    posts = run_forecast_nudge(ctx, MON_NUDGE)

    # Quinn's projects are fine; Noah has findings but no Slack id; Hooli has no PM.
    assert [(post.channel, post.in_thread) for post in posts] == [("U0PAM", False)]
    assert_valid(posts)
    assert_safe(posts)
    text = everything(posts)
    assert "*Forecast &amp; upside are due 11:00 ET.*" in text
    assert "Your projects still break 2 bookings rules" in text
    assert "Acme — Migration (SOW-102) kicked off Sep 1 but has no hard bookings since." in text
    assert "→ Hard-book the team in Kantata" in text
    assert "Acme — Migration (SOW-102) has 10 h soft-booked in Nov 2026." in text
    assert "→ Convert them to hard bookings or remove them" in text
    for other in ("Initech", "Hooli", "Tia Architect", "Rollout"):
        assert other not in text
    assert posts[0].text == (
        "Forecast &amp; upside are due 11:00 ET: 2 bookings issues on your projects"
    )


def test_nudge_is_silent_once_the_bookings_are_fixed(ctx, week):
    with ctx.session_factory.begin() as session:
        session.execute(sa.delete(Booking).where(Booking.project_id == week.migration.id))
    bulk_bookings(
        ctx.session_factory,
        (
            hard_booking(week.migration, week.tia, dt.date(2026, 11, 2) + dt.timedelta(weeks=n))
            for n in range(14)
        ),
    )

    assert run_forecast_nudge(ctx, MON_NUDGE) == []


def test_nudge_is_silent_with_no_projects(ctx):
    assert run_forecast_nudge(ctx, MON_NUDGE) == []


def test_nudge_keeps_a_long_list_to_one_message(ctx):
    many_projects(ctx.session_factory, 30, pms=1)  # their PM has no Slack id: no DM
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    for n in range(30):
        data.project(f"SOW-{n}", f"Customer {n}", pm=pam)

    posts = run_forecast_nudge(ctx, MON_NUDGE)

    assert [post.channel for post in posts] == ["U0PAM"]
    assert_valid(posts)
    text = everything(posts)
    assert text.count(":warning:") == MAX_DM_FINDINGS
    assert f"…and {30 - MAX_DM_FINDINGS} more: `/ps bookings` lists them all." in text
    assert "still break 30 bookings rules" in text


def test_nudge_escapes_hostile_names(ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-666", HOSTILE, HOSTILE, pm=data.person("Pam Manager", "U0PAM"))

    posts = run_forecast_nudge(ctx, MON_NUDGE)

    assert_valid(posts)
    assert_safe(posts)
    assert f"{HOSTILE_ESCAPED} — {HOSTILE_ESCAPED} (SOW-666) kicked off" in everything(posts)
