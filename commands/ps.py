"""The `/ps` slash command: ack at once, parse, run the subcommand, answer ephemerally."""

from __future__ import annotations

import difflib
import logging
import threading
from contextlib import nullcontext
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.runtime.request_claims import first_delivery
from bot.store.db import is_lock_wait
from commands.arguments import tokenize
from commands.catalog import BY_NAME, SUBCOMMANDS
from commands.failures import command_failure
from commands.request import PsRequest, Reply
from commands.routes import ROUTES
from messages.help_builder import build_usage_error

logger = logging.getLogger(__name__)

PORTFOLIO_WIDE_COMMANDS = frozenset({"forecast", "projects", "bookings", "accuracy"})
# Answered without the database: they need no dedupe, and answer while it is down.
NEEDS_NO_DATABASE = frozenset({"help"})
PORTFOLIO_WIDE = threading.BoundedSemaphore(2)

GENERAL_USAGE = "/ps help | " + " | ".join(s.name for s in SUBCOMMANDS if s.name != "help")


def handle_ps(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    """Ack first (Slack's 3-second window, never waiting for the database), then take the
    command on once, do the work and respond."""
    ack()
    name = (tokenize(command.get("text", "")) or ["help"])[0].lower()
    if not _taken_on(context["psbot"], command, name, respond):
        return
    # Portfolio-wide answers are CPU-heavy; two at a time keep the rest of psbot responsive.
    with PORTFOLIO_WIDE if name in PORTFOLIO_WIDE_COMMANDS else nullcontext():
        reply = answer(context["psbot"], command, client, context.get("bot_user_id") or "")
    if reply is None:
        return
    _answer(respond, reply, name)
    follow = reply.then() if reply.then else None
    if follow is not None:
        _answer(respond, follow, name)


def _answer(respond: Respond, reply: Reply, name: str) -> None:
    response = respond(**reply.as_kwargs())
    if response.status_code != 200:
        logger.warning(
            "/ps %s answer not delivered: %s %s", name, response.status_code, response.body
        )


def _taken_on(ctx: AppContext, command: dict[str, Any], name: str, respond: Respond) -> bool:
    """Whether this delivery of the command is the one to act on: not a replay, nor
    Slack's retry, of one taken on already (by its trigger id, on any replica). Commands
    that need no database (help, an unknown one) are always answered: answering twice
    changes nothing. When the database can't say, the command is not run, and says so;
    when SQLite is only busy with another writer, it is run unchecked."""
    trigger_id = command.get("trigger_id") or ""
    if name not in BY_NAME or name in NEEDS_NO_DATABASE or not trigger_id:
        return True
    try:
        if first_delivery(ctx.session_factory, trigger_id, ctx.now()):
            return True
    except OperationalError as error:
        if is_lock_wait(error):  # SQLite busy with a long import: answer all the same
            logger.warning("/ps %s: not checked for repeats, the database is busy", name)
            return True
        doing = f"/ps {name} for {command.get('user_id')}"
        respond(**Reply(command_failure(error, doing, command.get("text") or "")).as_kwargs())
        return False
    logger.info("/ps %s: request %s was taken on already; not again", name, trigger_id)
    return False


def answer(
    ctx: AppContext, command: dict[str, Any], client: WebClient, bot_user_id: str = ""
) -> Reply | None:
    """Turn one `/ps ...` invocation into its reply (None: it opened a modal); never raises."""
    text = command.get("text") or ""
    tokens = tokenize(text)
    name = tokens[0].lower() if tokens else "help"
    subcommand = BY_NAME.get(name)
    if subcommand is None:
        return _unknown_subcommand(name)
    handler = ROUTES[name]
    request = PsRequest(
        ctx=ctx,
        subcommand=subcommand,
        args=tokens[1:],
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id", ""),
        trigger_id=command.get("trigger_id", ""),
        client=client,
        text=text,
        bot_user_id=bot_user_id,
    )
    try:
        return handler(request)
    except UserError as error:
        return Reply(*build_usage_error(error.message, error.usage or subcommand.usage))
    except Exception as error:
        return Reply(command_failure(error, f"/ps {name} for {request.user_id}", text))


def _unknown_subcommand(name: str) -> Reply:
    close = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.5)
    hint = f" Did you mean `/ps {close[0]}`?" if close else ""
    return Reply(*build_usage_error(f"Unknown command '{name}'.{hint}", GENERAL_USAGE))
