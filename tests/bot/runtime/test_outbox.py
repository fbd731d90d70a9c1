"""The one outbox every delivery goes through (Slack posts, GitLab notes): stored intent →
send → mark sent. The shared mechanism is tested here once; tests/bot/integrations/gitlab
tests what GitLab's deliverer does through it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.pmo.wins import record_thanks
from bot.runtime import outbox
from bot.runtime.delivery import BUSY, Result, sent
from bot.runtime.outbox import HOLD, Outbox, Post
from bot.store.models import GitLabNote, OutboxEntry, Thanks, Win
from bot.workflows.deliveries import outbox_for
from bot.workflows.shoutouts import owe_shoutout
from tests.factories import owed_win


def client_for(fake_slack, timeout: int = 30) -> WebClient:
    # No retry handlers: each failure reaches the outbox at once.
    return WebClient(token="xoxb-test", base_url=fake_slack.api_url, timeout=timeout)


def owe(ctx, key="dm:test", posts=None, deadline=None) -> int:
    with ctx.session_factory.begin() as session:
        return outbox.add(
            session,
            key=key,
            kind="dm",
            posts=posts or [Post("U0PM", "hello")],
            now=ctx.now(),
            deadline=deadline,
        )


def entry(ctx, entry_id) -> OutboxEntry:
    with ctx.session_factory() as session:
        return session.get_one(OutboxEntry, entry_id)


def texts(fake_slack) -> list[str]:
    return [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")]


def test_a_replayed_intent_is_owed_once(ctx, fake_slack):
    first = owe(ctx, "dm:replayed")
    with ctx.session_factory.begin() as session:
        assert outbox.add(session, key="dm:replayed", kind="dm", posts=[], now=ctx.now()) is None
    assert Outbox(ctx, client_for(fake_slack)).deliver(first, ctx.now()).status == "sent"
    assert Outbox(ctx, client_for(fake_slack)).deliver(first, ctx.now()).status == "busy"
    assert texts(fake_slack) == ["hello"]


def test_a_fresh_entry_is_left_to_its_creator_until_the_hold_ends(ctx, fake_slack):
    entry_id = owe(ctx)
    box = Outbox(ctx, client_for(fake_slack))
    assert box.retry_due(ctx.now()) == []
    assert [a.status for a in box.retry_due(ctx.now() + HOLD)] == ["sent"]
    assert entry(ctx, entry_id).status == "sent" and texts(fake_slack) == ["hello"]


def test_rate_limited_waits_at_least_retry_after(ctx, fake_slack):
    fake_slack.fail("chat.postMessage", 429, retry_after=300)
    entry_id = owe(ctx)
    box = Outbox(ctx, client_for(fake_slack))
    attempt = box.deliver(entry_id, ctx.now())
    assert (attempt.status, attempt.code) == ("retrying", "ratelimited")
    retry_at = entry(ctx, entry_id).next_attempt_at
    assert retry_at == ctx.now() + dt.timedelta(seconds=300)  # not the 1-minute backoff
    assert box.retry_due(retry_at - dt.timedelta(seconds=1)) == []
    assert [a.status for a in box.retry_due(retry_at)] == ["sent"]
    assert len(texts(fake_slack)) == 2  # the refused attempt, then the post


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found", "not_in_channel"])
def test_slack_errors_are_retried_until_the_deadline_then_failed_and_logged(
    ctx, fake_slack, caplog, error
):
    fake_slack.answer("chat.postMessage", lambda params: {"ok": False, "error": error})
    deadline = ctx.now() + dt.timedelta(hours=1)
    entry_id = owe(ctx, deadline=deadline)
    box = Outbox(ctx, client_for(fake_slack))
    assert box.deliver(entry_id, ctx.now()).code == error
    now, outcomes = ctx.now(), []
    with caplog.at_level(logging.WARNING):
        while now < deadline + dt.timedelta(hours=1):
            now += dt.timedelta(minutes=1)
            outcomes.extend(a.status for a in box.retry_due(now))
    assert outcomes[-1] == "failed" and set(outcomes[:-1]) <= {"retrying"}
    failed = entry(ctx, entry_id)
    assert failed.status == "failed" and error in failed.error
    assert f"outbox dm:test failed for good: Slack answered 200: {error}" in caplog.text
    tries = len(texts(fake_slack))
    assert box.retry_due(now + dt.timedelta(days=1)) == [] and len(texts(fake_slack)) == tries


def test_a_web_api_that_times_out_is_retried(ctx, fake_slack):
    def slow(params):
        time.sleep(2)
        return {"ok": True, "channel": params["channel"], "ts": "1.1"}

    fake_slack.answer("chat.postMessage", slow)
    entry_id = owe(ctx)
    attempt = Outbox(ctx, client_for(fake_slack, timeout=1)).deliver(entry_id, ctx.now())
    assert attempt.status == "retrying" and "timed out" in attempt.detail.lower()
    del fake_slack.answers["chat.postMessage"]
    retry_at = entry(ctx, entry_id).next_attempt_at
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, retry_at).status == "sent"


def test_two_processes_racing_for_an_entry_post_it_once(ctx, fake_slack):
    entry_id = owe(ctx)
    later = ctx.now() + HOLD
    barrier = threading.Barrier(4)
    results = []

    def contend():
        box = Outbox(ctx, client_for(fake_slack))
        barrier.wait()
        results.append(box.deliver(entry_id, later).status)

    threads = [threading.Thread(target=contend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["busy", "busy", "busy", "sent"]
    assert texts(fake_slack) == ["hello"]


def test_a_thanks_dm_that_fails_is_retried_without_posting_the_shout_out_again(
    ctx, fake_slack, portfolio
):
    with ctx.session_factory.begin() as session:
        thanks, _ = record_thanks(
            session,
            giver_id="U0PM",
            receiver_ids=["U0PAT"],
            project_id=None,
            text="Thanks for the weekend cut-over",
            now=ctx.now(),
        )
        shout_out = owe_shoutout(ctx, session, thanks)
    fake_slack.fail("chat.postMessage", 503, times=0)
    box = outbox_for(ctx, client_for(fake_slack))

    def refuse_dms(params):
        if params["channel"] == "U0PAT":
            return {"ok": False, "error": "fatal_error"}
        return {"ok": True, "channel": params["channel"], "ts": "1700000000.000100"}

    fake_slack.answer("chat.postMessage", refuse_dms)
    assert box.deliver(shout_out, ctx.now()).status == "sent"
    with ctx.session_factory() as session:
        dm = session.scalars(sa.select(OutboxEntry).where(OutboxEntry.kind == "dm")).one()
        assert session.get_one(Thanks, thanks.id).ts == "1700000000.000100"
    assert (dm.key, dm.status) == (f"thanks:{thanks.id}:dms", "retrying")
    del fake_slack.answers["chat.postMessage"]
    assert [a.status for a in box.retry_due(dm.next_attempt_at)] == ["sent"]
    channels = [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert channels == ["C0INTERNAL", "U0PAT", "U0PAT"]


def test_a_win_never_posted_in_a_day_tells_its_author_once(ctx, fake_slack, portfolio):
    win_id, shout_out = owed_win(ctx, portfolio.rollout)
    fake_slack.answer(
        "chat.postMessage",
        lambda params: (
            {"ok": False, "error": "is_archived"}
            if params["channel"] == "C0INTERNAL"
            else {"ok": True, "channel": params["channel"], "ts": "1.2"}
        ),
    )
    box = outbox_for(ctx, client_for(fake_slack))
    box.deliver(shout_out, ctx.now())
    now = ctx.now()
    while now < ctx.now() + dt.timedelta(hours=26):
        now += dt.timedelta(minutes=15)
        box.retry_due(now)
    assert entry(ctx, shout_out).status == "failed"
    told = [
        c.params["text"]
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] == "U0PM"
    ]
    assert len(told) == 1
    assert "couldn't post your win to #C0INTERNAL after a day of trying" in told[0]
    assert "is_archived" in told[0]
    with ctx.session_factory() as session:
        assert session.get_one(Win, win_id).ts is None  # still recorded, never posted

    # An admin fixes the channel and posts it again: the author hears it's out after all.
    del fake_slack.answers["chat.postMessage"]
    with ctx.session_factory.begin() as session:
        assert outbox.requeue(session, shout_out, now)
    assert box.deliver(shout_out, now).status == "sent"
    told = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")]
    assert told[-1].startswith(":tada: Your win is posted after all: https://")


def test_a_holder_that_lost_its_entry_stops_after_the_post_in_flight(ctx, fake_slack):
    """Process A is stuck sending post 1 past its lease; B's tick takes the entry over.
    A's post in flight can't be called back, but A then stops: no second copy of post 2."""
    entry_id = owe(ctx, posts=[Post("C0PMO", "one"), Post("C0PMO", "two")])
    stuck, release = threading.Event(), threading.Event()

    def first_post_hangs(params):
        if not stuck.is_set():
            stuck.set()
            release.wait(10)
        return {"ok": True, "channel": params["channel"], "ts": f"1.{time.monotonic_ns()}"}

    fake_slack.answer("chat.postMessage", first_post_hangs)
    outcomes = {}
    holder = threading.Thread(
        target=lambda: outcomes.update(
            a=Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now())
        )
    )
    holder.start()
    assert stuck.wait(5)
    later = ctx.now() + outbox.LEASE + dt.timedelta(seconds=1)
    (taken,) = Outbox(ctx, client_for(fake_slack)).retry_due(later)
    release.set()
    holder.join(10)
    assert (taken.status, outcomes["a"].status) == ("sent", "busy")
    assert texts(fake_slack) == ["one", "one", "two"]
    assert entry(ctx, entry_id).status == "sent"


def test_an_entry_whose_posts_all_went_out_is_finished_even_past_its_deadline(
    ctx, fake_slack, portfolio
):
    """Stopped after the post and before 'sent' was recorded, then retaken late: it is
    finished (pinned, linked), never reported failed to its author."""
    win_id, entry_id = owed_win(ctx, portfolio.rollout)
    with ctx.session_factory.begin() as session:
        stopped = session.get_one(OutboxEntry, entry_id)
        stopped.status, stopped.sent, stopped.attempts = "sending", 1, 1
        stopped.first_channel, stopped.first_ts = "C0INTERNAL", "1700000000.000100"
        stopped.lease_until = ctx.now() + outbox.LEASE
    days_later = ctx.now() + dt.timedelta(days=3)
    (attempt,) = outbox_for(ctx, client_for(fake_slack)).retry_due(days_later)
    assert attempt.status == "sent"
    assert fake_slack.calls_to("chat.postMessage") == []  # nothing re-sent, nobody told
    with ctx.session_factory() as session:
        assert session.get_one(Win, win_id).ts == "1700000000.000100"
        assert session.get_one(Win, win_id).pinned


def test_a_failing_after_sent_hook_neither_unsends_the_post_nor_stops_the_tick(
    ctx, fake_slack, caplog
):
    def broken(session, done, now):
        raise RuntimeError("pin store on fire")

    first, second = owe(ctx, "dm:one"), owe(ctx, "dm:two")
    box = Outbox(ctx, client_for(fake_slack), after_sent={"dm": broken})
    with caplog.at_level(logging.ERROR):
        attempts = box.retry_due(ctx.now() + HOLD)
    assert [a.status for a in attempts] == ["sent", "sent"]
    assert entry(ctx, first).status == entry(ctx, second).status == "sent"
    assert "outbox dm:one: what follows its delivery failed" in caplog.text
    assert texts(fake_slack) == ["hello", "hello"]


def test_the_last_retry_is_made_at_the_deadline_not_skipped(ctx, fake_slack):
    fake_slack.fail("chat.postMessage", 503, times=1)
    deadline = ctx.now() + dt.timedelta(seconds=30)  # shorter than the first backoff
    entry_id = owe(ctx, deadline=deadline)
    box = Outbox(ctx, client_for(fake_slack))
    assert box.deliver(entry_id, ctx.now()).status == "retrying"
    assert entry(ctx, entry_id).next_attempt_at == deadline
    # The minute tick comes a little after the deadline: the last try still happens.
    (attempt,) = box.retry_due(deadline + dt.timedelta(seconds=40))
    assert attempt.status == "sent"


# --- posts whose outcome is unknown, leases, long waits (issue 21) ----------------------


def history_of(fake_slack):
    """conversations.history and .replies answered from what chat.postMessage accepted,
    with each message's metadata, as Slack keeps them."""
    kept: list[dict] = []

    def post(params):
        message = {"ts": f"1700000000.{len(kept) + 1:06d}", "text": params["text"]}
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        kept.append({"channel": params["channel"], **message})
        return {"ok": True, "channel": params["channel"], "ts": message["ts"]}

    def history(params):
        found = [m for m in kept if m["channel"] == params["channel"]]
        return {"ok": True, "messages": list(reversed(found)), "has_more": False}

    fake_slack.answer("chat.postMessage", post)
    fake_slack.answer("conversations.history", history)
    return kept


