"""Tuesday 15:00: DM the PMs whose Top Customer notes are still missing."""

import dataclasses
import datetime as dt

from bot.core.context import AppContext
from jobs.top_customer_nudge import run_top_customer_nudge
from messages import ids
from messages.reminders_builder import MAX_DM_PROJECTS
from messages.words import SLACK_WORDS
from tests.factories import Portfolio
from tests.jobs.sample import (
    ET,
    HOSTILE,
    HOSTILE_ESCAPED,
    TUE_NUDGE,
    WEEK,
    assert_safe,
    assert_valid,
    buttons,
    everything,
    write_note,
)


def test_nudge_dms_each_pm_with_missing_notes(ctx, week):
    posts = run_top_customer_nudge(ctx, TUE_NUDGE)

    # Noah has no Slack id and Hooli no PM: the 16:00 report names them instead.
    assert [(post.channel, post.in_thread) for post in posts] == [
        ("U0PAM", False),
        ("U0QUINN", False),
    ]
    assert_valid(posts)
    assert_safe(posts)
    pam, quinn = posts
    assert buttons([pam]) == [(ids.NOTES_OPEN, str(week.migration.id), "Update notes")]
    assert buttons([quinn]) == [(ids.NOTES_OPEN, str(week.platform.id), "Update notes")]
    pam_text = everything([pam])
    assert "*Top Customer notes are due Tue 16:00 ET.*" in pam_text
    assert f"1 project still needs this week's note ({WEEK})" in pam_text
    assert "*Acme — Migration* (SOW-102)" in pam_text
    assert "Rollout" not in pam_text  # already noted
    assert "Globex" not in pam_text
    assert "*Globex — Platform* (SOW-201)" in everything([quinn])
    assert "Umbrella" not in everything([quinn])
    assert pam.text == (
        "Top Customer notes are due Tue 16:00 ET: 1 project still needs this week's note"
    )


def test_a_nudge_a_holiday_moves_into_next_week_asks_for_its_own_weeks_notes(ctx, week):
    # Fridays; Christmas, Friday 25 December 2026, moves 2026-W52's nudge and report to Monday.
    overrides = {
        "PSBOT_JOB_TOP_CUSTOMER_NUDGE": "fri 11:00",
        "PSBOT_JOB_TOP_CUSTOMER_REPORT": "fri 12:00",
    }
    settings = dataclasses.replace(ctx.settings, job_overrides=overrides)
    fridays = AppContext(settings=settings, session_factory=ctx.session_factory, words=SLACK_WORDS)

    posts = run_top_customer_nudge(fridays, dt.datetime(2026, 12, 28, 11, 0, tzinfo=ET))

    pam_text = everything(posts[:1])
    assert "2 projects still need this week's note (2026-W52)" in pam_text
    assert "*Top Customer notes are due Mon 12:00 ET.*" in pam_text


def test_nudge_skips_pms_who_wrote_their_notes(ctx, week):
    write_note(ctx.session_factory, week.platform, WEEK)

    posts = run_top_customer_nudge(ctx, TUE_NUDGE)

    assert [post.channel for post in posts] == ["U0PAM"]


def test_a_note_from_last_week_does_not_count(ctx, week):
    write_note(ctx.session_factory, week.platform, "2026-W48")
    assert [post.channel for post in run_top_customer_nudge(ctx, TUE_NUDGE)] == [
        "U0PAM",
        "U0QUINN",
    ]


def test_nudge_is_silent_when_every_note_is_in(ctx, week):
    for project in (week.migration, week.platform, week.upgrade, week.audit):
        write_note(ctx.session_factory, project, WEEK)
    assert run_top_customer_nudge(ctx, TUE_NUDGE) == []


def test_nudge_keeps_many_projects_to_one_dm(ctx):
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    for n in range(60):
        data.project(f"SOW-{n}", f"Customer {n:02d}", pm=pam, top_customer=True)

    posts = run_top_customer_nudge(ctx, TUE_NUDGE)

    assert [post.channel for post in posts] == ["U0PAM"]
    assert_valid(posts)
    assert len(buttons(posts)) == MAX_DM_PROJECTS
    text = everything(posts)
    assert "60 projects still need this week's note" in text
    assert f"…and {60 - MAX_DM_PROJECTS} more: `/ps notes` lists them." in text


def test_nudge_escapes_hostile_names(ctx):
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    data.project("SOW-666", HOSTILE, HOSTILE, pm=pam, top_customer=True)

    posts = run_top_customer_nudge(ctx, TUE_NUDGE)

    assert_valid(posts)
    assert_safe(posts)
    assert f"*{HOSTILE_ESCAPED} — {HOSTILE_ESCAPED}* (SOW-666)" in everything(posts)
