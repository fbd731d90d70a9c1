"""Exactly-once scheduled runs: claims, restarts, replicas, rate limits and outages.

Time never passes for real: every call says what `now` is.
"""

import dataclasses
import datetime as dt
import logging
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.core.business_days import BusinessCalendar, calendar_of
from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.runtime.job_runner import MISSED_RUNS_LOOKBACK, JobRunner, one_off_period
from bot.runtime.outbox import Outbox, Post
from bot.runtime.schedule import JobSpec, Weekly
from bot.runtime.slack_client import create_web_client
from bot.store.db import make_engine, make_session_factory
from bot.store.models import JobRun, OutboxEntry
from jobs.registry import configured_jobs
from messages.words import SLACK_WORDS
from tests.jobs.sample import ET, build_week

# Monday 30 November 2026, 08:00 in New York.
MONDAY_8 = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)
PERIOD = "2026-W49"
GRACE = dt.timedelta(hours=2)


def posts_of(*texts, thread_from=1):
    return [Post("", text, in_thread=index >= thread_from) for index, text in enumerate(texts)]


def spec(run=None, **overrides):
    return JobSpec(
        name="forecast_prep",
        summary="test job",
        schedule=Weekly(0, dt.time(8, 0)),
        run=run or (lambda ctx, now: posts_of("hello")),
        channel="C0PMO",
        grace=GRACE,
        **overrides,
    )


def runner_for(ctx, fake_slack, job=None, client=None):
    # No retry handlers by default, so failures are immediate; one test uses psbot's client.
    client = client or WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    return JobRunner(ctx, Outbox(ctx, client), [job or spec()], BusinessCalendar("US"))


def runs(ctx):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(JobRun).order_by(JobRun.id)))


def posted(fake_slack):
    return [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")]


def test_a_due_run_is_posted_once(ctx, fake_slack):
    runner = runner_for(ctx, fake_slack)
    first = runner.run_due("forecast_prep", MONDAY_8)
    second = runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1))
    assert first.status == "sent" and second is None
    job = runner.jobs["forecast_prep"]
    assert runner.run(job, PERIOD, MONDAY_8, MONDAY_8).status == "already claimed"
    assert posted(fake_slack) == ["hello"]
    (run,) = runs(ctx)
    assert (run.job, run.period, run.outcome, run.outbox.sent) == (
        "forecast_prep",
        PERIOD,
        "sent",
        1,
    )
    assert fake_slack.calls_to("chat.postMessage")[0].params["channel"] == "C0PMO"


def test_before_its_time_the_previous_period_is_not_rerun(ctx, fake_slack):
    runner = runner_for(ctx, fake_slack)
    # Sunday: the last run was a week ago, long past its grace window.
    outcome = runner.run_due("forecast_prep", MONDAY_8 - dt.timedelta(days=1))
    assert outcome.status == "skipped" and outcome.period == "2026-W48"
    assert posted(fake_slack) == []


def test_restart_in_the_window_posts_the_missed_run_late_and_once(ctx, fake_slack):
    late = MONDAY_8 + dt.timedelta(minutes=90)
    assert runner_for(ctx, fake_slack).tick(late)[0].status == "sent"
    # Another restart a minute later: already done.
    assert runner_for(ctx, fake_slack).tick(late + dt.timedelta(minutes=1)) == []
    assert posted(fake_slack) == ["hello"]


def test_a_run_missed_beyond_its_grace_is_skipped_and_logged(ctx, fake_slack, caplog):
    too_late = MONDAY_8 + GRACE + dt.timedelta(minutes=1)
    with caplog.at_level(logging.WARNING):
        (outcome,) = runner_for(ctx, fake_slack).tick(too_late)
    assert outcome.status == "skipped"
    assert "past its 2:00:00 grace window: skipped" in caplog.text
    assert posted(fake_slack) == []
    assert runner_for(ctx, fake_slack).tick(too_late + dt.timedelta(hours=1)) == []
    assert [r.outcome for r in runs(ctx)] == ["skipped"]


def test_disabled_jobs_do_not_run(ctx, fake_slack):
    runner = runner_for(ctx, fake_slack, spec(enabled=False))
    assert runner.tick(MONDAY_8) == []
    assert runs(ctx) == []


