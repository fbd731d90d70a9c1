"""What psbot owes GitLab, stored in the same transaction as the record that causes it,
as entries of the one outbox (target "gitlab"; delivered by `delivery.GitLabDeliverer`).

- a ProjectWin → a note on the project's journal issue, which must carry `ProjectWin`;
- thanks for a project → a note on the same issue;
- a lesson learned or customer story for a project → a note there too, and the issue
  gets the lesson's label (llProduct, CustomerStory, …);
- a Yellow or Red weekly note → a comment on the project's Internal Customer Epic (again
  when an edit changes what it says);
- the first Green/Green note after Yellow or Red → "back to Green" on the epic, once;
- with PSBOT_GITLAB_RAID_UPDATES=on, a Yellow or Red note also → a customer-safe update on
  the RAID issue: the progress line and the issue/action/timing text, nothing else;
- a project an admin escalates (or un-escalates) → the `Escalated` label added to (or
  taken off) its RAID issue, with no note (the handbook labels escalated RAID issues).

The RAID issue lives in the customer's collaboration project, where the customer can read
it (even "internal" notes): nothing internal is ever owed to it (SPEC §4a). Its owed
update stores only the customer-safe words, so even the stored row can't leak the rest.

A win's or thanks' note links its Slack shout-out, so the minute tick leaves it for up
to an hour while the shout-out is not out yet; once it is, `notes_waiting_for` makes the
note due (the shout-out's after-sent hook delivers it next).

Nothing is stored while GITLAB_TOKEN is empty, or for a project without the link.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.integrations.gitlab.markdown import WIN_LABEL, build_epic_note
from bot.pmo.escalation import ESCALATED_LABEL
from bot.pmo.notes import NoteFields, Temperature, fields_of, latest_note
from bot.runtime import outbox
from bot.store.models import GitLabNote, Lesson, Note, Project, Thanks, Win

# A win's or thanks' note links its shout-out: it waits this long for that post to exist.
WAIT_FOR_SLACK_POST = dt.timedelta(hours=1)
# The kinds of note that go to the Internal Customer Epic (the rest go to an issue).
EPIC_KINDS = ("epic_note", "epic_green")
# What each kind of note is, as admins read it (logs, App Home).
NOTE_LABELS = {
    "win_note": "ProjectWin note",
    "thanks_note": "thanks note",
    "lesson_note": "lesson learned on the journal issue",
    "raid_note": "Y/R note on the RAID issue",
    "back_to_green": "back-to-Green note on the RAID issue",
    "epic_note": "Y/R note on the Internal Customer Epic",
    "epic_green": "back-to-Green note on the Internal Customer Epic",
    "raid_update": "customer-safe update on the RAID issue",
    "escalation": "Escalated label on the RAID issue",
}
# The shout-out kind a note waits for.
_WAITS_FOR = {"win": "win_note", "thanks": "thanks_note"}


def enqueue_for_win(ctx: AppContext, session: Session, win: Win) -> list[int]:
    """Owe the project's journal issue a note for `win`, and its `ProjectWin` label.

    Call in the transaction that stores the win; a replayed win adds nothing.
    """
    return _on_journal(ctx, session, "win_note", win, win.project_id, WIN_LABEL)


def enqueue_for_thanks(ctx: AppContext, session: Session, thanks: Thanks) -> list[int]:
    """Owe the project's journal issue a note for `thanks` (when it names a project)."""
    return _on_journal(ctx, session, "thanks_note", thanks, thanks.project_id)


def enqueue_for_lesson(ctx: AppContext, session: Session, lesson: Lesson) -> list[int]:
    """Owe the project's journal issue a note for `lesson`, and the lesson's label."""
    return _on_journal(ctx, session, "lesson_note", lesson, lesson.project_id, lesson.label)


