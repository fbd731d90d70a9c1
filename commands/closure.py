"""`/ps closure [PROJECT]`: the Deploy & Close checklist, its buttons and date pickers.

The checklist is an ephemeral message (from App Home, which has no response_url, a
message in the app's DM with the user). A click changes one item (when the rules and the
item's version allow it) and then redraws the message in place through the action's
`response_url`; a refused or stale click redraws it with a short note saying why.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.core.authorization import Action, allowed
from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.errors import DATABASE_DOWN
from bot.pmo.closeout import CLOSEOUT_ITEM, closeout
from bot.pmo.closure import (
    Change,
    Checklist,
    ClosureRefused,
    StaleItem,
    Status,
    change_item,
    closing_projects,
    load_checklist,
    project_info,
)
from bot.pmo.lookup import find_project, person_by_slack_id, projects_of
from bot.runtime.outbox import add_post
from bot.store.models import ClosureItem, Project
from bot.workflows.deliveries import outbox_for
from bot.workflows.home import publish_home
from commands.request import PsRequest, Reply
from messages.closeout_builder import build_closeout_summary
from messages.closure_builder import (
    ItemRef,
    build_closure_checklist,
    build_closure_list,
    read_item_ref,
)

logger = logging.getLogger(__name__)

READ_ONLY = (
    ":lock: Only the project's PM and PMO admins can change its checklist; nothing was changed."
)
STALE = (
    ":arrows_counterclockwise: Someone changed this item after your checklist was shown, "
    "so nothing was changed. This is the checklist as it is now."
)
PROJECT_GONE = "That project is no longer in psbot; nothing was changed."
BAD_CLICK = "That button is from an older checklist; run `/ps closure PROJECT` again."


def show_closure(request: PsRequest) -> Reply:
    """`/ps closure PROJECT`: the checklist; without PROJECT, the caller's projects to close."""
    ctx = request.ctx
    query = " ".join(request.args).strip()
    today = _today(ctx)
    calendar = calendar_of(ctx.settings)
    with ctx.session_factory() as session:
        if not query:
            caller = person_by_slack_id(session, request.user_id)
            projects = closing_projects(projects_of(session, caller), today) if caller else []
            checklists = [load_checklist(session, p, today, calendar) for p in projects]
            return Reply(*build_closure_list(checklists, today))
        checklist = load_checklist(session, find_project(session, query), today, calendar)
    return Reply(*_render(ctx, checklist, request.user_id))


