"""Failure paths through the one outbox: missing or forbidden issues, rate limits,
outages, a bad token."""

import datetime as dt
import logging
import threading

import pytest

from bot.core.settings import load_settings
from bot.integrations.gitlab import NOTE_LABELS, GitLabDeliverer
from bot.runtime.outbox import HOLD
from bot.runtime.undelivered import undelivered_posts
from tests.bot.integrations.gitlab.conftest import (
    JOURNAL_IID,
    JOURNAL_PATH,
    background_outbox,
    dms_to,
    gitlab_env,
    posts,
    set_links,
    tick,
)
from tests.bot.integrations.gitlab.fake_gitlab import TOKEN


def journal(fake_gitlab):
    return fake_gitlab.issue(JOURNAL_PATH, JOURNAL_IID)


def test_a_missing_issue_fails_the_note_and_tells_the_pm_once(
    slack, fake_slack, fake_gitlab, ctx, team
):
    missing = f"{fake_gitlab.url}/acme/ps/rollout/-/issues/404"
    set_links(ctx, "SOW-1", journal=missing)
    slack.ask("win sow-1 Go-live")
    slack.ask("thanks <@U0PAT|pat> sow-1 for the runbook")
    assert fake_gitlab.routes() == ["issue", "issue"]
    win_post, thanks_post = posts(ctx)
    assert (win_post.status, thanks_post.status) == ("failed", "failed")
    assert win_post.error == "reading the issue: GitLab answered 404 (Issue Not Found)"
    (dm,) = dms_to(fake_slack, "U0PM")
    assert "I couldn't add the ProjectWin for *Acme — Rollout (SOW-1)*" in dm
    assert f"GitLab journal issue <{missing}|{missing}>" in dm
    assert "check the journal issue link on the project" in dm
    with ctx.session_factory() as session:
        failures = undelivered_posts(session, ctx.now())
    assert (failures.failed["gitlab"], failures.retrying["gitlab"]) == (2, 0)
    assert [NOTE_LABELS[f.entry.kind] for f in failures.recent] == [
        "thanks note",
        "ProjectWin note",
    ]
    assert failures.recent[0].project == "Acme — Rollout (SOW-1)"
    assert failures.recent[0].entry.target_url == missing


def test_the_pm_is_told_again_only_after_the_link_worked(slack, fake_slack, fake_gitlab, ctx, team):
    fake_gitlab.fail("issue", 404)
    slack.ask("win sow-1 One")
    slack.ask("win sow-1 Two")
    slack.ask("win sow-1 Three")
    fake_gitlab.fail("issue", 404)
    slack.ask("win sow-1 Four")
    assert [p.status for p in posts(ctx)] == ["failed", "sent", "sent", "failed"]
    assert len(dms_to(fake_slack, "U0PM")) == 2


def test_a_link_that_is_not_an_issue_is_reported_without_calling_gitlab(
    slack, fake_slack, fake_gitlab, ctx, team
):
    set_links(ctx, "SOW-1", journal=f"{fake_gitlab.url}/acme/ps/rollout/-/merge_requests/1")
    slack.ask("win sow-1 Go-live")
    assert fake_gitlab.requests == []
    (post,) = posts(ctx)
    assert post.status == "failed" and "is not a GitLab issue link" in post.error
    (dm,) = dms_to(fake_slack, "U0PM")
    assert (
        "to the journal issue's own address, like https://gitlab.com/group/project/-/issues/123"
        in dm
    )


def test_no_permission_to_comment_says_which_role(slack, fake_slack, fake_gitlab, ctx, team):
    fake_gitlab.fail("notes.create", 403)
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert post.status == "failed" and post.error.startswith("adding the note: GitLab answered 403")
    assert "Reporter role" in dms_to(fake_slack, "U0PM")[0]
    assert journal(fake_gitlab).notes == []


def test_a_label_refused_after_the_note_counts_the_note_as_sent(
    slack, fake_slack, fake_gitlab, ctx, team, caplog
):
    fake_gitlab.fail("issue.update", 403)
    with caplog.at_level(logging.WARNING, logger="bot.integrations.gitlab.delivery"):
        slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert post.status == "sent"
    assert post.error.startswith("note added, but setting the label failed: GitLab answered 403")
    assert post.gitlab_note_id == journal(fake_gitlab).notes[0]["id"]
    assert len(journal(fake_gitlab).notes) == 1
    assert "ProjectWin note for SOW-1 added, but not its label" in caplog.text
    assert dms_to(fake_slack, "U0PM") == []  # the note is there; nothing for the PM to fix
    with ctx.session_factory() as session:
        failures = undelivered_posts(session, ctx.now())
    assert (failures.failed["gitlab"], failures.retrying["gitlab"]) == (0, 0)