def _on_journal(
    ctx: AppContext,
    session: Session,
    kind: str,
    record: Win | Thanks | Lesson,
    project_id: int | None,
    label: str = "",
) -> list[int]:
    """Owe the journal issue of `project_id` a note of `kind` about `record` (none while
    GitLab is off, or for no project, or a project without a journal issue)."""
    if not ctx.settings.gitlab_enabled or project_id is None:
        return []
    project = session.get(Project, project_id)
    if project is None or not project.journal_issue_url:
        return []
    # A win's or thanks' shout-out is not out yet: its note waits for the link.
    shouted_out = isinstance(record, Lesson) or record.ts is not None
    note_id = _add(
        session,
        kind=kind,
        key=f"{kind}:{record.id}",
        project_id=project.id,
        subject_id=record.id,
        target_url=project.journal_issue_url,
        label=label,
        now=ctx.now(),
        tick_after=outbox.HOLD if shouted_out else WAIT_FOR_SLACK_POST,
    )
    return [note_id] if note_id else []


def notes_waiting_for(session: Session, kind: str, record_id: int, now: dt.datetime) -> list[int]:
    """The GitLab notes of the win or thanks (`kind`) `record_id` that waited for its
    shout-out, which is out: due now, to be delivered next."""
    waiting = session.scalars(
        sa.update(GitLabNote)
        .where(
            GitLabNote.kind == _WAITS_FOR[kind],
            GitLabNote.subject_id == record_id,
            GitLabNote.status == "pending",
        )
        .values(next_attempt_at=now)
        .returning(GitLabNote.id)
    )
    return list(waiting)


def enqueue_for_note(ctx: AppContext, session: Session, note: Note) -> list[int]:
    """Owe the Internal Customer Epic a note for a Yellow/Red weekly note, or "back to
    Green" once; and, when RAID updates are on, the RAID issue its customer-safe words.

    Call after `save_note`, in its transaction. Saving the same words again (a replayed
    submission, or an edit that changes nothing GitLab shows) adds nothing.
    """
    if not ctx.settings.gitlab_enabled:
        return []
    project = session.get(Project, note.project_id)
    if project is None:
        return []
    fields = fields_of(note)
    if fields.needs_links:
        posts = [_enqueue_alarm(ctx, session, project, note, fields)]
        if ctx.settings.gitlab_raid_updates:
            posts.append(_enqueue_raid_update(ctx, session, project, note, fields))
    else:
        posts = [_enqueue_back_to_green(ctx, session, project, note, fields)]
    return [note_id for note_id in posts if note_id is not None]


def _enqueue_alarm(
    ctx: AppContext, session: Session, project: Project, note: Note, fields: NoteFields
) -> int | None:
    target = project.epic_url or fields.epic_url
    if not target:
        return None
    shown = {"target": target, "shown": _shown_details(fields)}
    return _add_if_changed(
        ctx,
        session,
        kind="epic_note",
        project=project,
        note=note,
        target=target,
        fingerprint=_fingerprint(shown),
        payload={"fields": fields_snapshot(fields), "author_id": note.author_id},
    )


def _enqueue_raid_update(
    ctx: AppContext, session: Session, project: Project, note: Note, fields: NoteFields
) -> int | None:
    target = project.raid_url or fields.raid_url
    if not target:
        return None
    safe = {"progress": fields.progress, "issue": fields.issue}
    return _add_if_changed(
        ctx,
        session,
        kind="raid_update",
        project=project,
        note=note,
        target=target,
        fingerprint=_fingerprint({"target": target, **safe}),
        payload=safe,
    )


def _add_if_changed(
    ctx: AppContext,
    session: Session,
    *,
    kind: str,
    project: Project,
    note: Note,
    target: str,
    fingerprint: str,
    payload: dict[str, Any],
) -> int | None:
    """Owe `kind` for the week's note unless the last one owed for it says the same."""
    earlier = session.scalars(
        sa.select(GitLabNote)
        .where(GitLabNote.kind == kind, GitLabNote.subject_id == note.id)
        .order_by(GitLabNote.id.desc())
    ).all()
    if earlier and earlier[0].fingerprint == fingerprint:
        return None
    return _add(
        session,
        kind=kind,
        key=f"{kind}:{note.id}:{len(earlier) + 1}",
        project_id=project.id,
        subject_id=note.id,
        target_url=target,
        payload={"week": note.week, "updated": bool(earlier), **payload},
        fingerprint=fingerprint,
        now=ctx.now(),
    )


