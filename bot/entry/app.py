"""The one app factory used by `psbot run`, `psbot shell` and the tests."""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse

import commands
from bot.core.authorization import Action, allowed
from bot.core.context import AppContext
from bot.core.logs import log_ids
from bot.core.text import clean_strings
from bot.runtime.slack_client import create_web_client
from bot.runtime.verification import StrictRequestVerification
from bot.store.limits import REQUEST_ANSWER_SECONDS, each_call_within
from commands.ps import ANSWER_POOL, WORK_POOL

logger = logging.getLogger(__name__)


# Threads start only as requests need them (a pool's idle ones are reused first). Many,
# because a request that needs a database that stopped answering holds its thread for a
# few seconds (bot/store/limits.py), and the next requests' acks must still find a
# thread at once: `python -m bench --load` measures /ps help's acks with the database
# frozen and one command in ten needing it.
LISTENER_THREADS = 128
# The heavy /ps answers (commands.ps.HEAVY_COMMANDS) run on a pool of their own, never on
# the listener threads that ack: under a rush they queue there while each ack still finds
# a thread, and the GIL, at once. Two: Python runs one thread's CPU work at a time
# anyway, and more would only take turns with the acks (`python -m bench.ack_load`).
WORK_THREADS = 2
WORK_NICENESS = 10
# The other /ps answers that need the database (taking the command on included) run on a
# small pool too, at the usual priority: a rush of twenty commands then has a few threads
# answering, not twenty writing and replying and taking turns for the GIL with the acks
# of the next ones (`python -m bench.ack_load`: p99 1.0–1.3× bare Bolt, from 1.5–2×).
ANSWER_THREADS = 4
# Bolt gives up waiting for a listener's ack after this long (a listener's ack_timeout).
BOLT_ACK_SECONDS = 3
OUTSIDER = "psbot only answers people in the workspace it is installed in."


def user_team(body: dict) -> str | None:
    """The workspace of whoever sent a command, an interaction or an event."""
    if "command" in body:
        return body.get("team_id")
    if isinstance(body.get("user"), dict):
        return body["user"].get("team_id")
    event = body.get("event") or {}
    return event.get("user_team")


def request_id(body: dict) -> str | None:
    """What identifies one request from Slack: its trigger, event or view id."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    return body.get("trigger_id") or body.get("event_id") or view.get("id")


def _yielding() -> None:
    """A work thread runs at a lower priority (Linux schedules threads one by one): when
    the CPUs are busy, the threads that ack come first."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORK_NICENESS)


class ContextCarryingExecutor(Executor):
    """Runs each task in a copy of its submitter's context variables, so what a listener
    logs after its ack still carries the id of the request that started it."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._inner.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class SignallingAck(Ack):
    """Bolt's ack(), which also says when it has been given (its response set)."""

    def __init__(self) -> None:
        self.settled = threading.Event()  # given, or its listener ended without it
        super().__init__()

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        self._response = value
        if value is not None:
            self.settled.set()


# The ack of the request the current thread dispatches (see AckAwaitingExecutor).
_DISPATCHED_ACK: contextvars.ContextVar[SignallingAck | None] = contextvars.ContextVar(
    "psbot_dispatched_ack", default=None
)


class AckAwaitingExecutor(ContextCarryingExecutor):
    """The listener executor: it hands a listener to a thread and returns once that
    listener has acked (or ended), so Bolt finds the ack on its first look. Bolt's
    dispatching thread otherwise looks every 10 ms, and under a rush every request then
    holds one of waitress's few threads for 10 ms at least (`python -m bench.ack_load`)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        ack = _DISPATCHED_ACK.get()
        if ack is not None:
            future.add_done_callback(lambda _: ack.settled.set())
            ack.settled.wait(BOLT_ACK_SECONDS)
        return future


class PsbotApp(App):
    """Bolt's App, whose log lines about a request carry that request's id, whose
    database calls for a request wait REQUEST_ANSWER_SECONDS at most (its listeners'
    too, after the ack: see ContextCarryingExecutor), and whose ack is answered as soon
    as it is given (see AckAwaitingExecutor)."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        ack = req.context["ack"] = SignallingAck()
        dispatched = _DISPATCHED_ACK.set(ack)
        try:
            with log_ids(request=request_id(req.body)), each_call_within(REQUEST_ANSWER_SECONDS):
                return super().dispatch(req)
        finally:
            _DISPATCHED_ACK.reset(dispatched)


def create_app(
    ctx: AppContext,
    *,
    verify_token: bool = False,
    listener_executor: Executor | None = None,
    work_executor: Executor | None = None,
    answer_executor: Executor | None = None,
) -> App:
    """Build the Bolt app with every psbot listener registered.

    `verify_token` calls auth.test at start-up so a bad token fails fast (`psbot run`);
    `listener_executor` runs the work listeners do after their ack (tests wait on it),
    `work_executor` the heavy /ps answers and `answer_executor` the other /ps answers.
    Given a listener executor and not the others, those answers are given on the
    listener's thread too.
    """
    if listener_executor is None:
        work_executor = work_executor or ThreadPoolExecutor(
            max_workers=WORK_THREADS, thread_name_prefix="psbot-work", initializer=_yielding
        )
        answer_executor = answer_executor or ThreadPoolExecutor(
            max_workers=ANSWER_THREADS, thread_name_prefix="psbot-answer"
        )
    work, answers = (
        ContextCarryingExecutor(executor) if executor is not None else None
        for executor in (work_executor, answer_executor)
    )
    settings = ctx.settings
    client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
    app = PsbotApp(
        client=client,
        signing_secret=settings.slack_signing_secret or None,
        token_verification_enabled=verify_token,
        request_verification_enabled=False,
        # Socket Mode has no signing secret, nor needs one: its requests come over the
        # socket psbot opened. HTTP mode cannot start without one (bot.entry.web).
        before_authorize=StrictRequestVerification(settings.slack_signing_secret)
        if settings.slack_signing_secret
        else None,
        logger=logging.getLogger("psbot.bolt"),
        # Bolt's default pool has 5 threads and runs acks on it too: five forecasts at once
        # would hold back the next command's ack past Slack's 3 seconds.
        listener_executor=AckAwaitingExecutor(
            listener_executor
            or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="psbot")
        ),
    )

    @app.middleware
    def attach_psbot_context(context: BoltContext, next) -> None:
        context["psbot"] = ctx
        context[WORK_POOL] = work
        context[ANSWER_POOL] = answers
        next()

    @app.middleware
    def without_control_characters(body: dict, next) -> None:
        """No NUL byte or other control character typed into a command, a modal or a
        captured message reaches a listener, so none is ever stored (bot.core.text)."""
        clean_strings(body)
        next()

    @app.middleware
    def only_this_workspace(context: BoltContext, body: dict, next) -> BoltResponse | None:
        """People from another workspace (Slack Connect) may not use psbot at all."""
        installed = context.authorize_result.team_id if context.authorize_result else None
        team = user_team(body)
        outsider = bool(installed and team and team != installed)
        if allowed(Action.READ, context.user_id or "", admins=(), outsider=outsider):
            next()
            return None
        logger.warning("refused a request from %s of workspace %s", context.user_id, team)
        return BoltResponse(status=200, body=OUTSIDER if "command" in body else "")

    commands.register(app)
    return app
