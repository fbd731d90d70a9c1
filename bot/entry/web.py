"""The HTTP face of `psbot run` (WSGI): Slack's requests at /slack/events, and health.

- `/healthz`: the process is alive. It never touches the database, so it is always fast.
- `/readyz`: the database answers within READY_SECONDS and its schema is current.
- `/slack/events` (HTTP mode): the signature is checked on the raw body before anything
  reads it; a signed body that is not what Slack sends gets 400, never a traceback.

Socket Mode and worker processes serve the two health checks alone (`app` is None).
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from sqlalchemy.engine import Engine

from bot.entry.payloads import payload_problem
from bot.runtime.verification import StrictSignatureVerifier
from bot.store.db import database_reachable
from bot.store.limits import answer_within
from bot.store.migrate import schema_is_current

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a modal submission with long fields) are well under this.
MAX_BODY_BYTES = 1024 * 1024
READY_SECONDS = 1.0

WsgiApp = Callable[..., Iterable[bytes]]


def make_wsgi_app(app: App | None, engine: Engine, signing_secret: str = "") -> WsgiApp:
    """Serve `app`'s Slack requests (verified with `signing_secret`) and the health checks;
    only the health checks when `app` is None."""
    if app is not None and not signing_secret:
        raise ValueError("serving Slack's requests needs the signing secret")
    slack = _SlackEvents(app, signing_secret) if app is not None else None
    ready = ReadinessProbe(engine)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH and slack is not None:
            return slack(environ, start_response)
        if path in ("/healthz", "/readyz") and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            if path == "/healthz":
                return _json(start_response, "200 OK", {"status": "ok"})
            problem = ready.check()
            if problem is None:
                return _json(start_response, "200 OK", {"status": "ready"})
            return _json(
                start_response, "503 Service Unavailable", {"status": "not ready", "why": problem}
            )
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


class _SlackEvents:
    """/slack/events: refuse what is too big, unsigned or malformed, then hand to Bolt."""

    def __init__(self, app: App, signing_secret: str) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._verifier = StrictSignatureVerifier(signing_secret)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return _json(start_response, "413 Payload Too Large", {"error": "too large"})
        raw = environ["wsgi.input"].read(int(length))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not self._verifier.is_valid(raw, timestamp, signature):
            return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
        problem = _malformed(raw, environ.get("CONTENT_TYPE"))
        if problem:
            logger.warning("refused a signed request: %s", problem)
            return _json(start_response, "400 Bad Request", {"error": "malformed body"})
        environ["wsgi.input"] = io.BytesIO(raw)  # Bolt reads the body again
        return self._bolt(environ, start_response)


def _malformed(raw: bytes, content_type: str | None) -> str | None:
    """What makes `raw` something Slack doesn't send (None: nothing): not UTF-8, not the
    JSON object or form Bolt reads, or an interaction payload of another shape (which
    Bolt would stumble on before any check of psbot's could run)."""
    try:
        body = parse_body(raw.decode("utf-8"), content_type)
    except (UnicodeDecodeError, ValueError):  # json.JSONDecodeError is a ValueError
        return "the body is not Slack's JSON or form"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    return payload_problem(body)


class ReadinessProbe:
    """Whether the database answers within READY_SECONDS and its schema is current.

    The check runs in a thread of its own, one at a time, and a caller waits
    READY_SECONDS at most: a frozen database holds neither the caller nor a pile of
    checks (a call still waiting is shared by the callers that come meanwhile)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="psbot-ready")
        self._lock = threading.Lock()
        self._running: Future[str | None] | None = None

    def check(self) -> str | None:
        """None when ready, else why not (one line)."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self._probe)
            running = self._running
        try:
            return running.result(timeout=READY_SECONDS)
        except FutureTimeout:
            return f"the database did not answer within {READY_SECONDS:g} s"

    def _probe(self) -> str | None:
        with answer_within(READY_SECONDS):
            if not database_reachable(self._engine):
                return "the database is unreachable"
            try:
                current = schema_is_current(self._engine)
            except Exception as error:  # unreachable since the line above, or broken
                logger.warning("readiness: reading the schema's revision failed: %s", error)
                return "the schema's revision could not be read"
        return None if current else "the database schema is not up to date (psbot migrate)"


def _json(start_response: Callable[..., Any], status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
