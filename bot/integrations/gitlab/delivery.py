"""The GitLab deliverer: owed notes and labels onto issues and epics, for the one outbox.

The outbox claims a GitLab entry and hands it here (`GitLabDeliverer` is registered for
the target "gitlab" by `bot.workflows.deliveries`); its claim, lease, retries, deadline
and retry loop are the outbox's, as for Slack posts. A note's body is built from its
stored snapshot when it is first sent and kept, so every retry sends the same words.
Before a POST whose answer might be lost, the entry says so (`unsure_of` = 0); the next
attempt then looks for the note's hidden marker on the issue or epic instead of adding
it again.

Failures: 403/404 (and a link that is not an issue or epic), an epic in a public group
and a GitLab that serves no epic notes fail the note at once — retrying can't help — and
the project's PM is told once per link what to fix (`tell_the_pm`, the after-failed
hook); a label refused after the note was added only logs a warning: the note is there.
429 (never sooner than its Retry-After), 5xx, lost connections and a rejected token are
retried by the outbox, and leave the batch's other notes for the next tick: GitLab is
down, limiting psbot or refusing its token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.integrations.gitlab.failure import EpicProblem, Failure
from bot.integrations.gitlab.markdown import (
    build_epic_green_note,
    build_epic_note,
    build_lesson_note,
    build_raid_update,
    build_thanks_note,
    build_win_note,
    epic_body,
    marker_of,
)
from bot.integrations.gitlab.owed import EPIC_KINDS, NOTE_LABELS, fields_from_snapshot
from bot.integrations.gitlab.urls import LinkError, parse_epic_url, parse_issue_url
from bot.pmo.wins import mentioned_ids
from bot.runtime.delivery import BUSY, Result, Sending, sent
from bot.runtime.outbox import AfterFailed, GaveUp, add_dm
from bot.store.models import GitLabNote, Lesson, Person, Project, Thanks, Win

if TYPE_CHECKING:
    from bot.integrations.gitlab.client import Connection
    from bot.integrations.gitlab.epics import EpicNotes
    from bot.integrations.gitlab.issues import IssueNotes

T = TypeVar("T")

logger = logging.getLogger(__name__)

# A person's request waits on what it delivers: one short try, the minute tick does the rest.
IMMEDIATE_TIMEOUT_SECONDS = 5.0
# Failures retrying can't fix: the note fails at once.
PERMANENT = frozenset({"inaccessible", "refused", "public", "unsupported"})
# Failures the PM can fix, by fixing the project's link (or the group it points into).
LINK_PROBLEMS = frozenset({"inaccessible", "public"})


class GitLabDeliverer:
    """Adds owed notes (and labels) to GitLab; the outbox's deliverer for "gitlab"."""

    def __init__(
        self, ctx: AppContext, slack_client: WebClient | None, *, in_background: bool
    ) -> None:
        self.ctx = ctx
        self.slack = slack_client  # for people's names psbot doesn't know
        self.in_background = in_background
        self._connections = threading.local()  # a python-gitlab client is one thread's

    def send(self, sending: Sending) -> Result:
        """Add the entry's note (once) and set its label."""
        note = sending.entry
        assert isinstance(note, GitLabNote)  # the outbox hands "gitlab" entries only
        if sending.late and note.gitlab_note_id is None:
            return sending.too_late()
        with self.ctx.session_factory() as session:
            project = session.get_one(Project, note.project_id)
            what = f"{NOTE_LABELS[note.kind]} for {project.sow}"
            try:
                body = note.body or self._render(session, note, project)
            except _Gone as gone:
                return _failed(what, Failure("refused", str(gone)), "record", sending)
        if not note.body and not sending.save(body=body):  # every retry sends the same words
            return BUSY
        connection = self._connection()
        stage = "epic" if note.kind in EPIC_KINDS else "issue"
        try:
            connection.retry_after.take()
            target = self._open(connection, note.kind, note.target_url or "")
            if body:  # a label alone (escalation) adds no note
                note_id = note.gitlab_note_id
                if note_id is None and note.unsure_of == 0:
                    note_id = target.find_marker(marker_of(note.marker or ""))
                if note_id is None:
                    stage = "note"
                    if not sending.save(unsure_of=0):
                        return BUSY
                    note_id = target.create_note(body)
                if not sending.save(gitlab_note_id=note_id, unsure_of=None):
                    return BUSY
            remove = bool((note.payload or {}).get("remove"))
            if note.label and target.has_label(note.label) == remove:
                stage = "label" if body else "labelling"
                (target.remove_label if remove else target.add_label)(note.label)
        except LinkError as error:
            return _failed(what, Failure("inaccessible", str(error)), "link", sending)
        except connection.errors as error:
            return _failed(what, connection.failure(error), stage, sending)
        except EpicProblem as problem:
            return _failed(what, problem.failure, stage, sending)
        logger.info("GitLab %s added to %s", what, target.ref)
        return sent(1)

    def _connection(self) -> Connection:
        """This thread's client: the full timeout and retries within a call in the
        background, one short try while a person's request waits."""
        connection = getattr(self._connections, "current", None)
        if connection is None:
            from bot.integrations.gitlab.client import connect  # python-gitlab, when used

            if self.in_background:
                connection = connect(self.ctx.settings)
            else:
                connection = connect(
                    self.ctx.settings, timeout=IMMEDIATE_TIMEOUT_SECONDS, call_retries=0
                )
            self._connections.current = connection
        return connection

    def _open(self, connection: Connection, kind: str, url: str) -> IssueNotes | EpicNotes:
        """The issue or epic `url` names, ready for notes (raises LinkError for a link
        of the wrong kind, EpicProblem for an epic that can't take them)."""
        from bot.integrations.gitlab.epics import open_epic
        from bot.integrations.gitlab.issues import open_issue

        gitlab_url = self.ctx.settings.gitlab_url
        if kind in EPIC_KINDS:
            return open_epic(connection, parse_epic_url(url, gitlab_url))
        return open_issue(connection, parse_issue_url(url, gitlab_url))

    def _render(self, session: Session, note: GitLabNote, project: Project) -> str:
        """The note's body, from what was stored when it was owed ("" for a label alone).
        A win or thanks links its Slack post when that is out (it waited for it)."""
        if note.kind == "escalation":
            return ""  # the Escalated label alone
        marker = marker_of(note.marker or "")
        if note.kind == "lesson_note":
            lesson = _subject(session, Lesson, note, "lesson")
            return build_lesson_note(
                label=lesson.label,
                text=lesson.text,
                author_id=lesson.author_id,
                names=self._names(session, [lesson.author_id, *mentioned_ids(lesson.text)]),
                source_url=lesson.source_permalink,
                marker=marker,
            )
        if note.kind == "win_note":
            win = _subject(session, Win, note, "win")
            people = [win.author_id, *win.member_ids, *mentioned_ids(win.text)]
            return build_win_note(
                text=win.text,
                author_id=win.author_id,
                member_ids=win.member_ids,
                names=self._names(session, people),
                shoutout_url=win.permalink,
                source_url=win.source_permalink,
                marker=marker,
            )
        if note.kind == "thanks_note":
            thanks = _subject(session, Thanks, note, "thanks")
            people = [thanks.giver_id, *thanks.receiver_ids, *mentioned_ids(thanks.text)]
            return build_thanks_note(
                text=thanks.text,
                giver_id=thanks.giver_id,
                receiver_ids=thanks.receiver_ids,
                names=self._names(session, people),
                post_url=thanks.permalink,
                source_url=thanks.source_permalink,
                marker=marker,
            )
        payload = note.payload or {}
        if note.kind == "raid_update":  # customer-safe words only: see build_raid_update
            return build_raid_update(
                project_title=project.title,
                week=payload["week"],
                progress=payload["progress"],
                issue=payload.get("issue", ""),
                updated=bool(payload.get("updated")),
                marker=marker,
            )
        fields = fields_from_snapshot(payload["fields"])
        author_id = payload.get("author_id", "")
        names = self._names(session, [author_id, *fields.dri_ids])
        if note.kind == "epic_note":
            epic_note = build_epic_note(
                project_title=project.title,
                week=payload["week"],
                fields=fields,
                author_name=names.get(author_id, "a PM"),
                names=names,
                updated=bool(payload.get("updated")),
            )
            return epic_body(epic_note, marker)
        return build_epic_green_note(
            project_title=project.title,
            week=payload["week"],
            fields=fields,
            author_name=names.get(author_id, "a PM"),
            marker=marker,
        )

    def _names(self, session: Session, slack_ids: Iterable[str]) -> dict[str, str]:
        """Display names: psbot's people first, then Slack (best effort), else the id."""
        ids = [i for i in dict.fromkeys(slack_ids) if i]
        people = session.scalars(sa.select(Person).where(Person.slack_user_id.in_(ids)))
        names = {p.slack_user_id: p.label for p in people if p.slack_user_id}
        for slack_id in ids:
            if slack_id not in names and self.slack is not None:
                try:
                    user = self.slack.users_info(user=slack_id)["user"]
                    profile = user.get("profile") or {}
                    name = user.get("real_name") or profile.get("real_name") or user.get("name")
                    if name:
                        names[slack_id] = name
                except (SlackApiError, SlackClientError, OSError, KeyError, TypeError):
                    pass
        return names


