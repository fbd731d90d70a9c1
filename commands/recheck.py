""" "Re-check now": a PM fixed their bookings in Kantata and asks psbot to look again.

On the forecast nudge DM and in App Home's bookings findings. Within Slack's 3 seconds the
click is acknowledged; then Kantata is synced (always, however recent the last sync), the
PM's projects are judged again, and the DM is updated in place ("All fixed, thanks" or
what still breaks) or App Home published again. When Kantata cannot be reached the PM is
told so in one line, and nothing is changed.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.freshness import DataAsOf
from bot.pmo.lookup import person_by_slack_id
from bot.pmo.portfolio_loading import findings_by_pm
from bot.pmo.rhythm import forecast_due
from bot.workflows.home import publish_home
from messages.escape import escape_mrkdwn
from messages.reminders_builder import build_forecast_nudge

logger = logging.getLogger(__name__)


def unreachable(as_of: DataAsOf) -> str:
    """What the PM is told when Kantata could not be reached for a re-check."""
    return (
        f":warning: Kantata could not be reached just now ({escape_mrkdwn(as_of.unreachable)}), "
        "so I could not re-check your bookings; nothing was changed. Try again in a few minutes."
    )


def recheck_nudge(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    """The nudge DM's button: sync, judge the PM's projects again, update the DM."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    as_of = ensure_fresh(ctx, force=True, why=f"recheck:{user_id}")
    if as_of.unreachable:
        respond(text=unreachable(as_of), response_type="ephemeral", replace_original=False)
        return
    now = ctx.now()
    with ctx.session_factory() as session:
        person = person_by_slack_id(session, user_id)
        findings = []
        if person is not None:
            by_pm, _ = findings_by_pm(session, local_today(now, ctx.settings.timezone), person.id)
            findings = by_pm.get(person.id, [])
    text, blocks = build_forecast_nudge(forecast_due(ctx, now), findings, as_of)
    container = body.get("container", {})
    client.chat_update(
        channel=container.get("channel_id") or body["channel"]["id"],
        ts=container.get("message_ts") or body["message"]["ts"],
        text=text,
        blocks=[block.to_dict() for block in blocks],
    )
    logger.info("%s re-checked their bookings: %d findings", user_id, len(findings))


def recheck_home(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """App Home's button: sync, then publish the home again with fresh findings."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    as_of = ensure_fresh(ctx, force=True, why=f"recheck:{user_id}")
    if as_of.unreachable:
        # App Home has no place for a one-off answer: it comes in the DM with psbot.
        client.chat_postMessage(channel=user_id, text=unreachable(as_of))
        return
    publish_home(ctx, client, user_id)
