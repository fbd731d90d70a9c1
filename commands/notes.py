"""`/ps notes [PROJECT]`: the weekly R-Y-G note modal, its project picker and its submit."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.errors import DATABASE_DOWN, UserError, payload_int
from bot.integrations.gitlab import enqueue_for_note
from bot.integrations.gitlab.urls import EPIC_EXAMPLE, EpicUrlError, parse_epic_url
from bot.pmo.lookup import find_project, typeahead
from bot.pmo.notes import (
    NoteFields,
    ReportProject,
    ReportRow,
    fields_of,
    latest_note,
    may_write,
    owes_note,
    save_note,
    validate_note,
    writable_projects,
)
from bot.pmo.pushes import week_pushes
from bot.pmo.rhythm import notes_due, notes_week
from bot.runtime.outbox import add_dm
from bot.store.db import once_more_on_conflict, write_while_slack_waits
from bot.store.models import AuditEntry, Person, Project
from bot.workflows.deliveries import outbox_for
from bot.workflows.home import publish_home
from commands.failures import tell_presser
from commands.request import PsRequest
from messages import ids
from messages.escape import escape_mrkdwn
from messages.notes_modal_builder import build_notes_modal, form_errors, read_notes_form
from messages.pickers import option_groups, picker_entries, picker_entry
from messages.reminders_builder import push_text
from messages.report_builder import build_note_confirmation

logger = logging.getLogger(__name__)

QUERY_MAX = 100  # characters of what is typed into the project picker that are searched

NOT_ALLOWED = (
    "Only the project's PM, the DRI and contributors on its latest note, and PMO admins "
    "can write its note."
)
PROJECT_GONE = (
    "This project was removed from psbot while you were writing; your note was not saved. "
    "Copy your text and ask PS Ops."
)


def open_notes(request: PsRequest) -> None:
    """Open the modal: for the named project, or with a picker of the projects whose
    note the caller may write."""
    query = " ".join(request.args)
    ctx = request.ctx
    with ctx.session_factory() as session:
        pickable = _pickable(ctx, session, request.user_id)
        project = find_project(session, query) if query else None
        if project is not None and not may_write(
            session, project, request.user_id, ctx.settings.admins, _today(ctx)
        ):
            raise UserError(f"You can't write the note for {project.title}. {NOT_ALLOWED}")
        view = _modal(ctx, session, project, pickable)
    request.client.views_open(trigger_id=request.trigger_id, view=view)
    return None


def blank_notes_modal(ctx: AppContext, user_id: str) -> View:
    """The modal `/ps notes` opens without a project: the picker of what `user_id` may
    write (the "Write a weekly note" shortcut and App Home button open it too)."""
    with ctx.session_factory() as session:
        return _modal(ctx, session, None, _pickable(ctx, session, user_id))


def pick_project(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """The picker changed: show that project's form, pre-filled from its latest note."""
    ack()
    ctx: AppContext = context["psbot"]
    project_id = payload_int((body["actions"][0].get("selected_option") or {}).get("value"))
    user_id = body["user"]["id"]
    with ctx.session_factory() as session:
        project = session.get(Project, project_id)
        pickable = _pickable(ctx, session, user_id)
        if project is None:
            view = _modal(ctx, session, None, pickable, notice="That project is gone.")
        elif not may_write(session, project, user_id, ctx.settings.admins, _today(ctx)):
            view = _modal(ctx, session, None, pickable, notice=NOT_ALLOWED)
        else:
            view = _modal(ctx, session, project, pickable)
    client.views_update(view_id=body["view"]["id"], hash=body["view"]["hash"], view=view)


def open_from_button(ack: Ack, body: dict[str, Any], client: WebClient, context: dict) -> None:
    """An "Update notes" / "Edit" button: open the modal for the button's project."""
    ack()
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    project_id = payload_int(body["actions"][0].get("value"))
    with ctx.session_factory() as session:
        project = session.get(Project, project_id)
        if project is None or not may_write(
            session, project, user_id, ctx.settings.admins, _today(ctx)
        ):
            problem = "That project is no longer in psbot." if project is None else NOT_ALLOWED
            # Ephemeral where the button was; from App Home, which has no channel, a DM.
            tell_presser(client, body, problem)
            return
        view = _modal(ctx, session, project, pickable=False)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_notes(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict
) -> None:
    """Validate, store (first), close the modal, then confirm to the author."""
    ctx: AppContext = context["psbot"]
    user_id = body["user"]["id"]
    project_id = json.loads(view.get("private_metadata") or "{}").get("project_id")
    project_id = None if project_id is None else payload_int(project_id)
    values = view["state"]["values"]

    def refuse(errors: dict[str, str]) -> None:
        ack(response_action="errors", errors=form_errors(errors, values))

    result = validate_note(read_notes_form(values))
    if isinstance(result, dict):
        refuse(result)
        return
    if problem := _epic_link_problem(ctx, result):
        refuse(problem)
        return
    week = notes_week(ctx, ctx.now())
    key = f"{view.get('id')}:{view.get('hash')}"
    try:
        confirmation = _store(ctx, refuse, project_id, user_id, week, result, key)
    except OperationalError:
        logger.exception("saving a note for project %s: database unavailable", project_id)
        refuse({"progress": DATABASE_DOWN})
        return
    if confirmation is None:
        return  # refused, with the reason shown in the modal
    ack()
    dms, gitlab_notes = confirmation
    box = outbox_for(ctx, client)
    box.deliver_each(dms, ctx.now())
    publish_home(ctx, client, user_id)
    box.deliver_each(gitlab_notes, ctx.now())


