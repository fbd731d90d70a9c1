"""Cross-cutting failure modes: database outages, oversized bodies, secrets in logs, fuzz."""

import io
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.core.errors import DATABASE_DOWN
from bot.core.text import clean_strings
from bot.entry.app import create_app
from bot.entry.slack_standin.slack_requests import SlackDriver
from bot.entry.slack_standin.workspace import User
from bot.entry.web import MAX_BODY_BYTES, make_wsgi_app
from commands.catalog import SUBCOMMANDS
from commands.failures import DATABASE_UNAVAILABLE
from commands.ps import answer
from messages.words import SLACK_WORDS
from tests.commands.test_notes import errors_of, submit
from tests.conftest import SIGNING_SECRET


def test_commands_answer_plainly_while_the_database_is_down_and_recover(slack, portfolio, outage):
    down, up = outage
    down()
    for command in ("bookings sow-1", "forecast", "report", "projects"):
        text = slack.ask(command)["text"]
        assert text.startswith(f"{DATABASE_UNAVAILABLE}, so this didn't go through"), text
        assert text.endswith(f">/ps {command}")
    up()
    assert "Bookings: Acme — Rollout" in json.dumps(slack.ask("bookings sow-1"), ensure_ascii=False)


def test_a_note_submitted_during_an_outage_keeps_the_modal_open(slack, portfolio, outage):
    down, _ = outage
    down()
    assert errors_of(submit(slack, portfolio.rollout.id)) == {"progress": DATABASE_DOWN}


def test_oversized_request_bodies_are_refused(app, engine):
    wsgi = make_wsgi_app(app, engine, SIGNING_SECRET)
    statuses = []
    environ = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1),
        "wsgi.input": io.BytesIO(b""),
    }
    wsgi(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Payload Too Large"]


def test_tokens_and_the_signing_secret_never_reach_the_logs(ctx, fake_slack, portfolio, caplog):
    secret_token = "xoxb-never-log-this-0123456789"
    secret_ctx = AppContext(
        ctx.settings.__class__(**{**ctx.settings.__dict__, "slack_bot_token": secret_token}),
        ctx.session_factory,
        ctx.clock,
        words=SLACK_WORDS,
    )
    app = create_app(secret_ctx)
    driver = SlackDriver(app, fake_slack)
    with caplog.at_level(logging.DEBUG):
        driver.ask("bookings sow-1")
        body, _ = driver.command_body("help", "U0PM", "C0PMO")
        driver.dispatch(body, {"x-slack-request-timestamp": "1", "x-slack-signature": "v0=bad"})
        WebClient(token=secret_token, base_url=fake_slack.api_url).chat_postMessage(
            channel="C1", text="x"
        )
    assert caplog.text  # the debug logs were captured
    assert secret_token not in caplog.text
    assert SIGNING_SECRET not in caplog.text


NAMES = [sub.name for sub in SUBCOMMANDS]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(NAMES),
    text=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"]),  # no lone surrogates
        max_size=300,
    )
    | st.sampled_from(
        [
            "<!channel>",
            "<@U0PM|pam> <@U0PAT|pat>",
            "\u202e\u200d🙂",
            "--week",
            "--since",
            "x" * 40_000,
        ]
    ),
)
def test_any_text_after_any_subcommand_gets_a_useful_reply(ctx, app, portfolio, name, text):
    # As the app hands a command over: its control characters dropped (bot.core.text).
    command = clean_strings({"text": f"{name} {text}", "user_id": "U0PM", "trigger_id": "t"})
    result = answer(ctx, command, app.client)
    replies = result if isinstance(result, list) else [result] if result else []
    for reply in replies:
        assert reply.text.strip()
        assert "Something went wrong on psbot's side" not in reply.text
        for block in reply.blocks:
            block.validate_json()


def test_acks_are_not_held_back_by_slow_answers(ctx, fake_slack, portfolio, monkeypatch):
    """Bolt's default pool has 5 threads: six slow answers would starve the next ack."""
    import threading
    import time

    import commands.ps

    release = threading.Event()
    real_answer = commands.ps.answer

    def slow_answer(*args, **kwargs):
        release.wait(10)
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(commands.ps, "answer", slow_answer)
    driver = SlackDriver(create_app(ctx), fake_slack)  # psbot's own listener pool
    try:
        for _ in range(8):
            assert driver.command("help").status == 200
        started = time.monotonic()
        assert driver.command("help").status == 200
        assert time.monotonic() - started < 1
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while sum(c.method.startswith("/response/") for c in fake_slack.calls) < 9:
        assert time.monotonic() < deadline, "the held-back answers never arrived"
        time.sleep(0.05)


