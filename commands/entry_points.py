"""The global shortcuts and App Home quick-action buttons that open a blank modal, the
one its command opens: "Write a weekly note", "Record a ProjectWin", "Thank someone"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.core.context import AppContext
from bot.core.errors import MalformedRequest
from commands.notes import blank_notes_modal
from commands.wins import blank_thanks_modal, blank_win_modal
from messages import ids

OPENERS: dict[str, Callable[[AppContext, str], View]] = {
    ids.WRITE_NOTE: blank_notes_modal,
    ids.NEW_WIN: blank_win_modal,
    ids.NEW_THANKS: blank_thanks_modal,
}


def open_blank_modal(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """A global shortcut (its callback id) or a quick-action button (its action id):
    open that entry point's modal with the request's trigger id."""
    ack()
    key = body.get("callback_id") or (body.get("actions") or [{}])[0].get("action_id")
    opener = OPENERS.get(key or "")
    user_id = (body.get("user") or {}).get("id")
    if opener is None or not user_id or not body.get("trigger_id"):
        raise MalformedRequest(f"no modal to open for {key!r}")
    client.views_open(trigger_id=body["trigger_id"], view=opener(context["psbot"], user_id))
