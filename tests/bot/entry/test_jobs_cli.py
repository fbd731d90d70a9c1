"""`psbot jobs list` and `psbot jobs run`, in process, at a frozen wall-clock time."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from slack_sdk import WebClient

from bench.fake_kantata import TOKEN as KANTATA_TOKEN
from bot.core.business_days import calendar_of
from bot.entry.cli import main
from bot.runtime.job_runner import JobRunner
from bot.runtime.outbox import Outbox
from jobs.registry import JOB_NAMES, configured_jobs
from tests.bot.entry.test_cli import env  # noqa: F401 - the clean-environment fixture
from tests.bot.integrations.kantata.conftest import fake_kantata, fake_kantata_server  # noqa: F401

ET = ZoneInfo("America/New_York")


def wall_clock(iso: str):
    """Freeze the clock `psbot` reads at `iso`, US Eastern."""
    return freeze_time(dt.datetime.fromisoformat(iso).replace(tzinfo=ET))


@pytest.fixture
def migrated(env, engine, database_url, fake_slack):  # noqa: F811
    env.setenv("DATABASE_URL", database_url)
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    env.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    env.setenv("PSBOT_PMO_CHANNEL", "C0PMO")
    assert main(["migrate"]) == 0
    return env


def test_jobs_list_shows_every_job_with_its_schedule(migrated, capsys):
    capsys.readouterr()
    assert main(["jobs", "list"]) == 0
    out = capsys.readouterr().out
    assert "Times are America/New_York." in out
    for name in JOB_NAMES:
        assert name in out
    assert "Mondays 08:00, next business day if a holiday" in out
    assert "3 business days before month end, 09:00" in out
    assert out.count("never run") == len(JOB_NAMES)


def test_jobs_run_posts_once_then_needs_force(migrated, capsys, fake_slack):
    capsys.readouterr()
    with wall_clock("2026-11-30T09:30"):
        assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T08:00"]) == 0
        assert "forecast_prep 2026-W49: sent" in capsys.readouterr().out
        assert len(fake_slack.calls_to("chat.postMessage")) >= 1
        posts = len(fake_slack.calls_to("chat.postMessage"))

        assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T09:00"]) == 0
        assert capsys.readouterr().out == (
            "forecast_prep 2026-W49: sent Mon 2026-11-30 08:00; --force posts it again\n"
        )
        assert len(fake_slack.calls_to("chat.postMessage")) == posts

    assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T09:00", "--force"]) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 * posts

    assert main(["jobs", "list"]) == 0
    assert "last 2026-W49" in capsys.readouterr().out


def test_a_failed_delivery_exits_non_zero(migrated, capsys, fake_slack):
    fake_slack.fail("chat.postMessage", 400)
    with wall_clock("2026-12-01T16:05"):
        assert main(["jobs", "run", "top_customer_report", "--at", "2026-12-01T16:00"]) == 1
    assert "retrying" in capsys.readouterr().out


def report_lines(fake_slack) -> list[str]:
    return [
        call.params["text"]
        for call in fake_slack.calls_to("chat.postMessage")
        if call.params["text"].startswith("Top Customer report")
    ]


def test_a_preview_before_the_scheduled_time_leaves_the_scheduled_run(migrated, capsys, fake_slack):
    capsys.readouterr()
    with wall_clock("2026-12-01T14:00"):
        assert main(["jobs", "run", "top_customer_report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("top_customer_report 2026-W49 one-off 2026-12-01T14:00:00: sent")
    assert out.endswith("; the scheduled run still posts Tue 2026-12-01 16:00\n")

    with wall_clock("2026-12-01T16:10"):  # run now, after 16:00: it is the week's run
        assert main(["jobs", "run", "top_customer_report"]) == 0
        assert capsys.readouterr().out == "top_customer_report 2026-W49: sent (1 post)\n"
        assert main(["jobs", "run", "top_customer_report"]) == 0
    assert "2026-W49: sent Tue 2026-12-01 16:10; --force" in capsys.readouterr().out
    assert len(report_lines(fake_slack)) == 2


def test_a_run_at_a_future_time_leaves_that_periods_run(migrated, capsys, fake_slack):
    capsys.readouterr()
    with wall_clock("2026-11-25T09:00"):
        assert main(["jobs", "run", "top_customer_open", "--at", "2026-12-08T12:00"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("top_customer_open 2026-W50 one-off 2026-11-25T09:00:00: sent")
    assert "the scheduled run still posts Tue 2026-12-08 12:00" in out

    with wall_clock("2026-12-01T12:01"):
        assert main(["jobs", "run", "top_customer_open", "--at", "2026-12-01T12:00"]) == 0
        capsys.readouterr()
        # The last outcome is the schedule's, not the preview "run" as if on Dec 8.
        assert main(["jobs", "list"]) == 0
        (line,) = [x for x in capsys.readouterr().out.splitlines() if "top_customer_open" in x]
        assert "last 2026-W49 sent Tue 12-01 12:00" in line

    with wall_clock("2026-12-08T12:01"):
        assert main(["jobs", "run", "top_customer_open", "--at", "2026-12-08T12:00"]) == 0
    assert capsys.readouterr().out.startswith("top_customer_open 2026-W50: sent")


def skip_while_down(runner, job):
    """psbot was down all Tuesday afternoon: at 19:00 the 16:00 run is past its grace."""
    runner.run_due(job.name, dt.datetime(2026, 12, 1, 19, 0, tzinfo=ET))


def fail_to_build(runner, job):
    def broken(ctx, now):
        raise RuntimeError("the notes table is locked\nSQL: SELECT ...")

    at = dt.datetime(2026, 12, 1, 16, 0, tzinfo=ET)
    runner.run(replace(job, run=broken), "2026-W49", at, at)


@pytest.mark.parametrize(
    ("earlier", "said"),
    [
        (skip_while_down, "skipped Tue 2026-12-01 19:00 (missed by 3:00:00)"),
        (
            fail_to_build,
            "failed Tue 2026-12-01 16:00 (building the posts failed: the notes table is locked)",
        ),
    ],
)
def test_a_period_that_posted_nothing_says_what_happened_and_exits_1(
    migrated, ctx, capsys, fake_slack, earlier, said
):
    jobs = configured_jobs(ctx.settings)
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    runner = JobRunner(ctx, Outbox(ctx, client), jobs, calendar_of(ctx.settings))
    earlier(runner, next(job for job in jobs if job.name == "top_customer_report"))
    capsys.readouterr()
    with wall_clock("2026-12-01T19:05"):
        assert main(["jobs", "run", "top_customer_report", "--at", "2026-12-01T19:05"]) == 1
    assert capsys.readouterr().out == (
        f"top_customer_report 2026-W49: {said}; --force posts it now\n"
    )
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["jobs", "run", "nosuch"],
            "unknown job 'nosuch'; jobs are: kantata_sync, forecast_prep, ",
        ),
        (["jobs", "run", "forecast_prep", "--at", "monday"], "--at must be an ISO-8601"),
    ],
)
def test_jobs_run_errors_are_one_line(migrated, capsys, args, message):
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.fixture
def kantata(migrated, fake_kantata):  # noqa: F811
    migrated.setenv("KANTATA_API_URL", fake_kantata.api_url)
    migrated.setenv("KANTATA_API_TOKEN", "wrong")
    return migrated


def test_kantata_sync_reports_what_this_run_did(kantata, capsys, caplog):
    capsys.readouterr()
    with wall_clock("2026-11-30T07:30"):
        assert main(["jobs", "run", "kantata_sync"]) == 1
    rejected = capsys.readouterr()
    kantata.setenv("KANTATA_API_TOKEN", KANTATA_TOKEN)
    with wall_clock("2026-11-30T07:35"):  # the week's run failed; this one did not
        assert (main(["jobs", "run", "kantata_sync"]), capsys.readouterr().out) == (
            0,
            "kantata_sync: done\n",
        )
    assert rejected == (
        "kantata_sync: failed (Kantata sync: Kantata rejected KANTATA_API_TOKEN "
        "(401 Unauthorized) (Must be logged in.); the token is wrong, expired or revoked)\n",
        "",
    )
    assert all(record.exc_info is None for record in caplog.records)  # a user error: no traceback


def test_kantata_sync_needs_no_slack_token(kantata, capsys, fake_slack):
    kantata.delenv("SLACK_BOT_TOKEN")
    kantata.setenv("KANTATA_API_TOKEN", KANTATA_TOKEN)
    capsys.readouterr()
    assert main(["jobs", "run", "kantata_sync"]) == 0
    assert capsys.readouterr().out == "kantata_sync: done\n"
    assert fake_slack.calls == []


def test_jobs_run_needs_a_token(migrated, capsys):
    migrated.delenv("SLACK_BOT_TOKEN")
    assert main(["jobs", "run", "forecast_prep"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err


def test_a_bad_job_setting_stops_the_cli(migrated, capsys):
    migrated.setenv("PSBOT_JOB_FORECAST_PREP", "maybe")
    assert main(["jobs", "list"]) == 2
    assert "PSBOT_JOB_FORECAST_PREP must be off, on or a time" in capsys.readouterr().err


def test_a_missed_snapshot_week_is_backfilled_dated_that_monday(migrated, capsys, ctx):
    from bot.store.models import ForecastSnapshot
    from tests.factories import Portfolio

    data = Portfolio(ctx.session_factory)
    project = data.project("SOW-1", "Acme")
    data.book(project, data.person("Pat"), dt.date(2026, 11, 16), hours=10, rate=100)
    capsys.readouterr()
    with wall_clock("2026-11-24T10:00"):
        assert main(["jobs", "run", "forecast_snapshot", "--at", "2026-11-16T11:00"]) == 0
        assert capsys.readouterr().out == "forecast_snapshot: done\n"
    with ctx.session_factory() as session:
        taken = session.execute(sa.select(ForecastSnapshot.taken_on, ForecastSnapshot.forecast))
        assert [tuple(row) for row in taken] == [(dt.date(2026, 11, 16), 1000)]


def test_jobs_list_says_where_each_value_comes_from(migrated, capsys, engine):
    from bot.store.db import make_session_factory
    from bot.store.models import JobSetting

    migrated.setenv("PSBOT_JOB_TIMESHEET_NUDGE_CHANNEL", "C0HOURS")
    with make_session_factory(engine).begin() as session:
        session.add(
            JobSetting(
                job="timesheet_nudge",
                setting="time",
                value="thu 15:00",
                changed_by="U0ADMIN",
                changed_at=dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC),
            )
        )
    capsys.readouterr()
    assert main(["jobs", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("timesheet_nudge "))
    assert "Thursdays 15:00" in lines[at]
    assert lines[at + 1].strip() == (
        "time: Slack (U0ADMIN, 2026-11-24 10:00) · "
        "channel: env PSBOT_JOB_TIMESHEET_NUDGE_CHANNEL · on/off: default"
    )
    forecast = next(i for i, line in enumerate(lines) if line.startswith("forecast_prep "))
    assert lines[forecast + 1].strip() == "time: default · channel: default · on/off: default"
