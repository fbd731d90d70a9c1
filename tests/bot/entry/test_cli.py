"""`psbot` exit codes and one-line messages, in process and through the real script."""

import datetime as dt
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.entry.cli import main
from bot.entry.start_up import modules_when_serving
from bot.runtime import outbox
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from tests.conftest import SIGNING_SECRET, signed_headers

CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("SLACK_", "PSBOT_", "DATABASE_URL", "PORT"))
}


@pytest.fixture
def env(monkeypatch, tmp_path):
    """An empty environment in an empty folder (so no stray .env is read)."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "PSBOT_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_migrate_creates_and_reports_the_schema(env, tmp_path, capsys):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    assert main(["migrate"]) == 0
    assert "database at 0" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_default_database_is_psbot_db_in_the_working_folder(env, tmp_path):
    assert main(["migrate"]) == 0
    assert (tmp_path / "psbot.db").exists()


@pytest.mark.parametrize(
    ("variables", "code", "expected"),
    [
        ({"DATABASE_URL": "nonsense"}, 2, "DATABASE_URL is not a database URL"),
        ({"PSBOT_TIMEZONE": "Nowhere/Land"}, 2, "PSBOT_TIMEZONE"),
        ({"PSBOT_TIMEZONE": "US"}, 2, "PSBOT_TIMEZONE is not a known time zone: 'US'"),
        ({"PSBOT_JOB_GRACE_MINUTES": "²"}, 2, "PSBOT_JOB_GRACE_MINUTES must be a whole number"),
        ({"PORT": "²"}, 2, "PORT must be a whole number from 1 to 65535"),
        (
            {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
            2,
            "cannot reach the database",
        ),
    ],
)
def test_migrate_errors_are_one_line(env, capsys, variables, code, expected):
    for name, value in variables.items():
        env.setenv(name, value)
    assert main(["migrate"]) == code
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_run_without_tokens_exits_2_naming_the_variable(env, capsys, variables, expected):
    for name, value in variables.items():
        env.setenv(name, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "README" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("role", [[], ["--web"], ["--worker"]], ids=["all", "web", "worker"])
def test_run_with_a_token_slack_rejects_exits_2(env, capsys, fake_slack, tmp_path, role):
    fake_slack.answer("auth.test", lambda params: {"ok": False, "error": "invalid_auth"})
    env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    env.setenv("SLACK_SIGNING_SECRET", "s")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["run", *role]) == 2
    err = capsys.readouterr().err
    assert "Slack rejected SLACK_BOT_TOKEN" in err and "invalid_auth" in err


def test_run_refuses_an_old_schema_with_no_migrate(env, capsys, fake_slack, tmp_path):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_SIGNING_SECRET", "s")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["run", "--no-migrate"]) == 2
    assert "run `psbot migrate` first" in capsys.readouterr().err


def test_unknown_verb_is_a_usage_error(env, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["dance"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _start_run(env: dict[str, str], cwd) -> subprocess.Popen:
    """`psbot run` in a process of its own, its output in one text stream."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_run_serves_signed_slack_requests_over_http_and_stops_on_sigterm(tmp_path, fake_slack):
    port = _free_port()
    process_env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": str(port),
    }
    process = _start_run(process_env, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, body = _get(base + "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "psbot run did not start"
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.1)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert _get(base + "/readyz") == (200, b'{"status": "ready"}')
        if platform.libc_ver()[0] == "glibc":  # started again without thread caches
            environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
            assert b"GLIBC_TUNABLES=glibc.malloc.tcache_count=0" in environ
        assert _get(base + "/nowhere")[0] == 404

        body = (
            "command=%2Fps&text=help&user_id=U0PM&channel_id=C0PMO&team_id=T0TEAM"
            f"&response_url={fake_slack.response_url('http')}&trigger_id=t.1"
        )
        request = urllib.request.Request(
            base + "/slack/events", data=body.encode(), headers=signed_headers(body)
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert "psbot help" in fake_slack.wait_for("/response/http")[0].params["text"]

        forged = urllib.request.Request(
            base + "/slack/events",
            data=body.encode(),
            headers={**signed_headers(body), "x-slack-request-timestamp": "abc"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 401

        # A 20 MiB body is refused from its Content-Length, before waitress buffers it.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n\r\n"
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 413")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "scheduler started: kantata_sync, forecast_prep, forecast_nudge" in output
    assert "portfolio computed at start-up: 0 projects in" in output
    assert "shutting down" in output
    assert "Traceback" not in output


def test_run_with_the_scheduler_off_still_sends_what_the_outbox_owes(tmp_path, fake_slack):
    """PSBOT_SCHEDULER=off stops the scheduled jobs only: a DM whose first send failed is
    still retried by every `psbot run`."""
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    owed_since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with make_session_factory(engine).begin() as session:
        outbox.add_dm(session, "dm:test:1", "U0PM", "Thanks for your note", owed_since)
    engine.dispose()
    process_env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(_free_port()),
        "PSBOT_SCHEDULER": "off",
    }
    process = _start_run(process_env, tmp_path)
    try:
        sent = fake_slack.wait_for("chat.postMessage", timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert [(c.params["channel"], c.params["text"]) for c in sent] == [
        ("U0PM", "Thanks for your note")
    ]
    assert "scheduled jobs are off in this process (PSBOT_SCHEDULER=off)" in output
    assert "forecast_prep" not in output  # no job was scheduled
    assert process.returncode == 0 and "Traceback" not in output


def test_run_loads_gitlab_and_socket_mode_only_when_they_are_used(tmp_path, fake_slack):
    """Without GITLAB_TOKEN and in HTTP mode, python-gitlab with requests (about 6 MiB)
    and Socket Mode (3 MiB) are never imported."""
    process_env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
    }
    env = {**process_env, "PYTHONPATH": os.getcwd()}
    loaded = set(modules_when_serving(env, tmp_path, timeout=60))
    assert {"bot.entry.app", "bot.runtime.scheduler", "sqlalchemy.orm"} <= loaded  # it did start
    assert not {"gitlab", "requests", "slack_sdk.socket_mode"} & loaded


def test_run_with_slack_unreachable_exits_2_naming_slack_api_url(env, capsys, tmp_path):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_SIGNING_SECRET", "s")
    env.setenv("SLACK_API_URL", f"http://127.0.0.1:{_free_port()}/api/")  # nothing listens
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("psbot: cannot reach Slack at http://127.0.0.1:")
    assert "(SLACK_API_URL)" in err and "Connection refused" in err
    assert len(err.strip().splitlines()) == 1


def test_run_on_a_taken_port_exits_2_before_any_job_runs(env, capsys, caplog, fake_slack, tmp_path):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_SIGNING_SECRET", "s")
    env.setenv("SLACK_API_URL", fake_slack.api_url)
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env.setenv("PORT", str(port))
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on port {port} (PORT)" in err
    assert "set PORT to a free one" in err and len(err.strip().splitlines()) == 1
    assert "scheduler started" not in caplog.text


def test_version_is_the_installed_one(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"psbot {version('psbot')}"


def _every_verb(parser, path=()):
    """Each subcommand's words, e.g. ("jobs", "run"), with its parser."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        for name, sub in action.choices.items():
            yield (*path, name), sub
            yield from _every_verb(sub, (*path, name))


def test_every_subcommands_help_says_what_it_does(capsys):
    from bot.entry.cli import build_parser

    verbs = list(_every_verb(build_parser()))
    assert {("run",), ("jobs", "run"), ("sync", "kantata"), ("gitlab", "link")} <= {
        words for words, _ in verbs
    }
    for words, _ in verbs:
        with pytest.raises(SystemExit):
            main([*words, "--help"])
        usage, description, *_ = capsys.readouterr().out.split("\n\n")
        assert usage.startswith(f"usage: psbot {' '.join(words)}")
        assert len(description.strip()) > 15 and description.strip().endswith("."), words


def test_jobs_run_help_lists_the_job_names(capsys):
    from jobs.registry import JOB_NAMES

    with pytest.raises(SystemExit):
        main(["jobs", "run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert ", ".join(JOB_NAMES) in help_text


@pytest.mark.parametrize(
    ("flags", "variables", "expected"),
    [
        (["--socket"], {"SLACK_SIGNING_SECRET": "s"}, "SLACK_APP_TOKEN is not set"),
        (["--socket"], {"SLACK_APP_TOKEN": "xoxp-1"}, "SLACK_APP_TOKEN must be an app-level"),
        # --web is HTTP whatever SLACK_APP_TOKEN says, so it needs the signing secret.
        (["--web"], {"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_SIGNING_SECRET is not set; HTTP"),
        (["--worker"], {}, "cannot reach the database"),  # a worker needs no more tokens
    ],
)
def test_each_role_asks_for_the_tokens_it_needs(env, capsys, flags, variables, expected):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    for name, value in variables.items():
        env.setenv(name, value)
    assert main(["run", *flags]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1
    assert "Socket Mode" not in err or "--socket" in flags


def test_web_and_socket_are_one_listener_or_the_other(env, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--web", "--socket"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


SOCKET_MODE_THEN_THREADS_LEFT = """
import sys, threading
from bot.entry import cli

code = cli.main(["run", "--socket"])
others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
print("Socket Mode threads left:", [n for n in others if not n.startswith(("psbot-", "waitress"))])
sys.exit(code)
"""


def test_socket_mode_serves_health_checks_on_port_when_it_is_set(tmp_path, fake_slack):
    """Socket Mode needs no port for Slack, but a platform probes the process on PORT.
    SIGTERM stops its threads before Python winds down: left polling, one crashed it."""
    fake_slack.answer(
        "apps.connections.open", lambda params: {"ok": True, "url": "ws://127.0.0.1:1/link"}
    )
    port = _free_port()
    process_env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",  # and no signing secret: Socket Mode needs none
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": str(port),
        "PYTHONPATH": os.getcwd(),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SOCKET_MODE_THEN_THREADS_LEFT],
        env=process_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        fake_slack.wait_for("apps.connections.open", timeout=30)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                assert _get(base + "/healthz") == (200, b'{"status": "ok"}')
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert _get(base + "/readyz") == (200, b'{"status": "ready"}')
        assert _get(base + "/slack/events")[0] == 404  # Slack's requests come over the socket
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "psbot starting: Socket Mode" in output and "scheduler started" not in output
    assert "Socket Mode threads left: []" in output


def test_the_portfolio_is_computed_before_serving(ctx, portfolio, slack, monkeypatch, caplog):
    from bot.entry import cli
    from bot.pmo import portfolio_cache

    with caplog.at_level(logging.INFO):
        cli._compute_portfolio(ctx)
    assert "portfolio computed at start-up: 3 projects in" in caplog.text
    monkeypatch.setattr(portfolio_cache, "load_portfolio", None)  # not loaded again
    assert "Forecast 2026-Q4" in slack.ask("forecast")["text"]


def test_with_the_database_down_the_first_request_computes_it(ctx, portfolio, outage, caplog):
    from bot.entry import cli

    down, _up = outage
    down()
    with caplog.at_level(logging.WARNING):
        cli._compute_portfolio(ctx)  # no exception: psbot starts all the same
    assert "portfolio not computed at start-up:" in caplog.text


SIGTERM_LOST_AT_START_UP = """
import os, signal, sys, time
from bot.entry import cli

def computing(ctx):  # had SIGTERM raised here, its interrupt would be lost, as in a weakref
    try:            # callback or in SQLAlchemy's clean-up of the query it cut in half
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    except KeyboardInterrupt:
        pass

cli._compute_portfolio = computing
sys.exit(cli.main(["run"]))
"""


def test_a_sigterm_during_start_up_stops_psbot_before_it_serves(tmp_path, fake_slack):
    process_env = {
        **CLEAN_ENV,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": str(_free_port()),
        "PSBOT_SCHEDULER": "off",
        "PYTHONPATH": os.getcwd(),
    }
    process = subprocess.run(
        [sys.executable, "-c", SIGTERM_LOST_AT_START_UP],
        env=process_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,  # without the SIGTERM remembered, psbot serves on and this times out
    )
    assert process.returncode == 0, process.stderr
    assert "psbot shutting down" in process.stderr
    assert "listening on port" not in process.stderr