def test_every_post_carries_its_entry_key_and_index_as_metadata(ctx, fake_slack):
    entry_id = owe(ctx, key="job:demo", posts=[Post("C0PMO", "one"), Post("C0PMO", "two")])
    Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now())
    sent = [c.params["metadata"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sent == [
        {"event_type": "psbot_outbox_post", "event_payload": {"key": "job:demo", "post": 0}},
        {"event_type": "psbot_outbox_post", "event_payload": {"key": "job:demo", "post": 1}},
    ]


def test_a_post_slack_took_before_the_answer_was_lost_is_not_posted_again(ctx, fake_slack):
    """Slack accepts the post, but the answer never reaches psbot (a timeout): the retry
    finds it in the channel by its metadata and goes on with the next post."""
    kept = history_of(fake_slack)
    entry_id = owe(ctx, key="job:lost-answer", posts=[Post("C0PMO", "one"), Post("C0PMO", "two")])
    accept_then_stall = fake_slack.answers["chat.postMessage"]

    def slow(params):
        accept_then_stall(params)
        time.sleep(2)  # past the client's 1 s timeout: psbot never hears back
        return {"ok": True}

    fake_slack.answer("chat.postMessage", slow)
    attempt = Outbox(ctx, client_for(fake_slack, timeout=1)).deliver(entry_id, ctx.now())
    assert attempt.status == "retrying" and entry(ctx, entry_id).unsure_of == 0
    fake_slack.answer("chat.postMessage", accept_then_stall)
    retry_at = entry(ctx, entry_id).next_attempt_at
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, retry_at).status == "sent"
    assert [m["text"] for m in kept] == ["one", "two"]
    done = entry(ctx, entry_id)
    assert (done.first_channel, done.first_ts, done.unsure_of) == ("C0PMO", kept[0]["ts"], None)


def test_a_post_not_in_the_channel_after_a_lost_answer_is_posted(ctx, fake_slack):
    kept = history_of(fake_slack)
    entry_id = owe(ctx, key="job:never-arrived", posts=[Post("C0PMO", "one")])
    fake_slack.fail("chat.postMessage", 500)  # no Slack answer to trust: outcome unknown
    attempt = Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now())
    assert attempt.status == "retrying" and entry(ctx, entry_id).unsure_of == 0
    retry_at = entry(ctx, entry_id).next_attempt_at
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, retry_at).status == "sent"
    assert [m["text"] for m in kept] == ["one"]
    assert len(fake_slack.calls_to("conversations.history")) == 1