def _store(
    ctx: AppContext,
    refuse: Callable[[dict[str, str]], None],
    project_id: int | None,
    user_id: str,
    week: str,
    result: NoteFields,
    key: str,
) -> tuple[list[int], list[int]] | None:
    """Save the note, its revision, the DM confirming it (none for a replay) and what
    GitLab is owed: (DMs, GitLab notes) to deliver; None, with the modal told why, when
    refused."""

    def save() -> tuple[list[int], list[int]] | None:
        with write_while_slack_waits(ctx.session_factory) as session:
            project = session.get(Project, project_id) if project_id else None
            if project is None:
                refuse({"progress": PROJECT_GONE})
                return None
            if not may_write(session, project, user_id, ctx.settings.admins, _today(ctx)):
                refuse({"progress": NOT_ALLOWED})
                return None
            note = save_note(session, project.id, week, result, user_id, ctx.now(), key)
            gitlab_notes = enqueue_for_note(ctx, session, note)
            session.add(
                AuditEntry(
                    actor=user_id,
                    action="note.saved",
                    subject=project.sow,
                    detail={"week": week, "note_id": note.id},
                )
            )
            row = ReportRow(
                ReportProject.of(project),
                _pm_slack_id(session, project),
                _pm_name(session, project),
                result,
            )
            text, blocks = build_note_confirmation(week, row, ids.NOTES_OPEN, str(project.id))
            dicts = [block.to_dict() for block in blocks]
            dm = add_dm(session, f"note:{key}", user_id, text, ctx.now(), blocks=dicts)
        return ([dm] if dm is not None else []), gitlab_notes

    # Two people saving the same project's first note at once: the second run updates it.
    return once_more_on_conflict(save)


def _epic_link_problem(ctx: AppContext, fields: NoteFields) -> dict[str, str]:
    """With GitLab sync on, a Yellow/Red note's epic link must be a GitLab epic there:
    the note's internal words go to it (and never to the RAID issue)."""
    if not (ctx.settings.gitlab_enabled and fields.needs_links):
        return {}
    try:
        parse_epic_url(fields.epic_url, ctx.settings.gitlab_url)
    except EpicUrlError:
        return {
            "epic_url": f"Paste the internal customer epic's link on {ctx.settings.gitlab_url}, "
            f"like {EPIC_EXAMPLE}"
        }
    return {}


def _pickable(ctx: AppContext, session: Session, user_id: str) -> bool:
    """Whether there is any project whose note `user_id` may write (else no picker)."""
    return any(writable_projects(session, user_id, ctx.settings.admins, _today(ctx)))


def suggest_projects(ack: Ack, body: dict[str, Any], context: dict) -> None:
    """The picker's options as the user types (a block_suggestion): the projects whose
    note they may write that the text finds by SOW, customer or name, theirs first and
    those owing a note first, at most Slack's 100."""
    ctx: AppContext = context["psbot"]
    query = str(body.get("value") or "")[:QUERY_MAX]
    try:
        with ctx.session_factory() as session:
            own, as_admin = writable_projects(
                session, body["user"]["id"], ctx.settings.admins, _today(ctx)
            )
            mine, others = picker_entries(typeahead(own, query), typeahead(as_admin, query))
    except OperationalError:
        logger.exception("project options for %s: database unavailable", body["user"]["id"])
        ack(options=[])
        return
    groups = option_groups(mine, others, "Other projects (as admin)")
    if groups:
        ack(option_groups=groups)
    else:
        ack(options=[])


def _today(ctx: AppContext) -> dt.date:
    return local_today(ctx.now(), ctx.settings.timezone)


def _modal(
    ctx: AppContext,
    session: Session,
    project: Project | None,
    pickable: bool,
    notice: str | None = None,
):
    now = ctx.now()
    week = notes_week(ctx, now)
    if project is None:
        return build_notes_modal(
            week=week,
            metadata="{}",
            project_title=None,
            prefill=None,
            pickable=pickable,
            notice=notice,
        )
    latest = latest_note(session, project.id)
    due = notes_due(ctx, now) if owes_note(session, project.id) else None
    prefill = fields_of(latest) if latest else None
    if latest is None or latest.week != week:
        today = local_today(now, ctx.settings.timezone)
        prefill = _with_pushes(ctx, session, project, prefill, today)
    return build_notes_modal(
        week=week,
        metadata=json.dumps({"project_id": project.id}),
        project_title=escape_mrkdwn(project.title),
        prefill=prefill,
        project_id=project.id,
        project_raid_url=project.raid_url or "",
        project_epic_url=project.epic_url or "",
        pickable=pickable,
        selected=picker_entry(project) if pickable else None,
        due=due,
        due_passed=due is not None and now >= due,
        noted=latest is not None and latest.week == week,
    )


def _with_pushes(
    ctx: AppContext, session: Session, project: Project, prefill: NoteFields | None, today
) -> NoteFields | None:
    """A new week's note starts with what moved out of the project's forecast since last
    Monday in its "forecast push" field (last week's push is last week's); the PM edits it."""
    if prefill is None:  # a first note: nothing to start from, nor a forecast to compare
        return None
    push = week_pushes(session, today, calendar_of(ctx.settings)).get(project.id)
    return replace(prefill, forecast_push=push_text(push) if push else "")


def _pm_slack_id(session: Session, project: Project) -> str | None:
    pm = session.get(Person, project.pm_id) if project.pm_id else None
    return pm.slack_user_id if pm else None


def _pm_name(session: Session, project: Project) -> str:
    pm = session.get(Person, project.pm_id) if project.pm_id else None
    return pm.label if pm else "no PM"
