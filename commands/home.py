"""App Home: the tab opening, and an admin's "Post again" on a failed post."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.core.authorization import Action, allowed
from bot.core.context import AppContext
from bot.core.errors import payload_int
from bot.runtime.outbox import requeue
from bot.workflows.deliveries import outbox_for
from bot.workflows.home import publish_home

logger = logging.getLogger(__name__)


def app_home_opened(event: dict[str, Any], client: WebClient, context: dict) -> None:
    if event.get("tab", "home") == "home":
        publish_home(context["psbot"], client, event["user"])


def retry_post(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """An admin's "Post again" on a failed shout-out, DM or GitLab note in App Home."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    if not allowed(Action.RETRY_POSTS, user_id, admins=ctx.settings.admins):
        client.chat_postMessage(
            channel=user_id, text="Only PMO admins can post failed posts again."
        )
        return
    entry_id = payload_int(body["actions"][0].get("value"))
    with ctx.session_factory.begin() as session:
        requeued = requeue(session, entry_id, ctx.now())
    if requeued:
        attempt = outbox_for(ctx, client).deliver(entry_id, ctx.now())
        logger.info("%s posted outbox entry %s again: %s", user_id, entry_id, attempt.status)
    publish_home(ctx, client, user_id)  # shows the outcome, or that it was already done
