"""Monday 08:00: the forecast call prep reminder."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.context import AppContext
from bot.pmo.rhythm import FORECAST_DUE, PREP_DUE
from jobs.forecast_prep import run_forecast_prep
from messages.reminders_builder import MAX_FINDINGS_PER_MESSAGE
from messages.words import SLACK_WORDS
from tests.factories import Portfolio
from tests.jobs.sample import (
    HOSTILE,
    HOSTILE_ESCAPED,
    MON_PREP,
    assert_safe,
    assert_threaded,
    assert_valid,
    everything,
    many_projects,
)


def test_deadlines_are_the_handbooks_times_in_the_reporting_time_zone(ctx):
    settings = dataclasses.replace(ctx.settings, timezone=ZoneInfo("America/Chicago"))
    central = AppContext(settings=settings, session_factory=ctx.session_factory, words=SLACK_WORDS)

    (post,) = run_forecast_prep(central, MON_PREP)

    assert f"due {PREP_DUE:%H:%M} CT" in post.text
    assert f"forecast &amp; upside due {FORECAST_DUE:%H:%M} CT" in post.text
    assert "ET" not in everything([post])


def test_prep_posts_checklist_deadlines_and_findings_by_pm(ctx, week):
    posts = run_forecast_prep(ctx, MON_PREP)

    assert_threaded(posts)
    assert len(posts) == 1
    assert_valid(posts)
    assert_safe(posts, mentions={"U0PAM"})
    text = everything(posts)
    assert posts[0].blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Forecast call prep — Mon Nov 30", "emoji": True},
    }
    assert "*Prep checklist — due 10:00 ET*" in text
    assert '1. Run the "Remaining Funds to Forecast" report' in text
    assert '5. Run the "Task Audit Report", sorted by PM.' in text
    assert "7. Review soft bookings in the Allocation report" in text
    assert "Donita" not in text and "Loom" not in text
    assert "*Forecast &amp; upside due 11:00 ET*" in text
    assert "`/ps forecast`" in text and "`/ps bookings PROJECT`" in text

    noah, pam, no_pm, help_ = (
        text.index("Noah Nolink · 1 to fix"),
        text.index("<@U0PAM> · 2 to fix"),
        text.index("*No PM* · 2"),  # Hooli: no milestone dates, and nobody booked at all
        text.index("*Help find them work* · 1 under-allocated"),
    )
    assert noah < pam < no_pm < help_
    upgrade = text.index("Initech — Upgrade (SOW-301) kicked off Sep 1 but has no hard bookings")
    migration = text.index("Acme — Migration (SOW-102) has 10 h soft-booked in Nov 2026.")
    audit = text.index("Hooli — Audit (SOW-401) is Fixed Fee with no milestone dates")
    tia = text.index("Tia Architect is on the bench: no bookings in the next 4 weeks (40 h")
    assert noah < upgrade < pam < migration < no_pm < audit < help_ < tia
    assert "→ Hard-book the team in Kantata" in text
    assert "→ Convert them to hard bookings or remove them" in text
    # Christmas takes a day off Tia's capacity in the week of Dec 21.
    assert "40 h week of Dec 14, 32 h week of Dec 21 free). _($30,400 at stake)_" in text
    assert ":clock3: Kantata data: none synced or imported yet" in text
    # Healthy projects, Quinn (no findings) and Pat (fully booked) are not listed.
    for absent in ("Rollout", "Globex", "U0QUINN", "Quinn", "Pat Engineer", "Soylent"):
        assert absent not in text
    assert posts[0].text == (
        "Forecast call prep — Mon Nov 30: prep due 10:00 ET, forecast &amp; upside due "
        "11:00 ET; 6 bookings findings."
    )


def test_prep_says_all_clear_when_nothing_breaks_a_rule(ctx):
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    rollout = data.project("SOW-1", "Acme", "Rollout", pm=pam)
    data.book(rollout, data.person("Pat Engineer", "U0PAT"), dt.date(2026, 11, 2), 14)

    posts = run_forecast_prep(ctx, MON_PREP)

    assert len(posts) == 1
    assert_valid(posts)
    text = everything(posts)
    assert ":white_check_mark: *Bookings check*: every active project follows" in text
    assert "*Prep checklist — due 10:00 ET*" in text
    assert ":warning:" not in text
    assert "no bookings findings" in posts[0].text


def test_prep_posts_even_with_an_empty_database(ctx):
    posts = run_forecast_prep(ctx, MON_PREP)
    assert len(posts) == 1
    assert ":white_check_mark: *Bookings check*" in everything(posts)


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC),  # still Monday evening in New York
    ],
)
def test_prep_dates_the_reminder_in_the_reporting_time_zone(ctx, now):
    (post,) = run_forecast_prep(ctx, now)
    assert post.blocks[0]["text"]["text"] == "Forecast call prep — Mon Nov 30"


def test_prep_escapes_hostile_names(ctx):
    data = Portfolio(ctx.session_factory)
    mallory = data.person(HOSTILE)  # a PM without a Slack id is named, so escaped
    data.project("SOW-666", HOSTILE, HOSTILE, pm=mallory)  # kicked off, no hard bookings

    posts = run_forecast_prep(ctx, MON_PREP)

    assert_valid(posts)
    assert_safe(posts)
    text = everything(posts)
    assert f"{HOSTILE_ESCAPED} · 1 to fix" in text
    assert f"{HOSTILE_ESCAPED} — {HOSTILE_ESCAPED} (SOW-666) kicked off Sep 1" in text


def test_prep_with_200_findings_continues_in_the_thread(ctx):
    projects = many_projects(ctx.session_factory, 200)  # no bookings: 200 findings

    posts = run_forecast_prep(ctx, MON_PREP)

    assert len(posts) >= 200 // MAX_FINDINGS_PER_MESSAGE
    assert_threaded(posts)
    assert_valid(posts)
    assert_safe(posts, mentions={f"U0PM{n:02d}" for n in range(7)})
    for post in posts:
        assert everything([post]).count(":warning:") <= MAX_FINDINGS_PER_MESSAGE
    text = everything(posts)
    for project in projects:
        assert text.count(f"({project.sow}) kicked off") == 1
    assert "Continued in the thread" in everything(posts[:1])
    assert posts[1].text == f"Forecast call prep — Mon Nov 30 (continued, 2/{len(posts)})"
    assert "_(continued)_" in text  # a PM's list cut by a break keeps its heading
    assert "*Prep checklist" not in everything(posts[1:])


def test_prep_mentions_only_pms_with_a_slack_id(ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-1", "Acme", pm=data.person("Pam Manager", "U0PAM"))
    data.project("SOW-2", "Globex", pm=data.person("Noah Nolink"))
    # A Slack id that is not a user id (bad data) must not become a mention.
    data.project("SOW-3", "Initech", pm=data.person("Odd Id", "C0CHANNEL"))

    text = everything(run_forecast_prep(ctx, MON_PREP))

    assert "<@U0PAM> · 1 to fix" in text
    assert "Noah Nolink · 1 to fix" in text
    assert "Odd Id · 1 to fix" in text
    assert "<@" not in text.replace("<@U0PAM>", "")
