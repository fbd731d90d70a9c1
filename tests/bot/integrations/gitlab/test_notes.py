"""Weekly notes through the signed modal submission: Y/R to the RAID issue, Green once."""

import datetime as dt

from tests.bot.integrations.gitlab.conftest import RAID_IID, RAID_PATH, posts, set_links
from tests.commands.test_notes import submit

EPIC = "https://gitlab.example.com/groups/acme/-/epics/2"
NEXT_WEEK = dt.timedelta(days=7)


def raid(fake_gitlab):
    return fake_gitlab.issue(RAID_PATH, RAID_IID)


def red(slack, team, view_id="V1", view_hash="h1", **overrides):
    values = {
        "progress": "UAT slipped a week",
        "internal": "red",
        "customer": "yellow",
        "issue": "Runner capacity is short.\nAction: add 4 runners, done by Dec 4",
        "assistance": "Infra approval from the customer's CTO",
        "dri_ids": ["U0PAT"],
        "raid_url": team.raid_url,
        "epic_url": EPIC,
        **overrides,
    }
    return submit(slack, team.rollout.id, view_id=view_id, view_hash=view_hash, **values)


def green(slack, team, view_id="VG", view_hash="h1", **overrides):
    values = {"progress": "Runners added; UAT back on track", **overrides}
    return submit(slack, team.rollout.id, view_id=view_id, view_hash=view_hash, **values)


def test_a_red_note_goes_to_the_raid_issue(slack, fake_gitlab, ctx, team, settle):
    red(slack, team)
    settle()
    assert fake_gitlab.routes() == ["issue", "notes.create"]
    (note,) = raid(fake_gitlab).notes
    body = note["body"]
    assert body.startswith(
        ":red_circle: **Weekly note 2026-W48** for Acme — Rollout (SOW-1)\n\n"
        ":red_circle: internal **Red** · :yellow_circle: customer **Yellow**\n\n"
        "**Progress:** UAT slipped a week\n\n"
        "**Issue, proposed action and timing:**\n"
        "> Runner capacity is short.\n> Action: add 4 runners, done by Dec 4\n\n"
        "**Assistance needed:**\n> Infra approval from the customer's CTO\n\n"
        "**DRI & contributors:** **Pat Engineer**\n"
    )
    assert "written by Pam Manager._" in body
    assert raid(fake_gitlab).labels == []  # the label is for wins
    assert posts(ctx)[0].status == "sent"


def test_replays_and_unchanged_edits_add_nothing_but_a_change_is_noted(
    slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    red(slack, team)  # Slack replays the same submission
    settle()
    red(slack, team, view_hash="h2")  # saved again, same words
    settle()
    assert len(raid(fake_gitlab).notes) == 1
    red(slack, team, view_hash="h3", internal="yellow", progress="Runners ordered")
    settle()
    _, second = raid(fake_gitlab).notes
    assert second["body"].startswith(":yellow_circle: **Updated weekly note 2026-W48**")
    assert "**Progress:** Runners ordered" in second["body"]
    assert len(posts(ctx)) == 2


def test_an_edit_of_what_the_raid_note_does_not_show_adds_nothing(
    slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    red(slack, team, view_hash="h2", upside="Extra 40 h of training if they sign")
    settle()
    red(slack, team, view_hash="h3", upside="Extra 40 h of training", epic_url=EPIC + "0")
    settle()
    assert len(raid(fake_gitlab).notes) == 1
    assert len(posts(ctx)) == 1


def test_back_to_green_is_said_once(slack, fake_gitlab, ctx, team, clock, settle):
    red(slack, team)
    settle()
    clock.set(clock.current + NEXT_WEEK)
    green(slack, team)
    settle()
    green(slack, team, view_hash="h2", progress="Still fine")
    settle()
    clock.set(clock.current + NEXT_WEEK)
    green(slack, team, view_id="VG3")
    settle()
    _, back = raid(fake_gitlab).notes
    assert back["body"].startswith(
        ":green_circle: **Back to Green in 2026-W49** for Acme — Rollout (SOW-1)\n\n"
        ":green_circle: internal **Green** · :green_circle: customer **Green**\n\n"
        "**Progress:** Runners added; UAT back on track\n"
    )
    assert [p.kind for p in posts(ctx)] == ["raid_note", "back_to_green"]


def test_green_after_yellow_in_the_same_week_is_said_too(slack, fake_gitlab, team, settle):
    red(slack, team, internal="yellow")
    settle()
    green(slack, team)
    settle()
    assert len(raid(fake_gitlab).notes) == 2
    assert "Back to Green in 2026-W48" in raid(fake_gitlab).notes[1]["body"]


def test_green_without_an_earlier_yellow_or_red_says_nothing(slack, fake_gitlab, ctx, team, settle):
    green(slack, team)
    settle()
    assert fake_gitlab.requests == [] and posts(ctx) == []


def test_the_notes_raid_link_is_used_when_the_project_has_none(
    slack, fake_gitlab, ctx, team, settle
):
    set_links(ctx, "SOW-1", journal=team.journal_url, raid=None)
    other = fake_gitlab.add_issue("acme/raid", 3)
    red(slack, team, raid_url=other)
    settle()
    assert len(fake_gitlab.issue("acme/raid", 3).notes) == 1
    assert raid(fake_gitlab).notes == []
