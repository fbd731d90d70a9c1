"""A local stand-in for the Slack Web API and response_url endpoints.

An HTTP server on 127.0.0.1 (a free port) that the app's WebClient is pointed at through
SLACK_API_URL, exactly as a proxy would be. It keeps what Slack would keep — messages,
modals, App Home views, pins, files — answers in Slack's documented shapes, and queues
what happened as events for the shell to print.

It also records every call, so tests and bench/ can see what the app asked for and wait
for it; takes answers of their own per method; and fails the next calls of a method on
request (429 with Retry-After, 5xx), as Slack does when it is busy or down.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.entry.loopback import CallLog, serve_on_loopback
from bot.entry.slack_standin.workspace import Identity, Workspace

logger = logging.getLogger(__name__)

Answer = Callable[[dict[str, Any]], dict[str, Any]]
Reply = tuple[int, Any, dict[str, str]]  # HTTP status, body, extra headers


@dataclass
class Call:
    """One request the app made: a Web API method, or a response_url's or an upload's
    path (`/response/<name>`, `/upload/<file id>`)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    ephemeral_to: str | None = None  # only this user sees it
    sender: Identity = field(default_factory=Identity)  # psbot, in this workspace

    def as_slack(self) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.sender.bot_user_id,
            "bot_id": self.sender.bot_id,
            "app_id": self.sender.app_id,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            **({"thread_ts": self.thread_ts} if self.thread_ts else {}),
        }


# --- what the shell is told --------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    message: Message


@dataclass(frozen=True)
class Updated:
    message: Message


@dataclass(frozen=True)
class Deleted:
    message: Message


@dataclass(frozen=True)
class Pinned:
    message: Message


@dataclass(frozen=True)
class Reacted:
    message: Message
    name: str


@dataclass(frozen=True)
class FileShared:
    channel: str
    filename: str
    title: str
    content: str
    comment: str
    data: bytes = b""  # the file's bytes (a chart's PNG)
    alt_text: str = ""


@dataclass(frozen=True)
class ViewOpened:
    view: dict[str, Any]
    pushed: bool = False


@dataclass(frozen=True)
class ViewUpdated:
    view: dict[str, Any]


@dataclass(frozen=True)
class HomePublished:
    user_id: str
    view: dict[str, Any]


