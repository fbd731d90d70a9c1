"""A frozen PostgreSQL: the server takes connections and never answers (SIGSTOP on a
private cluster, with psbot's pooled connections open on it).

What needs no database never waits for it (/healthz, `/ps help`), every ack comes in
Slack's time, and what needs the database fails in seconds with a plain answer, then
works again once the server does. psbot's answer limits are shortened here so the test
is quick; the mechanism is the one `psbot run` uses (bot/store/limits.py).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from bot.core.context import AppContext
from bot.core.settings import load_settings
from bot.entry.app import create_app
from bot.entry.web import make_wsgi_app
from bot.store import limits, migrate
from bot.store.db import database_reachable, make_engine, make_session_factory
from bot.store.models import Win
from commands.failures import DATABASE_UNAVAILABLE
from messages import ids
from messages.words import SLACK_WORDS
from tests.bot.entry.test_web import call
from tests.commands.test_wins import submission
from tests.conftest import SIGNING_SECRET, SLACK_ACK_SECONDS, TEAM_ID, Clock, signed_headers
from tests.factories import Portfolio

TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # as in tests/conftest.py
ANSWER_SECONDS = 2  # psbot's answer limit in this test (15 s in production)
T = TypeVar("T")


def within(seconds: float, work: Callable[[], T]) -> T:
    """`work()`, which must be done in `seconds`: a hang fails the test instead of it."""
    done: list[T] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert done, f"still waiting after {seconds} s"
    return done[0]


class Psbot:
    """psbot's HTTP face on the private cluster, driven as Slack drives it."""

    def __init__(self, cluster_url: str, fake_slack) -> None:
        self.engine = make_engine(cluster_url)
        migrate.upgrade(self.engine)
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake_slack.api_url,
                "DATABASE_URL": cluster_url,
                "PSBOT_PMO_CHANNEL": "C0PMO",
                "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
            },
            dotenv_path=None,
        )
        self.ctx = AppContext(
            settings, make_session_factory(self.engine), Clock(TUESDAY), words=SLACK_WORDS
        )
        self.executor = ThreadPoolExecutor(max_workers=8)
        self.wsgi = make_wsgi_app(
            create_app(self.ctx, listener_executor=self.executor), self.engine, SIGNING_SECRET
        )
        self.fake = fake_slack
        self._ids = iter(range(1, 10_000))

    def get(self, path: str) -> int:
        return call(self.wsgi, path)[0]

    def command(self, text: str) -> tuple[int, str]:
        """Send `/ps text` over HTTP: the ack's status, and the response_url's name."""
        n = next(self._ids)
        body = urlencode(
            {
                "command": "/ps",
                "text": text,
                "user_id": "U0PM",
                "team_id": TEAM_ID,
                "channel_id": "C0PMO",
                "trigger_id": f"t.frozen.{n}",
                "response_url": self.fake.response_url(f"frozen{n}"),
            }
        )
        return call(self.wsgi, "/slack/events", body.encode(), signed_headers(body))[
            0
        ], f"frozen{n}"

    def interactive(self, payload: dict) -> tuple[int, bytes]:
        body = urlencode({"payload": json.dumps({"team": {"id": TEAM_ID}, **payload})})
        return call(self.wsgi, "/slack/events", body.encode(), signed_headers(body))

    def answer(self, name: str, timeout: float) -> str:
        return self.fake.wait_for(f"/response/{name}", timeout=timeout)[-1].params["text"]

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()


@pytest.fixture
def psbot(cluster, fake_slack, monkeypatch):
    monkeypatch.setattr(limits, "ANSWER_SECONDS", ANSWER_SECONDS)
    monkeypatch.setattr(limits, "CONNECT_SECONDS", 2)  # libpq's least
    running = Psbot(cluster.url, fake_slack)
    data = Portfolio(running.ctx.session_factory)
    running.rollout = data.project("SOW-1", "Acme", "Rollout", pm=data.person("Pam", "U0PM"))
    yield running
    cluster.thaw()
    running.close()


def test_a_frozen_database_holds_no_request_that_needs_none_and_no_ack(psbot, cluster):
    status, name = psbot.command("projects")
    assert status == 200 and psbot.answer(name, timeout=10) == "1 projects, 1 yours"
    cluster.freeze()  # with the pooled connection(s) open on it

    assert within(0.5, lambda: psbot.get("/healthz")) == 200
    assert within(1.5, lambda: psbot.get("/readyz")) == 503

    help_status, help_name = within(1, lambda: psbot.command("help"))
    assert help_status == 200
    assert psbot.answer(help_name, timeout=1).startswith("psbot")

    # Commands that need the database, many at once: each acknowledged in Slack's time.
    texts = ["win sow-1 Cut-over done early", "projects", "bookings sow-1", "forecast"] * 3
    with ThreadPoolExecutor(max_workers=len(texts)) as senders:
        sent = within(SLACK_ACK_SECONDS, lambda: list(senders.map(psbot.command, texts)))
    assert [status for status, _ in sent] == [200] * len(texts)
    for text, (_, name) in zip(texts, sent, strict=True):
        answer = psbot.answer(name, timeout=4 * ANSWER_SECONDS + 5)
        assert answer.startswith(f"{DATABASE_UNAVAILABLE}, so this didn't go through"), answer
        assert answer.endswith(f">/ps {text}")  # given back: nothing else keeps it

    # A modal stays open, with what was typed, and says why: within Slack's 3 seconds.
    payload = submission(ids.WIN_VIEW, "{}", project_id=psbot.rollout.id, text="Kept")
    status, body = within(SLACK_ACK_SECONDS, lambda: psbot.interactive(payload))
    assert status == 200 and json.loads(body)["response_action"] == "errors"

    cluster.thaw()
    status, name = psbot.command("win sow-1 Cut-over done early")
    assert "See the post" in psbot.answer(name, timeout=15)
    with psbot.ctx.session_factory() as session:
        assert [w.text for w in session.scalars(sa.select(Win))] == ["Cut-over done early"]
    assert within(1.5, lambda: psbot.get("/readyz")) == 200


def test_a_pooled_connection_to_a_frozen_server_fails_in_the_answer_limit(psbot, cluster):
    assert database_reachable(psbot.engine)  # a connection in the pool, idle
    cluster.freeze()
    started = time.monotonic()
    assert within(3 * ANSWER_SECONDS + 5, lambda: database_reachable(psbot.engine)) is False
    # The pooled connection gave up after the answer limit, a new one after connecting's.
    assert time.monotonic() - started >= ANSWER_SECONDS