def replicas(ctx, database_url, fake_slack, job, count=4):
    """`count` runners of `job`, each on an engine of its own, as separate processes
    would be; (their engines, to dispose of, and the runners)."""
    engines = [make_engine(database_url) for _ in range(count)]
    runners = [
        runner_for(
            AppContext(ctx.settings, make_session_factory(engine), ctx.clock, words=SLACK_WORDS),
            fake_slack,
            job,
        )
        for engine in engines
    ]
    return engines, runners


def race(runners, name, now):
    """Every runner runs `name`'s due run at once; each one's outcome status."""
    barrier = threading.Barrier(len(runners))
    outcomes = []

    def one(runner):
        barrier.wait()
        outcome = runner.run_due(name, now)
        outcomes.append(outcome.status if outcome else "saw it claimed")

    threads = [threading.Thread(target=one, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_schedulers_on_one_database_post_each_run_once(ctx, database_url, fake_slack):
    """Two processes' worth of runners, each with its own engine, racing for the run."""
    engines, runners = replicas(ctx, database_url, fake_slack, spec())
    try:
        outcomes = race(runners, "forecast_prep", MONDAY_8)
    finally:
        for engine in engines:
            engine.dispose()
    assert outcomes.count("sent") == 1
    assert set(outcomes) - {"sent"} <= {"already claimed", "saw it claimed"}
    assert posted(fake_slack) == ["hello"]


def test_a_job_still_running_is_not_started_again_by_the_next_tick(ctx, fake_slack):
    """The scheduled fire still building (a sync waiting on Kantata) when the minute tick
    comes: the tick leaves it alone rather than run it a second time alongside."""
    building, release = threading.Event(), threading.Event()
    builds = []

    def slow_build(ctx, now):
        builds.append(now)
        if len(builds) == 1:
            building.set()
            assert release.wait(timeout=10)
        return posts_of("hello")

    runner = runner_for(ctx, fake_slack, spec(run=slow_build))
    first = []
    fire = threading.Thread(target=lambda: first.append(runner.run_due("forecast_prep", MONDAY_8)))
    fire.start()
    try:
        assert building.wait(timeout=10)
        assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)) is None
        assert len(builds) == 1
    finally:
        release.set()
        fire.join(timeout=10)
    assert first[0].status == "sent"
    assert posted(fake_slack) == ["hello"]
    # Once it has ended, the job runs again when due.
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(days=7)).status == "sent"


def test_rate_limited_then_accepted_is_posted_once(ctx, fake_slack):
    fake_slack.fail("chat.postMessage", 429, retry_after=1)
    client = create_web_client("xoxb-test", fake_slack.api_url)
    outcome = runner_for(ctx, fake_slack, client=client).run_due("forecast_prep", MONDAY_8)
    assert outcome.status == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # the 429, then the post
    assert runs(ctx)[0].outbox.sent == 1


def test_slack_down_for_the_whole_grace_window_fails_and_never_posts_later(ctx, fake_slack, caplog):
    fake_slack.fail("chat.postMessage", 503, times=10_000)
    runner = runner_for(ctx, fake_slack)
    assert runner.run_due("forecast_prep", MONDAY_8).status == "retrying"
    now, statuses = MONDAY_8, []
    with caplog.at_level(logging.ERROR):
        while now < MONDAY_8 + GRACE + dt.timedelta(hours=1):
            now += dt.timedelta(minutes=1)
            statuses.extend(outcome.status for outcome in runner.tick(now))
    (run,) = runs(ctx)
    assert run.outcome == "failed" and "503" in run.problem
    assert statuses[-1] == "failed" and set(statuses[:-1]) == {"retrying"}
    assert "failed for good" in caplog.text
    attempts = len(fake_slack.calls_to("chat.postMessage"))
    # Backoff 1, 2, 4, 8, then every 15 minutes: 30 minutes for five tries, six more after.
    assert 10 <= attempts <= 13
    fake_slack.reset()
    assert runner.tick(now + dt.timedelta(days=1)) == []  # next week's run is not due yet
    assert posted(fake_slack) == []


