"""A small Kantata OX API client: list endpoints, every page, with retries and clear errors.

Kantata answers a list request with `results` (the ordered `{key, id}` references), the
objects themselves under one top-level key per type, indexed by id (the requested type
and whatever `include=` asked for), and `meta` with `page_count`. This client walks the
pages to the last one, retries 429 and 5xx answers and lost connections with backoff
(honouring `Retry-After`), and turns everything else into a one-line `KantataError`: a
`KantataUnavailable` when the retries ran out, so that a scheduled sync tries again later.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.errors import UserError

logger = logging.getLogger(__name__)

# What third-party syncers send; Kantata's documented default is 20 and its maximum is
# not in the reference psbot could read. Pages are followed to `meta.page_count`, so a
# lower cap still reads everything.
PER_PAGE = 200
ATTEMPTS = 5
TIMEOUT_SECONDS = 30.0
MAX_WAIT_SECONDS = 120.0
MAX_PAGES = 10_000  # a runaway page_count would otherwise never end

Objects = dict[str, dict[str, dict[str, Any]]]  # type → id → object


class KantataError(UserError):
    """Kantata could not be read; the message is one line and never holds the token."""


class KantataUnavailable(KantataError):
    """Kantata could not be reached, or kept answering 429 or 5xx: worth trying later."""


class KantataPayloadError(KantataError):
    """Kantata answered, but not in the shape psbot relies on."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"unexpected Kantata payload: {detail}")


@dataclass
class Listing:
    """One list endpoint read to its last page."""

    key: str
    ids: list[str] = field(default_factory=list)  # the requested objects, in Kantata's order
    objects: Objects = field(default_factory=dict)  # those and the included ones
    _listed: set[str] = field(default_factory=set, repr=False)

    def merge_page(self, page: Mapping[str, Any], where: str) -> None:
        for key, value in page.items():
            if key in ("results", "meta", "count") or not isinstance(value, dict):
                continue
            known = self.objects.setdefault(key, {})
            for object_id, obj in value.items():
                if not isinstance(obj, dict):
                    raise KantataPayloadError(f"{where}: {key} {object_id} is not an object")
                known[str(object_id)] = {**known.get(str(object_id), {}), **obj}
        for reference in page["results"]:
            if not isinstance(reference, dict) or "key" not in reference or "id" not in reference:
                raise KantataPayloadError(f"{where}: a results entry has no key and id")
            key, object_id = str(reference["key"]), str(reference["id"])
            if object_id not in page.get(key, {}):
                raise KantataPayloadError(f"{where}: results name {key} {object_id}, not sent")
            # An object that moved to a later page while we read appears twice: count it once.
            if key == self.key and object_id not in self._listed:
                self._listed.add(object_id)
                self.ids.append(object_id)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bearer token to wherever it points: refuse it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class KantataClient:
    """Reads Kantata OX list endpoints with a bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        per_page: int = PER_PAGE,
        max_wait: float = MAX_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token
        self.timeout = timeout
        self.attempts = attempts
        self.per_page = per_page
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0  # answered requests, for reports and benchmarks
        self._opener = urllib.request.build_opener(_NoRedirects)

    def list(
        self,
        endpoint: str,
        *,
        include: Iterable[str] = (),
        params: Mapping[str, str] | None = None,
    ) -> Listing:
        """Every object of `endpoint` (e.g. "workspaces"), page by page, with its includes."""
        query = dict(params or {})
        included = ",".join(include)
        if included:
            query["include"] = included
        listing = Listing(endpoint)
        page_number, page_count = 1, 1
        while page_number <= page_count:
            where = f"{endpoint} page {page_number}"
            page = self._get_page(endpoint, {**query, "page": page_number}, where)
            listing.merge_page(page, where)
            page_count = page["meta"]["page_count"]
            if page_count > MAX_PAGES:
                raise KantataPayloadError(f"{where}: page_count {page_count} is implausible")
            page_number += 1
        return listing

    def count(self, endpoint: str, *, params: Mapping[str, str] | None = None) -> int:
        """How many objects `endpoint` lists (with `params`): `meta.count` of a one-object
        page, so one request whatever the total."""
        where = f"{endpoint} count"
        page = self._get_page(endpoint, {**(params or {}), "page": 1}, where, per_page=1)
        count = page["meta"].get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise KantataPayloadError(f"{where}: 'meta' has no whole-number 'count'")
        return count

    # --- one page ----------------------------------------------------------------------

    def _get_page(
        self, endpoint: str, query: dict[str, Any], where: str, per_page: int | None = None
    ) -> dict[str, Any]:
        body = self._get(endpoint, {**query, "per_page": per_page or self.per_page}, where)
        try:
            page = json.loads(body)
        except ValueError:
            raise KantataPayloadError(f"{where} is not JSON") from None
        if not isinstance(page, dict):
            raise KantataPayloadError(f"{where} is not a JSON object")
        if not isinstance(page.get("results"), list):
            raise KantataPayloadError(f"{where} has no 'results' list")
        meta = page.get("meta")
        if not isinstance(meta, dict) or not isinstance(meta.get("page_count"), int):
            raise KantataPayloadError(f"{where} has no 'meta' with a whole-number 'page_count'")
        return page

    def _get(self, endpoint: str, query: dict[str, Any], where: str) -> bytes:
        url = urllib.parse.urljoin(self.base_url, endpoint) + "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(
            url,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": "psbot",
            },
        )
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    body = response.read()
                    self.requests += 1
                    return body
            except urllib.error.HTTPError as error:
                detail = _error_detail(_body_of(error))
                if error.code != 429 and not 500 <= error.code < 600:
                    raise _status_error(
                        error.code, error.headers, detail, endpoint, self.base_url
                    ) from None
                if last:
                    raise KantataUnavailable(
                        f"Kantata answered {error.code} for {where} {self.attempts} times"
                        + (f" ({detail})" if detail else "")
                        + "; try again later"
                    ) from None
                wait = self._wait(attempt, error.headers.get("Retry-After"))
                logger.warning(
                    "Kantata answered %s for %s; retrying in %.0fs", error.code, where, wait
                )
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                reason = _network_reason(error)
                if last:
                    raise KantataUnavailable(
                        f"cannot reach Kantata at {self.base_url} ({reason}) "
                        f"after {self.attempts} attempts; check KANTATA_API_URL and the network"
                    ) from None
                wait = self._wait(attempt, None)
                logger.warning("Kantata %s for %s; retrying in %.0fs", reason, where, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before the next attempt: Retry-After when given, else 1, 2, 4, 8…"""
        asked = _retry_after_seconds(retry_after)
        wait = asked if asked is not None else float(2 ** (attempt - 1))
        return max(0.0, min(wait, self.max_wait))


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return (when - dt.datetime.now(dt.UTC)).total_seconds()


