"""`psbot jobs list` and `psbot jobs run`, in process."""

import pytest

from bot.cli import main
from jobs.registry import JOB_NAMES
from tests.bot.test_cli import env  # noqa: F401 - the clean-environment fixture


@pytest.fixture
def migrated(env, tmp_path, fake_slack):  # noqa: F811
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'jobs.db'}")
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
    assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T08:00"]) == 0
    assert "forecast_prep 2026-W49: sent" in capsys.readouterr().out
    assert len(fake_slack.calls_to("chat.postMessage")) >= 1
    posts = len(fake_slack.calls_to("chat.postMessage"))

    assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T09:00"]) == 0
    assert "already ran; --force posts it again" in capsys.readouterr().out
    assert len(fake_slack.calls_to("chat.postMessage")) == posts

    assert main(["jobs", "run", "forecast_prep", "--at", "2026-11-30T09:00", "--force"]) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 * posts

    assert main(["jobs", "list"]) == 0
    assert "last 2026-W49" in capsys.readouterr().out


def test_a_failed_delivery_exits_non_zero(migrated, capsys, fake_slack):
    fake_slack.fail("chat.postMessage", 400)
    assert main(["jobs", "run", "top_customer_report", "--at", "2026-12-01T16:00"]) == 1
    assert "retrying" in capsys.readouterr().out


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


def test_jobs_run_needs_a_token(migrated, capsys):
    migrated.delenv("SLACK_BOT_TOKEN")
    assert main(["jobs", "run", "forecast_prep"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err


def test_a_bad_job_setting_stops_the_cli(migrated, capsys):
    migrated.setenv("PSBOT_JOB_FORECAST_PREP", "maybe")
    assert main(["jobs", "list"]) == 2
    assert "PSBOT_JOB_FORECAST_PREP must be off, on or a time" in capsys.readouterr().err
