"""The forecast chart: drawn in a child process, shared with Slack's upload v2, and
never holding matplotlib in psbot's own process."""

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from messages.chart import Chart, ChartError, ChartMonth, render_png

ET = ZoneInfo("America/New_York")


def test_importing_the_app_does_not_import_matplotlib():
    """`psbot run`'s idle memory: the app, every command and job load without it."""
    code = (
        "import sys, bot.entry.app, bot.entry.cli, jobs.registry, commands, messages.chart;"
        "print(sorted(m for m in sys.modules"
        " if m.startswith(('matplotlib', 'messages.chart_png'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_chart_is_a_png_and_its_alt_text_says_what_it_shows():
    chart = Chart(
        "Forecast vs actual, 2026-Q4",
        [
            ChartMonth("Oct 2026", Decimal(12000), Decimal(1000), Decimal("11500.5")),
            ChartMonth("Nov 2026", Decimal(9000), Decimal(2500), None),
        ],
    )
    assert render_png(chart).startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.alt_text == (
        "Forecast vs actual, 2026-Q4. Oct 2026: $12,000 forecast, $1,000 upside, $11,501 "
        "actual; Nov 2026: $9,000 forecast, $2,500 upside."
    )


def test_a_chart_that_cannot_be_drawn_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(ChartError, match="drawing the chart failed"):
        render_png(Chart("x", []))


def uploads(fake_slack):
    return (
        fake_slack.calls_to("files.getUploadURLExternal"),
        [c for c in fake_slack.calls if c.method.startswith("/upload/")],
        fake_slack.calls_to("files.completeUploadExternal"),
    )


def test_ps_forecast_sends_the_chart_to_the_callers_dm(slack, ctx, portfolio, fake_slack):
    ctx.settings = replace(ctx.settings, charts=True)
    reply = slack.ask("forecast")
    assert "A chart of the quarter" in json.dumps(reply["blocks"])
    fake_slack.wait_for("files.completeUploadExternal")
    asked, sent, completed = uploads(fake_slack)
    assert asked[0].params["filename"] == "forecast-2026-Q4.png"
    assert asked[0].params["alt_txt"].startswith("Forecast vs actual, 2026-Q4. Oct 2026:")
    assert int(asked[0].params["length"]) == len(sent[0].params["bytes"])
    assert sent[0].params["bytes"].startswith(b"\x89PNG")
    assert completed[0].params["channel_id"] == "D0PM"


def test_the_accuracy_post_shares_the_chart_after_the_summary(ctx, fake_slack):
    from bot.core.business_days import calendar_of
    from bot.runtime.job_runner import JobRunner
    from bot.runtime.slack_client import create_web_client
    from bot.workflows.deliveries import outbox_for
    from jobs.registry import configured_jobs

    ctx.settings = replace(ctx.settings, charts=True)
    job = next(j for j in configured_jobs(ctx.settings) if j.name == "forecast_accuracy")
    client = create_web_client(ctx.settings.slack_bot_token, ctx.settings.slack_api_url)
    runner = JobRunner(ctx, outbox_for(ctx, client), [job], calendar_of(ctx.settings))
    when = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ET)
    outcome = runner.run(job, "2026-12", when, when)
    assert outcome.status == "sent", outcome
    (summary,) = fake_slack.calls_to("chat.postMessage")
    assert summary.params["channel"] == "C0PMO"
    asked, sent, completed = uploads(fake_slack)
    assert asked[0].params["filename"] == "accuracy-2026-11.png"
    assert sent[0].params["bytes"].startswith(b"\x89PNG")
    assert completed[0].params["channel_id"] == "C0PMO"
