"""HTTP mode: Slack requests at /slack/events, a health check at /healthz (WSGI)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine

from bot.store.db import database_reachable

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a modal submission with long fields) are well under this.
MAX_BODY_BYTES = 1024 * 1024


def make_wsgi_app(app: App, engine: Engine) -> Callable[..., Iterable[bytes]]:
    slack_handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            length = environ.get("CONTENT_LENGTH") or "0"
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return _json(start_response, "413 Payload Too Large", {"error": "too large"})
            return slack_handler(environ, start_response)
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = database_reachable(engine)
            body = {"status": "ok" if healthy else "degraded", "database": healthy}
            return _json(start_response, "200 OK" if healthy else "503 Service Unavailable", body)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _json(start_response: Callable[..., Any], status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
