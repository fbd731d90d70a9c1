"""Tuesday 12:00: the Top Customer report is out; PMs and the projects to update."""

import dataclasses
import datetime as dt

from bot.core.context import AppContext
from jobs.top_customer_open import run_top_customer_open
from messages import ids
from messages.reminders_builder import MAX_PROJECTS_PER_MESSAGE
from messages.words import SLACK_WORDS
from tests.factories import Portfolio
from tests.jobs.sample import (
    HOSTILE,
    HOSTILE_ESCAPED,
    TUE_OPEN,
    WEEK,
    assert_safe,
    assert_threaded,
    assert_valid,
    buttons,
    everything,
    many_projects,
    post_lines,
    write_note,
)


def test_open_lists_each_pm_with_their_projects_and_buttons(ctx, week):
    posts = run_top_customer_open(ctx, TUE_OPEN)

    assert len(posts) == 1
    assert_threaded(posts)
    assert_valid(posts)
    assert_safe(posts, mentions={"U0PAM", "U0QUINN"})
    lines = post_lines(posts[0])
    assert lines[0] == f"Top Customer notes — {WEEK}"
    assert lines[1].startswith(":memo: *The Top Customer report is out — notes due Tue 16:00 ET.*")
    assert "2 of 6 projects updated" in lines[2]
    expected = [
        "Noah Nolink · 1 to update",
        ":hourglass_flowing_sand: *Initech — Upgrade* (SOW-301)",
        "<@U0PAM> · 1 to update",
        ":hourglass_flowing_sand: *Acme — Migration* (SOW-102)",
        ":white_check_mark: *Acme — Rollout* (SOW-101)",
        "<@U0QUINN> · 1 to update",
        ":hourglass_flowing_sand: *Globex — Platform* (SOW-201)",
        ":white_check_mark: *Umbrella — Wind-down* (SOW-202) · closing",
        "*No PM* (PS Ops, please assign) · 1 to update",
        ":hourglass_flowing_sand: *Hooli — Audit* (SOW-401)",
    ]
    assert [line for line in lines if not line.startswith("[")][3:-1] == expected
    assert buttons(posts) == [
        (ids.NOTES_OPEN, str(project.id), "Update notes")
        for project in (
            week.upgrade,
            week.migration,
            week.rollout,
            week.platform,
            week.winddown,
            week.audit,
        )
    ]
    text = everything(posts)
    assert "Stark" not in text  # not a Top Customer project
    assert "Soylent" not in text  # completed
    assert "`/ps notes`" in text
    assert posts[0].text == (
        "The Top Customer report is out — notes due Tue 16:00 ET: 2 of 6 projects updated"
    )


def test_open_shows_the_deadline_in_each_readers_own_time(ctx, week):
    posts = run_top_customer_open(ctx, TUE_OPEN)
    due = int(dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC).timestamp())  # Tue 16:00 ET
    token = f"<!date^{due}^{{date_short_pretty}} {{time}}|Tue 16:00 ET>"
    first_section = posts[0].blocks[1]["text"]["text"]
    assert first_section.startswith(f":memo: *The Top Customer report is out — notes due {token}.*")
    assert "<!date^" not in posts[0].text  # the notification keeps the plain ET wording


def test_open_takes_the_deadline_from_the_report_job(ctx, week):
    overrides = {"PSBOT_JOB_TOP_CUSTOMER_REPORT": "wed 08:00"}
    settings = dataclasses.replace(ctx.settings, job_overrides=overrides)
    moved = AppContext(settings=settings, session_factory=ctx.session_factory, words=SLACK_WORDS)

    text = everything(run_top_customer_open(moved, TUE_OPEN))

    assert "notes due Wed 08:00 ET" in text
    assert "16:00" not in text


def test_open_marks_every_project_done_when_all_notes_are_in(ctx, week):
    for project in (week.migration, week.platform, week.upgrade, week.audit):
        write_note(ctx.session_factory, project, WEEK)

    text = everything(run_top_customer_open(ctx, TUE_OPEN))

    assert "6 of 6 projects updated" in text
    assert ":hourglass_flowing_sand:" not in text
    assert text.count("all done :tada:") == 4


def test_open_is_silent_without_top_customer_projects(ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-1", "Acme", pm=data.person("Pam Manager", "U0PAM"))
    assert run_top_customer_open(ctx, TUE_OPEN) == []


def test_open_escapes_hostile_names(ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-666", HOSTILE, HOSTILE, pm=data.person(HOSTILE), top_customer=True)

    posts = run_top_customer_open(ctx, TUE_OPEN)

    assert_valid(posts)
    assert_safe(posts)
    text = everything(posts)
    assert f"{HOSTILE_ESCAPED} · 1 to update" in text
    assert f"*{HOSTILE_ESCAPED} — {HOSTILE_ESCAPED}* (SOW-666)" in text


def test_open_with_200_projects_continues_in_the_thread(ctx):
    projects = many_projects(ctx.session_factory, 200)

    posts = run_top_customer_open(ctx, TUE_OPEN)

    assert len(posts) >= 200 // MAX_PROJECTS_PER_MESSAGE
    assert_threaded(posts)
    assert_valid(posts)
    assert_safe(posts, mentions={f"U0PM{n:02d}" for n in range(7)})
    assert sorted(value for _, value, _ in buttons(posts)) == sorted(str(p.id) for p in projects)
    for post in posts:
        assert len(buttons([post])) <= MAX_PROJECTS_PER_MESSAGE
    assert "notes due Tue 16:00 ET" in everything(posts[:1])
    assert "Continued in the thread" in everything(posts[:1])
    for number, post in enumerate(posts[1:], start=2):
        assert post.text == f"Top Customer notes — {WEEK} (continued, {number}/{len(posts)})"
        assert post_lines(post)[0] == post.text