def test_a_retry_resumes_after_the_last_delivered_post_in_its_thread(ctx, fake_slack):
    job = spec(run=lambda ctx, now: posts_of("part 1", "part 2", "part 3"))
    runner = runner_for(ctx, fake_slack, job)
    calls = []
    original = fake_slack.handle

    def fail_second(path, params, headers):
        if not path.endswith("chat.postMessage"):  # a 500 leaves it unsure: psbot looks first
            return original(path, params, headers)
        calls.append(params.get("text"))
        if params.get("text") == "part 2" and calls.count("part 2") == 1:
            return 500, {"ok": False, "error": "internal_error"}, {}
        return original(path, params, headers)

    fake_slack.handle = fail_second
    try:
        assert runner.run_due("forecast_prep", MONDAY_8).status == "retrying"
        assert runner.tick(MONDAY_8 + dt.timedelta(minutes=1))[0].status == "sent"
    finally:
        fake_slack.handle = original
    assert calls == ["part 1", "part 2", "part 2", "part 3"]
    first_ts = runs(ctx)[0].outbox.first_ts
    assert first_ts
    replies = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert [c.params["text"] for c in replies] == ["part 2", "part 3"]
    assert {c.params["thread_ts"] for c in replies} == {first_ts}


def test_a_run_abandoned_mid_delivery_is_taken_over_after_its_lease(ctx, fake_slack):
    with ctx.session_factory.begin() as session:
        entry = OutboxEntry(
            key=f"job:forecast_prep:{PERIOD}",
            kind="job",
            status="sending",
            lease_until=MONDAY_8 + dt.timedelta(minutes=5),
            attempts=1,
            sent=0,
            posts=[Post("C0PMO", "left behind").as_dict()],
            deadline=MONDAY_8 + GRACE,
            created_at=MONDAY_8,
        )
        session.add(entry)
        session.flush()
        session.add(
            JobRun(
                job="forecast_prep",
                period=PERIOD,
                status="queued",
                scheduled_at=MONDAY_8,
                claimed_at=MONDAY_8,
                outbox_id=entry.id,
            )
        )
    runner = runner_for(ctx, fake_slack)
    assert runner.tick(MONDAY_8 + dt.timedelta(minutes=2)) == []  # its owner may be alive
    (outcome,) = runner.tick(MONDAY_8 + dt.timedelta(minutes=6))
    assert outcome.status == "sent"
    assert posted(fake_slack) == ["left behind"]


def test_a_job_that_crashes_is_marked_failed_and_posts_nothing(ctx, fake_slack, caplog):
    def broken(ctx, now):
        raise RuntimeError("bookings table on fire")

    runner = runner_for(ctx, fake_slack, spec(run=broken))
    outcome = runner.run_due("forecast_prep", MONDAY_8)
    assert outcome.status == "failed"
    assert "bookings table on fire" in runs(ctx)[0].error
    # A bug fails the same way every time: it is not retried every minute.
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)) is None
    assert posted(fake_slack) == []
    assert caplog.records[-1].exc_info is not None  # a bug's traceback is logged


def test_a_user_error_fails_in_one_line_without_a_traceback(ctx, fake_slack, caplog):
    def misconfigured(ctx, now):
        raise UserError("SOME_TOKEN was rejected; set it to a valid one")

    outcome = runner_for(ctx, fake_slack, spec(run=misconfigured)).run_due(
        "forecast_prep", MONDAY_8
    )
    assert (outcome.status, outcome.detail) == (
        "failed",
        "SOME_TOKEN was rejected; set it to a valid one",
    )
    assert runs(ctx)[0].error == "SOME_TOKEN was rejected; set it to a valid one"
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged.exc_info is None
    assert logged.getMessage() == (
        "job forecast_prep 2026-W49 failed: SOME_TOKEN was rejected; set it to a valid one"
    )


def reading_the_database(outage, down_for):
    """A job that counts job runs, meeting a lost database connection on its first
    `down_for` tries (OperationalError from the real driver); the database is fine after."""
    down, up = outage
    tries = []

    def run(ctx, now):
        tries.append(now)
        if len(tries) <= down_for:
            down()
        try:
            with ctx.session_factory() as session:
                count = session.scalar(sa.select(sa.func.count(JobRun.id)))
        finally:
            up()
        return posts_of(f"{count} runs so far")

    return run


def test_a_connection_lost_while_building_is_retried_next_minute(ctx, fake_slack, outage):
    runner = runner_for(ctx, fake_slack, spec(run=reading_the_database(outage, down_for=1)))
    first = runner.run_due("forecast_prep", MONDAY_8)
    assert first.status == "retrying" and "unable to open database file" in first.detail
    assert runs(ctx) == []  # left unclaimed
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)).status == "sent"
    assert posted(fake_slack) == ["0 runs so far"]
    assert [run.outcome for run in runs(ctx)] == ["sent"]


