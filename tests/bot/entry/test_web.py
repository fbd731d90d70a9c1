"""The WSGI face of `psbot run`: health checks, and what reaches Bolt at /slack/events."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlencode

import pytest

from bot.entry.web import make_wsgi_app
from bot.store import migrate
from bot.store.db import make_engine
from tests.conftest import SIGNING_SECRET, signed_headers


def call(wsgi, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """(status, JSON body) of one request to the WSGI app."""
    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "POST" if body else "GET",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    started: list[str] = []
    chunks = wsgi(environ, lambda status, headers: started.append(status))
    payload = b"".join(chunks)
    return int(started[0].split()[0]), payload


@pytest.fixture
def wsgi(app, engine):
    return make_wsgi_app(app, engine, SIGNING_SECRET)


@pytest.fixture
def dead_engine(tmp_path):
    dead = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'psbot.db'}")
    yield dead
    dead.dispose()


def test_healthz_answers_without_the_database(app, dead_engine):
    assert call(make_wsgi_app(app, dead_engine, SIGNING_SECRET), "/healthz") == (
        200,
        b'{"status": "ok"}',
    )


def test_readyz_is_ready_when_the_database_answers_and_its_schema_is_current(wsgi):
    assert call(wsgi, "/readyz") == (200, b'{"status": "ready"}')


def test_readyz_is_503_when_the_database_is_unreachable(app, dead_engine):
    status, body = call(make_wsgi_app(app, dead_engine, SIGNING_SECRET), "/readyz")
    assert (status, json.loads(body)) == (
        503,
        {"status": "not ready", "why": "the database is unreachable"},
    )


def test_readyz_is_503_when_the_schema_is_behind(app, engine):
    migrate.downgrade(engine, "0008")
    status, body = call(make_wsgi_app(app, engine, SIGNING_SECRET), "/readyz")
    assert (status, json.loads(body)["why"]) == (
        503,
        "the database schema is not up to date (psbot migrate)",
    )


def test_health_checks_alone_have_no_slack_endpoint(engine):
    health = make_wsgi_app(None, engine)
    assert call(health, "/healthz")[0] == 200
    body = urlencode({"command": "/ps", "text": "help"})
    assert call(health, "/slack/events", body.encode(), signed_headers(body))[0] == 404


def test_serving_slack_without_a_signing_secret_is_refused(app, engine):
    with pytest.raises(ValueError, match="signing secret"):
        make_wsgi_app(app, engine, "")


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MALFORMED = [
    pytest.param(b'{"type": "event_callback", "event": ', JSON, id="cut-off JSON"),
    pytest.param(b"[1, 2, 3]", JSON, id="a JSON array"),
    pytest.param(b"{'single': 'quotes'}", JSON, id="not JSON"),
    pytest.param(b"payload=%7Bnot+json", FORM, id="a form payload that is not JSON"),
    pytest.param(b"payload=%5B%5D", FORM, id="a form payload that is a list"),
    pytest.param(b"command=%2Fps&text=\xff\xfe", FORM, id="not UTF-8"),
]


@pytest.mark.parametrize(("raw", "content_type"), MALFORMED)
def test_a_signed_malformed_body_gets_400_and_no_traceback(wsgi, caplog, raw, content_type):
    headers = {**signed_headers(raw.decode("latin-1")), "content-type": content_type}
    headers["x-slack-signature"] = _signature_of_bytes(raw, headers["x-slack-request-timestamp"])
    with caplog.at_level(logging.DEBUG):
        assert call(wsgi, "/slack/events", raw, headers) == (400, b'{"error": "malformed body"}')
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize(("raw", "content_type"), MALFORMED)
def test_an_unsigned_malformed_body_gets_401(wsgi, raw, content_type):
    headers = {"content-type": content_type, "x-slack-request-timestamp": "1"}
    assert call(wsgi, "/slack/events", raw, headers)[0] == 401


def test_a_well_formed_signed_request_still_reaches_bolt(wsgi, fake_slack):
    body = urlencode(
        {
            "command": "/ps",
            "text": "help",
            "user_id": "U0PM",
            "team_id": "T0TEAM",
            "channel_id": "C0PMO",
            "trigger_id": "t.web",
            "response_url": fake_slack.response_url("web"),
        }
    )
    assert call(wsgi, "/slack/events", body.encode(), signed_headers(body)) == (200, b"")
    assert "psbot help" in fake_slack.wait_for("/response/web")[0].params["text"]


def _signature_of_bytes(raw: bytes, timestamp: str) -> str:
    import hashlib
    import hmac

    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def test_the_event_subscriptions_request_url_passes_slacks_check(wsgi):
    """Slack checks the Event Subscriptions Request URL (the README's HTTP-mode step for
    App Home) with a signed url_verification challenge, which must come back."""
    body = json.dumps({"type": "url_verification", "token": "x", "challenge": "c0ffee"})
    headers = {**signed_headers(body), "Content-Type": "application/json"}
    status, payload = call(wsgi, "/slack/events", body.encode(), headers)
    assert status == 200 and json.loads(payload) == {"challenge": "c0ffee"}
