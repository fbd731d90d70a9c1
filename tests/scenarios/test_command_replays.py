"""A slash command is taken on once: Slack's retry of it, or a replay of the same signed
request within its five minutes, records no second win or thanks and posts nothing again,
on one replica or several (the record of each trigger id is in the database)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.entry.app import create_app
from bot.runtime.request_claims import KEEP, first_delivery
from bot.store.models import SlackRequest, Thanks, Win
from tests.commands.test_wins import INTERNAL, posts_to, stored
from tests.conftest import SlackDriver, signed_headers
from tests.scenarios.test_event_retries import finish_listeners

SLACK_RETRY = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}


@pytest.fixture
def team(fake_slack, portfolio):
    fake_slack.add_user("U0PM", "pam@example.com", "Pam")
    fake_slack.add_user("U0PAT", "pat@example.com", "Pat")
    return portfolio


def responses(fake_slack, name: str) -> list[dict]:
    return [c.params for c in fake_slack.calls_to(f"/response/{name}")]


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("win sow-1 Cut-over done early", Win),
        ("thanks <@U0PAT|pat> sow-1 for the cut-over", Thanks),
    ],
)
def test_a_replayed_command_records_and_posts_once(slack, fake_slack, ctx, team, text, model):
    body, name = slack.command_body(text, "U0PM", "C0PMO")
    headers = signed_headers(body)
    for _ in range(3):  # the very same signed request, three times
        assert slack.dispatch(body, headers).status == 200
    finish_listeners(slack)
    assert len(stored(ctx, model)) == 1
    assert len(posts_to(fake_slack, INTERNAL)) == 1
    assert len(responses(fake_slack, name)) == 1  # the replays are not answered either


def test_slacks_retry_of_a_command_already_taken_on_does_nothing(slack, fake_slack, ctx, team):
    body, name = slack.command_body("win sow-1 Cut-over done early", "U0PM", "C0PMO")
    assert slack.dispatch(body).status == 200
    retry = {
        **signed_headers(body),
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
    }
    assert slack.dispatch(body, retry).status == 200
    finish_listeners(slack)
    assert len(stored(ctx, Win)) == 1 and len(posts_to(fake_slack, INTERNAL)) == 1
    assert len(responses(fake_slack, name)) == 1


def test_a_retry_whose_first_delivery_never_arrived_is_taken_on(slack, fake_slack, ctx, team):
    body, name = slack.command_body("win sow-1 Cut-over done early", "U0PM", "C0PMO")
    retry = {
        **signed_headers(body),
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
    }
    assert slack.dispatch(body, retry).status == 200
    finish_listeners(slack)
    assert len(stored(ctx, Win)) == 1
    assert "See the post" in responses(fake_slack, name)[0]["text"]


def test_two_replicas_given_the_same_request_at_once_record_it_once(
    ctx, fake_slack, team, database_url
):
    executors = [ThreadPoolExecutor(max_workers=4) for _ in range(2)]
    replicas = [SlackDriver(create_app(ctx, listener_executor=e), fake_slack) for e in executors]
    body, _ = replicas[0].command_body("win sow-1 Cut-over done early", "U0PM", "C0PMO")
    headers = signed_headers(body)
    start = threading.Barrier(2)

    def deliver(replica: SlackDriver) -> int:
        start.wait()
        return replica.dispatch(body, headers).status

    with ThreadPoolExecutor(max_workers=2) as senders:
        assert list(senders.map(deliver, replicas)) == [200, 200]
    for executor in executors:
        executor.shutdown(wait=True)
    assert len(stored(ctx, Win)) == 1
    assert len(posts_to(fake_slack, INTERNAL)) == 1


def test_commands_with_their_own_trigger_ids_are_each_taken_on(slack, fake_slack, ctx, team):
    slack.ask("win sow-1 Cut-over done early")
    slack.ask("win sow-1 Cut-over done early")  # typed again: a new trigger id
    assert len(stored(ctx, Win)) == 2


def test_help_is_answered_every_time_without_the_database(slack, fake_slack, outage):
    down, _ = outage
    down()
    body, name = slack.command_body("help", "U0PM", "C0PMO")
    headers = signed_headers(body)
    for _ in range(2):
        slack.dispatch(body, headers)
    finish_listeners(slack)
    assert [r["text"].startswith("psbot") for r in responses(fake_slack, name)] == [True, True]


def test_while_the_database_is_down_a_command_says_it_did_not_go_through(
    slack, fake_slack, ctx, team, outage
):
    """The command's text is given back: nothing keeps it (a command has no modal)."""
    down, up = outage
    down()
    reply = slack.ask("win sow-1 Cut-over <@U0PAT|pat> & co. done early")
    up()
    assert reply["text"].startswith(":hourglass: psbot's database is temporarily unavailable, so")
    assert "didn't go through" in reply["text"] and "nothing was lost" not in reply["text"]
    assert ">/ps win sow-1 Cut-over <@U0PAT> &amp; co. done early" in reply["text"]
    assert stored(ctx, Win) == [] and posts_to(fake_slack, INTERNAL) == []


def test_a_command_is_answered_while_sqlite_is_busy_with_a_long_import(
    slack, fake_slack, team, write_locked
):
    with write_locked():
        assert "Acme — Rollout" in str(slack.ask("projects"))


def test_records_of_requests_are_kept_past_the_replay_window_then_removed(ctx):
    now = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
    assert first_delivery(ctx.session_factory, "t.old", now)
    assert not first_delivery(ctx.session_factory, "t.old", now + dt.timedelta(minutes=5))
    later = now + KEEP + dt.timedelta(seconds=1)
    assert first_delivery(ctx.session_factory, "t.new", later)
    with ctx.session_factory() as session:
        kept = session.scalars(sa.select(SlackRequest.request_id)).all()
    assert kept == ["t.new"]
