"""The python-gitlab client psbot uses, and how its errors read to people.

Two layers of retrying, both bounded: in the minute tick, python-gitlab retries a 5xx or
a lost connection twice within one call (`retry_transient_errors`, 0.1 s then 0.2 s; the
user's own request tries once, with a short timeout), and the outbox retries later with
backoff. A 429 is not slept on inside the call — a long Retry-After would hold a Slack
listener or the tick — but handed to the outbox, which waits that long before trying again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import gitlab
import requests
from gitlab.exceptions import GitlabError

from bot.core.settings import Settings
from bot.integrations.gitlab.failure import Failure

TIMEOUT_SECONDS = 10.0
# Retries within one call for 5xx and lost connections (python-gitlab waits 0.1 s, 0.2 s).
CALL_RETRIES = 2
USER_AGENT = "psbot (GitLab sync of ProjectWins, thanks and R-Y-G notes)"


class GraphQLError(Exception):
    """GitLab's GraphQL answered 200 with `errors` (a query it can't run, or a refusal)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages) or "GraphQL error")
        self.messages = messages


# What a call raises when GitLab answers with an error or can't be reached.
CALL_ERRORS = (GitlabError, requests.RequestException, GraphQLError)


class RetryAfterHook:
    """Remembers the Retry-After of the last 429 (python-gitlab's errors drop headers)."""

    def __init__(self) -> None:
        self.seconds: float | None = None

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.status_code == 429:
            self.seconds = _seconds(response.headers.get("Retry-After"))

    def take(self) -> float | None:
        seconds, self.seconds = self.seconds, None
        return seconds


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare on GitLab; the outbox's backoff applies


@dataclass
class Connection:
    """A python-gitlab client for one batch of deliveries (not shared across threads)."""

    gl: gitlab.Gitlab
    retry_after: RetryAfterHook
    call_retries: int = CALL_RETRIES

    # Options for each call. Reads and the label update are safe to repeat; creating a
    # note is not, so a POST whose answer was lost is left to the outbox and its marker.
    @property
    def read(self) -> dict[str, Any]:
        return {"obey_rate_limit": False, "max_retries": self.call_retries}

    @property
    def once(self) -> dict[str, Any]:
        return {"obey_rate_limit": False, "retry_transient_errors": False}

    # Callers catch `connection.errors` and ask `connection.failure(error)`, so that only
    # this module imports python-gitlab and requests: they load when GitLab is used.
    @property
    def errors(self) -> tuple[type[Exception], ...]:
        return CALL_ERRORS

    def failure(self, error: Exception) -> Failure:
        """`error` sorted by `classify`, with the Retry-After of a 429 if GitLab sent one."""
        return classify(error, self.retry_after.take())

    def graphql(self, query: str, variables: dict[str, Any], *, repeatable: bool) -> dict:
        """Run a GraphQL query or mutation at GITLAB_URL/api/graphql; its `data`.

        GraphQL answers its own errors with HTTP 200 and `errors`: those raise
        GraphQLError. The token goes in the PRIVATE-TOKEN header python-gitlab sends,
        which GitLab's GraphQL endpoint reads like its REST API does (GraphqlController
        authenticates `sessionless_user(:graphql_api)` through the same AuthFinders).
        A mutation (`repeatable=False`) is sent once.
        """
        answer = self.gl.http_post(
            f"{self.gl.url}/api/graphql",
            post_data={"query": query, "variables": variables},
            **(self.read if repeatable else self.once),
        )
        if not isinstance(answer, dict):
            raise GraphQLError(["GitLab's GraphQL answer is not JSON"])
        errors = answer.get("errors") or []
        if errors:
            raise GraphQLError([str(e.get("message", e)) for e in errors])
        return answer.get("data") or {}


def connect(
    settings: Settings, *, timeout: float = TIMEOUT_SECONDS, call_retries: int | None = None
) -> Connection:
    """A client for GITLAB_URL authenticated with GITLAB_TOKEN (no request is made yet)."""
    session = requests.Session()
    hook = RetryAfterHook()
    session.hooks["response"].append(hook)
    client = gitlab.Gitlab(
        settings.gitlab_url,
        private_token=settings.gitlab_token,
        retry_transient_errors=True,
        timeout=timeout,
        user_agent=USER_AGENT,
        session=session,
    )
    return Connection(client, hook, CALL_RETRIES if call_retries is None else call_retries)


TRANSIENT_CODES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def classify(error: Exception, retry_after: float | None = None) -> Failure:
    """Sort a python-gitlab or requests error into what the outbox does next."""
    if isinstance(error, requests.RequestException):
        return Failure("transient", f"GitLab unreachable ({type(error).__name__})")
    if isinstance(error, GraphQLError):
        return Failure("refused", f"GitLab GraphQL refused the request ({str(error)[:200]})")
    code = getattr(error, "response_code", None) if isinstance(error, GitlabError) else None
    message = _message(error, code)
    if code == 401:
        return Failure("token", f"GitLab rejected GITLAB_TOKEN: 401 {message}".rstrip())
    if code in (403, 404, 410):
        return Failure("inaccessible", f"GitLab answered {code} {message}".rstrip())
    if code == 429:
        wait = dt.timedelta(seconds=retry_after) if retry_after is not None else None
        return Failure("rate_limited", "GitLab rate limit (429)", wait)
    if code is None or code in TRANSIENT_CODES or code >= 500:
        return Failure("transient", f"GitLab answered {code or 'an error'} {message}".rstrip())
    return Failure("refused", f"GitLab refused the request: {code} {message}".rstrip())


def _message(error: Exception, code: int | None) -> str:
    """GitLab's own words, one line: `404 Issue Not Found` reads `(Issue Not Found)`."""
    text = getattr(error, "error_message", "") or ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text).split())
    if code is not None:
        text = text.removeprefix(str(code)).strip()
    return f"({text[:200]})" if text else ""
