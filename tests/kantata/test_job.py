"""The kantata_sync job: syncs, posts nothing, and fails visibly with a one-line reason."""

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from bot.app import create_web_client
from bot.business_days import BusinessCalendar
from bot.context import AppContext
from bot.job_runner import JobRunner
from bot.models import JobRun
from bot.outbox import Outbox
from bot.schedule import JobSpec, Weekly
from jobs.kantata_sync import KantataSyncFailed, run_kantata_sync
from tests.kantata.conftest import database_state

MONDAY_7AM = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
JOB = JobSpec("kantata_sync", "Sync Kantata", Weekly(0, dt.time(7, 0)), run_kantata_sync)


def runner_for(ctx: AppContext, fake_slack) -> JobRunner:
    client = create_web_client("xoxb-test", fake_slack.api_url)
    return JobRunner(ctx, Outbox(ctx, client), [JOB], BusinessCalendar("US"))


def test_it_syncs_and_posts_nothing(ctx, session_factory, fake_slack):
    assert run_kantata_sync(ctx, MONDAY_7AM) == []
    assert len(database_state(session_factory)["bookings"]) == 7
    # People new to psbot are looked up in Slack, so the morning's DMs can reach them.
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 3


def test_without_a_token_it_does_nothing(ctx, fake_kantata):
    ctx = AppContext(replace(ctx.settings, kantata_api_token=""), ctx.session_factory, ctx.clock)
    assert run_kantata_sync(ctx, MONDAY_7AM) == []
    assert fake_kantata.calls == []


def test_a_failure_raises_one_line(ctx, fake_kantata, session_factory):
    fake_kantata.objects["workspace_allocations"]["31"].pop("hard")
    with pytest.raises(KantataSyncFailed) as error:
        run_kantata_sync(ctx, MONDAY_7AM)
    assert str(error.value) == (
        "Kantata sync: unexpected Kantata payload: workspace allocation 31 has no 'hard'"
    )
    assert database_state(session_factory)["projects"] == set()


def test_the_runner_records_a_failure_for_the_admins(ctx, fake_slack, session_factory):
    ctx = AppContext(
        replace(ctx.settings, kantata_api_token="revoked"), ctx.session_factory, ctx.clock
    )
    outcome = runner_for(ctx, fake_slack).run(JOB, "2026-W49", MONDAY_7AM, MONDAY_7AM)
    assert outcome.status == "failed"
    with session_factory() as session:
        run = session.scalars(sa.select(JobRun)).one()
    assert run.status == "failed"
    assert run.error.startswith(
        "building the posts failed: Kantata sync: Kantata rejected KANTATA_API_TOKEN (401"
    )
    assert "\n" not in run.error
    assert fake_slack.calls_to("chat.postMessage") == []


def test_the_runner_records_a_success_without_posting(ctx, fake_slack):
    outcome = runner_for(ctx, fake_slack).run(JOB, "2026-W49", MONDAY_7AM, MONDAY_7AM)
    assert (outcome.status, outcome.detail) == ("sent", "0 posts")
    assert fake_slack.calls_to("chat.postMessage") == []