def test_a_post_slack_refused_is_sent_again_without_looking(ctx, fake_slack):
    history_of(fake_slack)
    entry_id = owe(ctx, key="job:refused", posts=[Post("C0PMO", "one")])
    fake_slack.fail("chat.postMessage", 429, retry_after=30)
    Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now())
    assert entry(ctx, entry_id).unsure_of is None  # Slack said no: nothing to look for
    retry_at = entry(ctx, entry_id).next_attempt_at
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, retry_at).status == "sent"
    assert fake_slack.calls_to("conversations.history") == []


def test_a_channel_named_not_numbered_is_found_by_name_before_looking(ctx, fake_slack):
    kept = history_of(fake_slack)
    fake_slack.answer(
        "conversations.list",
        lambda params: {"ok": True, "channels": [{"id": "C0PMO", "name": "ps_pmo"}]},
    )
    entry_id = owe(ctx, key="job:by-name", posts=[Post("ps_pmo", "one")])
    kept.append(
        {
            "channel": "C0PMO",
            "ts": "1700000000.000009",
            "text": "one",
            "metadata": {
                "event_type": "psbot_outbox_post",
                "event_payload": {"key": "job:by-name", "post": 0},
            },
        }
    )
    with ctx.session_factory.begin() as session:
        session.get_one(OutboxEntry, entry_id).unsure_of = 0
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now()).status == "sent"
    assert fake_slack.calls_to("chat.postMessage") == []
    assert entry(ctx, entry_id).first_ts == "1700000000.000009"


