"""The `/ps` slash command: ack at once, parse, run the subcommand, answer ephemerally."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.runtime.request_claims import first_delivery
from bot.store.db import is_lock_wait
from commands.arguments import tokenize
from commands.catalog import BY_NAME, SUBCOMMANDS, closest
from commands.failures import command_failure
from commands.request import PsRequest, Reply
from commands.routes import ROUTES
from messages.help_builder import build_usage_error

logger = logging.getLogger(__name__)

# Where the app puts its two pools in Bolt's context (None: answer on the listener thread):
# the work pool gives the heavy answers, the answer pool the others that need the database.
WORK_POOL = "psbot_work"
ANSWER_POOL = "psbot_answers"

# CPU-heavy answers (portfolio-wide, and the report): on the app's bounded work pool, so
# a rush of them queues there and never holds the listener threads the acks need.
HEAVY_COMMANDS = frozenset({"forecast", "projects", "bookings", "accuracy", "report"})
# Answered without the database: they need no dedupe, and answer while it is down.
NEEDS_NO_DATABASE = frozenset({"help"})

GENERAL_USAGE = "/ps help | " + " | ".join(s.name for s in SUBCOMMANDS if s.name != "help")
WORKING_ON_IT = ":hourglass_flowing_sand: Working on it…"


class _Working:
    """A slow command's "Working on it…", said once through the response_url; the
    command's first answer then replaces it."""

    def __init__(self, respond: Respond, name: str) -> None:
        self.respond, self.name, self.shown = respond, name, False

    def __call__(self) -> None:
        if not self.shown:
            self.shown = True
            _answer(self.respond, Reply(WORKING_ON_IT), self.name)


def handle_ps(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    """Ack first (Slack's 3-second window, never waiting for the database), then hand the
    rest to a pool (when the app has them: see bot.entry.app), freeing this listener
    thread at once: a heavy command to the work pool, any other that needs the database
    to the answer pool. Help, and a command psbot does not know, are answered here."""
    ack()
    name = (tokenize(command.get("text", "")) or ["help"])[0].lower()
    pool: Executor | None = None  # help: at once, never queued behind a slow database
    if _needs_database(name):
        pool = context.get(WORK_POOL if name in HEAVY_COMMANDS else ANSWER_POOL)
    bot_user_id = context.get("bot_user_id") or ""
    if pool is None:
        _answer_all(context["psbot"], command, client, respond, name, bot_user_id)
        return
    task = pool.submit(_answer_all, context["psbot"], command, client, respond, name, bot_user_id)
    task.add_done_callback(lambda done: _log_failure(done, name))


def _answer_all(
    ctx: AppContext,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
    name: str,
    bot_user_id: str,
) -> None:
    """Take the command on once (see _taken_on), answer it (in place of its "Working on
    it…", if it said that), and then do what its answer says to do once it is out."""
    if not _taken_on(ctx, command, name, respond):
        return
    working = _Working(respond, name)
    reply = answer(ctx, command, client, bot_user_id, working)
    if reply is None:
        return
    _answer(respond, reply, name, replace=working.shown)
    follow = reply.then() if reply.then else None
    if follow is not None:
        _answer(respond, follow, name)


def _log_failure(done: Future[None], name: str) -> None:
    """What Bolt logs of a listener that raised, for an answer given on a pool."""
    error = done.exception()
    if error is not None:
        logger.error("/ps %s: answering failed", name, exc_info=error)


def _answer(respond: Respond, reply: Reply, name: str, replace: bool = False) -> None:
    response = respond(**reply.as_kwargs(replace_original=replace))
    if response.status_code != 200:
        logger.warning(
            "/ps %s answer not delivered: %s %s", name, response.status_code, response.body
        )


def _needs_database(name: str) -> bool:
    """Whether `/ps name` needs the database: every known command but help."""
    return name in BY_NAME and name not in NEEDS_NO_DATABASE


def _taken_on(ctx: AppContext, command: dict[str, Any], name: str, respond: Respond) -> bool:
    """Whether this delivery of the command is the one to act on: not a replay, nor
    Slack's retry, of one taken on already (by its trigger id, on any replica). Commands
    that need no database (help, an unknown one) are always answered: answering twice
    changes nothing. When the database can't say, the command is not run, and says so;
    when SQLite is only busy with another writer, it is run unchecked."""
    trigger_id = command.get("trigger_id") or ""
    if not _needs_database(name) or not trigger_id:
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
    ctx: AppContext,
    command: dict[str, Any],
    client: WebClient,
    bot_user_id: str = "",
    working_on_it: Callable[[], None] = lambda: None,
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
        working_on_it=working_on_it,
    )
    try:
        return handler(request)
    except UserError as error:
        return Reply(*build_usage_error(error.message, error.usage or subcommand.usage))
    except Exception as error:
        return Reply(command_failure(error, f"/ps {name} for {request.user_id}", text))


def _unknown_subcommand(name: str) -> Reply:
    close = closest(name)
    hint = f" Did you mean `/ps {close}`?" if close else ""
    return Reply(*build_usage_error(f"Unknown command '{name}'.{hint}", GENERAL_USAGE))
