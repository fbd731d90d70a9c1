"""The kantata_sync job: syncs, posts nothing, and fails visibly with a one-line reason."""

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from bot.core.business_days import BusinessCalendar
from bot.core.context import AppContext
from bot.runtime.job_runner import JobRunner
from bot.runtime.outbox import Outbox
from bot.runtime.schedule import JobSpec, Weekly
from bot.runtime.slack_client import create_web_client
from bot.store.models import JobRun
from jobs.kantata_sync import KantataSyncFailed, run_kantata_sync
from messages.words import SLACK_WORDS
from tests.bot.integrations.kantata.conftest import database_state
from tests.bot.runtime.test_job_runner import race, replicas
from tests.jobs.sample import ET

MONDAY_7AM = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
JOB = JobSpec(
    "kantata_sync", "Sync Kantata", Weekly(0, dt.time(7, 0)), posts=False, run=run_kantata_sync
)


def runner_for(ctx: AppContext, fake_slack) -> JobRunner:
    client = create_web_client("xoxb-test", fake_slack.api_url)
    return JobRunner(ctx, Outbox(ctx, client), [JOB], BusinessCalendar("US"))


def test_it_syncs_and_posts_nothing(ctx, session_factory, fake_slack):
    assert run_kantata_sync(ctx, MONDAY_7AM) == []
    assert len(database_state(session_factory)["bookings"]) == 7
    # People new to psbot are looked up in Slack, so the morning's DMs can reach them.
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 4  # Ben on the bench too


def test_without_a_token_it_does_nothing(ctx, fake_kantata):
    ctx = AppContext(
        replace(ctx.settings, kantata_api_token=""),
        ctx.session_factory,
        ctx.clock,
        words=SLACK_WORDS,
    )
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


def test_a_rejected_token_fails_at_once_in_one_line(ctx, fake_slack, session_factory, caplog):
    ctx = AppContext(
        replace(ctx.settings, kantata_api_token="revoked"),
        ctx.session_factory,
        ctx.clock,
        words=SLACK_WORDS,
    )
    runner = runner_for(ctx, fake_slack)
    outcome = runner.run_due(JOB.name, MONDAY_7AM + dt.timedelta(seconds=30))
    assert outcome.status == "failed"
    with session_factory() as session:
        run = session.scalars(sa.select(JobRun)).one()
    assert run.status == "failed"
    assert run.error.startswith("Kantata sync: Kantata rejected KANTATA_API_TOKEN (401")
    assert "\n" not in run.error
    # Trying again would fail the same way; and a user error is logged without a traceback.
    assert runner.run_due(JOB.name, MONDAY_7AM + dt.timedelta(minutes=1)) is None
    assert [r.exc_info for r in caplog.records if r.levelname == "ERROR"] == [None]
    assert fake_slack.calls_to("chat.postMessage") == []


def test_kantata_down_at_seven_is_synced_on_a_later_tick(
    ctx, fake_slack, fake_kantata, session_factory
):
    runner = runner_for(ctx, fake_slack)
    fake_kantata.fail("workspaces", 503, retry_after="0", times=5)  # each of the 5 attempts
    outcome = runner.run_due(JOB.name, MONDAY_7AM + dt.timedelta(seconds=30))
    assert (outcome.status, outcome.detail) == (
        "retrying",
        "connection lost: Kantata sync: Kantata answered 503 for workspaces page 1 5 times "
        "(the fake was told to fail); try again later",
    )
    assert database_state(session_factory)["projects"] == set()

    outcome = runner.run_due(JOB.name, MONDAY_7AM + dt.timedelta(minutes=1))
    assert (outcome.status, outcome.detail) == ("sent", "0 posts")
    assert len(database_state(session_factory)["bookings"]) == 7


def test_the_runner_records_a_success_without_posting(ctx, fake_slack):
    outcome = runner_for(ctx, fake_slack).run(JOB, "2026-W49", MONDAY_7AM, MONDAY_7AM)
    assert (outcome.status, outcome.detail) == ("sent", "0 posts")
    assert fake_slack.calls_to("chat.postMessage") == []


def test_three_replicas_sync_once_and_log_no_error(
    ctx, database_url, fake_slack, fake_kantata, session_factory, caplog
):
    """Claimed before the work: the others see the claim and never call Kantata."""
    engines, runners = replicas(ctx, database_url, fake_slack, JOB, count=3)
    try:
        outcomes = race(runners, JOB.name, MONDAY_7AM + dt.timedelta(seconds=30))
    finally:
        for engine in engines:
            engine.dispose()
    first_pages = [c for c in fake_kantata.calls_to("workspaces") if c.query["page"] == "1"]
    assert len(first_pages) == 1
    assert outcomes.count("sent") == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    with session_factory() as session:
        assert [r.outcome for r in session.scalars(sa.select(JobRun))] == ["sent"]
    assert len(database_state(session_factory)["bookings"]) == 7


def incremental_job(ctx) -> JobSpec:
    from jobs.registry import configured_jobs

    return next(job for job in configured_jobs(ctx.settings) if job.name == "kantata_incremental")


def test_every_fifteen_minutes_one_replica_syncs_what_changed(
    ctx, database_url, fake_slack, fake_kantata, session_factory, clock
):
    from bot.store.db import make_engine, make_session_factory

    clock.set(MONDAY_7AM)
    run_kantata_sync(ctx, MONDAY_7AM)  # the weekly full sync
    fake_kantata.change(
        "workspace_allocations", "32", MONDAY_7AM + dt.timedelta(hours=1), minutes=960
    )
    fake_kantata.calls.clear()
    job = incremental_job(ctx)
    slot = dt.datetime(2026, 11, 30, 9, 15, tzinfo=ET)
    clock.set(slot + dt.timedelta(seconds=20))
    engines = [make_engine(database_url) for _ in range(3)]
    runners = [
        JobRunner(
            AppContext(ctx.settings, make_session_factory(e), ctx.clock, words=SLACK_WORDS),
            Outbox(ctx, create_web_client("xoxb-test", fake_slack.api_url)),
            [job],
            BusinessCalendar("US"),
        )
        for e in engines
    ]
    outcomes = [runner.run_due(job.name, clock()) for runner in runners]
    for engine in engines:
        engine.dispose()
    assert [o.status if o else None for o in outcomes] == ["sent", None, None]
    with session_factory() as session:
        periods = session.scalars(sa.select(JobRun.period).where(JobRun.job == job.name)).all()
    assert periods == ["2026-11-30T09:15"]
    assert len(fake_kantata.calls_to("workspace_allocations")) == 2  # the changes, a count
    bookings = database_state(session_factory)["bookings"]
    assert ("SOW-1", "pat@example.com", "PSE", dt.date(2026, 12, 21), 16, "soft", 180) in bookings


def test_a_slot_missed_is_not_recorded_nor_run_late(ctx, fake_slack, session_factory, clock):
    job = incremental_job(ctx)
    runner = JobRunner(
        ctx,
        Outbox(ctx, create_web_client("xoxb-test", fake_slack.api_url)),
        [job],
        BusinessCalendar("US"),
    )
    late = dt.datetime(2026, 11, 30, 18, 20, tzinfo=ET)  # the last slot, 18:00, is 20 min old
    clock.set(late)
    assert runner.run_due(job.name, late) is None
    with session_factory() as session:
        assert session.scalars(sa.select(JobRun)).all() == []
