"""The Slack Web API clients psbot talks through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# A trigger expires after 3 s and a user is waiting: don't sit on slack_sdk's 30 s default.
SLACK_TIMEOUT_SECONDS = 10
# The longest Retry-After slept through inside a call. A longer one is given back to the
# caller as the 429: the outbox retries at that time, a listener answers the user.
MAX_RETRY_AFTER_SECONDS = 5


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 only when Slack asks for a short wait, so no call sleeps for minutes
    (past an outbox lease, or a user's patience)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        headers = response.headers if response is not None else None
        return retry_after_seconds(headers) <= MAX_RETRY_AFTER_SECONDS


def retry_after_seconds(headers: Mapping[str, Any] | None, default: int = 1) -> int:
    """Slack's Retry-After header in seconds; `default` when absent or unreadable."""
    by_name = {name.lower(): value for name, value in (headers or {}).items()}
    value = by_name.get("retry-after", default)
    if isinstance(value, list):  # slack_sdk keeps some headers as lists
        value = value[0] if value else default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def create_web_client(token: str, base_url: str) -> WebClient:
    """A Web API client that honours SLACK_API_URL and retries 429s, 5xx and lost connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            ShortRateLimitRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def without_waiting(client: WebClient) -> WebClient:
    """`client` for calls made while a trigger's 3 seconds run (before a modal opens): no
    retries, so a 429 is an answer at once rather than a sleep through its Retry-After."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=1, retry_handlers=[])