class _Gone(Exception):
    """What the note was about no longer exists."""


STAGES = {
    "record": "nothing to send",
    "link": "the link",
    "issue": "reading the issue",
    "epic": "reading the epic",
    "note": "adding the note",
    "label": "note added, but setting the label failed",
    "labelling": "setting the label",
}


def _failed(what: str, failure: Failure, stage: str, sending: Sending) -> Result:
    """A failed GitLab call as the outbox's result: given up at once when retrying can't
    help, else retried (and the batch's other notes left for later)."""
    reason = f"{STAGES[stage]}: {failure.detail}"
    permanent = failure.kind in PERMANENT
    if stage == "label" and (permanent or sending.last_try):
        # The note is on the issue: it was delivered, only the label is missing.
        logger.warning("GitLab %s added, but not its label: %s", what, reason)
        return sent(1, reason)
    if permanent:
        return Result("failed", failure.kind, reason)
    wait = failure.retry_after or dt.timedelta(0)
    return Result("retry", failure.kind, reason, retry_after=wait, hold_target=True)


def tell_the_pm(ctx: AppContext) -> AfterFailed:
    """The after-failed hook for GitLab notes: a link that is missing, inaccessible or
    public is the PM's to fix, and they hear it once per link until it works again."""

    def tell(session: Session, gave_up: GaveUp, now: dt.datetime) -> list[int]:
        if gave_up.code not in LINK_PROBLEMS:
            return []
        note = session.get_one(GitLabNote, gave_up.entry.id)
        if _already_told(session, note):
            return []
        note.pm_told_at = now
        project = session.get_one(Project, note.project_id)
        who = _who_to_tell(session, note, project)
        if not who:
            return []
        failed = gave_up.entry  # its `error`: why it was given up
        bad_link = failed.error.startswith(STAGES["link"])
        advice = ctx.words.gitlab_failure(failed, project, bad_link)
        link = hashlib.sha256((note.target_url or "").encode()).hexdigest()[:12]
        told = add_dm(session, f"gitlab-told:{note.id}:{link}", who, advice, now)
        return [told] if told else []

    return tell


