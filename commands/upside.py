"""`/ps upside [add PROJECT $AMOUNT YYYY-MM reason | remove ID]` and the upside modal:
upside beyond soft bookings, recorded by hand."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.errors import DATABASE_DOWN, UserError
from bot.core.fields import YEAR_MONTH, FieldError, parse_money, parse_month
from bot.pmo.lookup import find_project
from bot.pmo.upside import UpsideRefused, add_upside, open_upside, remove_upside
from bot.runtime.outbox import add_dm
from bot.store.db import write_while_slack_waits
from bot.store.models import Project
from bot.workflows.deliveries import outbox_for
from commands.request import PsRequest, Reply
from commands.wins import projects_to_pick, request_key_of
from messages.upside_builder import (
    ADD_USAGE,
    build_upside_added,
    build_upside_list,
    build_upside_modal,
    build_upside_removed,
    read_upside_form,
)

logger = logging.getLogger(__name__)

PROJECT_GONE = "That project is no longer in psbot: pick another one."


def upside_command(request: PsRequest) -> Reply | None:
    """List the items; `add` one (the modal when nothing follows); `remove` one."""
    usage = request.subcommand.usage
    verb = request.args[0].lower() if request.args else "list"
    try:
        if verb == "list" and len(request.args) <= 1:
            return _list(request)
        if verb == "add":
            return _add(request)
        if verb == "remove":
            return _remove(request)
    except UserError as error:
        raise UserError(error.message, usage) from None
    raise UserError(f"Unknown upside action '{request.args[0]}'.", usage)


def _list(request: PsRequest) -> Reply:
    ctx = request.ctx
    with ctx.session_factory() as session:
        items = open_upside(session, _today(ctx))
        return Reply(*build_upside_list(items))


def _add(request: PsRequest) -> Reply | None:
    ctx, words = request.ctx, request.args[1:]
    if not words:
        _open_modal(ctx, request.client, request.trigger_id, request.user_id)
        return None
    project_words, amount, month, reason_at = _split_add(words)
    reason = request.text_after(1 + reason_at)
    with ctx.session_factory.begin() as session:
        project = find_project(session, " ".join(project_words))
        item, _ = add_upside(
            session,
            project=project,
            amount=amount,
            month=month,
            reason=reason,
            user_id=request.user_id,
            admins=ctx.settings.admins,
            today=_today(ctx),
            now=ctx.now(),
        )
        return Reply(build_upside_added(item))


def _split_add(words: list[str]):
    """`PROJECT… $AMOUNT YYYY-MM reason…` → (project words, amount, month, index of the
    reason's first word): the month is the first YYYY-MM word after the project, and
    the amount the word just before it."""
    months = [i for i, word in enumerate(words) if YEAR_MONTH.fullmatch(word)]
    month_at = next((i for i in months if i >= 2), None)
    if month_at is None:
        if months or len(words) < 2:
            raise UserError(f"Give the project, then the amount, the month and why: `{ADD_USAGE}`.")
        raise UserError("Give the month the upside is expected in as YYYY-MM, like 2026-12.")
    try:
        amount = parse_money(words[month_at - 1])
        month = parse_month(words[month_at])
    except FieldError as error:
        raise UserError(f"{error}.") from None
    return words[: month_at - 1], amount, month, month_at + 1


def _remove(request: PsRequest) -> Reply:
    ctx = request.ctx
    if len(request.args) != 2:
        raise UserError("Name the one item to remove by its number: `/ps upside remove 3`.")
    number = request.args[1].removeprefix("#")
    if not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise UserError(
            f"“{request.args[1][:20]}” is not an upside number; `/ps upside` lists them."
        )
    with ctx.session_factory.begin() as session:
        item = remove_upside(session, int(number), request.user_id, ctx.settings.admins, ctx.now())
        return Reply(build_upside_removed(item))


def submit_upside(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    """Store the item (problems are answered beside their field); its author hears by DM."""
    ctx: AppContext = context["psbot"]
    form = read_upside_form(view["state"]["values"])
    user_id = body["user"]["id"]
    try:
        amount = parse_money(form["amount"])
    except FieldError as error:
        ack(response_action="errors", errors={"amount": f"{error}."})
        return
    try:
        month = parse_month(form["month"])
    except FieldError as error:
        ack(response_action="errors", errors={"month": f"{error}."})
        return
    try:
        with write_while_slack_waits(ctx.session_factory) as session:
            project = session.get(Project, form["project_id"]) if form["project_id"] else None
            if project is None:
                ack(response_action="errors", errors={"project": PROJECT_GONE})
                return
            item, created = add_upside(
                session,
                project=project,
                amount=amount,
                month=month,
                reason=form["reason"],
                user_id=user_id,
                admins=ctx.settings.admins,
                today=_today(ctx),
                now=ctx.now(),
                request_key=request_key_of(view),
            )
            said = build_upside_added(item)
            dm = add_dm(session, f"upside:{item.id}", user_id, said, ctx.now()) if created else None
    except UpsideRefused as error:
        ack(response_action="errors", errors={error.field: error.message})
        return
    except OperationalError:
        logger.exception("saving upside: database unavailable")
        ack(response_action="errors", errors={"reason": DATABASE_DOWN})
        return
    ack()
    if dm is not None:
        outbox_for(ctx, client).deliver(dm, ctx.now())


def _open_modal(ctx: AppContext, client: WebClient, trigger_id: str, user_id: str) -> None:
    with ctx.session_factory() as session:
        mine, others = projects_to_pick(session, user_id)
    view = build_upside_modal(mine=mine, others=others, today=_today(ctx))
    client.views_open(trigger_id=trigger_id, view=view)


def _today(ctx: AppContext):
    return local_today(ctx.now(), ctx.settings.timezone)