@pytest.mark.parametrize(
    ("route", "retry_after", "wait"),
    [
        ("issue", "0", dt.timedelta(minutes=1)),  # the backoff, as for any failure
        ("notes.create", "150", dt.timedelta(seconds=150)),  # longer: GitLab's word
    ],
)
def test_429_waits_for_retry_after(
    slack, fake_slack, fake_gitlab, ctx, team, route, retry_after, wait
):
    fake_gitlab.fail(route, 429, retry_after=retry_after)
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert post.status == "retrying" and "429" in post.error
    assert post.next_attempt_at == ctx.now() + wait
    assert tick(ctx, fake_slack, post.next_attempt_at - dt.timedelta(seconds=1)) == 0
    assert tick(ctx, fake_slack, post.next_attempt_at) == 1
    assert len(journal(fake_gitlab).notes) == 1
    assert posts(ctx)[0].status == "sent"


def test_a_5xx_is_left_to_the_tick_which_also_retries_within_the_call(
    slack, fake_slack, fake_gitlab, ctx, team
):
    fake_gitlab.fail("issue", 502)
    slack.ask("win sow-1 Go-live")  # the user's request tries once, briefly
    (post,) = posts(ctx)
    assert post.status == "retrying" and fake_gitlab.routes() == ["issue"]
    fake_gitlab.fail("issue", 502)
    assert tick(ctx, fake_slack, post.next_attempt_at) == 1
    assert fake_gitlab.routes() == ["issue", "issue", "issue", "notes.create", "issue.update"]


def test_a_lost_answer_to_the_note_post_is_not_posted_twice(
    slack, fake_slack, fake_gitlab, ctx, team
):
    fake_gitlab.fail("notes.create", 502, apply_first=True)  # created, but the answer is lost
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert (post.status, post.unsure_of, post.attempts) == ("retrying", 0, 1)
    assert post.next_attempt_at == ctx.now() + dt.timedelta(minutes=1)
    assert tick(ctx, fake_slack, post.next_attempt_at) == 1
    (note,) = journal(fake_gitlab).notes
    assert fake_gitlab.routes().count("notes.create") == 1
    assert fake_gitlab.routes()[-3:] == ["issue", "notes.list", "issue.update"]
    (post,) = posts(ctx)
    assert (post.status, post.gitlab_note_id, post.attempts) == ("sent", note["id"], 2)
    assert post.unsure_of is None


def test_outages_back_off_then_fail_visibly_after_a_day(
    slack, fake_slack, fake_gitlab, ctx, team, caplog, monkeypatch
):
    monkeypatch.setattr("bot.integrations.gitlab.client.CALL_RETRIES", 0)  # keep the test fast
    fake_gitlab.fail("issue", 503, times=1000)
    slack.ask("win sow-1 Go-live")
    waits = []
    for _ in range(3):
        post = posts(ctx)[0]
        waits.append(post.next_attempt_at - ctx.now())
        tick(ctx, fake_slack, post.next_attempt_at)
        ctx.clock.set(post.next_attempt_at)
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    (post,) = posts(ctx)
    assert post.status == "retrying"
    assert post.deadline == post.created_at + dt.timedelta(days=1)
    with caplog.at_level(logging.ERROR):
        tick(ctx, fake_slack, post.deadline + dt.timedelta(minutes=1))
    (post,) = posts(ctx)
    assert post.status == "failed" and "503" in post.error
    assert "failed for good" in caplog.text
    with ctx.session_factory() as session:
        assert undelivered_posts(session, ctx.now()).failed["gitlab"] == 1


def owe_shouted_out_wins(ctx, team, *texts: str) -> list[int]:
    """Wins shouted out two hours ago whose GitLab notes are owed (the tick's to send)."""
    from bot.integrations.gitlab import enqueue_for_win
    from bot.pmo.wins import record_win

    owed = []
    with ctx.session_factory.begin() as session:
        for text in texts:
            win, _ = record_win(
                session,
                project_id=team.rollout.id,
                text=text,
                author_id="U0PM",
                member_ids=[],
                now=ctx.now() - dt.timedelta(hours=2),
            )
            win.channel, win.ts = "C0INTERNAL", "1700000000.000100"  # shouted out
            owed += enqueue_for_win(ctx, session, win)
    return owed


