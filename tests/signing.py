"""Signed Slack requests sent through the real Bolt app, as Slack would send them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.request
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

from tests.fake_slack import TEAM_ID, FakeSlack

SIGNING_SECRET = "test-signing-secret"
SLACK_ACK_SECONDS = 3  # how long Slack waits for an ack (or a modal's answer)


def signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature(body, stamp),
    }


def post_command(base_url: str, text: str, response_url: str, trigger_id: str) -> int:
    """`/ps text` from U0PM in C0PMO, sent to a running psbot over HTTP as Slack sends it;
    the HTTP status of its ack."""
    body = urlencode(
        {
            "command": "/ps",
            "text": text,
            "user_id": "U0PM",
            "channel_id": "C0PMO",
            "team_id": TEAM_ID,
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
    request = urllib.request.Request(
        f"{base_url}/slack/events", data=body.encode(), headers=signed_headers(body)
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


class SlackDriver:
    """Sends signed slash commands and interactive payloads into the app."""

    def __init__(self, app: App, fake: FakeSlack) -> None:
        self.app = app
        self.fake = fake
        self._ids = itertools.count(1)

    def dispatch(self, body: str, headers: dict[str, str] | None = None) -> BoltResponse:
        return self.app.dispatch(BoltRequest(body=body, headers=headers or signed_headers(body)))

    def command_body(self, text: str, user_id: str, channel_id: str) -> tuple[str, str]:
        n = next(self._ids)
        response_name = f"cmd{n}"
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "team_domain": "ps",
                "channel_id": channel_id,
                "channel_name": "ps_pmo",
                "user_id": user_id,
                "user_name": user_id.lower(),
                "command": "/ps",
                "text": text,
                "api_app_id": "A0APP",
                "response_url": self.fake.response_url(response_name),
                "trigger_id": f"trigger.{n}",
            }
        )
        return body, response_name

    def command(self, text: str, user_id: str = "U0PM", channel_id: str = "C0PMO") -> BoltResponse:
        body, _ = self.command_body(text, user_id, channel_id)
        return self.dispatch(body)

    def ask(self, text: str, user_id: str = "U0PM", channel_id: str = "C0PMO") -> dict[str, Any]:
        """Send `/ps text` and return what the app posted to its response_url."""
        body, name = self.command_body(text, user_id, channel_id)
        response = self.dispatch(body)
        assert response.status == 200, response.body
        return self.fake.wait_for(f"/response/{name}")[-1].params

    def event(self, event: dict[str, Any], retry: int | None = None) -> BoltResponse:
        """An Events API callback, as Slack delivers it (a retry carries X-Slack-Retry-Num)."""
        n = next(self._ids)
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "api_app_id": "A0APP",
                "type": "event_callback",
                "event_id": f"Ev{n:08d}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = {**signed_headers(body), "content-type": "application/json"}
        if retry is not None:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.dispatch(body, headers)

    def interactive(self, payload: dict[str, Any]) -> BoltResponse:
        payload = {"team": {"id": TEAM_ID}, "api_app_id": "A0APP", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        return self.dispatch(body)
