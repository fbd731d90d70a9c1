"""A `psbot run` process killed (SIGKILL) after a win is stored but before Slack has the
post: the restarted outbox posts it exactly once, and pins it."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time

import sqlalchemy as sa
from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.runtime.outbox import LEASE
from bot.store.models import OutboxEntry, Win
from bot.workflows.shoutouts import slack_outbox
from messages.words import SLACK_WORDS
from tests.bot.entry.test_cli import CLEAN_ENV, _free_port, _get
from tests.signing import SIGNING_SECRET, post_command


def test_a_win_stored_but_not_sent_when_psbot_is_killed_is_posted_once_after_restart(
    tmp_path, fake_slack, ctx, portfolio, database_url
):
    accepted: list[str] = []  # what Slack really got
    arrived, released = threading.Event(), threading.Event()

    def post_message(params):
        if not accepted and not released.is_set():  # the first post hangs: psbot dies here
            arrived.set()
            released.wait(30)
            return {"ok": False, "error": "request_never_arrived"}
        accepted.append(params["text"])
        return {"ok": True, "channel": params["channel"], "ts": f"1700000000.{len(accepted):06d}"}

    fake_slack.answer("chat.postMessage", post_message)
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
    assert accepted == []
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
    outbox = slack_outbox(restarted, WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    assert [a.status for a in outbox.retry_due(restarted.now())] == ["sent"]
    assert outbox.retry_due(restarted.now() + LEASE * 2) == []  # and never again
    assert len(accepted) == 1 and "ProjectWin" in accepted[0]
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