def caused_by(error, cause):
    error.__cause__ = cause  # as `raise error from cause` leaves it
    return error


@pytest.mark.parametrize(
    "lost",
    [
        ConnectionResetError("Connection reset by peer"),
        DBAPIError(
            "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
        ),
        # kantata_sync wraps database errors in its own one-line error.
        caused_by(
            RuntimeError("Kantata sync: database error"),
            OperationalError("SELECT 1", {}, Exception("connection refused")),
        ),
    ],
)
def test_any_lost_connection_leaves_the_run_to_the_next_minute(ctx, fake_slack, lost):
    tries = []

    def flaky(ctx, now):
        tries.append(now)
        if len(tries) == 1:
            raise lost
        return posts_of("hello")

    runner = runner_for(ctx, fake_slack, spec(run=flaky))
    assert runner.run_due("forecast_prep", MONDAY_8).status == "retrying"
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)).status == "sent"
    assert posted(fake_slack) == ["hello"]


def test_a_database_bug_is_failed_at_once_not_retried(ctx, fake_slack):
    def broken(ctx, now):
        raise OperationalError(
            "SELECT mood FROM notes", {}, sqlite3.OperationalError("no such column: notes.mood")
        )

    runner = runner_for(ctx, fake_slack, spec(run=broken))
    outcome = runner.run_due("forecast_prep", MONDAY_8)
    assert outcome.status == "failed"
    assert "no such column: notes.mood" in outcome.detail
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)) is None


def test_a_connection_lost_until_the_window_closes_fails_and_is_logged(
    ctx, fake_slack, outage, caplog
):
    runner = runner_for(ctx, fake_slack, spec(run=reading_the_database(outage, down_for=10_000)))
    statuses = [
        runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=minutes)).status
        for minutes in (0, 1, 60, 120)
    ]
    assert statuses == ["retrying"] * 4
    with caplog.at_level(logging.ERROR):
        outcome = runner.run_due("forecast_prep", MONDAY_8 + GRACE + dt.timedelta(minutes=1))
    assert outcome.status == "failed"
    (run,) = runs(ctx)
    assert run.outcome == "failed" and "connection lost until it was too late" in run.error
    assert "job forecast_prep 2026-W49 failed for good" in caplog.text
    assert runner.run_due("forecast_prep", MONDAY_8 + GRACE + dt.timedelta(minutes=2)) is None
    assert posted(fake_slack) == []


def test_every_run_missed_during_a_long_outage_is_skipped_and_logged(ctx, fake_slack, caplog):
    runner = runner_for(ctx, fake_slack)
    assert runner.run_due("forecast_prep", MONDAY_8).status == "sent"
    back = MONDAY_8 + dt.timedelta(weeks=3, hours=3)  # down from W50 to W52's Monday noon
    with caplog.at_level(logging.WARNING):
        outcome = runner.run_due("forecast_prep", back)
    assert (outcome.period, outcome.status) == ("2026-W52", "skipped")
    assert [(run.period, run.outcome) for run in runs(ctx)] == [
        ("2026-W49", "sent"),
        ("2026-W50", "skipped"),
        ("2026-W51", "skipped"),
        ("2026-W52", "skipped"),
    ]
    for period in ("2026-W50", "2026-W51", "2026-W52"):
        assert f"job forecast_prep {period} was missed by" in caplog.text
    assert runner.run_due("forecast_prep", back + dt.timedelta(minutes=1)) is None


def test_a_one_off_run_does_not_hide_the_runs_missed_before_it(ctx, fake_slack):
    runner = runner_for(ctx, fake_slack)
    runner.run_due("forecast_prep", MONDAY_8)
    job = runner.jobs["forecast_prep"]
    preview = MONDAY_8 + dt.timedelta(weeks=2, hours=-1)  # as `jobs run --at` W51 07:00
    runner.run(job, one_off_period("2026-W51", "one-off"), preview, preview)
    back = MONDAY_8 + dt.timedelta(weeks=2, hours=1)  # W51's Monday 09:00, within grace
    assert runner.run_due("forecast_prep", back).status == "sent"
    scheduled = [(run.period, run.outcome) for run in runs(ctx) if " " not in run.period]
    assert scheduled == [("2026-W49", "sent"), ("2026-W50", "skipped"), ("2026-W51", "sent")]