def test_when_the_history_cannot_be_read_the_post_is_sent_again(ctx, fake_slack):
    """A DM or a channel psbot may not read: a duplicate rather than a lost post."""
    fake_slack.answer(
        "conversations.history", lambda params: {"ok": False, "error": "missing_scope"}
    )
    entry_id = owe(ctx, key="job:no-history", posts=[Post("C0PMO", "one")])
    with ctx.session_factory.begin() as session:
        session.get_one(OutboxEntry, entry_id).unsure_of = 0
    assert Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now()).status == "sent"
    assert texts(fake_slack) == ["one"]


def test_a_dead_holder_is_noticed_well_within_a_minute(ctx, fake_slack):
    assert dt.timedelta(seconds=30) >= outbox.LEASE
    entry_id = owe(ctx)
    with ctx.session_factory.begin() as session:  # a holder that died mid-send
        held = session.get_one(OutboxEntry, entry_id)
        held.status, held.lease_until = "sending", ctx.now() + outbox.LEASE
    box = Outbox(ctx, client_for(fake_slack))
    assert box.retry_due(ctx.now() + outbox.LEASE - dt.timedelta(seconds=1)) == []
    (taken,) = box.retry_due(ctx.now() + outbox.LEASE + dt.timedelta(seconds=1))
    assert taken.status == "sent"