def _body_of(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException, AttributeError):
        return b""
    finally:
        error.close()


def _error_detail(body: bytes) -> str:
    """Kantata's own error message (`{"errors": [{"message": …}]}`), cut to one short line."""
    try:
        errors = json.loads(body).get("errors")
        message = str(errors[0].get("message") or "")
    except (ValueError, AttributeError, TypeError, IndexError, KeyError):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= 160 else message[:157] + "..."


def _status_error(
    status: int, headers: Any, detail: str, endpoint: str, base_url: str
) -> KantataError:
    said = f" ({detail})" if detail else ""
    if status == 401:
        return KantataError(
            f"Kantata rejected KANTATA_API_TOKEN (401 Unauthorized){said}; "
            "the token is wrong, expired or revoked"
        )
    if status == 403:
        return KantataError(
            f"Kantata refused {endpoint} (403 Forbidden){said}; "
            "the KANTATA_API_TOKEN user needs access to it"
        )
    if status == 404:
        return KantataError(f"Kantata has no {endpoint} at {base_url} (404); check KANTATA_API_URL")
    if 300 <= status < 400:
        return KantataError(
            f"Kantata redirected {endpoint} to {headers.get('Location', 'elsewhere')} "
            f"({status}); check KANTATA_API_URL"
        )
    return KantataError(f"Kantata answered {status} for {endpoint}{said}")


def _network_reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, TimeoutError):
        return "timed out"
    text = " ".join(str(reason).split())
    return text or type(reason).__name__
