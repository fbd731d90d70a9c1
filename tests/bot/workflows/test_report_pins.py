"""The compiled Top Customer report is pinned in its channel, last week's unpinned."""

import datetime as dt
import logging

import pytest

from bot.core.business_days import calendar_of
from bot.runtime.job_runner import JobRunner
from bot.runtime.slack_client import create_web_client
from bot.workflows.deliveries import outbox_for
from jobs.registry import configured_jobs
from tests.jobs.sample import TUE_OPEN, TUE_REPORT, build_week

NEXT_WEEK = dt.timedelta(days=7)


@pytest.fixture
def week(ctx):
    return build_week(ctx.session_factory)


def runner(ctx, fake_slack):
    client = create_web_client("xoxb-test", fake_slack.api_url)
    jobs = configured_jobs(ctx.settings)
    return JobRunner(ctx, outbox_for(ctx, client), jobs, calendar_of(ctx.settings))


def pins(fake_slack, method):
    return [(c.params["channel"], c.params["timestamp"]) for c in fake_slack.calls_to(method)]


def test_the_report_is_pinned_and_last_weeks_unpinned(ctx, fake_slack, week):
    jobs = runner(ctx, fake_slack)
    assert jobs.run_due("top_customer_report", TUE_REPORT).status == "sent"
    (first,) = pins(fake_slack, "pins.add")
    assert first[0] == "C0PMO"
    assert pins(fake_slack, "pins.remove") == []
    assert jobs.run_due("top_customer_report", TUE_REPORT + NEXT_WEEK).status == "sent"
    added = pins(fake_slack, "pins.add")
    assert len(added) == 2 and added[1] != first
    assert pins(fake_slack, "pins.remove") == [first]


def test_other_jobs_are_not_pinned(ctx, fake_slack, week):
    assert runner(ctx, fake_slack).run_due("top_customer_open", TUE_OPEN).status == "sent"
    assert fake_slack.calls_to("pins.add") == []


def test_a_refused_pin_is_logged_and_the_report_still_counts_as_sent(ctx, fake_slack, week, caplog):
    fake_slack.answer("pins.add", lambda params: {"ok": False, "error": "too_many_pins"})
    with caplog.at_level(logging.WARNING, logger="bot.workflows.report_pins"):
        outcome = runner(ctx, fake_slack).run_due("top_customer_report", TUE_REPORT)
    assert outcome.status == "sent"
    assert "pins_add of the Top Customer report" in caplog.text and "too_many_pins" in caplog.text


def test_already_pinned_is_fine_when_the_hook_runs_again(ctx, fake_slack, week, caplog):
    fake_slack.answer("pins.add", lambda params: {"ok": False, "error": "already_pinned"})
    with caplog.at_level(logging.WARNING, logger="bot.workflows.report_pins"):
        assert runner(ctx, fake_slack).run_due("top_customer_report", TUE_REPORT).status == "sent"
    assert caplog.text == ""
