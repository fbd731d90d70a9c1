"""`/ps escalate PROJECT [--off]` and the report's Escalate / Un-escalate buttons (admins)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.core.authorization import Action, allowed
from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.integrations.gitlab import enqueue_for_escalation
from bot.pmo.escalation import NOT_ADMIN, set_escalated
from bot.pmo.lookup import find_project
from bot.store.models import Project
from bot.workflows.deliveries import outbox_for
from commands.arguments import parse_options
from commands.failures import tell_presser
from commands.request import PsRequest, Reply
from messages.escalation_builder import build_escalation_reply

PROJECT_GONE = "That project is no longer in psbot; nothing was changed."


def escalate_command(request: PsRequest) -> Reply:
    """Mark the named project Escalated (or, with --off, not any more)."""
    usage = request.subcommand.usage
    ctx = request.ctx
    if not allowed(Action.ESCALATE, request.user_id, admins=ctx.settings.admins):
        raise UserError(NOT_ADMIN, usage)
    parsed = parse_options(request.args, valued=set(), switches={"off"}, usage=usage)
    if not parsed.words:
        raise UserError("Name the project to escalate: a SOW number or its name.", usage)
    with ctx.session_factory() as session:
        project_id = find_project(session, " ".join(parsed.words)).id
    escalated = not parsed.options.get("off")
    return Reply(_escalate(ctx, request.client, project_id, escalated, request.user_id))


def escalate_from_button(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """The report's Escalate button on a Red project."""
    _from_button(ack, body, client, context, escalated=True)


def unescalate_from_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: dict
) -> None:
    """The report's Un-escalate button on an escalated project."""
    _from_button(ack, body, client, context, escalated=False)


def _from_button(
    ack: Ack, body: dict[str, Any], client: WebClient, context: dict, *, escalated: bool
) -> None:
    ack()
    ctx: AppContext = context["psbot"]
    try:
        project_id = int(body["actions"][0]["value"])
        said = _escalate(ctx, client, project_id, escalated, body["user"]["id"])
    except UserError as error:
        said = error.message
    except ValueError:
        said = PROJECT_GONE
    tell_presser(client, body, said)


def _escalate(
    ctx: AppContext, client: WebClient, project_id: int, escalated: bool, user_id: str
) -> str:
    """Change the project's state, owe GitLab its label, and say what happened."""
    with ctx.session_factory.begin() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise UserError(PROJECT_GONE)
        changed = set_escalated(
            session, project, escalated, user_id, ctx.settings.admins, ctx.now()
        )
        owed = enqueue_for_escalation(ctx, session, project, escalated, user_id) if changed else []
        said = build_escalation_reply(project.title, escalated, changed, labelled=bool(owed))
    outbox_for(ctx, client).deliver_each(owed, ctx.now())
    return said
