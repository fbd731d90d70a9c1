"""Shared fixtures: the stand-in Slack, signed requests, a settable clock, databases.

The stand-in Slack (bot.entry.slack_standin, the shell's too) runs once per test run in
the tests' own workspace, not strict: rows made here point at Slack messages and views
it never saw. Each test starts it afresh.

Every test that uses `engine` runs on SQLite, and on PostgreSQL too when
PSBOT_TEST_DATABASE_URL is set (CI sets it). Each test run works in a PostgreSQL schema
of its own, dropped at the end, so concurrent runs never see each other's rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.core.context import AppContext
from bot.core.settings import Settings, load_settings
from bot.entry.app import create_app
from bot.entry.slack_standin import slack_requests
from bot.entry.slack_standin.slack_requests import SlackDriver
from bot.entry.slack_standin.standin import StandInSlack
from bot.entry.slack_standin.workspace import Identity, Workspace
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Base
from messages.words import SLACK_WORDS
from tests.factories import Portfolio

POSTGRES_URL = os.environ.get("PSBOT_TEST_DATABASE_URL", "")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
ADMIN_ID = "U0ADMIN"
SIGNING_SECRET = "test-signing-secret"
SLACK_ACK_SECONDS = 3  # how long Slack waits for an ack (or a modal's answer)
WORKSPACE = Identity(
    team_id="T0TEAM",
    team_name="PS",
    domain="ps",
    bot_user_id="U0BOT",
    bot_id="B0BOT",
    app_id="A0APP",
)
TEAM_ID = WORKSPACE.team_id
BOT_USER_ID = WORKSPACE.bot_user_id


def signature(body: str, timestamp: str) -> str:
    return slack_requests.signature(body, timestamp, SIGNING_SECRET)


def signed_headers(body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers signing `body` with the tests' secret, as Slack signs what it sends."""
    return slack_requests.signed_headers(body, SIGNING_SECRET, timestamp)


def pam_command_body(text: str, response_url: str, trigger_id: str) -> str:
    """`/ps text` from U0PM in C0PMO, as Slack sends it."""
    return slack_requests.slash_command_body(
        WORKSPACE,
        command="/ps",
        text=text,
        user_id="U0PM",
        user_name="u0pm",
        channel_id="C0PMO",
        channel_name="ps_pmo",
        response_url=response_url,
        trigger_id=trigger_id,
    )


def post_command(base_url: str, text: str, response_url: str, trigger_id: str) -> int:
    """`/ps text` from U0PM in C0PMO, sent to a running psbot over HTTP as Slack sends it;
    the HTTP status of its ack."""
    body = pam_command_body(text, response_url, trigger_id)
    request = urllib.request.Request(
        f"{base_url}/slack/events", data=body.encode(), headers=signed_headers(body)
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


@dataclass
class Clock:
    """A clock tests can set; the app reads time only through it."""

    current: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.current

    def set(self, value: dt.datetime) -> None:
        assert value.tzinfo is not None, "use aware datetimes"
        self.current = value


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[StandInSlack]:
    standin = StandInSlack(Workspace(WORKSPACE), signing_secret=SIGNING_SECRET, strict=False)
    yield standin.start()
    standin.stop()


@pytest.fixture
def fake_slack(fake_slack_server: StandInSlack) -> StandInSlack:
    fake_slack_server.clear()
    return fake_slack_server


@contextlib.contextmanager
def postgres_schema(schema: str) -> Iterator[str]:
    """A URL whose connections live in `schema`, new and empty, dropped at the end."""
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema of this test run."""
    if not POSTGRES_URL:
        yield ""
        return
    with postgres_schema(f"psbot_test_{os.getpid()}") as url:
        yield url


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path, _postgres_url) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'psbot.db'}"
    return _postgres_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    if engine.dialect.name == "postgresql":
        _wipe_postgres(engine)
    engine.dispose()


def _wipe_postgres(engine: Engine) -> None:
    # Tests may leave the schema anywhere; make sure it is back at head and empty.
    migrate.upgrade(engine)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> Clock:
    # Tuesday of ISO week 2026-W48, 10:00 in New York.
    return Clock(dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(fake_slack: StandInSlack, database_url: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": database_url,
            "PSBOT_ADMINS": ADMIN_ID,
            "PSBOT_PMO_CHANNEL": "C0PMO",
            "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
            # A chart takes a child process a second or two; the tests of charts turn it on.
            "PSBOT_CHARTS": "off",
        },
        dotenv_path=None,
    )


@pytest.fixture
def ctx(settings: Settings, engine: Engine, clock: Clock) -> AppContext:
    return AppContext(
        settings=settings,
        session_factory=make_session_factory(engine),
        clock=clock,
        words=SLACK_WORDS,
    )


@pytest.fixture
def app(ctx: AppContext):
    # Work done after an ack (respond, posts, App Home) finishes before the test ends:
    # the listeners', then the heavy answers they handed to the work pool.
    executor = ThreadPoolExecutor(max_workers=8)
    work = ThreadPoolExecutor(max_workers=2)
    yield create_app(ctx, listener_executor=executor, work_executor=work)
    executor.shutdown(wait=True)
    work.shutdown(wait=True)


@pytest.fixture
def slack(app, fake_slack: StandInSlack) -> SlackDriver:
    return SlackDriver(app, fake_slack)


# The sample portfolio many tests share. The clock is Tuesday 24 November 2026. Pat is
# hard-booked 40 h/week on Acme Rollout from the week of Nov 23 for ten weeks at $200/h;
# Tia has 10 soft hours in the week of Nov 16 on the same project, which breaks the "no
# soft bookings this month" rule.
@pytest.fixture
def portfolio(ctx):
    data = Portfolio(ctx.session_factory)
    data.pam = data.person("Pam Manager", "U0PM")
    data.pat = data.person("Pat Engineer", "U0PAT")
    data.tia = data.person("Tia Architect")
    data.rollout = data.project("SOW-1", "Acme", "Rollout", pm=data.pam, top_customer=True)
    data.migration = data.project("SOW-2", "Acme", "Migration", pm=data.pam)
    data.globex = data.project("SOW-3", "Globex", "Platform", type="FF", kickoff=None)
    data.book(data.rollout, data.pat, dt.date(2026, 11, 23), 10)
    data.book(data.rollout, data.tia, dt.date(2026, 11, 16), hours=10, kind="soft", role="TA")
    return data


@pytest.fixture
def outage(ctx, tmp_path):
    """(down, up): swap the app's database for one that cannot be opened, and back."""
    good = ctx.session_factory
    dead = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")

    def down():
        ctx.session_factory = make_session_factory(dead)

    def up():
        ctx.session_factory = good

    yield down, up
    up()
    dead.dispose()


@pytest.fixture
def write_locked(database_url: str):
    """A context manager: SQLite's write lock held by another connection (a long import,
    say) while it runs. Tests using it skip on PostgreSQL."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite write lock held by another connection")

    @contextlib.contextmanager
    def held() -> Iterator[None]:
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    return held
