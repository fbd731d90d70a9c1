"""Requests into the app, built and signed exactly as Slack sends them.

Each goes through `app.dispatch(BoltRequest(body, headers))` — the path a request from
Slack takes once the HTTP adapter has read it — so request verification, middleware and
listeners all run as in production.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.entry.shell.workspace import APP_ID, TEAM_ID, User

FORM = "application/x-www-form-urlencoded"


class SlackRequests:
    """Signs with the session's signing secret and dispatches into the Bolt app."""

    def __init__(self, app: App, signing_secret: str) -> None:
        self.app = app
        self._signer = SignatureVerifier(signing_secret)
        self._ids = itertools.count(1)

    def trigger_id(self) -> str:
        # Unique across sessions too: psbot takes each trigger id on once (slack_requests).
        return f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(8)}"

    def dispatch(self, body: str, content_type: str = FORM) -> BoltResponse:
        timestamp = str(int(time.time()))  # Slack's clock, not the shell's: the 5-minute window
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": self._signer.generate_signature(timestamp=timestamp, body=body),
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def slash_command(
        self,
        command: str,
        text: str,
        user: User,
        channel_id: str,
        channel_name: str,
        response_url: str,
    ) -> BoltResponse:
        body = urlencode(
            {
                "token": "shell-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "psbot-shell",
                "channel_id": channel_id,
                "channel_name": channel_name,
                "user_id": user.id,
                "user_name": user.handle,
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": self.trigger_id(),
            }
        )
        return self.dispatch(body)

    def interactive(self, payload: dict[str, Any], user: User) -> BoltResponse:
        """block_actions, view_submission, view_closed: form-encoded `payload=` JSON."""
        payload = {
            "team": {"id": TEAM_ID, "domain": "psbot-shell"},
            "user": {
                "id": user.id,
                "username": user.handle,
                "name": user.handle,
                "team_id": TEAM_ID,
            },
            "api_app_id": APP_ID,
            "token": "shell-verification-token",
            "is_enterprise_install": False,
            **payload,
        }
        return self.dispatch(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any]) -> BoltResponse:
        """An Events API callback (JSON)."""
        n = next(self._ids)
        body = json.dumps(
            {
                "token": "shell-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": APP_ID,
                "type": "event_callback",
                "event_id": f"Ev0SHELL{n:06d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "is_bot": True}],
                "event": event,
            }
        )
        return self.dispatch(body, "application/json")
