"""Whether an interaction payload has the shape Slack gives it, before a listener reads it.

A signed payload Slack would never send (a field missing or of another type, a
`private_metadata` psbot never wrote) is refused with 400 at once. Listeners then read
what they rely on without guarding each field, and a malformed request can neither
stall until Slack's 3 seconds are up nor tell the person it names that something broke.
The checks follow Slack's payload references for block_actions, view_submission,
view_closed, shortcut, message_action and block_suggestion.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from bot.core.slack_ids import is_user_id

INTERACTIONS = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
    }
)


def payload_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with an interaction payload (None: nothing, or not an interaction)."""
    kind = body.get("type")
    if not isinstance(kind, str):
        return None if kind is None else "type is not text"
    if kind not in INTERACTIONS:
        return None
    problems = [*_envelope(body)]
    if kind in ("view_submission", "view_closed") or "view" in body:
        problems += _view(body.get("view"), submitted=kind == "view_submission")
    if kind == "block_actions":
        problems += _actions(body.get("actions"))
        container = body.get("container")
        if not isinstance(container, dict | None):
            problems.append("container is not what Slack sends")
        elif (container or {}).get("type") == "message" and not _text(body.get("response_url")):
            problems.append("a click on a message without its response_url")
        elif (container or {}).get("type") == "view" and not _named_view(body.get("view")):
            problems.append("a click in a view without the view's id and hash")
    if kind == "message_action":
        problems += _message(body)
    if kind == "block_suggestion" and not (
        _text(body.get("action_id")) and _optional(body.get("value"))
    ):
        problems.append("a block_suggestion without its action_id and typed value")
    return problems[0] if problems else None


def _envelope(body: dict[str, Any]) -> Iterator[str]:
    user = body.get("user")
    if not isinstance(user, dict) or not (_text(user.get("id")) and is_user_id(user["id"])):
        yield "user.id is not a Slack user id"
    for name in ("trigger_id", "callback_id", "team"):
        if name in body and not _optional(body[name], str if name != "team" else dict):
            yield f"{name} is not what Slack sends"
    url = body.get("response_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        yield "response_url is not a URL"
    channel = body.get("channel")
    if channel is not None and not (isinstance(channel, dict) and _optional(channel.get("id"))):
        yield "channel is not what Slack sends"
    # Slack sends a trigger_id with every click and shortcut (listeners open modals with it).
    if body["type"] in ("shortcut", "message_action", "block_actions") and not _text(
        body.get("trigger_id")
    ):
        yield "a click or shortcut without trigger_id"


def _view(view: Any, *, submitted: bool) -> Iterator[str]:
    if not isinstance(view, dict):
        yield "view is not what Slack sends"
        return
    if not _text(view.get("type")):  # Bolt routes views by it
        yield "view.type is missing"
    for name in ("id", "hash", "callback_id", "private_metadata"):
        if not _optional(view.get(name)):
            yield f"view.{name} is not text"
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and metadata and not isinstance(_json(metadata), dict):
        yield "view.private_metadata is not psbot's"
    state = view.get("state")
    if submitted and not (isinstance(state, dict) and isinstance(state.get("values"), dict)):
        yield "view.state.values is missing"
        return
    values = state.get("values", {}) if isinstance(state, dict) else {}
    for block in values.values() if isinstance(values, dict) else [None]:
        if not isinstance(block, dict):
            yield "a view.state block is not what Slack sends"
            continue
        for element in block.values():
            yield from _element(element, "view.state")


def _actions(actions: Any) -> Iterator[str]:
    if not isinstance(actions, list) or not actions:
        yield "actions are missing"
        return
    for action in actions:
        if not isinstance(action, dict) or not _text(action.get("action_id")):
            yield "an action without action_id"
            continue
        if not _optional(action.get("block_id")):
            yield "an action's block_id is not text"
        yield from _element(action, "an action")


def _element(element: Any, where: str) -> Iterator[str]:
    """An input's state, or an action: the values psbot reads, as Slack types them."""
    if not isinstance(element, dict):
        yield f"{where} holds something Slack doesn't send"
        return
    checks: dict[str, Callable[[Any], bool]] = {
        "value": _optional,
        "selected_date": _optional,
        "selected_option": _option,
        "selected_options": lambda v: v is None or (isinstance(v, list) and all(map(_option, v))),
        "selected_users": _strings,
        "selected_conversations": _strings,
        "selected_channels": _strings,
    }
    for name, valid in checks.items():
        if name in element and not valid(element[name]):
            yield f"{where}'s {name} is not what Slack sends"


def _message(body: dict[str, Any]) -> Iterator[str]:
    """A message shortcut: the message, and the channel it is in."""
    channel = body.get("channel")
    if not isinstance(channel, dict) or not _text(channel.get("id")):
        yield "channel.id is missing"
    message = body.get("message")
    if not isinstance(message, dict) or not _text(message.get("ts")):
        yield "message.ts is missing"
        return
    for name in ("text", "user"):
        if not _optional(message.get(name)):
            yield f"message.{name} is not text"


def _named_view(view: Any) -> bool:
    return isinstance(view, dict) and _text(view.get("id")) and _text(view.get("hash"))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _optional(value: Any, kind: type = str) -> bool:
    return value is None or isinstance(value, kind)


def _option(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and _optional(value.get("value")))


def _strings(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
