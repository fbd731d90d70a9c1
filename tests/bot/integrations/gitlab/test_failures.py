"""Failure paths: missing or forbidden issues, rate limits, outages, a bad token."""

import datetime as dt
import logging

import pytest

from bot.core.settings import load_settings
from bot.integrations.gitlab import GitLabSync, deliver_gitlab_now
from bot.integrations.gitlab.delivery import GIVE_UP_AFTER
from bot.runtime.undelivered import gitlab_failures
from tests.bot.integrations.gitlab.conftest import (
    JOURNAL_IID,
    JOURNAL_PATH,
    dms_to,
    gitlab_env,
    posts,
    set_links,
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
        failures = gitlab_failures(session)
    assert (failures.failed, failures.retrying) == (2, 0)
    assert [f.what for f in failures.recent] == ["thanks note", "ProjectWin note"]
    assert failures.recent[0].project == "Acme — Rollout (SOW-1)"
    assert failures.recent[0].target_url == missing


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
        failures = gitlab_failures(session)
    assert (failures.failed, failures.retrying) == (0, 0)


@pytest.mark.parametrize(("route", "retry_after"), [("issue", "0"), ("notes.create", "1")])
def test_429_waits_for_retry_after(slack, fake_gitlab, ctx, team, route, retry_after):
    fake_gitlab.fail(route, 429, retry_after=retry_after)
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert post.status == "retrying" and "429" in post.error
    assert post.next_attempt_at == ctx.now() + dt.timedelta(seconds=int(retry_after))
    sync = GitLabSync(ctx, None)
    if retry_after != "0":
        assert sync.retry_due(ctx.now()) == 0  # not before Retry-After
    assert sync.retry_due(post.next_attempt_at) == 1
    assert len(journal(fake_gitlab).notes) == 1
    assert posts(ctx)[0].status == "sent"


def test_a_5xx_is_left_to_the_tick_which_also_retries_within_the_call(
    slack, fake_gitlab, ctx, team
):
    fake_gitlab.fail("issue", 502)
    slack.ask("win sow-1 Go-live")  # the user's request tries once, briefly
    (post,) = posts(ctx)
    assert post.status == "retrying" and fake_gitlab.routes() == ["issue"]
    fake_gitlab.fail("issue", 502)
    assert GitLabSync(ctx, None).retry_due(post.next_attempt_at) == 1
    assert fake_gitlab.routes() == ["issue", "issue", "issue", "notes.create", "issue.update"]


def test_a_lost_answer_to_the_note_post_is_not_posted_twice(slack, fake_gitlab, ctx, team):
    fake_gitlab.fail("notes.create", 502, apply_first=True)  # created, but the answer is lost
    slack.ask("win sow-1 Go-live")
    (post,) = posts(ctx)
    assert (post.status, post.note_posting, post.attempts) == ("retrying", True, 1)
    assert post.next_attempt_at == ctx.now() + dt.timedelta(minutes=1)
    assert GitLabSync(ctx, None).retry_due(post.next_attempt_at) == 1
    (note,) = journal(fake_gitlab).notes
    assert fake_gitlab.routes().count("notes.create") == 1
    assert fake_gitlab.routes()[-3:] == ["issue", "notes.list", "issue.update"]
    (post,) = posts(ctx)
    assert (post.status, post.gitlab_note_id, post.attempts) == ("sent", note["id"], 2)


def test_outages_back_off_then_fail_visibly_after_a_day(
    slack, fake_gitlab, ctx, team, caplog, monkeypatch
):
    monkeypatch.setattr("bot.integrations.gitlab.client.CALL_RETRIES", 0)  # keep the test fast
    fake_gitlab.fail("issue", 503, times=1000)
    slack.ask("win sow-1 Go-live")
    sync = GitLabSync(ctx, None)
    waits = []
    for _ in range(3):
        post = posts(ctx)[0]
        waits.append(post.next_attempt_at - ctx.now())
        sync.retry_due(post.next_attempt_at)
        ctx.clock.set(post.next_attempt_at)
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert posts(ctx)[0].status == "retrying"
    with caplog.at_level(logging.ERROR):
        sync.retry_due(posts(ctx)[0].created_at + GIVE_UP_AFTER + dt.timedelta(minutes=1))
    (post,) = posts(ctx)
    assert post.status == "failed" and "503" in post.error
    assert "failed for good" in caplog.text
    with ctx.session_factory() as session:
        assert gitlab_failures(session).failed == 1


def test_a_rejected_token_is_retried_and_never_blamed_on_the_pm(
    fake_slack, fake_gitlab, ctx, team, database_url
):
    env = gitlab_env(fake_slack, database_url, GITLAB_URL=fake_gitlab.url, GITLAB_TOKEN="wrong")
    ctx.settings = load_settings(env, dotenv_path=None)
    with ctx.session_factory.begin() as session:
        from bot.integrations.gitlab import enqueue_for_win
        from bot.pmo.wins import record_win

        for text in ("One", "Two"):
            win, _ = record_win(
                session,
                project_id=team.rollout.id,
                text=text,
                author_id="U0PM",
                member_ids=[],
                now=ctx.now() - dt.timedelta(hours=2),
            )
            win.channel, win.ts = "C0INTERNAL", "1700000000.000100"  # shouted out
            enqueue_for_win(ctx, session, win)
    assert GitLabSync(ctx, None).retry_due(ctx.now()) == 0
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
        enqueue_for_thanks(ctx, session, thanks)
    deliver_gitlab_now(ctx, None, team.rollout.id)
    (post,) = posts(ctx)
    assert post.status == "retrying" and "unreachable" in post.error


def test_an_unexpected_error_never_reaches_the_users_action(ctx, team, monkeypatch, caplog):
    def broken(self, project_id, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(GitLabSync, "deliver_now", broken)
    deliver_gitlab_now(ctx, None, team.rollout.id)
    assert "the tick will retry" in caplog.text


def test_only_one_process_claims_a_note(slack, fake_slack, fake_gitlab, ctx, team):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": "not_in_channel"})
    slack.ask("win sow-1 Go-live")  # waits a minute for the shout-out, still pending
    (post,) = posts(ctx)
    first, second = GitLabSync(ctx, None), GitLabSync(ctx, None)
    assert first._claim(post.id, ctx.now()) is False  # not due yet
    assert first._claim(post.id, post.next_attempt_at) is True
    assert second._claim(post.id, post.next_attempt_at) is False
    assert posts(ctx)[0].next_attempt_at == post.next_attempt_at + dt.timedelta(minutes=5)
