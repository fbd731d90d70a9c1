"""Benchmark 2: `/ps` commands through the real Bolt app, as Slack would send them.

Each request is signed, dispatched with `App.dispatch` (which returns once the listener
has acked) and answered on a response_url served by the stand-in Slack. A bare Bolt
app with the same signing secret and one acking `/ps` listener is the ack baseline.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bench.database import BenchDatabase
from bot.core.context import AppContext
from bot.core.settings import load_settings
from bot.entry.app import create_app
from bot.entry.slack_standin.slack_requests import SlackDriver
from bot.entry.slack_standin.standin import Call, StandInSlack
from commands.ps import WORKING_ON_IT
from messages.words import SLACK_WORDS

NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # Tuesday of 2026-W48, 10:00 New York
CHANNEL = "C0PMO"
REPLY_TIMEOUT = 120.0
# How every failure answer starts (commands/failures.py): psbot broke, Slack refused or
# timed out, or the database was down.
FAILURE_MARKS = (":boom:", ":warning:", ":hourglass:")


def fixed_clock() -> dt.datetime:
    return NOW


@dataclass(frozen=True)
class Sample:
    ack: float  # seconds until App.dispatch returned (the HTTP answer to Slack)
    reply: float  # seconds until the reply reached the response_url
    statements: int  # SQL statements sent while answering
    text: str  # the reply's fallback text


def psbot_context(db: BenchDatabase, fake: StandInSlack) -> AppContext:
    """What `psbot run` gives the app, on the benchmark database, stand-in Slack and fixed
    clock."""
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": fake.signing_secret,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": db.url,
            "PSBOT_PMO_CHANNEL": CHANNEL,
            "PSBOT_SCHEDULER": "off",
            # The chart is drawn in a child process after the reply; the goals are the
            # replies', and two cores are better spent on them.
            "PSBOT_CHARTS": "off",
        },
        dotenv_path=None,
    )
    return AppContext(
        settings=settings, session_factory=db.session_factory, clock=fixed_clock, words=SLACK_WORDS
    )


def psbot_app(ctx: AppContext) -> App:
    """The real app, as `psbot run` builds it."""
    return create_app(ctx)


def only_ack(ack: Ack) -> None:
    ack()


def bare_app(fake: StandInSlack) -> App:
    """Bolt with nothing of psbot: same secret, stock request verification, one acking listener."""
    app = App(
        client=WebClient(token="xoxb-bench", base_url=fake.api_url),
        signing_secret=fake.signing_secret,
        token_verification_enabled=False,
    )
    app.command("/ps")(only_ack)
    return app


class Bench:
    """Sends `/ps` commands to one app and times them."""

    def __init__(self, app: App, fake: StandInSlack, db: BenchDatabase | None) -> None:
        self.app = app
        self.fake = fake
        self.db = db
        self.driver = SlackDriver(app, fake)

    def send(self, text: str, user_id: str) -> tuple[str, float]:
        """Dispatch `/ps text`; (reply name, seconds until dispatch returned)."""
        body, name = self.driver.command_body(text, user_id, CHANNEL)
        headers = self.driver.signed_headers(body)
        started = time.perf_counter()
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        acked = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"/ps {text}: HTTP {response.status} {response.body}")
        return name, acked

    def ask(self, text: str, user_id: str) -> Sample:
        """`/ps text` from `user_id`, timed from dispatch to the reply on its response_url."""
        if self.db is not None:
            self.db.counter.take()
        started = time.perf_counter()
        name, acked = self.send(text, user_id)
        calls = wait_for_answer(self.fake, name)
        replied = time.perf_counter() - started
        # Handlers finish their SQL before the first reply, so this count is complete.
        statements = self.db.counter.take() if self.db is not None else 0
        reply_text = str(calls[-1].params.get("text", ""))
        if reply_text.startswith(FAILURE_MARKS):
            raise RuntimeError(f"/ps {text} failed inside psbot; see the log above")
        self.fake.reset()
        return Sample(acked, replied, statements, reply_text)

    def repeat(self, text: str, user_id: str, runs: int, warmup: int = 1) -> list[Sample]:
        for _ in range(warmup):
            self.ask(text, user_id)
        return [self.ask(text, user_id) for _ in range(runs)]

    def ack_only(self, text: str, user_id: str) -> float:
        """Seconds until dispatch returned, for an app whose listener only acks."""
        _name, acked = self.send(text, user_id)
        return acked


def interleaved_acks(
    psbot: Bench, bare: Bench, user_id: str, runs: int, warmup: int = 10
) -> tuple[list[Sample], list[float]]:
    """`/ps help` on psbot and on the bare app, alternately, so both see the same machine."""
    for _ in range(warmup):
        psbot.ask("help", user_id)
        bare.ack_only("help", user_id)
    ours: list[Sample] = []
    theirs: list[float] = []
    for _ in range(runs):
        ours.append(psbot.ask("help", user_id))
        theirs.append(bare.ack_only("help", user_id))
    bare.fake.reset()
    return ours, theirs


def acks_while_busy(bench: Bench, user_id: str, rounds: int, per_round: int = 5) -> list[float]:
    """Ack times of `/ps help` sent while a `/ps forecast` is being computed."""
    acks: list[float] = []
    for _ in range(rounds):
        busy, _ = bench.send("forecast", user_id)
        names: list[str] = []
        for _ in range(per_round):
            name, acked = bench.send("help", user_id)
            names.append(name)
            acks.append(acked)
        for name in [busy, *names]:
            wait_for_answer(bench.fake, name)
        bench.fake.reset()
    return acks


def wait_for_answer(fake: StandInSlack, name: str) -> list[Call]:
    """The calls to reply `name`'s response_url up to its answer: a heavy command says
    "Working on it…" first, which the answer then replaces (what the goals time)."""
    calls = fake.wait_for(f"/response/{name}", timeout=REPLY_TIMEOUT)
    while calls[-1].params.get("text") == WORKING_ON_IT:
        calls = fake.wait_for(f"/response/{name}", count=len(calls) + 1, timeout=REPLY_TIMEOUT)
    return calls


def replies(samples: Iterable[Sample]) -> list[float]:
    return [s.reply for s in samples]
