"""A local HTTP server speaking the parts of the GitLab REST API (v4) psbot uses.

It serves what python-gitlab asks for — the current user, a project by its URL-encoded
path or id, an issue, its notes (list and create) and the issue update that adds labels —
records every request, and lets tests inject failures per route: 401/403/404, 429 with
Retry-After, 5xx, or a note that is created but whose answer is lost.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from bot.entry.loopback import CallLog, serve_on_loopback

TOKEN = "glpat-test-token"
USERNAME = "psbot-bot"


@dataclass
class Request:
    method: str
    route: str  # user, project, issue, notes.list, notes.create, issue.update
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Failure:
    status: int
    retry_after: str | None
    times: int
    apply_first: bool  # do the work, then answer with the failure (a lost answer)


@dataclass
class Issue:
    project_id: int
    iid: int
    labels: list[str] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeGitLab:
    url: str = ""
    log: CallLog[Request] = field(default_factory=lambda: CallLog(lambda r: r.route))
    projects: dict[str, int] = field(default_factory=dict)  # path → id
    issues: dict[tuple[int, int], Issue] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> list[Request]:
        return self.log.calls

    # --- what tests configure ---------------------------------------------------------
    def reset(self) -> None:
        self.log.clear()
        with self._lock:
            self.projects.clear()
            self.issues.clear()
            self.failures.clear()

    def add_issue(self, path: str, iid: int, labels: tuple[str, ...] = ()) -> str:
        """Create the project (if new) and the issue; returns the issue's web URL."""
        with self._lock:
            project_id = self.projects.setdefault(path, 100 + len(self.projects))
            self.issues[(project_id, iid)] = Issue(project_id, iid, list(labels))
        return f"{self.url}/{path}/-/issues/{iid}"

    def fail(
        self,
        route: str,
        status: int,
        *,
        retry_after: str | None = None,
        times: int = 1,
        apply_first: bool = False,
    ) -> None:
        self.failures[route] = Failure(status, retry_after, times, apply_first)

    # --- what tests read --------------------------------------------------------------
    def issue(self, path: str, iid: int) -> Issue:
        return self.issues[(self.projects[path], iid)]

    def routes(self) -> list[str]:
        return [r.route for r in self.log.all()]

    def calls_to(self, route: str) -> list[Request]:
        return self.log.named(route)

    def wait_for(self, route: str, count: int = 1, timeout: float = 5.0) -> list[Request]:
        return self.log.wait_for(route, count, timeout)

    # --- serving ----------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers, body: dict[str, Any]):
        path, _, query_string = raw_path.partition("?")
        query = dict(parse_qsl(query_string))
        parts = [unquote(p) for p in path.removeprefix("/api/v4/").split("/")]
        route = _route(method, parts)
        self.log.add(Request(method, route, path, query, body))
        with self._lock:
            if headers.get("PRIVATE-TOKEN") != TOKEN:
                return 401, {"message": "401 Unauthorized"}, {}
            failure = self.failures.get(route)
            if failure and failure.times > 0:
                failure.times -= 1
                if failure.apply_first:
                    self._serve(route, parts, body)
                extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return failure.status, {"message": _REASONS.get(failure.status, "error")}, extra
            return self._serve(route, parts, body)

    def _serve(self, route: str, parts: list[str], body: dict[str, Any]):
        if route == "user":
            return 200, {"id": 7, "username": USERNAME, "name": "psbot"}, {}
        project_id = self._project_id(parts[1]) if len(parts) > 1 else None
        if project_id is None:
            return 404, {"message": "404 Project Not Found"}, {}
        if route == "project":
            path = next(p for p, i in self.projects.items() if i == project_id)
            return 200, {"id": project_id, "path_with_namespace": path}, {}
        issue = self.issues.get((project_id, int(parts[3])))
        if issue is None:
            return 404, {"message": "404 Issue Not Found"}, {}
        if route == "issue.update":
            for label in str(body.get("add_labels", "")).split(","):
                if label and label not in issue.labels:
                    issue.labels.append(label)
        if route in ("issue", "issue.update"):
            return 200, self._issue_json(issue), {}
        if route == "notes.create":
            note = {"id": 5000 + next(self._ids), "body": body["body"], "system": False}
            issue.notes.append(note)
            return 201, note, {}
        if route == "notes.list":
            return 200, list(reversed(issue.notes)), {}
        return 404, {"message": "404 Not Found"}, {}

    def _project_id(self, key: str) -> int | None:
        if key.isdigit():
            return int(key) if int(key) in self.projects.values() else None
        return self.projects.get(key)

    def _issue_json(self, issue: Issue) -> dict[str, Any]:
        return {
            "id": issue.project_id * 1000 + issue.iid,
            "iid": issue.iid,
            "project_id": issue.project_id,
            "title": f"Issue {issue.iid}",
            "state": "opened",
            "labels": list(issue.labels),
        }


_REASONS = {
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    429: "Retry later",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
}


def _route(method: str, parts: list[str]) -> str:
    if parts == ["user"]:
        return "user"
    if parts[:1] != ["projects"]:
        return "unknown"
    if len(parts) == 2:
        return "project"
    if len(parts) == 4 and parts[2] == "issues":
        return "issue.update" if method == "PUT" else "issue"
    if len(parts) == 5 and parts[4] == "notes":
        return "notes.create" if method == "POST" else "notes.list"
    return "unknown"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitLab

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = dict(parse_qsl(raw))
        status, payload, extra = self.fake.handle(self.command, self.path, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


def start_fake_gitlab() -> tuple[FakeGitLab, ThreadingHTTPServer]:
    fake = FakeGitLab()
    server, fake.url = serve_on_loopback(_Handler, fake=fake)
    return fake, server