def test_a_live_holder_keeps_its_entry_past_one_lease_while_slack_is_slow(
    ctx, fake_slack, clock, monkeypatch
):
    monkeypatch.setattr(outbox, "HEARTBEAT_SECONDS", 0.05)
    entry_id = owe(ctx, posts=[Post("C0PMO", "slow one")])
    in_call, release = threading.Event(), threading.Event()

    def slow(params):
        in_call.set()
        release.wait(10)
        return {"ok": True, "channel": params["channel"], "ts": "1.000001"}

    fake_slack.answer("chat.postMessage", slow)
    outcome = {}
    holder = threading.Thread(
        target=lambda: outcome.update(
            a=Outbox(ctx, client_for(fake_slack)).deliver(entry_id, ctx.now())
        )
    )
    holder.start()
    assert in_call.wait(5)
    clock.set(clock.current + outbox.LEASE * 3)  # the call has taken three leases
    time.sleep(0.3)  # a few heartbeats
    assert entry(ctx, entry_id).lease_until > clock.current
    assert Outbox(ctx, client_for(fake_slack)).retry_due(clock.current) == []  # still held
    release.set()
    holder.join(10)
    assert outcome["a"].status == "sent" and texts(fake_slack) == ["slow one"]


def test_a_long_retry_after_is_given_back_not_slept_through(ctx, fake_slack):
    """psbot's own client retries a short 429 inside the call, but a 150 s Retry-After
    comes back at once: the outbox retries then, holding no lease meanwhile."""
    from bot.runtime.slack_client import create_web_client

    fake_slack.fail("chat.postMessage", 429, retry_after=150)
    entry_id = owe(ctx)
    attempt = Outbox(ctx, create_web_client("xoxb-test", fake_slack.api_url)).deliver(
        entry_id, ctx.now()
    )
    assert (attempt.status, attempt.code) == ("retrying", "ratelimited")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # not retried inside the call
    held = entry(ctx, entry_id)
    assert held.next_attempt_at == ctx.now() + dt.timedelta(seconds=150)
    assert held.lease_until is None


