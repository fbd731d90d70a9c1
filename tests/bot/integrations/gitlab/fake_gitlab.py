"""A local HTTP server speaking the parts of the GitLab API psbot uses.

REST (v4), as python-gitlab asks for it: the current user, the version, a project by its
URL-encoded path or id, an issue, its notes (list and create) and the issue update that
adds or removes labels; a group (with its `visibility`), an epic by iid and the epic's
notes by the epic's global id (GitLab's notes API takes the id, not the iid).
GraphQL (`POST /api/graphql`; the token as PRIVATE-TOKEN or `Authorization: Bearer`, as
GitLab's auth finders read either): `namespace(fullPath){workItem(iid)}`,
its notes widget's discussions, and `createNote` — with GitLab's answer shapes: errors
in a 200, `null` for what can't be found or seen.

`epic_api` says which epic API the server serves, as real servers differ:
- "rest" (default): Premium/Ultimate today, REST epics and work items both;
- "work items": a GitLab that no longer serves REST epics (the catch-all answers
  404 `{"error": "404 Not Found"}`), only work items;
- "unlicensed": Free tier: REST epics answer 403, the work item is `null`;
- "neither": no epics (CE) on an old GitLab whose Namespace has no `workItem` field.

It records every request and lets tests inject failures per route: 401/403/404, 429
with Retry-After, 5xx, or a note that is created but whose answer is lost.
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
    # user, version, project, issue, notes.list, notes.create, issue.update, group, epic,
    # epic_notes.list, epic_notes.create, graphql.work_item, graphql.notes, graphql.create_note
    method: str
    route: str
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
class Epic:
    id: int  # global: what the epic notes API takes
    iid: int
    group_id: int
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Group:
    id: int
    path: str
    visibility: str
    epics: dict[int, Epic] = field(default_factory=dict)  # iid → epic


VERSION = "17.11.2-ee"


@dataclass
class FakeGitLab:
    url: str = ""
    log: CallLog[Request] = field(default_factory=lambda: CallLog(lambda r: r.route))
    projects: dict[str, int] = field(default_factory=dict)  # path → id
    issues: dict[tuple[int, int], Issue] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)  # full path → group
    epic_api: str = "rest"
    version: str = VERSION
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
            self.groups.clear()
            self.failures.clear()
            self.epic_api, self.version = "rest", VERSION

    def add_issue(self, path: str, iid: int, labels: tuple[str, ...] = ()) -> str:
        """Create the project (if new) and the issue; returns the issue's web URL."""
        with self._lock:
            project_id = self.projects.setdefault(path, 100 + len(self.projects))
            self.issues[(project_id, iid)] = Issue(project_id, iid, list(labels))
        return f"{self.url}/{path}/-/issues/{iid}"

    def add_epic(self, group_path: str, iid: int, visibility: str = "private") -> str:
        """Create the group (if new) and its epic; returns the epic's web URL."""
        with self._lock:
            group = self.groups.get(group_path)
            if group is None:
                group = Group(500 + len(self.groups), group_path, visibility)
                self.groups[group_path] = group
            group.epics[iid] = Epic(9000 + 10 * group.id + iid, iid, group.id)
        return f"{self.url}/groups/{group_path}/-/epics/{iid}"

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

    def epic(self, group_path: str, iid: int) -> Epic:
        return self.groups[group_path].epics[iid]

    def all_bodies(self) -> list[str]:
        """Every note body on every issue and epic."""
        with self._lock:
            issues = [n["body"] for i in self.issues.values() for n in i.notes]
            epics = [
                n["body"] for g in self.groups.values() for e in g.epics.values() for n in e.notes
            ]
        return issues + epics

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
        graphql = path == "/api/graphql"
        route = _graphql_route(body) if graphql else _route(method, parts)
        self.log.add(Request(method, route, path, query, body))
        with self._lock:
            bearer = headers.get("Authorization") == f"Bearer {TOKEN}"
            if headers.get("PRIVATE-TOKEN") != TOKEN and not (graphql and bearer):
                if graphql:  # GraphqlController#authorize_access_api!
                    return 401, {"errors": [{"message": "Invalid token"}]}, {}
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
        if route == "version":
            return 200, {"version": self.version, "revision": "a1b2c3d"}, {}
        if route.startswith("graphql."):
            return self._graphql(route, body.get("variables") or {})
        if route.startswith(("group", "epic")):
            return self._serve_group(route, parts, body)
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
            for label in str(body.get("remove_labels", "")).split(","):
                if label in issue.labels:
                    issue.labels.remove(label)
        if route in ("issue", "issue.update"):
            return 200, self._issue_json(issue), {}
        if route == "notes.create":
            note = {"id": 5000 + next(self._ids), "body": body["body"], "system": False}
            issue.notes.append(note)
            return 201, note, {}
        if route == "notes.list":
            return 200, list(reversed(issue.notes)), {}
        return 404, {"message": "404 Not Found"}, {}

    def _serve_group(self, route: str, parts: list[str], body: dict[str, Any]):
        group = self._group(parts[1])
        if route != "group" and self.epic_api in ("work items", "neither"):
            return 404, {"error": "404 Not Found"}, {}  # the catch-all: no such route
        if group is None:
            return 404, {"message": "404 Group Not Found"}, {}
        if route == "group":
            return 200, self._group_json(group), {}
        if self.epic_api == "unlicensed":
            return 403, {"message": "403 Forbidden"}, {}
        if route == "epic":
            epic = group.epics.get(int(parts[3]))
            if epic is None:  # GitLab authorizes :read_epic on nil: 403, not 404
                return 403, {"message": "403 Forbidden"}, {}
            return 200, self._epic_json(group, epic), {}
        epic = next((e for e in group.epics.values() if e.id == int(parts[3])), None)
        if epic is None:
            return 404, {"message": "404 Epic Not Found"}, {}
        if route == "epic_notes.create":
            note = {"id": 5000 + next(self._ids), "body": body["body"], "system": False}
            epic.notes.append(note)
            return 201, note, {}
        return 200, list(reversed(epic.notes)), {}

    def _graphql(self, route: str, variables: dict[str, Any]):
        if self.epic_api == "neither" and route != "graphql.create_note":
            error = {
                "message": "Field 'workItem' doesn't exist on type 'Namespace'",
                "locations": [{"line": 3, "column": 32}],
                "path": ["query psbotEpic", "namespace", "workItem"],
                "extensions": {
                    "code": "undefinedField",
                    "typeName": "Namespace",
                    "fieldName": "workItem",
                },
            }
            return 200, {"errors": [error]}, {}
        if route == "graphql.create_note":
            epic = self._epic_by_gid(str(variables.get("id")))
            if epic is None:
                message = (
                    "The resource that you are attempting to access does not exist or you "
                    "don't have permission to perform this action"
                )
                return 200, {"data": {"createNote": None}, "errors": [{"message": message}]}, {}
            number = 5000 + next(self._ids)
            epic.notes.append({"id": number, "body": variables["body"], "system": False})
            note = {"id": f"gid://gitlab/Note/{number}"}
            return 200, {"data": {"createNote": {"note": note, "errors": []}}}, {}
        group = self.groups.get(str(variables.get("path")))
        if group is None:
            return 200, {"data": {"namespace": None}}, {}
        epic = group.epics.get(int(variables.get("iid") or 0))
        if epic is None or self.epic_api == "unlicensed":
            return 200, {"data": {"namespace": {"workItem": None}}}, {}
        item: dict[str, Any] = {"id": f"gid://gitlab/WorkItem/{epic.id}"}
        if route == "graphql.work_item":
            item |= {
                "iid": str(epic.iid),
                "webUrl": f"{self.url}/groups/{group.path}/-/epics/{epic.iid}",
            }
        else:
            discussions = [
                {"notes": {"nodes": [{"id": f"gid://gitlab/Note/{n['id']}", "body": n["body"]}]}}
                for n in epic.notes
            ]
            item = {"widgets": [{}, {"discussions": {"nodes": discussions}}]}
        return 200, {"data": {"namespace": {"workItem": item}}}, {}

    def _group(self, key: str) -> Group | None:
        if key.isdigit():
            return next((g for g in self.groups.values() if g.id == int(key)), None)
        return self.groups.get(key)

    def _epic_by_gid(self, gid: str) -> Epic | None:
        number = gid.removeprefix("gid://gitlab/WorkItem/")
        for group in self.groups.values():
            for epic in group.epics.values():
                if str(epic.id) == number:
                    return epic
        return None

    def _group_json(self, group: Group) -> dict[str, Any]:
        return {
            "id": group.id,
            "name": group.path.rsplit("/", 1)[-1].title(),
            "path": group.path.rsplit("/", 1)[-1],
            "full_path": group.path,
            "web_url": f"{self.url}/groups/{group.path}",
            "visibility": group.visibility,
        }

    def _epic_json(self, group: Group, epic: Epic) -> dict[str, Any]:
        return {
            "id": epic.id,
            "iid": epic.iid,
            "group_id": group.id,
            "title": f"Epic {epic.iid}",
            "state": "opened",
            "confidential": False,
            "labels": [],
            "web_url": f"{self.url}/groups/{group.path}/-/epics/{epic.iid}",
        }

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
    if parts in (["user"], ["version"]):
        return parts[0]
    if parts[:1] == ["groups"]:
        return _group_route(method, parts)
    if parts[:1] != ["projects"]:
        return "unknown"
    if len(parts) == 2:
        return "project"
    if len(parts) == 4 and parts[2] == "issues":
        return "issue.update" if method == "PUT" else "issue"
    if len(parts) == 5 and parts[4] == "notes":
        return "notes.create" if method == "POST" else "notes.list"
    return "unknown"


def _group_route(method: str, parts: list[str]) -> str:
    if len(parts) == 2:
        return "group"
    if len(parts) == 4 and parts[2] == "epics":
        return "epic"
    if len(parts) == 5 and parts[2] == "epics" and parts[4] == "notes":
        return "epic_notes.create" if method == "POST" else "epic_notes.list"
    return "unknown"


def _graphql_route(body: dict[str, Any]) -> str:
    """Which of psbot's GraphQL operations `body` is (the fake reads no GraphQL grammar)."""
    query = str(body.get("query", ""))
    if "createNote(" in query:
        return "graphql.create_note"
    if "discussions" in query:
        return "graphql.notes"
    return "graphql.work_item"


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