def test_a_rejected_token_is_retried_and_never_blamed_on_the_pm(
    fake_slack, fake_gitlab, ctx, team, database_url
):
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url, GITLAB_TOKEN="wrong")
    ctx.settings = load_settings(env, dotenv_path=None)
    owe_shouted_out_wins(ctx, team, "One", "Two")
    assert tick(ctx, fake_slack, ctx.now() + HOLD) == 0
    first, second = posts(ctx)
    assert first.status == "retrying" and "GITLAB_TOKEN" in first.error
    assert second.status == "pending" and fake_gitlab.routes() == ["issue"]  # stopped there
    assert fake_slack.calls_to("chat.postMessage") == []
    assert TOKEN not in first.error


def test_an_unreachable_gitlab_is_retried(fake_slack, ctx, team, database_url):
    env = gitlab_env(fake_slack, database_url, GITLAB_URL="http://127.0.0.1:9", GITLAB_TOKEN=TOKEN)
    ctx.settings = load_settings(env, dotenv_path=None)
    set_links(ctx, "SOW-1", journal="http://127.0.0.1:9/acme/ps/rollout/-/issues/7")
    with ctx.session_factory.begin() as session:
        from bot.integrations.gitlab import enqueue_for_thanks
        from bot.pmo.wins import record_thanks

        thanks, _ = record_thanks(
            session,
            giver_id="U0PM",
            receiver_ids=["U0PAT"],
            project_id=team.rollout.id,
            text="for the help",
            now=ctx.now() - dt.timedelta(hours=2),
        )
        owed = enqueue_for_thanks(ctx, session, thanks)
    (attempt,) = background_outbox(ctx, fake_slack).deliver_each(owed, ctx.now())
    assert attempt.status == "retrying" and attempt.hold_target
    (post,) = posts(ctx)
    assert post.status == "retrying" and "unreachable" in post.error


def test_an_unexpected_error_never_reaches_the_users_action(
    slack, fake_gitlab, ctx, team, monkeypatch, caplog
):
    def broken(self, sending):
        raise RuntimeError("boom")

    monkeypatch.setattr(GitLabDeliverer, "send", broken)
    reply = slack.ask("win sow-1 Go-live")
    assert reply["text"].startswith(":tada: Your ProjectWin is recorded and shared.")
    (post,) = posts(ctx)
    assert post.status == "retrying" and post.error == "RuntimeError: boom"
    assert "its deliverer failed unexpectedly" in caplog.text


def test_two_processes_racing_for_a_note_add_it_once(fake_slack, fake_gitlab, ctx, team):
    (note_id,) = owe_shouted_out_wins(ctx, team, "Go-live")
    barrier, results = threading.Barrier(3), []

    def contend():
        box = background_outbox(ctx, fake_slack)
        barrier.wait()
        results.append(box.deliver(note_id, ctx.now()).status)

    threads = [threading.Thread(target=contend) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["busy", "busy", "sent"]
    assert len(journal(fake_gitlab).notes) == 1


def test_an_admin_sends_a_failed_note_again_from_app_home_once_the_cause_is_fixed(
    slack, fake_slack, fake_gitlab, ctx, team, settle
):
    from messages import ids
    from tests.commands.test_home import _post_again, buttons, open_home, text
    from tests.conftest import ADMIN_ID

    fake_gitlab.fail("notes.create", 403)
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert post.status == "failed"
    view = open_home(slack, fake_slack, ADMIN_ID)
    assert "GitLab notes not delivered: 1 failed, 0 retrying." in text(view)
    assert (
        "• ProjectWin note for Acme — Rollout (SOW-1): adding the note: GitLab answered 403"
        in text(view)
    )
    assert buttons(view, ids.OUTBOX_RETRY) == [str(post.id)]
    # psbot's GitLab user gets the Reporter role it lacked; an admin sends the note again.
    _post_again(slack, ADMIN_ID, post.id)
    settle()
    (post,) = posts(ctx)
    assert post.status == "sent" and len(journal(fake_gitlab).notes) == 1
    assert buttons(open_home(slack, fake_slack, ADMIN_ID), ids.OUTBOX_RETRY) == []
