"""Requests into the app, built and signed exactly as Slack sends them.

Each goes through `app.dispatch(BoltRequest(body, headers))` — the path a request from
Slack takes once the HTTP adapter has read it — so request verification, middleware and
listeners all run as in production. The bodies and headers are also there on their own,
for requests sent to a running `psbot run` over HTTP.
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

from bot.entry.slack_standin.standin import StandInSlack
from bot.entry.slack_standin.workspace import Identity, User
from commands.ps import WORKING_ON_IT

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SLACK_ACK_SECONDS = 3  # how long Slack waits for an ack (or a modal's answer)
VERIFICATION_TOKEN = "stand-in-verification-token"  # deprecated by Slack; psbot ignores it


def signature(body: str, timestamp: str, secret: str) -> str:
    """`x-slack-signature` of `body` sent at `timestamp`."""
    return SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)


def signed_headers(
    body: str, secret: str, timestamp: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """The headers Slack sends `body` with; `timestamp` defaults to now."""
    # Slack's clock, not a test's or the shell's: the 5-minute window is real time.
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature(body, stamp, secret),
    }


def slash_command_body(
    identity: Identity,
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> str:
    """A slash command's form body."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": identity.team_id,
            "team_domain": identity.domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": identity.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


class SlackRequests:
    """Signs with the app's signing secret and dispatches into the Bolt app."""

    def __init__(self, app: App, signing_secret: str, identity: Identity | None = None) -> None:
        self.app = app
        self.identity = identity or Identity()
        self._secret = signing_secret
        self._ids = itertools.count(1)

    def trigger_id(self) -> str:
        # Unique across drivers and sessions too: psbot takes each trigger id on once.
        return f"trigger.{next(self._ids)}.{secrets.token_hex(8)}"

    def signed_headers(self, body: str, content_type: str = FORM) -> dict[str, str]:
        return signed_headers(body, self._secret, content_type=content_type)

    def dispatch(
        self, body: str, headers: dict[str, str] | None = None, content_type: str = FORM
    ) -> BoltResponse:
        """`body` as Slack sends it: signed now, unless `headers` says otherwise."""
        headers = headers or self.signed_headers(body, content_type)
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
        body = slash_command_body(
            self.identity,
            command=command,
            text=text,
            user_id=user.id,
            user_name=user.handle,
            channel_id=channel_id,
            channel_name=channel_name,
            response_url=response_url,
            trigger_id=self.trigger_id(),
        )
        return self.dispatch(body)

    def interactive(self, payload: dict[str, Any], user: User | None = None) -> BoltResponse:
        """block_actions, view_submission, view_closed: form-encoded `payload=` JSON, from
        `user` (or from whoever `payload` names)."""
        who = (
            {
                "user": {
                    "id": user.id,
                    "username": user.handle,
                    "name": user.handle,
                    "team_id": self.identity.team_id,
                }
            }
            if user
            else {}
        )
        payload = {
            "team": {"id": self.identity.team_id, "domain": self.identity.domain},
            **who,
            "api_app_id": self.identity.app_id,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            **payload,
        }
        return self.dispatch(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any], retry: int | None = None) -> BoltResponse:
        """An Events API callback (JSON); a retry carries X-Slack-Retry-Num."""
        n = next(self._ids)
        body = json.dumps(
            {
                "token": VERIFICATION_TOKEN,
                "team_id": self.identity.team_id,
                "api_app_id": self.identity.app_id,
                "type": "event_callback",
                "event_id": f"Ev{n:08d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": self.identity.team_id, "is_bot": True}],
                "event": event,
            }
        )
        headers = self.signed_headers(body, JSON)
        if retry is not None:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.dispatch(body, headers)


class SlackDriver(SlackRequests):
    """`/ps` commands and interactions sent into the app by the stand-in's workspace,
    with replies to response_urls the stand-in names, so callers can wait for them."""

    CHANNEL_NAME = "ps_pmo"

    def __init__(self, app: App, standin: StandInSlack) -> None:
        super().__init__(app, standin.signing_secret, standin.identity)
        self.standin = standin
        self._commands = itertools.count(1)

    def command_body(self, text: str, user_id: str, channel_id: str) -> tuple[str, str]:
        """The body of `/ps text`, and the name of its response_url."""
        name = f"cmd{next(self._commands)}"
        body = slash_command_body(
            self.identity,
            command="/ps",
            text=text,
            user_id=user_id,
            user_name=user_id.lower(),
            channel_id=channel_id,
            channel_name=self.CHANNEL_NAME,
            response_url=self.standin.response_url(name),
            trigger_id=self.trigger_id(),
        )
        return body, name

    def command(self, text: str, user_id: str = "U0PM", channel_id: str = "C0PMO") -> BoltResponse:
        body, _ = self.command_body(text, user_id, channel_id)
        return self.dispatch(body)

    def ask(self, text: str, user_id: str = "U0PM", channel_id: str = "C0PMO") -> dict[str, Any]:
        """Send `/ps text` and return what the app posted to its response_url."""
        body, name = self.command_body(text, user_id, channel_id)
        response = self.dispatch(body)
        if response.status != 200:
            raise RuntimeError(f"/ps {text}: HTTP {response.status} {response.body}")
        calls = self.standin.wait_for(f"/response/{name}")
        while calls[-1].params.get("text") == WORKING_ON_IT:  # the answer replaces it soon
            calls = self.standin.wait_for(f"/response/{name}", count=len(calls) + 1)
        return calls[-1].params
