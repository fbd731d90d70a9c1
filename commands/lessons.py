"""`/ps lesson [PROJECT] LABEL text`, the "Record as lesson learned" message shortcut and
the lesson modal: lessons learned and customer stories for the retrospective."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.core.errors import DATABASE_DOWN, UserError
from bot.integrations.gitlab import enqueue_for_lesson
from bot.pmo.lessons import LABELS_LIST, parse_label, record_lesson
from bot.pmo.lookup import leading_project
from bot.pmo.wins import plain_text
from bot.runtime.outbox import add_dm
from bot.store.db import write_while_slack_waits
from bot.store.models import Project
from bot.workflows.deliveries import outbox_for
from commands.request import PsRequest, Reply
from commands.wins import capture_message, projects_to_pick, request_key_of
from messages.lessons_builder import build_lesson_modal, build_lesson_recorded, read_lesson_form

logger = logging.getLogger(__name__)

NO_LABEL = f"Give the lesson a label first: {LABELS_LIST}."
PROJECT_GONE = "That project is no longer in psbot: pick another one, or none."


def lesson_command(request: PsRequest) -> Reply | None:
    """With a label and text, record at once; with nothing, open the modal."""
    ctx, usage = request.ctx, request.subcommand.usage
    if not request.args:
        _open_modal(ctx, request.client, request.trigger_id, request.user_id)
        return None
    with ctx.session_factory() as session:
        project, words = leading_project(session, [plain_text(w) for w in request.args])
    if not words:
        raise UserError(NO_LABEL, usage)
    try:
        label = parse_label(words[0])
    except UserError as error:
        raise UserError(error.message, usage) from None
    text = plain_text(request.text_after(len(request.args) - len(words) + 1))
    project_id = project.id if project else None
    try:
        said = _record(ctx, request.client, project_id, label, text, request.user_id)
    except UserError as error:
        raise UserError(error.message, usage) from None
    return Reply(said)


def lesson_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient, context: dict) -> None:
    """ "Record as lesson learned" on a message: the modal, with the message's text."""
    ack()
    captured = capture_message(context["psbot"], client, shortcut)
    view = build_lesson_modal(
        mine=captured.mine,
        others=captured.others,
        selected=None,
        text=captured.text,
        metadata=captured.metadata,
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def submit_lesson(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    """Store the lesson (problems are answered in the modal, which keeps what was typed);
    then its author hears by DM what was recorded."""
    ctx: AppContext = context["psbot"]
    form = read_lesson_form(view["state"]["values"])
    user_id = body["user"]["id"]
    permalink = json.loads(view.get("private_metadata") or "{}").get("permalink", "")
    try:
        label = parse_label(form["label"]) if form["label"] else None
        if label is None:
            ack(response_action="errors", errors={"label": NO_LABEL})
            return
        with write_while_slack_waits(ctx.session_factory) as session:
            project = _project(session, form["project_id"])
            lesson, created = record_lesson(
                session,
                project_id=project.id if project else None,
                label=label,
                text=form["text"],
                author_id=user_id,
                now=ctx.now(),
                source_permalink=permalink,
                request_key=request_key_of(view),
            )
            owed = enqueue_for_lesson(ctx, session, lesson)
            said = build_lesson_recorded(label, project.title if project else None, bool(owed))
            dm = (
                add_dm(session, f"lesson:{lesson.id}", user_id, said, ctx.now())
                if created
                else None
            )
    except UserError as error:
        block = "project" if error.message == PROJECT_GONE else "text"
        ack(response_action="errors", errors={block: error.message})
        return
    except OperationalError:
        logger.exception("saving a lesson: database unavailable")
        ack(response_action="errors", errors={"text": DATABASE_DOWN})
        return
    ack()
    outbox_for(ctx, client).deliver_each([*([dm] if dm is not None else []), *owed], ctx.now())


def _record(
    ctx: AppContext,
    client: WebClient,
    project_id: int | None,
    label: str,
    text: str,
    user_id: str,
) -> str:
    """Store a lesson from `/ps lesson`, owe GitLab its note, and say what was recorded."""
    with ctx.session_factory.begin() as session:
        lesson, _ = record_lesson(
            session,
            project_id=project_id,
            label=label,
            text=text,
            author_id=user_id,
            now=ctx.now(),
        )
        owed = enqueue_for_lesson(ctx, session, lesson)
        title = lesson.project.title if lesson.project else None
        said = build_lesson_recorded(label, title, bool(owed))
    outbox_for(ctx, client).deliver_each(owed, ctx.now())
    return said


def _project(session: Session, project_id: int | None) -> Project | None:
    if project_id is None:
        return None
    project = session.get(Project, project_id)
    if project is None:
        raise UserError(PROJECT_GONE)
    return project


def _open_modal(ctx: AppContext, client: WebClient, trigger_id: str, user_id: str) -> None:
    with ctx.session_factory() as session:
        mine, others = projects_to_pick(session, user_id)
    view = build_lesson_modal(mine=mine, others=others, selected=None, text="", metadata="{}")
    client.views_open(trigger_id=trigger_id, view=view)
