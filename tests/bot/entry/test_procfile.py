"""Each Procfile line, started as written with the environment a platform gives every
process type (PORT, DATABASE_URL, the tokens, SLACK_APP_TOKEN too), does its one job."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.runtime import outbox
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from tests.bot.entry.test_cli import CLEAN_ENV, _free_port, _get
from tests.conftest import SIGNING_SECRET, post_command

REPO = Path(__file__).resolve().parents[3]


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.fixture
def platform_env(tmp_path, fake_slack) -> dict[str, str]:
    """What a platform sets for every process type of one app."""
    return {
        **CLEAN_ENV,
        # `psbot` as the platform finds it: on PATH, installed with the app.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PORT": str(_free_port()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "xapp-shared-by-every-process-type",
        "SLACK_API_URL": fake_slack.api_url,
        "PSBOT_INTERNAL_CHANNEL": "C0INTERNAL",
    }


def start(line: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A Procfile command as platforms run it: through the shell."""
    return subprocess.Popen(
        ["/bin/sh", "-c", f"exec {line}"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


def wait_until_healthy(process: subprocess.Popen, port: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        assert time.monotonic() < deadline, "no /healthz on PORT"
        time.sleep(0.1)


def test_the_procfile_has_a_release_a_web_and_a_worker_process():
    assert set(procfile()) == {"release", "web", "worker"}


def test_release_migrates_the_database(platform_env, tmp_path):
    done = subprocess.run(
        ["/bin/sh", "-c", procfile()["release"]],
        env=platform_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(platform_env["DATABASE_URL"])
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def _migrated(env: dict[str, str]) -> None:
    engine = make_engine(env["DATABASE_URL"])
    migrate.upgrade(engine)
    engine.dispose()


def test_web_serves_slack_over_http_on_port_and_runs_no_jobs(platform_env, tmp_path, fake_slack):
    _migrated(platform_env)
    port = platform_env["PORT"]
    process = start(procfile()["web"], platform_env, tmp_path)
    try:
        wait_until_healthy(process, port)
        assert _get(f"http://127.0.0.1:{port}/readyz") == (200, b'{"status": "ready"}')
        base, answer_at = f"http://127.0.0.1:{port}", fake_slack.response_url("web")
        assert post_command(base, "help", answer_at, "t.web") == 200
        assert "psbot help" in fake_slack.wait_for("/response/web")[0].params["text"]
    finally:
        output = stop(process)
    assert "psbot starting: HTTP" in output
    assert "scheduler started" not in output and "Socket Mode" not in output
    assert not fake_slack.calls_to("apps.connections.open")


def _zone_where_it_is_night() -> str:
    """A zone where it is now 03:00–03:59: hours from every job's time (07:00–16:00, each
    posted up to 2 hours late), so no job falls due while a worker runs, whatever the
    day. Without it, a worker started on a Monday 08:00–10:00 in New York posts the
    forecast prep."""
    offset = (3 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12  # local = UTC + offset hours
    return f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT+10 is UTC-10


@pytest.mark.parametrize("port_set", [True, False], ids=["PORT", "no PORT"])
def test_worker_runs_jobs_and_retries_and_serves_health_only_on_port(
    platform_env, tmp_path, fake_slack, port_set
):
    _migrated(platform_env)
    engine = make_engine(platform_env["DATABASE_URL"])
    with make_session_factory(engine).begin() as session:  # a DM whose first send failed
        owed_since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        outbox.add_dm(session, "dm:procfile:1", "U0PM", "Thanks for your note", owed_since)
    engine.dispose()
    env = {**platform_env} if port_set else {k: v for k, v in platform_env.items() if k != "PORT"}
    env["PSBOT_TIMEZONE"] = _zone_where_it_is_night()
    port = platform_env["PORT"]
    process = start(procfile()["worker"], env, tmp_path)
    try:
        if port_set:
            wait_until_healthy(process, port)
            status, body = _get(f"http://127.0.0.1:{port}/readyz")
            assert (status, json.loads(body)["status"]) == (200, "ready")
            assert _get(f"http://127.0.0.1:{port}/slack/events")[0] == 404  # no listener
        sent = fake_slack.wait_for("chat.postMessage", timeout=30)
    finally:
        output = stop(process)
    assert [(c.params["channel"], c.params["text"]) for c in sent] == [
        ("U0PM", "Thanks for your note")
    ]
    assert "psbot starting: worker" in output
    assert "scheduler started: kantata_sync, forecast_prep" in output
    assert not fake_slack.calls_to("apps.connections.open")  # Socket Mode never started
    assert ("listening on port" in output) is port_set