def _enqueue_back_to_green(
    ctx: AppContext, session: Session, project: Project, note: Note, fields: NoteFields
) -> int | None:
    last_alarm = _latest(session, project.id, "epic_note")
    if last_alarm is not None:
        last_green = _latest(session, project.id, "epic_green")
        if last_green is not None and last_green.id > last_alarm.id:
            return None  # already said
        key, fallback = f"epic_green:{project.id}:after:{last_alarm.id}", last_alarm.target_url
    else:
        # Nothing was sent to the epic yet (e.g. the sync is new): last week decides.
        previous = session.scalar(
            sa.select(Note)
            .where(Note.project_id == project.id, Note.week < note.week)
            .order_by(Note.week.desc())
            .limit(1)
        )
        if previous is None or not fields_of(previous).needs_links:
            return None
        key, fallback = f"epic_green:{project.id}:after-week:{previous.week}", previous.epic_url
    target = project.epic_url or fallback
    if not target:
        return None
    return _add(
        session,
        kind="epic_green",
        key=key,
        project_id=project.id,
        subject_id=note.id,
        target_url=target,
        payload={"week": note.week, "fields": fields_snapshot(fields), "author_id": note.author_id},
        now=ctx.now(),
    )


def enqueue_for_escalation(
    ctx: AppContext, session: Session, project: Project, escalated: bool, user_id: str
) -> list[int]:
    """Owe the project's RAID issue the `Escalated` label (or its removal).

    Call in the transaction that escalates; nothing without a RAID link (the project's,
    else its latest note's).
    """
    if not ctx.settings.gitlab_enabled:
        return []
    note = latest_note(session, project.id)
    target = project.raid_url or (note.raid_url if note else "")
    if not target:
        return []
    earlier = session.scalar(
        sa.select(sa.func.count())
        .select_from(GitLabNote)
        .where(GitLabNote.kind == "escalation", GitLabNote.project_id == project.id)
    )
    note_id = _add(
        session,
        kind="escalation",
        key=f"escalation:{project.id}:{earlier + 1}",
        project_id=project.id,
        subject_id=project.id,
        target_url=target,
        label=ESCALATED_LABEL,
        payload={"remove": not escalated, "author_id": user_id},
        now=ctx.now(),
    )
    return [note_id] if note_id else []


def _shown_details(fields: NoteFields) -> str:
    """What the epic's note says about `fields`, as GitLab renders it (the one place that
    decides): a field the note doesn't show (upside, epic link) can't make it differ.

    People are kept as Slack ids, and the author is left out: a name resolved differently,
    or a re-save by someone else, is not a change to the note.
    """
    note = build_epic_note(
        project_title="", week="", fields=fields, author_name="", names={}, updated=False
    )
    return note.details


def _latest(session: Session, project_id: int, kind: str) -> GitLabNote | None:
    return session.scalar(
        sa.select(GitLabNote)
        .where(GitLabNote.project_id == project_id, GitLabNote.kind == kind)
        .order_by(GitLabNote.id.desc())
        .limit(1)
    )


def _add(
    session: Session,
    *,
    kind: str,
    key: str,
    project_id: int,
    subject_id: int,
    target_url: str,
    now: dt.datetime,
    label: str = "",
    payload: dict[str, Any] | None = None,
    fingerprint: str = "",
    tick_after: dt.timedelta = outbox.HOLD,
) -> int | None:
    """Owe one note (its id); None when `key` is already owed."""
    note = GitLabNote(
        key=f"gitlab:{key}",
        kind=kind,
        marker=secrets.token_hex(12),
        project_id=project_id,
        subject_id=subject_id,
        target_url=target_url.strip(),
        label=label,
        payload=payload or {},
        body="",
        fingerprint=fingerprint,
    )
    return outbox.add_entry(session, note, now, tick_after=tick_after)


def fields_snapshot(fields: NoteFields) -> dict[str, Any]:
    """NoteFields as JSON-ready values."""
    data = dataclasses.asdict(fields)
    data["internal"], data["customer"] = fields.internal.value, fields.customer.value
    data["dri_ids"] = list(fields.dri_ids)
    return data


def fields_from_snapshot(data: dict[str, Any]) -> NoteFields:
    values = dict(data)
    values["internal"] = Temperature(values["internal"])
    values["customer"] = Temperature(values["customer"])
    values["dri_ids"] = tuple(values.get("dri_ids") or ())
    return NoteFields(**values)


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