Event = (
    Posted
    | Updated
    | Deleted
    | Pinned
    | Reacted
    | FileShared
    | ViewOpened
    | ViewUpdated
    | HomePublished
)


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url reply goes: who asked, in which channel, about which message."""

    user_id: str
    channel: str
    message: Message | None = None


class StandInSlack:
    """Slack's side of the conversation, in process.

    `signing_secret` is the app's, which Slack holds and signs its requests with (a new
    one by default). `strict` refuses, as Slack does, to act on messages, views and people
    it never saw; tests turn it off, because their rows point at Slack messages and views
    they never made here.
    """

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        signing_secret: str | None = None,
        strict: bool = True,
    ) -> None:
        self.workspace = workspace or Workspace()
        self.signing_secret = signing_secret or secrets.token_hex(32)
        self.strict = strict
        self.url = ""
        self.log: CallLog[Call] = CallLog(lambda call: call.method)
        self.answers: dict[str, Answer] = {}
        self.failures: dict[str, Failure] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self._targets: dict[str, ResponseTarget | None] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._pins: set[tuple[str, str]] = set()
        self._events: list[Event] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._methods = self._web_api()

    @property
    def identity(self) -> Identity:
        return self.workspace.identity

    @property
    def calls(self) -> list[Call]:
        """Every call so far, in order (server threads append to it)."""
        return self.log.calls

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> StandInSlack:
        self._server, self.url = serve_on_loopback(_Handler, standin=self)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, target: ResponseTarget | str = "cmd") -> str:
        """A response_url for a reply to `target` (kept as a message where it says), or
        one called `target` (its calls are recorded as `/response/<target>`)."""
        if isinstance(target, str):
            token, kept = target, None
        else:
            token, kept = secrets.token_hex(8), target
        with self._lock:
            self._targets[token] = kept
        return f"{self.url}/response/{token}"

    def drain(self) -> list[Event]:
        """What happened since the last call, in order."""
        with self._lock:
            events, self._events = self._events, []
        return events

    def normalized_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """A view as Slack hands it back: with an id, a hash, block ids and empty state."""
        view = _with_block_ids(dict(view), self._ids)
        view.update(
            id=view_id or f"V{next(self._ids):07d}",
            hash=f"{time.time():.6f}.{secrets.token_hex(4)}",
            team_id=self.identity.team_id,
            app_id=self.identity.app_id,
            bot_id=self.identity.bot_id,
            state={"values": {}},
        )
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        view.setdefault("root_view_id", view["id"])
        with self._lock:
            self.views[view["id"]] = view
        return view

    # --- what tests and bench/ set up ---------------------------------------------------

    def answer(self, method: str, answer: Answer) -> None:
        """Answer `method` with `answer(params)` instead of keeping state."""
        self.answers[method] = answer

    def fail(
        self, method: str, status: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Fail the next `times` calls of `method` with HTTP `status`."""
        with self._lock:
            self.failures[method] = Failure(status, retry_after, times)

    def add_user(self, user_id: str, email: str, name: str = "", **details: Any) -> None:
        """Someone in the workspace (see `Workspace.add_user`)."""
        with self._lock:
            self.workspace.add_user(user_id, email, name, **details)

    def reset(self) -> None:
        """Forget the calls so far and the failures still to come."""
        self.log.clear()
        with self._lock:
            self.failures.clear()

    def clear(self) -> None:
        """As new: no calls, answers, failures, people, channels, messages or views."""
        with self._lock:
            self.reset()
            self.answers.clear()
            self.workspace.clear()
            for kept in (self.messages, self.views, self.homes, self._targets, self._files):
                kept.clear()
            self._pins.clear()
            self._events.clear()

    # --- what tests and bench/ read -----------------------------------------------------

    def recorded(self) -> list[Call]:
        """Every call so far, in order: a copy, safe from the server threads."""
        return self.log.all()

    def calls_to(self, method: str) -> list[Call]:
        return self.log.named(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; return those calls."""
        return self.log.wait_for(method, count, timeout)

    # --- serving -----------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> Reply:
        """Record the call, then fail it, answer it as told, or answer as Slack would."""
        api = path.startswith("/api/")
        method = path.removeprefix("/api/") if api else path
        self.log.add(Call(method, params, headers))
        with self._lock:
            failure = self._failure(method)
        if failure is not None:
            return failure
        answer = self.answers.get(method) if api else None
        if answer is not None:  # outside the lock: a test's answer may take its time
            return 200, answer(params), {}
        try:
            with self._lock:
                return self._keep(path, method, params)
        except Exception:  # a bug here must not look like a Slack outage to the app
            logger.exception("the stand-in failed to answer %s", method)
            return 200, {"ok": False, "error": "internal_error"}, {}

    def _failure(self, method: str) -> Reply | None:
        failure = self.failures.get(method)
        if failure is None or failure.times <= 0:
            return None
        failure.times -= 1
        error = "ratelimited" if failure.status == 429 else "fatal_error"
        extra = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
        return failure.status, {"ok": False, "error": error}, extra

    def _keep(self, path: str, method: str, params: dict[str, Any]) -> Reply:
        if path.startswith("/response/"):
            return self._respond(path.removeprefix("/response/"), params)
        if path.startswith("/upload/"):
            file = self._files.setdefault(path.removeprefix("/upload/"), {})
            data = params.get("bytes", b"")
            file["data"], file["content"] = data, params.get("content", "")
            return 200, f"OK - {len(data)}", {}
        answer = self._methods.get(method)
        return 200, answer(params) if answer else {"ok": True}, {}

    def _unseen(self, error: str, answer: dict[str, Any]) -> dict[str, Any]:
        """What a call about something this stand-in never saw gets."""
        return _error(error) if self.strict else answer

    def _web_api(self) -> dict[str, Answer]:
        return {
            "auth.test": lambda p: {
                "ok": True,
                "url": self.identity.url,
                "team": self.identity.team_name,
                "user": "psbot",
                "team_id": self.identity.team_id,
                "user_id": self.identity.bot_user_id,
                "bot_id": self.identity.bot_id,
            },
            "team.info": lambda p: {
                "ok": True,
                "team": {
                    "id": self.identity.team_id,
                    "name": self.identity.team_name,
                    "domain": self.identity.domain,
                },
            },
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "chat.delete": self._delete_message,
            "chat.getPermalink": self._permalink,
            "pins.add": self._pin,
            "pins.remove": self._unpin,
            "reactions.add": self._react,
            "conversations.open": self._open_dm,
            "conversations.info": self._conversation_info,
            "users.info": self._user_info,
            "users.lookupByEmail": self._lookup_by_email,
            "users.list": lambda p: {
                "ok": True,
                "members": [u.as_slack() for u in self.workspace.users.values()],
            },
            "users.profile.get": self._profile,
            "views.open": lambda p: self._open_view(p, pushed=False),
            "views.push": lambda p: self._open_view(p, pushed=True),
            "views.update": self._update_view,
            "views.publish": self._publish,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _message(self, params: dict[str, Any], channel: str, **extra: Any) -> Message:
        return Message(
            channel=channel,
            ts=self._new_ts(),
            text=str(params.get("text") or ""),
            blocks=_with_block_ids_list(_json(params.get("blocks")) or [], self._ids),
            attachments=_json(params.get("attachments")) or [],
            sender=self.identity,
            **extra,
        )

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel(str(params.get("channel") or ""))
        thread = params.get("thread_ts") or None
        message = self._message(params, channel.id, thread_ts=thread)
        self.messages[channel.id, message.ts] = message
        self._events.append(Posted(message))
        return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.as_slack()}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel(str(params.get("channel") or ""))
        user = str(params.get("user") or "")
        if self.strict and user not in self.workspace.users:
            return _error("user_not_in_channel")
        message = self._message(params, channel.id, ephemeral_to=user)
        self.messages[channel.id, message.ts] = message
        self._events.append(Posted(message))
        return {"ok": True, "message_ts": message.ts}

    def _find(self, params: dict[str, Any], ts_key: str = "ts") -> Message | None:
        channel = self.workspace.channel(str(params.get("channel") or ""))
        return self.messages.get((channel.id, str(params.get(ts_key) or "")))

    def _update_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        if message is None:
            return self._unseen("message_not_found", self._about(params) | {"text": ""})
        message.text = str(params.get("text") or message.text)
        if "blocks" in params:
            message.blocks = _with_block_ids_list(_json(params.get("blocks")) or [], self._ids)
        self._events.append(Updated(message))
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    def _delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        if message is None:
            return self._unseen("message_not_found", self._about(params))
        del self.messages[message.channel, message.ts]
        self._events.append(Deleted(message))
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _about(self, params: dict[str, Any]) -> dict[str, Any]:
        """The answer to a change to a message this stand-in never saw, when not strict."""
        channel = self.workspace.channel(str(params.get("channel") or ""))
        return {"ok": True, "channel": channel.id, "ts": str(params.get("ts") or "")}

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel(str(params.get("channel") or ""))
        ts = str(params.get("message_ts") or "").replace(".", "")
        return {
            "ok": True,
            "channel": channel.id,
            "permalink": f"{self.identity.url}archives/{channel.id}/p{ts}",
        }

    def _pin(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params, "timestamp")
        if message is None:
            return self._unseen("message_not_found", {"ok": True})
        if (message.channel, message.ts) in self._pins:
            return _error("already_pinned")
        self._pins.add((message.channel, message.ts))
        self._events.append(Pinned(message))
        return {"ok": True}

    def _unpin(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params, "timestamp")
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if (message.channel, message.ts) not in self._pins:
            return {"ok": False, "error": "no_pin"}
        self._pins.discard((message.channel, message.ts))
        return {"ok": True}

    def _react(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params, "timestamp")
        if message is None:
            return self._unseen("message_not_found", {"ok": True})
        self._events.append(Reacted(message, str(params.get("name") or "")))
        return {"ok": True}

    def _open_dm(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users or (self.strict and (len(users) != 1 or users[0] not in self.workspace.users)):
            return _error("user_not_found")
        return {"ok": True, "channel": self.workspace.dm_with(users[0]).as_slack()}

    def _conversation_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel(str(params.get("channel") or ""))
        return {"ok": True, "channel": channel.as_slack()}

    def _user_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.users.get(str(params.get("user") or ""))
        return {"ok": True, "user": user.as_slack()} if user else _error("user_not_found")

    def _lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.user_by_email(str(params.get("email") or ""))
        return {"ok": True, "user": user.as_slack()} if user else _error("users_not_found")

    def _profile(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.users.get(str(params.get("user") or ""))
        return (
            {"ok": True, "profile": user.as_slack()["profile"]}
            if user
            else _error("user_not_found")
        )

    def _open_view(self, params: dict[str, Any], *, pushed: bool) -> dict[str, Any]:
        if self.strict and not params.get("trigger_id"):
            return _error("invalid_trigger_id")
        view = self.normalized_view(_json(params.get("view")) or {})
        self._events.append(ViewOpened(view, pushed=pushed))
        return {"ok": True, "view": view}

    def _update_view(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id") or "")
        current = self.views.get(view_id)
        if current is None and self.strict:
            return _error("not_found")
        if current and params.get("hash") and params["hash"] != current["hash"]:
            return _error("hash_conflict")
        view = self.normalized_view(_json(params.get("view")) or {}, view_id or None)
        view["root_view_id"] = (current or view).get("root_view_id", view["id"])
        self._events.append(ViewUpdated(view))
        return {"ok": True, "view": view}

    def _publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id") or "")
        if self.strict and user_id not in self.workspace.users:
            return _error("user_not_found")
        previous = self.homes.get(user_id)
        view = self.normalized_view(
            _json(params.get("view")) or {}, previous["id"] if previous else None
        )
        self.homes[user_id] = view
        self._events.append(HomePublished(user_id, view))
        return {"ok": True, "view": view}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        # Slack requires both: the file's name and its size in bytes.
        if self.strict and not (params.get("filename") and str(params.get("length", "")).isdigit()):
            return _error("invalid_arguments")
        file_id = f"F{next(self._ids):07d}"
        self._files[file_id] = {
            "filename": str(params.get("filename") or "file"),
            "alt_text": str(params.get("alt_txt") or ""),
        }
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = _json(params.get("files")) or []
        channel_param = params.get("channel_id") or params.get("channels") or ""
        channel = (
            self.workspace.channel(str(channel_param).split(",")[0]) if channel_param else None
        )
        shared = []
        for entry in files:
            stored = self._files.get(str(entry.get("id")), {})
            filename = stored.get("filename", "file")
            title = str(entry.get("title") or filename)
            if channel is not None:
                self._events.append(
                    FileShared(
                        channel.id,
                        filename,
                        title,
                        stored.get("content", ""),
                        str(params.get("initial_comment") or ""),
                        stored.get("data", b""),
                        stored.get("alt_text", ""),
                    )
                )
            shared.append({"id": entry.get("id"), "title": title, "name": filename})
        return {"ok": True, "files": shared}

    def _respond(self, token: str, params: dict[str, Any]) -> Reply:
        if token not in self._targets and self.strict:
            return 404, "invalid_token", {}
        target = self._targets.get(token)
        if target is None:  # a named response_url: its calls are all there is to it
            return 200, "ok", {}
        original = target.message
        if params.get("delete_original") and original is not None:
            self.messages.pop((original.channel, original.ts), None)
            self._events.append(Deleted(original))
            return 200, "ok", {}
        if params.get("replace_original") and original is not None:
            original.text = str(params.get("text") or "")
            original.blocks = _with_block_ids_list(_json(params.get("blocks")) or [], self._ids)
            if params.get("response_type") == "in_channel":
                original.ephemeral_to = None
            self._events.append(Updated(original))
            return 200, "ok", {}
        in_channel = params.get("response_type") == "in_channel"
        message = self._message(
            params,
            target.channel,
            ephemeral_to=None if in_channel else target.user_id,
            thread_ts=params.get("thread_ts") or None,
        )
        self.messages[target.channel, message.ts] = message
        if original is None:  # a command's: replace_original replaces its first message
            self._targets[token] = replace(target, message=message)
        self._events.append(Posted(message))
        return 200, "ok", {}


class _Handler(BaseHTTPRequestHandler):
    standin: StandInSlack

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        raw = data.decode("utf-8", errors="replace")
        path, _, query = self.path.partition("?")
        if path.startswith("/upload/"):
            # The file as sent: its bytes (a PNG is not text), and as text for text files.
            params: dict[str, Any] = {"bytes": data, "content": raw}
        elif "json" in (self.headers.get("Content-Type") or ""):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw, keep_blank_values=True))
        params.update(dict(parse_qsl(query)))
        status, body, extra = self.standin.handle(path, params, dict(self.headers))
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass  # the shell prints what matters; access logs would bury it


def _json(value: Any) -> Any:
    """Web API arguments arrive as JSON or as form fields holding JSON."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _with_block_ids_list(
    blocks: list[dict[str, Any]], ids: itertools.count
) -> list[dict[str, Any]]:
    """Slack gives every block without an id one of its own; actions report it."""
    return [
        block if block.get("block_id") else {**block, "block_id": f"b{next(ids)}"}
        for block in blocks
    ]


def _with_block_ids(view: dict[str, Any], ids: itertools.count) -> dict[str, Any]:
    view["blocks"] = _with_block_ids_list(view.get("blocks") or [], ids)
    return view
