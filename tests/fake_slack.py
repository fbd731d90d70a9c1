"""A local HTTP server standing in for the Slack Web API and response_url endpoints.

It records every call and answers in Slack's documented shapes; tests can register
answers per method and inject failures (429 with Retry-After, 5xx) for the next calls.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.local_server import serve

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int


Answer = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)
    url: str = ""

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}/response/{name}"

    # --- what tests configure -------------------------------------------------------
    def answer(self, method: str, answer: Answer) -> None:
        self.answers[method] = answer

    def fail(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1):
        self.failures[method] = Failure(status, retry_after, times)

    def add_user(self, user_id: str, email: str, name: str = "", tz: str = "America/New_York"):
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name or email.split("@")[0],
            "real_name": name or email.split("@")[0],
            "tz": tz,
            "profile": {"email": email, "real_name": name, "display_name": name},
        }

    # --- what tests read ---------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(
                        f"{method} called {len(found)}x, wanted {count}; saw {seen}"
                    )
                self._changed.wait(remaining)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()

    # --- serving -----------------------------------------------------------------------
    def handle(self, path: str, params: dict[str, Any], headers: dict[str, str]):
        method = path.removeprefix("/api/") if path.startswith("/api/") else path
        with self._changed:
            self.calls.append(Call(method, params, headers))
            self._changed.notify_all()
            failure = self.failures.get(method)
            if failure and failure.times > 0:
                failure.times -= 1
                extra = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                return (
                    failure.status,
                    {
                        "ok": False,
                        "error": "ratelimited" if failure.status == 429 else "fatal_error",
                    },
                    extra,
                )
        if method.startswith(("/response/", "/upload/")):
            return 200, "ok", {}
        if method in self.answers:
            return 200, self.answers[method](params), {}
        return 200, self._default(method, params), {}

    def _default(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0BOT",
                "team": "PS",
            }
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            ts = f"{1700000000 + next(self._ts)}.000100"
            return {
                "ok": True,
                "channel": params.get("channel", "C0"),
                "ts": ts,
                "message_ts": ts,
                "message": {"text": params.get("text", ""), "ts": ts},
            }
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {"ok": True, "view": {**view, "id": "V0VIEW", "hash": "h1"}}
        if method == "users.lookupByEmail":
            for user in self.users.values():
                if user["profile"]["email"].lower() == str(params.get("email", "")).lower():
                    return {"ok": True, "user": user}
            return {"ok": False, "error": "users_not_found"}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "chat.getPermalink":
            ts = str(params.get("message_ts")).replace(".", "")
            permalink = f"https://ps.slack.com/archives/{params.get('channel')}/p{ts}"
            return {"ok": True, "permalink": permalink}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "conversations.open":
            return {
                "ok": True,
                "channel": {"id": "D" + str(params.get("users", "X")).split(",")[0]},
            }
        return {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        params: dict[str, Any]
        if self.path.startswith("/upload/"):
            # The file as sent: its bytes (a PNG is not text), and as text for text files.
            params = {"bytes": data, "content": data.decode(errors="replace")}
        elif "json" in (self.headers.get("Content-Type") or ""):
            params = json.loads(data.decode() or "{}")
        else:
            params = dict(parse_qsl(data.decode(), keep_blank_values=True))
        params.update(dict(parse_qsl(self.path.partition("?")[2])))
        status, body, extra = self.fake.handle(
            self.path.partition("?")[0], params, dict(self.headers)
        )
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, *args) -> None:
        pass


def start_fake_slack() -> tuple[FakeSlack, ThreadingHTTPServer]:
    fake = FakeSlack()
    return fake, serve(fake, _Handler)
