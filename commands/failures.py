"""What a user is told when their action fails after Slack's ack: one place decides.

A listener that raises after `ack()` leaves the user with nothing (and slack_bolt may
answer Slack 404), so slash commands and interactive listeners turn failures into a
short message instead: the database is down, Slack refused a call, or psbot broke.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.core.errors import DATABASE_DOWN, MalformedRequest
from bot.pmo.wins import plain_text
from messages.escape import Mrkdwn, escape_keeping_mentions

logger = logging.getLogger(__name__)

# Slack refusing the second of a double click: the first one did the work.
ALREADY_DONE = frozenset({"exchanged_trigger_id", "hash_conflict"})
# How a command that met a database outage starts its answer (see `command_failure`).
DATABASE_UNAVAILABLE = ":hourglass: psbot's database is temporarily unavailable"
INTERNAL_ERROR = (
    ":boom: Something went wrong on psbot's side; nothing you typed was lost. "
    "Please try again in a minute, or tell a PMO admin if it keeps happening."
)


def explain(error: Exception, doing: str) -> str:
    """Log `error` (what psbot was `doing`) and say what the user should know."""
    if isinstance(error, OperationalError):
        logger.exception("%s: database unavailable", doing)
        return DATABASE_DOWN
    if isinstance(error, SlackApiError):
        code = error.response.get("error", "")
        logger.warning("%s: Slack refused (%s)", doing, code)
        return (
            f":warning: Slack refused that just now (`{code}`); nothing was lost. "
            "Try again in a minute, or tell a PMO admin if it keeps happening."
        )
    if isinstance(error, SlackClientError | OSError):
        logger.warning("%s: Slack didn't answer (%s)", doing, error)
        return ":warning: Slack didn't answer in time; nothing was lost. Try again in a minute."
    logger.exception("%s failed", doing)
    return INTERNAL_ERROR


def command_failure(error: Exception, doing: str, command_text: str) -> Mrkdwn:
    """What a `/ps` command that failed says: why, that it did not go through, and what
    was sent, to send again (a command has no modal to keep it in). Logged as `explain`."""
    explain(error, doing)
    if isinstance(error, OperationalError):
        why = DATABASE_UNAVAILABLE
    elif isinstance(error, SlackApiError):
        why = f":warning: Slack refused that just now (`{error.response.get('error', '')}`)"
    elif isinstance(error, SlackClientError | OSError):
        why = ":warning: Slack didn't answer in time"
    else:
        why = ":boom: Something went wrong on psbot's side"
    sent = escape_keeping_mentions(plain_text(f"/ps {command_text}".strip()))
    return Mrkdwn(
        f"{why}, so this didn't go through. Try again in a minute; here is what you sent:\n"
        + "\n".join(f">{line}" for line in sent.splitlines() or [""])
    )


def answers_failures(listener: Callable[..., None]) -> Callable[..., None]:
    """Wrap an interactive listener (after its ack) so a failure is told to the user:
    ephemerally where they clicked, or by DM from a modal or the App Home."""

    @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
    def guarded(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except MalformedRequest as error:
            logger.warning("%s: refused a malformed request (%s)", listener.__name__, error)
            kwargs["ack"]()  # a clean answer at once, if the listener hadn't given one
        except Exception as error:
            if isinstance(error, SlackApiError) and error.response.get("error") in ALREADY_DONE:
                logger.info("%s: a repeated click, already done", listener.__name__)
                return
            body = kwargs.get("body") or kwargs.get("shortcut") or {}
            tell_presser(kwargs.get("client"), body, explain(error, listener.__name__))

    return guarded


def never_raises(listener: Callable[..., None]) -> Callable[..., None]:
    """Wrap a listener that answers its own failures, so that nothing it raises reaches
    Bolt: for a listener that raised just after its ack, Bolt drops the ack it had and
    answers Slack 404, three seconds late. Whatever is left is logged."""

    @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
    def guarded(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception:
            logger.exception("%s failed", listener.__name__)

    return guarded


def tell_presser(client: WebClient | None, body: dict[str, Any], text: str) -> None:
    """Tell the user who clicked or submitted `body`: ephemerally in the channel of the
    message they clicked, else (a modal, App Home, a channel psbot isn't in) by DM."""
    user_id = (body.get("user") or {}).get("id")
    if client is None or not user_id:
        return
    channel = (body.get("channel") or {}).get("id")
    try:
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user_id, text=text)
                return
            except SlackApiError:  # e.g. a channel psbot isn't in: a DM instead
                pass
        client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("telling %s about a failure failed too: %s", user_id, error)