def mark_done(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    ack()
    _apply(context["psbot"], body, respond, client, _button_ref(body), Change(Status.DONE))


def mark_open(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    ack()
    _apply(context["psbot"], body, respond, client, _button_ref(body), Change(Status.OPEN))


def mark_not_applicable(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    ack()
    _apply(context["psbot"], body, respond, client, _button_ref(body), Change(Status.NA))


def pick_date(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    """A date picker: the item is done on that date (meeting date, date sent, received)."""
    ack()
    action = body["actions"][0]
    try:
        picked = dt.date.fromisoformat(action.get("selected_date") or "")
    except ValueError:
        _answer(respond, client, body["user"]["id"], "Pick a date from the calendar.")
        return
    ref = read_item_ref(action.get("block_id"))
    _apply(context["psbot"], body, respond, client, ref, Change(Status.DONE, picked))


def open_checklist(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: dict
) -> None:
    """ "Open checklist" in the list of projects to close or in App Home: the checklist."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    try:
        project_id = int(body["actions"][0].get("value") or "")
    except ValueError:
        _answer(respond, client, user_id, BAD_CLICK)
        return
    try:
        checklist = _load(ctx, project_id)
    except OperationalError:
        logger.exception("closure checklist %s: database unavailable", project_id)
        _answer(respond, client, user_id, DATABASE_DOWN)
        return
    if checklist is None:
        _answer(respond, client, user_id, PROJECT_GONE)
        return
    _answer(respond, client, user_id, *_render(ctx, checklist, user_id))


def _button_ref(body: dict[str, Any]) -> ItemRef | None:
    return read_item_ref(body["actions"][0].get("value"))


def _apply(
    ctx: AppContext,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    ref: ItemRef | None,
    change: Change,
) -> None:
    """Change the item if allowed, then redraw the checklist in place with any note."""
    user_id = body["user"]["id"]
    if ref is None:
        _answer(respond, client, user_id, BAD_CLICK)
        return
    notice, closeout_post = None, None
    try:
        with ctx.session_factory.begin() as session:
            # Locking the project serialises changes to one checklist (PostgreSQL), so the
            # rules that look at other items (hours, sign-off) see a settled state.
            project = session.get(Project, ref.project_id, with_for_update=True)
            if project is None:
                _answer(respond, client, user_id, PROJECT_GONE)
                return
            if not _may_tick(ctx, user_id, project_info(session, project).pm_slack_id):
                notice = READ_ONLY
            elif change_item(
                session,
                project,
                ref.key,
                change,
                expected_version=ref.version,
                actor=user_id,
                today=_today(ctx),
                now=ctx.now(),
                calendar=calendar_of(ctx.settings),
            ) and (ref.key, change.status) == (CLOSEOUT_ITEM, Status.DONE):
                closeout_post = _owe_closeout(ctx, session, project, user_id)
    except ClosureRefused as refused:
        notice = f":no_entry: {refused.message} Nothing was changed."
    except (StaleItem, IntegrityError):
        # IntegrityError: another click created this item's row first.
        notice = STALE
    except OperationalError:
        # Answer instead of raising: an exception after ack() can make Bolt answer Slack 404.
        logger.exception("closure click on project %s: database unavailable", ref.project_id)
        _answer(respond, client, user_id, DATABASE_DOWN)
        return
    checklist = _load(ctx, ref.project_id)
    if checklist is None:
        _answer(respond, client, user_id, PROJECT_GONE)
        return
    _redraw(respond, *_render(ctx, checklist, user_id, notice))
    if closeout_post is not None:
        outbox_for(ctx, client).deliver(closeout_post, ctx.now())
    if notice is None:
        publish_home(ctx, client, user_id)


def _owe_closeout(ctx: AppContext, session: Session, project: Project, user_id: str) -> int | None:
    """Owe the leadership channel the project's closeout summary (once per tick: a
    reopened and re-ticked item posts the summary as it is then)."""
    text, blocks = build_closeout_summary(
        closeout(session, project), shared_by=user_id, em_group=ctx.settings.em_group
    )
    version = session.scalar(
        sa.select(ClosureItem.version).where(
            ClosureItem.project_id == project.id, ClosureItem.item == CLOSEOUT_ITEM
        )
    )
    return add_post(
        session,
        f"closeout:{project.id}:{version}",
        ctx.settings.leadership_channel,
        text,
        ctx.now(),
        blocks=[block.to_dict() for block in blocks],
    )


def _load(ctx: AppContext, project_id: int) -> Checklist | None:
    with ctx.session_factory() as session:
        project = session.get(Project, project_id)
        if project is None:
            return None
        return load_checklist(session, project, _today(ctx), calendar_of(ctx.settings))


def _render(ctx: AppContext, checklist: Checklist, user_id: str, notice: str | None = None):
    return build_closure_checklist(
        checklist,
        editable=_may_tick(ctx, user_id, checklist.project.pm_slack_id),
        tz=ctx.settings.timezone,
        internal_channel=ctx.settings.internal_channel,
        notice=notice,
    )


def _redraw(respond: Respond, text: str, blocks: list[Block]) -> None:
    """Replace the clicked checklist with `blocks`."""
    response = respond(text=text, blocks=blocks, replace_original=True)
    if response.status_code != 200:
        logger.warning("closure checklist not redrawn: %s", response.status_code)


def _answer(
    respond: Respond, client: WebClient, user_id: str, text: str, blocks: list[Block] | None = None
) -> None:
    """A new ephemeral message next to the clicked one. A click in App Home has no
    response_url, so the answer goes to the app's DM with the user instead: a checklist
    posted there answers its own clicks through their response_url, as anywhere else."""
    if respond.response_url is None:
        try:
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("closure answer to %s not delivered: %s", user_id, error)
        return
    response = respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    if response.status_code != 200:
        logger.warning("closure answer not delivered: %s", response.status_code)


def _today(ctx: AppContext) -> dt.date:
    return local_today(ctx.now(), ctx.settings.timezone)


def _may_tick(ctx: AppContext, user_id: str, pm_slack_id: str | None) -> bool:
    return allowed(
        Action.TICK_CLOSURE, user_id, admins=ctx.settings.admins, pm_slack_id=pm_slack_id
    )
