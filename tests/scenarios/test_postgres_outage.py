"""A real PostgreSQL outage: psbot's own throwaway cluster is stopped mid-run, then restarted.

tests/scenarios/test_hardening.py fakes an outage with a SQLite file that cannot be opened; this
test stops an actual server, so the pooled connections psbot holds die underneath it the
way they do when a managed database restarts. It makes its own cluster (initdb + pg_ctl
on a free loopback port), so it runs once whatever PSBOT_TEST_DATABASE_URL says.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from bot.core.context import AppContext
from bot.core.errors import DATABASE_DOWN
from bot.core.settings import load_settings
from bot.entry.app import create_app
from bot.entry.slack_standin.slack_requests import SLACK_ACK_SECONDS, SlackDriver
from bot.entry.web import make_wsgi_app
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Note
from commands.failures import DATABASE_UNAVAILABLE
from messages import ids
from messages.words import SLACK_WORDS
from tests.commands.test_closure import button, click
from tests.commands.test_notes import errors_of, submit
from tests.conftest import SIGNING_SECRET, Clock
from tests.factories import Portfolio

TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # as in tests/conftest.py


def test_psbot_rides_out_a_postgres_restart(cluster, fake_slack, caplog):
    engine = make_engine(cluster.url)
    executor = ThreadPoolExecutor(max_workers=8)
    try:
        migrate.upgrade(engine)
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake_slack.api_url,
                "DATABASE_URL": cluster.url,
                "PSBOT_PMO_CHANNEL": "C0PMO",
                "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
            },
            dotenv_path=None,
        )
        ctx = AppContext(settings, make_session_factory(engine), Clock(TUESDAY), words=SLACK_WORDS)
        data = Portfolio(ctx.session_factory)
        pam = data.person("Pam Manager", "U0PM")
        rollout = data.project("SOW-1", "Acme", "Rollout", pm=pam, top_customer=True)
        slack = SlackDriver(create_app(ctx, listener_executor=executor), fake_slack)
        health = make_wsgi_app(slack.app, engine, SIGNING_SECRET)
        retro_done = button(ids.CLOSURE_DONE, rollout.id, "internal_retro", 0)

        assert "Acme — Rollout" in str(slack.ask("projects"))
        assert _ready_within_a_few_tries(health)

        cluster.stop("fast")  # the pooled connections die with the server

        for command in ("projects", "bookings sow-1", "forecast", "report", "notes sow-1"):
            started = time.monotonic()
            body, name = slack.command_body(command, "U0PM", "C0PMO")
            response = slack.dispatch(body)
            assert response.status == 200, (command, response.body)
            assert time.monotonic() - started < SLACK_ACK_SECONDS, command
            answer = fake_slack.wait_for(f"/response/{name}")[-1].params["text"]
            assert answer.startswith(DATABASE_UNAVAILABLE), answer

        started = time.monotonic()
        response = submit(slack, rollout.id, progress="Written while the database was down")
        assert time.monotonic() - started < SLACK_ACK_SECONDS
        assert errors_of(response) == {"progress": DATABASE_DOWN}  # the modal stays open

        assert click(slack, fake_slack, retro_done)["text"] == DATABASE_DOWN

        # Still serving: what needs no database works, App Home fails quietly into the log.
        assert slack.ask("help")["text"].startswith("psbot")
        fake_slack.reset()
        with caplog.at_level(logging.ERROR):
            event = {"type": "app_home_opened", "user": "U0PM", "channel": "D1", "tab": "home"}
            assert slack.event(event).status == 200
            deadline = time.monotonic() + 5
            while "publishing App Home for U0PM failed" not in caplog.text:
                assert time.monotonic() < deadline, "the failed App Home was not logged"
                time.sleep(0.05)
        assert fake_slack.calls_to("views.publish") == []
        assert _health(health) == "503 Service Unavailable"
        assert _health(health, "/healthz") == "200 OK"  # alive all the same

        cluster.start()

        assert "Acme — Rollout" in str(slack.ask("projects"))
        response = submit(slack, rollout.id, progress="Written while the database was down")
        assert errors_of(response) == {}
        with ctx.session_factory() as session:
            (note,) = session.scalars(sa.select(Note)).all()
        assert note.progress == "Written while the database was down"
        assert click(slack, fake_slack, retro_done)["text"].endswith(": 1/7 done")
        assert _ready_within_a_few_tries(health)  # ready again
    except BaseException:
        print(cluster.log())  # shown by pytest only when the test fails
        raise
    finally:
        executor.shutdown(wait=True)
        engine.dispose()


def _ready_within_a_few_tries(wsgi) -> bool:
    """As a platform's readiness probe asks: on a busy machine (CI with its own cluster
    just started) one check can take over READY_SECONDS, which /readyz rightly reports
    as not ready."""
    return any(_health(wsgi) == "200 OK" for _ in range(5))


def _health(wsgi, path: str = "/readyz") -> str:
    statuses: list[str] = []
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    wsgi(environ, lambda status, headers: statuses.append(status))
    return statuses[0]


def test_a_database_that_accepts_but_never_answers_fails_in_seconds():
    """connect_timeout: a hung server must not hold a user's request forever."""
    import threading

    from bot.store.db import database_reachable, make_engine

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts; nobody ever answers
        url = f"postgresql+psycopg://psbot@127.0.0.1:{silent.getsockname()[1]}/psbot"
        engine = make_engine(url)
        answers = []
        probe = threading.Thread(target=lambda: answers.append(database_reachable(engine)))
        probe.start()
        probe.join(timeout=10)
        engine.dispose()
    assert answers == [False], "connecting to a silent server did not time out in 10 s"
