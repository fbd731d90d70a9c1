"""LOG_FORMAT=json: one JSON object a line, with the ids of the job or request it is about."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.core.logs import JsonFormatter, log_ids
from bot.runtime.job_runner import JobRunner
from tests.bot.entry.test_cli import CLEAN_ENV
from tests.bot.runtime.test_job_runner import MONDAY_8, runner_for, spec


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What psbot logs meanwhile, formatted as LOG_FORMAT=json formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_time_level_logger_message_and_ids(json_lines):
    with log_ids(job="forecast_prep", request=None):
        logging.getLogger("psbot.test").warning('two\nlines and a "quote" %s', "ü")
    logging.getLogger("psbot.test").info("outside")
    (inside, outside) = entries(json_lines)
    assert inside.pop("time").endswith("+00:00")
    assert inside == {
        "level": "WARNING",
        "logger": "psbot.test",
        "message": 'two\nlines and a "quote" ü',
        "job": "forecast_prep",  # an empty id is left out
    }
    assert "job" not in outside


def test_a_traceback_stays_inside_its_line(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("psbot.test").exception("it failed")
    (entry,) = entries(json_lines)
    assert entry["message"] == "it failed"
    assert "ValueError: boom" in entry["exception"]


def test_what_a_listener_logs_after_its_ack_carries_the_request_id(
    slack, portfolio, outage, json_lines
):
    down, _ = outage
    down()
    body, name = slack.command_body("bookings sow-1", "U0PM", "C0PMO")
    slack.dispatch(body)
    slack.standin.wait_for(f"/response/{name}")
    trigger = next(part for part in body.split("&") if part.startswith("trigger_id="))
    failure = next(e for e in entries(json_lines) if "database unavailable" in e["message"])
    assert failure["request"] == trigger.removeprefix("trigger_id=")


def test_what_a_job_logs_carries_the_job_name(ctx, fake_slack, json_lines):
    def failing(ctx, now):
        raise RuntimeError("the template broke")

    runner: JobRunner = runner_for(ctx, fake_slack, spec(run=failing))
    assert runner.run_due("forecast_prep", MONDAY_8).status == "failed"
    failure = next(e for e in entries(json_lines) if "failed to build" in e["message"])
    assert failure["job"] == "forecast_prep"


@pytest.mark.parametrize(("variable", "value"), [("LOG_LEVEL", "loud"), ("LOG_FORMAT", "yaml")])
def test_a_bad_log_setting_is_one_line_naming_it(tmp_path, variable, value):
    done = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "migrate"],
        env={**CLEAN_ENV, variable: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"psbot: {variable} must be one of")
    assert done.stderr.count("\n") == 1


def test_a_process_with_log_format_json_writes_only_json_lines(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "run", "--worker"],
        env={
            **CLEAN_ENV,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "debug",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",  # nothing listens: it stops
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    *logged, error = done.stderr.splitlines()
    assert error.startswith("psbot: cannot reach Slack")  # the CLI's own line, as ever
    assert logged, "nothing was logged at DEBUG"
    for line in logged:
        assert {"time", "level", "logger", "message"} <= set(json.loads(line)), line
    assert any(json.loads(line)["level"] == "DEBUG" for line in logged)