def _already_told(session: Session, note: GitLabNote) -> bool:
    """Whether the PM heard about this link's problem since it last worked."""
    same_link = sa.and_(
        GitLabNote.project_id == note.project_id, GitLabNote.target_url == note.target_url
    )
    last_worked = session.scalar(
        sa.select(sa.func.max(GitLabNote.finished_at)).where(same_link, GitLabNote.status == "sent")
    )
    query = sa.select(GitLabNote.id).where(
        same_link, GitLabNote.pm_told_at.is_not(None), GitLabNote.id != note.id
    )
    if last_worked is not None:
        query = query.where(GitLabNote.pm_told_at > last_worked)
    return session.scalar(query.limit(1)) is not None


def _who_to_tell(session: Session, note: GitLabNote, project: Project) -> str:
    """The project's PM in Slack; else whoever recorded the win, thanks, lesson or note."""
    pm = session.get(Person, project.pm_id) if project.pm_id else None
    if pm is not None and pm.slack_user_id:
        return pm.slack_user_id
    if note.kind == "win_note":
        win = session.get(Win, note.subject_id)
        return win.author_id if win else ""
    if note.kind == "thanks_note":
        thanks = session.get(Thanks, note.subject_id)
        return thanks.giver_id if thanks else ""
    if note.kind == "lesson_note":
        lesson = session.get(Lesson, note.subject_id)
        return lesson.author_id if lesson else ""
    return str((note.payload or {}).get("author_id") or "")


def _subject(session: Session, model: type[T], note: GitLabNote, what: str) -> T:
    """The win, thanks or lesson a note is about; _Gone if it was removed meanwhile."""
    subject = session.get(model, note.subject_id)
    if subject is None:
        raise _Gone(f"the {what} was removed from psbot before it reached GitLab")
    return subject
