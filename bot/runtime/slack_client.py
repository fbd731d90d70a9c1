"""The Slack Web API clients psbot talks through."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# A trigger expires after 3 s and a user is waiting: don't sit on slack_sdk's 30 s default.
SLACK_TIMEOUT_SECONDS = 10


def create_web_client(token: str, base_url: str) -> WebClient:
    """A Web API client that honours SLACK_API_URL and retries 429s, 5xx and lost connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def without_waiting(client: WebClient) -> WebClient:
    """`client` for calls made while a trigger's 3 seconds run (before a modal opens): no
    retries, so a 429 is an answer at once rather than a sleep through its Retry-After."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=1, retry_handlers=[])
