"""A local HTTP server speaking Kantata OX's documented list format.

`GET /api/v1/<endpoint>?page=&per_page=&include=` answers with `results` (ordered
`{key, id}`), the objects under one top-level key per type indexed by id, the included
associations under theirs, and `meta` (`count`, `page_count`, `page_number`,
`page_size`). `per_page` is capped at `page_size` so that small data spans several pages.
A foreign key Kantata gates behind its include is left out unless included (GATED);
`updated_after` lists only objects updated since; `custom_field_values` requires its
`subject_type`. Deleted objects are simply not listed, as in Kantata.
Tests and the sync benchmark inject failures (a 429 with Retry-After on page 2, 5xx, slow
answers, bodies that are not JSON) and read what was asked.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.entry.loopback import serve_on_loopback

TOKEN = "kantata-test-token"

# (endpoint, include) → (related type, the field holding its id or ids); custom field values
# are found by subject instead, as Kantata does.
INCLUDES: dict[tuple[str, str], tuple[str, str]] = {
    ("workspaces", "primary_maven"): ("users", "primary_maven_id"),
    ("workspaces", "workspace_groups"): ("workspace_groups", "workspace_group_ids"),
    ("workspace_resources", "user"): ("users", "user_id"),
    ("workspace_resources", "role"): ("roles", "role_id"),
    ("workspace_allocations", "workspace"): ("workspaces", "workspace_id"),
    ("stories", "workspace"): ("workspaces", "workspace_id"),
    ("workspace_allocations", "workspace_resource"): (
        "workspace_resources",
        "workspace_resource_id",
    ),
    ("time_entries", "user"): ("users", "user_id"),
    ("time_entries", "workspace"): ("workspaces", "workspace_id"),
    ("account_memberships", "user"): ("users", "user_id"),
    ("account_memberships", "default_role"): ("roles", "default_role_id"),
    ("time_off_entries", "user"): ("users", "user_id"),
}
# Filters on a range of days: `FIELD_between=FIRST:LAST`, as Kantata documents
# `date_performed_between` on time entries.
BETWEEN = {"time_entries": ("date_performed",)}
# The subject type of each endpoint's custom field values, as Kantata documents them
# (custom-field-values: Estimate, Story, User, Workspace, WorkspaceGroup, Resource).
SUBJECT_TYPES = {
    "workspaces": "Workspace",
    "workspace_resources": "Resource",
    "stories": "Story",
}
FILTERS = {"stories": ("story_type",)}
# Foreign keys Kantata sends only when their association is included ("`workspace_id`
# will only be included in the response if `workspace` is in the list of included
# associations"): endpoint → field → the include that brings it. The allocation's and the
# custom field value's are documented; the story's is reported (psbot asks for it anyway);
# a workspace listed without include=workspace_groups had no workspace_group_ids [R].
GATED: dict[str, dict[str, str]] = {
    "workspace_allocations": {"workspace_id": "workspace"},
    "stories": {"workspace_id": "workspace"},
    "workspaces": {"workspace_group_ids": "workspace_groups"},
    "custom_field_values": {"custom_field_id": "custom_field", "setter_id": "setter"},
}


def subject_key(subject_type: str) -> str:
    """Kantata answers `Resource` or `resource` alike (recorded responses use both cases)."""
    return subject_type.replace("_", "").casefold()


@dataclass
class Call:
    endpoint: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Failure:
    endpoint: str
    status: int
    page: int | None
    retry_after: str | None
    times: int
    body: str | None = None  # sent with status 200 when status is 200 (a broken payload)
    delay: float = 0.0  # seconds to wait before answering (timeouts)


@dataclass
class FakeKantata:
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 2
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    url: str = ""
    ignore_updated_after: bool = False  # as a server that does not know the filter would
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1/"

    def reset(self, objects: dict[str, dict[str, dict[str, Any]]]) -> None:
        with self._lock:
            self.objects = copy.deepcopy(objects)
            self.calls.clear()
            self.failures.clear()
            self.page_size = 2
            self.ignore_updated_after = False

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        page: int | None = None,
        retry_after: str | None = None,
        times: int = 1,
        body: str | None = None,
        delay: float = 0.0,
    ) -> None:
        self.failures.append(Failure(endpoint, status, page, retry_after, times, body, delay))

    def change(self, kind: str, object_id: str, at: dt.datetime, **fields: Any) -> None:
        """Change (or add) an object as a Kantata user would: its `updated_at` moves to `at`."""
        with self._lock:
            obj = self.objects.setdefault(kind, {}).setdefault(
                object_id, {"id": object_id, "created_at": at.isoformat()}
            )
            obj.update(fields, updated_at=at.isoformat())

    def delete(self, kind: str, object_id: str) -> None:
        """Delete an object: Kantata lists it no more, and says so nowhere."""
        with self._lock:
            del self.objects[kind][object_id]

    def calls_to(self, endpoint: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.endpoint == endpoint]

    # --- serving -----------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]):
        endpoint = path.removeprefix("/api/v1/").removesuffix(".json")
        page = int(query.get("page", "1"))
        with self._lock:
            self.calls.append(Call(endpoint, query, headers))
            failure = next(
                (
                    f
                    for f in self.failures
                    if f.endpoint == endpoint and f.times > 0 and f.page in (None, page)
                ),
                None,
            )
            if failure:
                failure.times -= 1
        if failure:
            time.sleep(failure.delay)
            if failure.body is not None:
                return failure.status, failure.body, {}
            extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, _errors("the fake was told to fail"), extra
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _errors("Must be logged in."), {}
        if endpoint not in self.objects:
            return 404, _errors("not found"), {}
        if endpoint == "custom_field_values" and not query.get("subject_type"):
            return 400, _errors("subject_type is required", "validation"), {}
        return 200, json.dumps(self._page(endpoint, query, page)), {}

    def _page(self, endpoint: str, query: dict[str, str], page: int) -> dict[str, Any]:
        with self._lock:  # only what is sent is copied: an account may be large (bench/)
            return self._page_of(self.objects, endpoint, query, page)

    def _page_of(self, objects, endpoint: str, query: dict[str, str], page: int) -> dict:
        listed = [
            obj
            for _, obj in sorted(objects[endpoint].items(), key=lambda item: int(item[0]))
            if all(
                name not in query or str(obj.get(name)) == query[name]
                for name in FILTERS.get(endpoint, ())
            )
            and all(_between(obj, name, query) for name in BETWEEN.get(endpoint, ()))
            and (self.ignore_updated_after or _changed_after(obj, query.get("updated_after")))
            and (
                "subject_type" not in query
                or subject_key(obj["subject_type"]) == subject_key(query["subject_type"])
            )
        ]
        per_page = min(int(query.get("per_page", "20")), 200, self.page_size)
        shown = copy.deepcopy(listed[(page - 1) * per_page : page * per_page])
        body: dict[str, Any] = {
            "count": len(listed),
            "results": [{"key": endpoint, "id": obj["id"]} for obj in shown],
            endpoint: {obj["id"]: obj for obj in shown},
            "meta": {
                "count": len(listed),
                "page_count": math.ceil(len(listed) / per_page),
                "page_number": page,
                "page_size": per_page,
            },
        }
        includes = [name for name in query.get("include", "").split(",") if name]
        values = _values_by_subject(objects) if "custom_field_values" in includes else {}
        for name in includes:
            for obj in shown:
                self._include(body, objects, values, endpoint, name, obj)
        for kind, by_id in body.items():
            if isinstance(by_id, dict) and kind != "meta":
                asked = includes if kind == endpoint else []  # nested includes: never
                for obj in by_id.values():
                    for name, include in GATED.get(kind, {}).items():
                        if include not in asked:
                            obj.pop(name, None)
        return body

    def _include(self, body, objects, values, endpoint: str, name: str, obj: dict) -> None:
        if name == "custom_field_values":
            found = values.get((subject_key(SUBJECT_TYPES[endpoint]), obj["id"]), [])
            obj["custom_field_value_ids"] = [value["id"] for value in found]
            body.setdefault("custom_field_values", {}).update(
                {v["id"]: copy.deepcopy(v) for v in found}
            )
            return
        kind, key = INCLUDES[(endpoint, name)]
        ids = obj.get(key)
        for related_id in ids if isinstance(ids, list) else [ids]:
            if related_id is not None and str(related_id) in objects.get(kind, {}):
                related = copy.deepcopy(objects[kind][str(related_id)])
                body.setdefault(kind, {})[str(related_id)] = related


def _between(obj: dict[str, Any], name: str, query: dict[str, str]) -> bool:
    """Whether `obj[name]` lies in the `NAME_between=FIRST:LAST` range asked for (if any)."""
    asked = query.get(f"{name}_between")
    if asked is None:
        return True
    first, _, last = asked.partition(":")
    return first <= str(obj.get(name)) <= last


def _values_by_subject(objects) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Custom field values by (subject type, subject id): what `include` finds."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for value in objects.get("custom_field_values", {}).values():
        key = (subject_key(value["subject_type"]), str(value["subject_id"]))
        found.setdefault(key, []).append(value)
    return found


def _errors(message: str, kind: str = "system") -> str:
    return json.dumps({"errors": [{"type": kind, "message": message}]})


def _changed_after(obj: dict[str, Any], after: str | None) -> bool:
    """`updated_after`: objects updated after the ISO 8601 datetime given."""
    if after is None:
        return True
    return dt.datetime.fromisoformat(obj["updated_at"]) > dt.datetime.fromisoformat(after)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKantata

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        status, body, extra = self.fake.answer(
            parts.path, dict(parse_qsl(parts.query)), dict(self.headers)
        )
        payload = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left

    def log_message(self, *args) -> None:
        pass


def start_fake_kantata() -> tuple[FakeKantata, ThreadingHTTPServer]:
    fake = FakeKantata()
    server, fake.url = serve_on_loopback(_Handler, fake=fake)
    return fake, server
