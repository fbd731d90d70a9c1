"""`/ps away START END [@delegate]`, `/ps back`, and App Home's time-off modal and
buttons: time off, and who covers for the person meanwhile."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.errors import DATABASE_DOWN, UserError
from bot.pmo.away import AWAY_USAGE, AwayRefused, come_back, own_time_off, parse_away_date, set_away
from bot.store.db import write_while_slack_waits
from bot.workflows.home import publish_home
from commands.arguments import is_unresolved_mention, unresolved_mention_error, user_id_of
from commands.failures import tell_presser
from commands.request import PsRequest, Reply
from commands.wins import check_people
from messages.away_builder import build_away_modal, build_away_set, build_back, read_away_form

logger = logging.getLogger(__name__)


def away_command(request: PsRequest) -> Reply | None:
    """Record time off from the two dates and the optional delegate; the modal when
    nothing follows."""
    ctx, args = request.ctx, request.args
    if not args:
        _open_modal(ctx, request.client, request.trigger_id, request.user_id)
        return None
    if len(args) not in (2, 3):
        raise UserError(
            "Give your first and last day away, and who covers if anyone: "
            "`/ps away 2026-12-21 2027-01-01 @sam`.",
            AWAY_USAGE,
        )
    starts_on = parse_away_date("starts_on", args[0])
    ends_on = parse_away_date("ends_on", args[1])
    delegate_id = _delegate(request, args[2]) if len(args) == 3 else None
    with ctx.session_factory.begin() as session:
        away = set_away(
            session,
            request.user_id,
            starts_on,
            ends_on,
            delegate_id,
            today=_today(ctx),
            now=ctx.now(),
        )
        said = build_away_set(away)
    publish_home(ctx, request.client, request.user_id)
    return Reply(said)


def back_command(request: PsRequest) -> Reply:
    """End the caller's time off now, or cancel one still to come."""
    if request.args:
        raise UserError("`/ps back` takes nothing after it.", AWAY_USAGE)
    said = _come_back(request.ctx, request.user_id)
    publish_home(request.ctx, request.client, request.user_id)
    return Reply(said)


def _delegate(request: PsRequest, token: str) -> str:
    """The delegate's Slack id from their mention, checked with Slack."""
    delegate_id = user_id_of(token)
    if delegate_id is None:
        if is_unresolved_mention(token):
            raise unresolved_mention_error(token, AWAY_USAGE)
        raise UserError(
            "Name who covers for you with an @-mention, picked from Slack's list.", AWAY_USAGE
        )
    _check_delegate(request.client, request.user_id, delegate_id)
    return delegate_id


def _check_delegate(client: WebClient, user_id: str, delegate_id: str | None) -> None:
    """A delegate is a person in this workspace: Slack's users.info says whether they are
    a bot or have left. Naming yourself is set_away's to refuse."""
    if delegate_id is None or delegate_id == user_id:
        return
    try:
        check_people(client, [delegate_id], AWAY_USAGE, {})
    except UserError as error:
        raise AwayRefused("delegate", error.message) from None


def _come_back(ctx: AppContext, user_id: str) -> str:
    with ctx.session_factory.begin() as session:
        away = come_back(session, user_id, today=_today(ctx), now=ctx.now())
        return build_back(away, _today(ctx))


def open_away_modal(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """App Home's "Plan time off" / "Change": the modal, filled in from what is recorded."""
    ack()
    ctx: AppContext = context["psbot"]
    _open_modal(ctx, client, body["trigger_id"], body["user"]["id"])


def back_from_button(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """App Home's "I'm back" / "Cancel it"."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    try:
        said = _come_back(ctx, user_id)
    except AwayRefused as error:
        said = error.message
    tell_presser(client, body, said)
    publish_home(ctx, client, user_id)


def submit_away(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    """Store the time off; problems are answered beside their field."""
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    form = read_away_form(view["state"]["values"])
    try:
        starts_on = parse_away_date("starts_on", form["starts_on"])
        ends_on = parse_away_date("ends_on", form["ends_on"])
        delegate_id = form["delegate"] or None
        _check_delegate(client, user_id, delegate_id)
        with write_while_slack_waits(ctx.session_factory) as session:
            away = set_away(
                session, user_id, starts_on, ends_on, delegate_id, today=_today(ctx), now=ctx.now()
            )
            said = build_away_set(away)
    except AwayRefused as error:
        ack(response_action="errors", errors={error.field: error.message})
        return
    except OperationalError:
        logger.exception("saving time off: database unavailable")
        ack(response_action="errors", errors={"ends_on": DATABASE_DOWN})
        return
    ack()
    tell_presser(client, body, said)
    publish_home(ctx, client, user_id)


def _open_modal(ctx: AppContext, client: WebClient, trigger_id: str, user_id: str) -> None:
    today = _today(ctx)
    with ctx.session_factory() as session:
        current = own_time_off(session, user_id, today)
    client.views_open(trigger_id=trigger_id, view=build_away_modal(today, current))


def _today(ctx: AppContext) -> dt.date:
    return local_today(ctx.now(), ctx.settings.timezone)