def test_after_years_down_only_the_last_year_of_missed_runs_is_recorded(ctx, fake_slack):
    runner = runner_for(ctx, fake_slack)
    runner.run_due("forecast_prep", MONDAY_8)
    back = MONDAY_8 + dt.timedelta(days=3 * 365)
    assert runner.run_due("forecast_prep", back).status == "skipped"
    skipped = [run for run in runs(ctx) if run.outcome == "skipped"]
    assert 50 <= len(skipped) <= 53
    assert min(run.scheduled_at for run in skipped) >= back - MISSED_RUNS_LOOKBACK


def test_a_report_caught_up_the_next_week_reports_its_own_week(ctx, fake_slack):
    settings = dataclasses.replace(ctx.settings, job_grace_minutes=7 * 24 * 60)
    runner = registry_runner(dataclasses.replace(ctx, settings=settings), fake_slack)
    back = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ET)  # down from W49's Tuesday to W50's Monday
    outcome = runner.run_due("top_customer_report", back)
    assert (outcome.period, outcome.status) == ("2026-W49", "sent")
    (report, *_) = fake_slack.calls_to("chat.postMessage")
    assert report.params["text"].startswith("Top Customer report — 2026-W49")


def registry_runner(ctx, fake_slack):
    """The real jobs, as `psbot run` configures them, on the sample week."""
    build_week(ctx.session_factory)
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    jobs = configured_jobs(ctx.settings)
    return JobRunner(ctx, Outbox(ctx, client), jobs, calendar_of(ctx.settings))


@pytest.mark.parametrize(
    ("back_at", "status"),
    [(dt.time(10, 59), "sent"), (dt.time(11, 0, 1), "skipped")],
)
def test_the_forecast_nudge_is_not_posted_after_the_11_00_deadline(
    ctx, fake_slack, caplog, back_at, status
):
    now = dt.datetime.combine(dt.date(2026, 11, 30), back_at, tzinfo=ET)  # within grace
    with caplog.at_level(logging.WARNING):
        outcome = registry_runner(ctx, fake_slack).run_due("forecast_nudge", now)
    assert outcome.status == status
    dms = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == "U0PAM"]
    assert len(dms) == (status == "sent")
    if status == "skipped":
        assert "past its deadline, Mon 11:00 EST: skipped" in caplog.text


def test_back_after_the_notes_deadline_the_report_posts_and_the_nudge_does_not(ctx, fake_slack):
    runner = registry_runner(ctx, fake_slack)
    outcomes = runner.tick(dt.datetime(2026, 12, 1, 16, 10, tzinfo=ET))  # down 14:50-16:10
    statuses = {outcome.job: outcome.status for outcome in outcomes}
    assert statuses["top_customer_nudge"] == "skipped"
    assert statuses["top_customer_report"] == "sent"
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["C0PMO"]


def test_a_nudge_is_not_retried_into_slack_past_its_deadline(ctx, fake_slack):
    fake_slack.fail("chat.postMessage", 503, times=10_000)
    runner = registry_runner(ctx, fake_slack)
    nudge_time = dt.datetime(2026, 12, 1, 15, 0, tzinfo=ET)
    assert runner.run_due("top_customer_nudge", nudge_time).status == "retrying"
    fake_slack.reset()  # Slack is back at 16:05, after the 16:00 deadline
    (outcome,) = [
        o
        for o in runner.tick(nudge_time + dt.timedelta(minutes=65))
        if o.job == "top_customer_nudge"
    ]
    assert outcome.status == "failed"
    dms = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] != "C0PMO"]
    assert dms == []