def test_bolt_finds_the_ack_at_its_first_look_however_late_it_is_given(
    ctx, fake_slack, monkeypatch
):
    """Bolt's dispatching thread looks for a listener's ack every 10 ms, sleeping between
    looks; psbot's listener executor returns only once the ack is given, so Bolt answers
    at once and never sleeps. A listener that fails before its ack is answered with 500
    at once too."""
    import slack_bolt.listener.thread_runner as runner

    naps: list[float] = []

    class CountingTime:
        time = staticmethod(time.time)

        @staticmethod
        def sleep(seconds: float) -> None:
            naps.append(seconds)
            time.sleep(seconds)

    monkeypatch.setattr(runner, "time", CountingTime)
    listeners = ThreadPoolExecutor(max_workers=2)
    app = create_app(ctx, listener_executor=listeners)

    @app.command("/later")
    def later(ack, command):
        time.sleep(0.05)  # work before the ack
        if command["text"] == "fail":
            raise RuntimeError("failed before the ack")
        ack("given late")

    driver = SlackDriver(app, fake_slack)

    def send(text: str):
        pam = User("U0PM", "pam", "Pam")
        return driver.slash_command(
            "/later", text, pam, "C0PMO", "ps_pmo", fake_slack.response_url("later")
        )

    try:
        response = send("")
        assert (response.status, response.body) == (200, "given late")
        started = time.monotonic()
        assert send("fail").status == 500
        assert time.monotonic() - started < 1
    finally:
        listeners.shutdown(wait=True)
    assert naps == []


def test_a_rush_is_answered_by_the_answer_pool_a_few_at_a_time(
    ctx, fake_slack, portfolio, monkeypatch
):
    """Twelve /ps wins at once are all acked at once, then taken on and answered by
    psbot's answer pool, ANSWER_THREADS at a time, not by twelve listener threads taking
    turns for the GIL (and the database) with the acks of the commands after them."""
    import commands.ps
    from bot.entry.app import ANSWER_THREADS

    release, lock = threading.Event(), threading.Lock()
    running: list[str] = []
    seen: list[list[str]] = []
    real_answer = commands.ps.answer

    def held(ctx, command, *args, **kwargs):
        with lock:
            running.append(threading.current_thread().name)
            seen.append(list(running))
        release.wait(10)
        with lock:
            running.remove(threading.current_thread().name)
        return real_answer(ctx, command, *args, **kwargs)

    monkeypatch.setattr(commands.ps, "answer", held)
    driver = SlackDriver(create_app(ctx), fake_slack)  # psbot's own pools
    names = []
    try:
        for _ in range(12):
            body, name = driver.command_body("wins", "U0PM", "C0PMO")
            started = time.monotonic()
            assert driver.dispatch(body).status == 200
            assert time.monotonic() - started < 1
            names.append(name)
    finally:
        release.set()
    for name in names:
        assert "win" in fake_slack.wait_for(f"/response/{name}", timeout=20)[0].params["text"]
    assert len(seen) == 12
    assert max(len(at_once) for at_once in seen) <= ANSWER_THREADS
    assert {thread for at_once in seen for thread in at_once} <= {
        f"psbot-answer_{number}" for number in range(ANSWER_THREADS)
    }


def test_heavy_answers_queue_on_the_work_pool_and_never_hold_an_ack(
    ctx, fake_slack, portfolio, monkeypatch
):
    """Forecasts waiting on the work pool hold no listener thread: /ps help is acked and
    answered at once, and the forecasts are answered once they can be."""
    import commands.ps

    release = threading.Event()
    real_answer = commands.ps.answer

    def held_forecast(ctx, command, *args, **kwargs):
        if command["text"].startswith("forecast"):
            release.wait(10)
        return real_answer(ctx, command, *args, **kwargs)

    monkeypatch.setattr(commands.ps, "answer", held_forecast)
    listeners, work = ThreadPoolExecutor(max_workers=2), ThreadPoolExecutor(max_workers=1)
    driver = SlackDriver(
        create_app(ctx, listener_executor=listeners, work_executor=work), fake_slack
    )
    try:
        forecasts = []
        for _ in range(4):  # more than the listener threads
            body, name = driver.command_body("forecast", "U0PM", "C0PMO")
            assert driver.dispatch(body).status == 200
            forecasts.append(name)
        started = time.monotonic()
        assert driver.ask("help")["text"].startswith("psbot help")
        assert time.monotonic() - started < 2
        assert not any(fake_slack.calls_to(f"/response/{name}") for name in forecasts)
    finally:
        release.set()
    for name in forecasts:  # "Working on it…", then the forecast in its place
        working, reply = fake_slack.wait_for(f"/response/{name}", count=2, timeout=20)
        assert working.params["text"] == commands.ps.WORKING_ON_IT
        assert "forecast" in reply.params["text"].lower()
    listeners.shutdown(wait=True)
    work.shutdown(wait=True)
