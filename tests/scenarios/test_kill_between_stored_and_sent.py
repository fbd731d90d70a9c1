"""A `psbot run` process killed (SIGKILL) after a win is stored, while its post is in
flight: whether or not Slack took the post before psbot died, the restarted outbox leaves
exactly one in the channel, and pins it."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.runtime.outbox import LEASE
from bot.store.models import OutboxEntry, Win
from bot.workflows.deliveries import outbox_for
from messages.words import SLACK_WORDS
from tests.bot.entry.test_cli import CLEAN_ENV, _free_port, _get
from tests.conftest import SIGNING_SECRET, post_command


@pytest.mark.parametrize("slack_took_it", [False, True], ids=["never-arrived", "arrived"])
def test_a_win_whose_post_is_in_flight_when_psbot_is_killed_is_in_slack_once_after_restart(
    tmp_path, fake_slack, ctx, portfolio, database_url, slack_took_it
):
    accepted: list[dict] = []  # what Slack really got, as conversations.history shows it
    arrived, released = threading.Event(), threading.Event()

    def take(params):
        accepted.append(
            {"ts": f"1700000000.{len(accepted) + 1:06d}", "text": params["text"], **params}
        )
        return {"ok": True, "channel": params["channel"], "ts": accepted[-1]["ts"]}

    def post_message(params):
        if not arrived.is_set():  # the first post hangs, its answer never sent: psbot dies here
            if slack_took_it:
                take(params)
            arrived.set()
            released.wait(30)
            return {"ok": False, "error": "answer_never_sent"}
        return take(params)

    fake_slack.answer("chat.postMessage", post_message)
    fake_slack.answer(
        "conversations.history",
        lambda params: {
            "ok": True,
            "messages": [m for m in accepted if m["channel"] == params["channel"]],
        },
    )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "run"],
        env={
            **CLEAN_ENV,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": database_url,
            "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
            "PSBOT_SCHEDULER": "off",
            "PORT": str(port),
        },
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_serving(process, f"http://127.0.0.1:{port}")
        text, answer_at = "win SOW-1 Go-live went smoothly", fake_slack.response_url("kill")
        assert post_command(f"http://127.0.0.1:{port}", text, answer_at, "t.1") == 200
        assert arrived.wait(10), "psbot never tried to post the win"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        released.set()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
    assert len(accepted) == int(slack_took_it)
    with ctx.session_factory() as session:
        (win,) = session.scalars(sa.select(Win)).all()
        entry = session.scalars(
            sa.select(OutboxEntry).where(OutboxEntry.key == f"win:{win.id}")
        ).one()
    assert (win.text, win.ts, entry.status, entry.sent) == (
        "Go-live went smoothly",
        None,
        "sending",
        0,
    )

    # The restarted process's minute tick, once the dead holder's lease has run out.
    restarted = AppContext(
        ctx.settings,
        ctx.session_factory,
        clock=lambda: entry.lease_until + dt.timedelta(seconds=1),
        words=SLACK_WORDS,
    )
    outbox = outbox_for(restarted, WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    assert [a.status for a in outbox.retry_due(restarted.now())] == ["sent"]
    assert outbox.retry_due(restarted.now() + LEASE * 2) == []  # and never again
    assert len(accepted) == 1 and "ProjectWin" in accepted[0]["text"]
    assert len(fake_slack.calls_to("pins.add")) == 1
    with ctx.session_factory() as session:
        win = session.get_one(Win, win.id)
        assert (win.channel, win.ts, win.pinned) == ("C0INTERNAL", "1700000000.000001", True)


def _wait_until_serving(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if _get(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "psbot run did not start"
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.1)