@pytest.mark.parametrize("channel", ["", "C0OTHER"])
def test_posts_go_to_the_jobs_channel_unless_addressed(ctx, fake_slack, channel):
    job = spec(run=lambda ctx, now: [Post(channel, "x"), Post("U0PM", "dm")])
    runner_for(ctx, fake_slack, job).run_due("forecast_prep", MONDAY_8)
    channels = [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert channels == [channel or "C0PMO", "U0PM"]


def test_the_scheduler_catches_up_as_soon_as_it_starts(ctx, fake_slack):
    from bot.runtime.scheduler import start_scheduler

    ctx.clock.set(MONDAY_8 + dt.timedelta(minutes=30))  # started late in the window
    scheduler = start_scheduler(runner_for(ctx, fake_slack))
    try:
        fake_slack.wait_for("chat.postMessage")
        assert {job.id for job in scheduler.get_jobs()} == {"forecast_prep", "catch_up_and_retry"}
    finally:
        scheduler.shutdown(wait=True)
    assert posted(fake_slack) == ["hello"]
    assert runs(ctx)[0].outcome == "sent"


# --- a job that posts nothing: claimed before its work --------------------------------------


def silent_spec(work):
    return spec(run=work, posts=False)


def test_work_that_posts_nothing_is_done_once_across_replicas(
    ctx, database_url, fake_slack, caplog
):
    done = []
    lock = threading.Lock()

    def work(ctx, now):
        with lock:
            done.append(now)
        threading.Event().wait(0.2)  # the others arrive while this one works
        return []

    engines, runners = replicas(ctx, database_url, fake_slack, silent_spec(work))
    try:
        outcomes = race(runners, "forecast_prep", MONDAY_8)
    finally:
        for engine in engines:
            engine.dispose()
    assert len(done) == 1
    assert outcomes.count("sent") == 1
    assert set(outcomes) - {"sent"} <= {"already claimed", "saw it claimed"}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    (run,) = runs(ctx)
    assert (run.outcome, run.error) == ("sent", "")


def test_while_it_works_the_run_shows_running_and_a_second_runner_waits(ctx, fake_slack):
    working, release = threading.Event(), threading.Event()
    seen = []

    def work(ctx, now):
        working.set()
        assert release.wait(timeout=10)
        return []

    job = silent_spec(work)
    first = threading.Thread(
        target=lambda: runner_for(ctx, fake_slack, job).run_due(job.name, MONDAY_8)
    )
    first.start()
    try:
        assert working.wait(timeout=10)
        seen.append([r.outcome for r in runs(ctx)])
        other = runner_for(ctx, fake_slack, job)
        seen.append(other.run_due(job.name, MONDAY_8 + dt.timedelta(minutes=1)))
    finally:
        release.set()
        first.join(timeout=10)
    assert seen == [["running"], None]
    assert [r.outcome for r in runs(ctx)] == ["sent"]


def test_a_claim_left_running_by_a_dead_process_is_taken_over_after_its_lease(ctx, fake_slack):
    from bot.runtime.job_runner import RUNNING_LEASE

    with ctx.session_factory.begin() as session:
        session.add(
            JobRun(
                job="forecast_prep",
                period=PERIOD,
                status="queued",
                scheduled_at=MONDAY_8,
                claimed_at=MONDAY_8,
            )
        )
    done = []
    job = dataclasses.replace(silent_spec(lambda ctx, now: done.append(now) or []), grace=GRACE)
    runner = runner_for(ctx, fake_slack, job)
    assert runner.run_due(job.name, MONDAY_8 + dt.timedelta(minutes=5)) is None
    assert done == []
    later = MONDAY_8 + RUNNING_LEASE + dt.timedelta(minutes=1)
    assert runner.run_due(job.name, later).status == "sent"
    assert done == [MONDAY_8]
    assert [r.outcome for r in runs(ctx)] == ["sent"]


def test_silent_work_that_fails_is_recorded_failed_once(ctx, fake_slack, caplog):
    calls = []

    def work(ctx, now):
        calls.append(now)
        raise UserError("Kantata sync: Kantata rejected KANTATA_API_TOKEN (401 Unauthorized)")

    runner = runner_for(ctx, fake_slack, silent_spec(work))
    outcome = runner.run_due("forecast_prep", MONDAY_8)
    assert (outcome.status, outcome.detail) == (
        "failed",
        "Kantata sync: Kantata rejected KANTATA_API_TOKEN (401 Unauthorized)",
    )
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)) is None
    assert len(calls) == 1
    assert [(r.outcome, r.error[:12]) for r in runs(ctx)] == [("failed", "Kantata sync")]


def test_silent_work_cut_short_by_a_lost_connection_is_given_back_and_retried(ctx, fake_slack):
    calls = []

    def work(ctx, now):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("Kantata is down")
        return []

    runner = runner_for(ctx, fake_slack, silent_spec(work))
    assert runner.run_due("forecast_prep", MONDAY_8).status == "retrying"
    assert runs(ctx) == []
    assert runner.run_due("forecast_prep", MONDAY_8 + dt.timedelta(minutes=1)).status == "sent"
    assert len(calls) == 2
