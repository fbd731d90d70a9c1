"""Tuesday 16:00: the compiled Top Customer report, and who is missing."""

import dataclasses
import datetime as dt

from bot.core.context import AppContext
from bot.pmo.notes import MAX_DRIS
from jobs.top_customer_report import run_top_customer_report
from messages.words import SLACK_WORDS
from tests.jobs.sample import (
    ET,
    HOSTILE,
    HOSTILE_ESCAPED,
    TUE_REPORT,
    WEEK,
    G,
    R,
    Y,
    assert_safe,
    assert_threaded,
    assert_valid,
    everything,
    many_projects,
    write_note,
)


def test_report_posts_this_weeks_notes_red_first_and_who_is_missing(ctx, week):
    posts = run_top_customer_report(ctx, TUE_REPORT)

    assert len(posts) == 1
    assert_threaded(posts)
    assert_valid(posts)
    assert_safe(posts, mentions={"U0PAM", "U0QUINN"})
    assert posts[0].text == f"Top Customer report — {WEEK}: 1 red, 0 yellow, 1 green, 4 missing"
    text = everything(posts)
    red = text.index("*Umbrella — Wind-down* (SOW-202) :red_circle: internal")
    green = text.index("*Acme — Rollout* (SOW-101): UAT passed; go-live Dec 8")
    missing = text.index(":hourglass: *Missing notes* · 4")
    assert red < green < missing
    assert "↘" in text  # Umbrella was green last week
    assert "• *Acme — Migration* (SOW-102) · PM <@U0PAM>" in text
    assert "• *Globex — Platform* (SOW-201) · PM <@U0QUINN>" in text
    assert "• *Initech — Upgrade* (SOW-301) · PM Noah Nolink" in text
    assert "Soylent" not in text and "Stark" not in text


def test_a_project_without_a_pm_says_so_among_the_missing(ctx, week):
    text = everything(run_top_customer_report(ctx, TUE_REPORT))

    assert "• *Hooli — Audit* (SOW-401) · _no PM set_" in text
    assert "no PM" not in text.replace("_no PM set_", "")


def test_green_notes_show_their_dri_and_contributors(ctx, week):
    write_note(
        ctx.session_factory, week.rollout, WEEK, G, G, "UAT passed; go-live Dec 8",
        dri_ids=("U0PAT", "U0PAM"),
    )  # fmt: skip

    posts = run_top_customer_report(ctx, TUE_REPORT)

    assert_valid(posts)
    assert_safe(posts, mentions={"U0PAM", "U0QUINN", "U0PAT"})
    [line] = [line for line in everything(posts).splitlines() if "(SOW-101):" in line]
    assert line.endswith(
        "*Acme — Rollout* (SOW-101): UAT passed; go-live Dec 8"
        " · *DRI &amp; contributors:* <@U0PAT>, <@U0PAM>"
    )


def test_a_report_a_holiday_moves_into_next_week_still_reports_its_own_week(ctx, week):
    # Fridays 12:00; Christmas, Friday 25 December 2026, moves 2026-W52's report to Monday.
    overrides = {"PSBOT_JOB_TOP_CUSTOMER_REPORT": "fri 12:00"}
    settings = dataclasses.replace(ctx.settings, job_overrides=overrides)
    fridays = AppContext(settings=settings, session_factory=ctx.session_factory, words=SLACK_WORDS)
    write_note(ctx.session_factory, week.rollout, "2026-W52", progress="Cutover done")

    posts = run_top_customer_report(fridays, dt.datetime(2026, 12, 28, 12, 0, tzinfo=ET))

    assert posts[0].text.startswith("Top Customer report — 2026-W52: 0 red, 0 yellow, 1 green")
    assert "Cutover done" in everything(posts)


def test_report_posts_even_with_no_projects(ctx):
    posts = run_top_customer_report(ctx, TUE_REPORT)

    assert len(posts) == 1
    assert_valid(posts)
    assert f"No notes yet for {WEEK}." in everything(posts)


def test_report_escapes_note_text(ctx, week):
    write_note(ctx.session_factory, week.migration, WEEK, R, Y, HOSTILE, issue=HOSTILE)

    posts = run_top_customer_report(ctx, TUE_REPORT)

    assert_safe(posts, mentions={"U0PAM", "U0QUINN"})
    assert HOSTILE_ESCAPED in everything(posts)


def test_report_with_200_projects_continues_in_the_thread(ctx):
    projects = many_projects(ctx.session_factory, 200)
    for project in projects[:150]:
        write_note(ctx.session_factory, project, WEEK, R, Y, f"Slipping {project.sow}")
    # Green notes naming the most DRIs a note can hold still fit Slack's limits.
    dris = tuple(f"U0DRI{n:04d}" for n in range(MAX_DRIS))
    for project in projects[150:180]:
        write_note(ctx.session_factory, project, WEEK, progress=f"Fine {project.sow}", dri_ids=dris)

    posts = run_top_customer_report(ctx, TUE_REPORT)

    assert len(posts) > 1
    assert_threaded(posts)
    assert_valid(posts)
    text = everything(posts)
    for project in projects[:150]:
        assert f"Slipping {project.sow}" in text
    for project in projects[150:180]:
        assert f"Fine {project.sow} · *DRI &amp; contributors:* <@U0DRI0000>" in text
    assert ":hourglass: *Missing notes* · 20" in text
