"""Wins and thanks recorded through signed Slack requests reach the journal issue once."""

import datetime as dt

from bot.store.models import Win
from messages import ids
from tests.bot.integrations.gitlab.conftest import (
    JOURNAL_IID,
    JOURNAL_PATH,
    background_outbox,
    posts,
    set_links,
    tick,
)
from tests.commands.test_wins import stored, submission


def journal(fake_gitlab):
    return fake_gitlab.issue(JOURNAL_PATH, JOURNAL_IID)


def test_a_win_adds_one_note_and_the_projectwin_label(slack, fake_gitlab, ctx, team):
    slack.ask("win sow-1 Cut-over done a day early with <@U0TIA|tia>")
    (win,) = stored(ctx, Win)
    assert fake_gitlab.routes() == ["issue", "notes.create", "issue.update"]
    (note,) = journal(fake_gitlab).notes
    (post,) = posts(ctx)
    assert note["body"] == (
        ":trophy: **ProjectWin** shared in Slack by **Pam Manager**\n"
        "\n"
        "> Cut-over done a day early with Tia Architect\n"
        "\n"
        "Made happen by **Tia Architect**\n"
        f"[Slack shout-out]({win.permalink})\n"
        "\n"
        f"<!-- psbot:{post.marker} -->\n"
    )
    assert win.permalink.startswith("https://ps.slack.com/archives/C0INTERNAL/")
    assert journal(fake_gitlab).labels == ["retro", "ProjectWin"]
    (update,) = fake_gitlab.calls_to("issue.update")
    assert update.body == {"add_labels": "ProjectWin"}
    assert update.path == "/api/v4/projects/acme%2Fps%2Frollout/issues/7"
    assert (post.status, post.gitlab_note_id, post.attempts) == ("sent", note["id"], 1)


def test_text_is_shown_as_it_was_typed_not_decoded_again(slack, fake_gitlab, ctx, team, settle):
    slack.ask("win sow-1 Typed &amp;lt;b&amp;gt; &amp;amp; <https://x.example/d|the docs>")
    payload = submission(ids.WIN_VIEW, "{}", project_id=team.rollout.id, text="R&amp;D <b>")
    assert slack.interactive(payload).body == ""
    settle()
    command, modal = (note["body"] for note in journal(fake_gitlab).notes)
    assert "> Typed &amp;lt;b&amp;gt; &amp;amp; the docs (https://x.example/d)\n" in command
    assert "> R&amp;amp;D &lt;b&gt;\n" in modal


def test_a_label_already_there_is_not_set_again(slack, fake_gitlab, ctx, team):
    fake_gitlab.issue(JOURNAL_PATH, JOURNAL_IID).labels.append("ProjectWin")
    slack.ask("win sow-1 UAT passed")
    assert fake_gitlab.routes() == ["issue", "notes.create"]
    assert posts(ctx)[0].status == "sent"


def test_a_replayed_win_submission_adds_one_note(slack, fake_slack, fake_gitlab, ctx, team, settle):
    payload = submission(
        ids.WIN_VIEW, "{}", project_id=team.rollout.id, text="Go-live", people=["U0PAT"]
    )
    assert slack.interactive(payload).body == ""
    settle()
    assert slack.interactive(payload).body == ""  # Slack retries the submission
    settle()
    (note,) = journal(fake_gitlab).notes
    assert "Made happen by **Pat Engineer**" in note["body"]
    assert len(posts(ctx)) == 1 and fake_gitlab.routes().count("notes.create") == 1
    # Nothing is left for the minute tick either.
    later = ctx.now() + dt.timedelta(hours=1)
    assert background_outbox(ctx, fake_slack).retry_due(later) == []


def test_thanks_for_a_project_add_a_note_without_a_label(slack, fake_gitlab, ctx, team):
    slack.ask("thanks <@U0PAT|pat> <@U0TIA|tia> sow-1 for the weekend cut-over")
    assert fake_gitlab.routes() == ["issue", "notes.create"]
    (note,) = journal(fake_gitlab).notes
    assert note["body"].startswith(
        ":pray: **Thanks** from **Pam Manager** to **Pat Engineer**, **Tia Architect**\n"
    )
    assert "> for the weekend cut-over\n" in note["body"]
    assert "[Slack post](https://ps.slack.com/archives/C0INTERNAL/" in note["body"]
    assert journal(fake_gitlab).labels == ["retro"]


def test_thanks_without_a_project_or_a_project_without_a_journal_issue_stay_in_slack(
    slack, fake_gitlab, ctx, team
):
    slack.ask("thanks <@U0PAT|pat> for the help")
    slack.ask("win sow-2 Migration rehearsal passed")
    assert fake_gitlab.requests == [] and posts(ctx) == []


def test_the_note_waits_for_the_slack_shout_out_to_link_it(
    slack, fake_slack, fake_gitlab, ctx, team
):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": "not_in_channel"})
    slack.ask("win sow-1 Go-live")
    assert fake_gitlab.requests == []  # no shout-out yet, so nothing to link
    (post,) = posts(ctx)
    assert (post.status, post.attempts, post.body) == ("pending", 0, "")
    later = ctx.now() + dt.timedelta(minutes=1, seconds=1)  # the shout-out's first retry
    assert tick(ctx, fake_slack, later) == 0  # Slack still refuses: the note still waits
    assert fake_gitlab.requests == [] and posts(ctx)[0].attempts == 0
    del fake_slack.answers["chat.postMessage"]
    later += dt.timedelta(minutes=2)
    (shout_out,) = background_outbox(ctx, fake_slack).retry_due(later)
    assert (shout_out.key, shout_out.status) == (f"win:{stored(ctx, Win)[0].id}", "sent")
    # The note goes right after the shout-out it links.
    (note,) = journal(fake_gitlab).notes
    assert f"[Slack shout-out]({stored(ctx, Win)[0].permalink})" in note["body"]
    assert posts(ctx)[0].status == "sent"


def test_without_the_shout_out_after_an_hour_the_note_goes_without_it(
    slack, fake_slack, fake_gitlab, ctx, team
):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": "not_in_channel"})
    slack.ask("win sow-1 Go-live")
    assert tick(ctx, fake_slack, ctx.now() + dt.timedelta(minutes=59)) == 0
    assert tick(ctx, fake_slack, ctx.now() + dt.timedelta(minutes=60)) == 1
    (note,) = journal(fake_gitlab).notes
    assert "Slack shout-out" not in note["body"] and "> Go-live" in note["body"]


def test_changing_the_journal_link_later_keeps_the_stored_target(
    slack, fake_slack, fake_gitlab, ctx, team
):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": "not_in_channel"})
    slack.ask("win sow-1 Go-live")
    set_links(ctx, "SOW-1", journal=fake_gitlab.add_issue("acme/other", 1), raid=team.raid_url)
    tick(ctx, fake_slack, ctx.now() + dt.timedelta(minutes=61))
    assert len(journal(fake_gitlab).notes) == 1
    assert fake_gitlab.issue("acme/other", 1).notes == []