def test_a_short_retry_after_is_waited_for_inside_the_call(ctx, fake_slack):
    from bot.runtime.slack_client import create_web_client

    fake_slack.fail("chat.postMessage", 429, retry_after=1)
    entry_id = owe(ctx)
    box = Outbox(ctx, create_web_client("xoxb-test", fake_slack.api_url))
    assert box.deliver(entry_id, ctx.now()).status == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


# --- one mechanism for every target (issue 21: one delivery path) ----------------------


class StubDeliverer:
    """A target's deliverer that answers what the test says, and remembers what it got."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent: list[str] = []

    def send(self, sending):
        self.sent.append(sending.entry.key)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(sending) if callable(answer) else answer


def owe_note(ctx, key="gitlab:escalation:1") -> int:
    """An entry for the other target (GitLab's table columns, any deliverer)."""
    with ctx.session_factory.begin() as session:
        return outbox.add_entry(session, GitLabNote(key=key, kind="escalation"), ctx.now())


def test_each_entry_goes_to_its_targets_deliverer(ctx, fake_slack):
    post, note = owe(ctx), owe_note(ctx)
    stub = StubDeliverer(sent(1))
    box = Outbox(ctx, client_for(fake_slack), deliverers={"gitlab": stub})
    attempts = box.retry_due(ctx.now() + HOLD)
    assert [(a.key, a.status) for a in attempts] == [
        ("dm:test", "sent"),
        ("gitlab:escalation:1", "sent"),
    ]
    assert stub.sent == ["gitlab:escalation:1"] and texts(fake_slack) == ["hello"]
    assert entry(ctx, post).status == entry(ctx, note).status == "sent"


def test_an_entry_no_deliverer_here_serves_is_left_for_a_process_that_has_one(ctx, fake_slack):
    note = owe_note(ctx)
    box = Outbox(ctx, client_for(fake_slack))  # no GitLab here (GITLAB_TOKEN unset)
    assert box.retry_due(ctx.now() + dt.timedelta(days=2)) == []
    assert box.deliver(note, ctx.now()).status == "busy"
    assert (entry(ctx, note).status, entry(ctx, note).attempts) == ("pending", 0)


def test_every_target_gets_the_same_backoff_deadline_and_one_last_word(ctx, fake_slack):
    """Retried 1, 2, 4, 8, then every 15 minutes, never sooner than Retry-After, until the
    target's deadline (a day for GitLab); then failed once, its after-failed hook run once."""
    note = owe_note(ctx)
    retry = Result("retry", "transient", "GitLab answered 503")
    stub = StubDeliverer(Result("retry", "rate_limited", "429", retry_after=HOLD * 20), retry)
    told = []
    box = Outbox(
        ctx,
        client_for(fake_slack),
        deliverers={"gitlab": stub},
        after_failed={"escalation": lambda session, gave_up, now: told.append(gave_up) or []},
    )
    now, waits = ctx.now(), []
    box.deliver(note, now)
    while entry(ctx, note).status == "retrying":
        waits.append(entry(ctx, note).next_attempt_at - now)
        now = entry(ctx, note).next_attempt_at
        box.retry_due(now)
    minutes = [int(wait / dt.timedelta(minutes=1)) for wait in waits]
    assert minutes[:6] == [20, 2, 4, 8, 15, 15]  # Retry-After first, then the backoff
    failed = entry(ctx, note)
    assert failed.status == "failed" and failed.error == "GitLab answered 503"
    assert failed.finished_at == failed.created_at + outbox.TARGET_DEADLINES["gitlab"]
    assert [(g.entry.key, g.code, g.entry.error) for g in told] == [
        ("gitlab:escalation:1", "transient", "GitLab answered 503")
    ]


def test_a_failure_retrying_cant_fix_gives_up_at_once_and_what_follows_is_delivered(
    ctx, fake_slack
):
    note = owe_note(ctx)

    def tell_pm(session, gave_up, now):
        return [outbox.add_dm(session, "told:pm", "U0PM", f"fix it: {gave_up.code}", now)]

    box = Outbox(
        ctx,
        client_for(fake_slack),
        deliverers={"gitlab": StubDeliverer(Result("failed", "inaccessible", "404"))},
        after_failed={"escalation": tell_pm},
    )
    attempt = box.deliver(note, ctx.now())
    assert (attempt.status, attempt.code) == ("failed", "inaccessible")
    assert entry(ctx, note).attempts == 1 and texts(fake_slack) == ["fix it: inaccessible"]


def test_a_target_that_is_down_is_left_alone_for_the_rest_of_the_batch(ctx, fake_slack):
    first, second = owe_note(ctx, "gitlab:escalation:1"), owe_note(ctx, "gitlab:escalation:2")
    owe(ctx)  # a Slack post: another target, still delivered
    down = Result("retry", "transient", "GitLab unreachable", hold_target=True)
    stub = StubDeliverer(down)
    box = Outbox(ctx, client_for(fake_slack), deliverers={"gitlab": stub})
    attempts = box.retry_due(ctx.now() + HOLD)
    assert [(a.key, a.status) for a in attempts] == [
        ("gitlab:escalation:1", "retrying"),
        ("dm:test", "sent"),
    ]
    assert stub.sent == ["gitlab:escalation:1"]
    assert (entry(ctx, first).status, entry(ctx, second).status) == ("retrying", "pending")


def test_a_deliverer_that_raises_is_retried_not_left_held_until_its_lease_ends(
    ctx, fake_slack, caplog
):
    note = owe_note(ctx)

    def broken(sending):
        raise RuntimeError("a bug")

    box = Outbox(ctx, client_for(fake_slack), deliverers={"gitlab": StubDeliverer(broken)})
    with caplog.at_level(logging.ERROR):
        attempt = box.deliver(note, ctx.now())
    held = entry(ctx, note)
    assert (attempt.status, held.status, held.lease_until) == ("retrying", "retrying", None)
    assert held.error == "RuntimeError: a bug"
    assert held.next_attempt_at == ctx.now() + dt.timedelta(minutes=1)
    assert "its deliverer failed unexpectedly" in caplog.text


def test_a_deliverers_progress_counts_only_while_it_holds_the_entry(ctx, fake_slack):
    """A deliverer's writes are fenced like Slack's: taken over mid-send, it stops."""
    note = owe_note(ctx)

    def taken_over_midway(sending):
        assert sending.save(body="first words")
        with ctx.session_factory.begin() as session:  # another process's takeover
            session.get_one(OutboxEntry, note).attempts += 1
        assert not sending.save(body="second words")
        return BUSY

    box = Outbox(
        ctx, client_for(fake_slack), deliverers={"gitlab": StubDeliverer(taken_over_midway)}
    )
    assert box.deliver(note, ctx.now()).status == "busy"
    assert (entry(ctx, note).body, entry(ctx, note).status) == ("first words", "sending")


def test_sent_despite_a_problem_is_sent_and_says_so(ctx, fake_slack):
    note = owe_note(ctx)
    stub = StubDeliverer(sent(1, "note added, but setting the label failed: 403"))
    attempt = Outbox(ctx, client_for(fake_slack), deliverers={"gitlab": stub}).deliver(
        note, ctx.now()
    )
    assert (attempt.status, attempt.detail) == ("sent", entry(ctx, note).error)
    assert entry(ctx, note).status == "sent" and "label" in entry(ctx, note).error


def test_an_admin_requeues_any_targets_failed_delivery_with_a_fresh_deadline(ctx, fake_slack):
    note = owe_note(ctx)
    box = Outbox(
        ctx,
        client_for(fake_slack),
        deliverers={"gitlab": StubDeliverer(Result("failed", "inaccessible", "404"), sent(1))},
    )
    assert box.deliver(note, ctx.now()).status == "failed"
    later = ctx.now() + dt.timedelta(days=3)
    with ctx.session_factory.begin() as session:
        assert outbox.requeue(session, note, later)
    requeued = entry(ctx, note)
    assert (requeued.status, requeued.deadline) == ("retrying", later + dt.timedelta(days=1))
    assert box.deliver(note, later).status == "sent"
