"""Sending the GitLab outbox: one process per note at a time, retried, never twice.

A note is sent by whoever claims it (a compare-and-set on `next_attempt_at`): the user's
own request right after the Slack post, or the minute tick. Before a POST whose answer
might be lost, the row says so (`note_posting`); the next attempt then looks for the
note's hidden marker on the issue or epic instead of adding it again.

Failures: 403/404 (and a link that is not an issue or epic), and an epic in a public
group, fail the note and tell the project's PM once per link what to fix (a refused
label after the note was added only logs a warning: the note is there); a GitLab that
serves no epic notes fails it for admins to see; 429 waits for Retry-After; 5xx, lost
connections and a rejected token are retried with backoff for a day, then the note is
marked failed. Admins see failed notes through `bot.runtime.undelivered.gitlab_failures`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

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
from bot.integrations.gitlab.outbox import EPIC_KINDS, fields_from_snapshot
from bot.integrations.gitlab.urls import LinkError, parse_epic_url, parse_issue_url
from bot.pmo.wins import mentioned_ids
from bot.runtime.outbox import Outbox, add_dm, backoff
from bot.runtime.undelivered import GITLAB_KIND_LABELS
from bot.store.models import GitLabPost, Lesson, Person, Project, Thanks, Win

if TYPE_CHECKING:
    from bot.integrations.gitlab.client import Connection
    from bot.integrations.gitlab.epics import EpicNotes
    from bot.integrations.gitlab.issues import IssueNotes

logger = logging.getLogger(__name__)

# How long a claimant holds a note before another process may take it over.
LEASE = dt.timedelta(minutes=5)
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(hours=24)
# A win's or thanks' note links the Slack post; wait this long for that post to exist.
WAIT_FOR_SLACK_POST = dt.timedelta(hours=1)
BATCH = 50
# The request that recorded a win waits on this; the minute tick picks up the rest.
IMMEDIATE_TIMEOUT_SECONDS = 5.0
IMMEDIATE_BATCH = 10

WAITING = ("pending", "retrying")


class GitLabSync:
    """Delivers stored GitLab notes; `retry_due` is the minute tick's retry loop."""

    def __init__(self, ctx: AppContext, slack_client: WebClient | None) -> None:
        self.ctx = ctx
        self.slack = slack_client

    @property
    def enabled(self) -> bool:
        return self.ctx.settings.gitlab_enabled

    def retry_due(self, now: dt.datetime) -> int:
        """Send notes that are due (new, or waiting out a backoff); how many were sent."""
        if not self.enabled:
            return 0
        return self._send(self._due(now), now)

    def deliver_now(self, project_id: int, now: dt.datetime) -> int:
        """Send the project's due notes at once (right after a win, thanks or note)."""
        if not self.enabled:
            return 0
        due = self._due(now, project_id=project_id, limit=IMMEDIATE_BATCH)
        return self._send(due, now, immediate=True)

    # --- claiming ---------------------------------------------------------------------

    def _due(self, now: dt.datetime, project_id: int | None = None, limit: int = BATCH):
        query = sa.select(GitLabPost.id).where(
            GitLabPost.status.in_(WAITING), GitLabPost.next_attempt_at <= now
        )
        if project_id is not None:
            query = query.where(GitLabPost.project_id == project_id)
        with self.ctx.session_factory() as session:
            return session.scalars(query.order_by(GitLabPost.id).limit(limit)).all()

    def _claim(self, post_id: int, now: dt.datetime) -> bool:
        with self.ctx.session_factory.begin() as session:
            result = session.execute(
                sa.update(GitLabPost)
                .where(
                    GitLabPost.id == post_id,
                    GitLabPost.status.in_(WAITING),
                    GitLabPost.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE, attempts=GitLabPost.attempts + 1)
            )
            return result.rowcount == 1

    def _send(self, post_ids: Sequence[int], now: dt.datetime, immediate: bool = False) -> int:
        from bot.integrations.gitlab.client import (
            connect,  # python-gitlab loads only when it is used
        )

        sent = 0
        connection: Connection | None = None
        for post_id in post_ids:
            if not self._claim(post_id, now):
                continue
            if connection is None and immediate:
                # Someone's request waits on this: one short try, the tick does the rest.
                connection = connect(
                    self.ctx.settings, timeout=IMMEDIATE_TIMEOUT_SECONDS, call_retries=0
                )
            elif connection is None:
                connection = connect(self.ctx.settings)
            outcome = self._deliver(connection, post_id, now)
            sent += outcome == "sent"
            if outcome in ("token", "rate_limited", "transient"):
                break  # GitLab is down, limiting us or refusing the token: stop for now
        return sent

    # --- delivering -------------------------------------------------------------------

    def _deliver(self, connection: Connection, post_id: int, now: dt.datetime) -> str:
        """Send one claimed note; returns "sent", "deferred", or the failure's kind."""
        with self.ctx.session_factory() as session:
            post = session.get_one(GitLabPost, post_id)
            kind, target_url, label, marker = post.kind, post.target_url, post.label, post.marker
            note_id, posting, stored_body = post.gitlab_note_id, post.note_posting, post.body
            remove_label = bool(post.payload.get("remove"))
            try:
                body = stored_body or self._render(session, post, now)
            except _Gone as gone:
                return self._failed(post_id, now, Failure("refused", str(gone)), "record")
        if body is None:  # waiting for the Slack post is not a failed attempt
            self._update(
                post_id, next_attempt_at=now + FIRST_RETRY, attempts=GitLabPost.attempts - 1
            )
            return "deferred"
        if not stored_body:
            self._update(post_id, body=body)  # every retry sends the same words
        stage = "epic" if kind in EPIC_KINDS else "issue"
        try:
            connection.retry_after.take()
            target = self._open(connection, kind, target_url)
            if body:  # a label alone (escalation) adds no note
                if note_id is None and posting:
                    note_id = target.find_marker(marker_of(marker))
                if note_id is None:
                    stage = "note"
                    self._update(post_id, note_posting=True)
                    note_id = target.create_note(body)
                self._update(post_id, gitlab_note_id=note_id, note_posting=False)
            if label and target.has_label(label) == remove_label:
                stage = "label" if body else "labelling"
                (target.remove_label if remove_label else target.add_label)(label)
        except LinkError as error:
            return self._failed(post_id, now, Failure("inaccessible", str(error)), "link")
        except connection.errors as error:
            return self._failed(post_id, now, connection.failure(error), stage)
        except EpicProblem as problem:
            return self._failed(post_id, now, problem.failure, stage)
        with self.ctx.session_factory.begin() as session:
            post = session.get_one(GitLabPost, post_id)
            post.status, post.finished_at, post.next_attempt_at = "sent", now, None
            post.error = ""
        logger.info("GitLab note %s added to %s", post_id, target.ref)
        return "sent"

    def _open(self, connection: Connection, kind: str, url: str) -> IssueNotes | EpicNotes:
        """The issue or epic `url` names, ready for notes (raises LinkError for a link
        of the wrong kind, EpicProblem for an epic that can't take them)."""
        from bot.integrations.gitlab.epics import open_epic
        from bot.integrations.gitlab.issues import open_issue

        gitlab_url = self.ctx.settings.gitlab_url
        if kind in EPIC_KINDS:
            return open_epic(connection, parse_epic_url(url, gitlab_url))
        return open_issue(connection, parse_issue_url(url, gitlab_url))

    def _update(self, post_id: int, **values: object) -> None:
        with self.ctx.session_factory.begin() as session:
            session.execute(sa.update(GitLabPost).where(GitLabPost.id == post_id).values(**values))

    def _render(self, session: Session, post: GitLabPost, now: dt.datetime) -> str | None:
        """The note's body, built once; None while a win's or thanks' Slack post is due."""
        if post.kind == "escalation":
            return ""  # the Escalated label alone
        marker = marker_of(post.marker)
        project = session.get_one(Project, post.project_id)
        if post.kind == "lesson":
            lesson = session.get(Lesson, post.subject_id)
            if lesson is None:
                raise _Gone("the lesson was removed from psbot before it reached GitLab")
            return build_lesson_note(
                label=lesson.label,
                text=lesson.text,
                author_id=lesson.author_id,
                names=self._names(session, [lesson.author_id, *mentioned_ids(lesson.text)]),
                source_url=lesson.source_permalink,
                marker=marker,
            )
        if post.kind in ("win", "thanks"):
            record = session.get(Win if post.kind == "win" else Thanks, post.subject_id)
            if record is None:
                raise _Gone(f"the {post.kind} was removed from psbot before it reached GitLab")
            if record.ts is None and now - record.created_at < WAIT_FOR_SLACK_POST:
                return None
            if isinstance(record, Win):
                people = [record.author_id, *record.member_ids, *mentioned_ids(record.text)]
                names = self._names(session, people)
                return build_win_note(
                    text=record.text,
                    author_id=record.author_id,
                    member_ids=record.member_ids,
                    names=names,
                    shoutout_url=record.permalink,
                    source_url=record.source_permalink,
                    marker=marker,
                )
            people = [record.giver_id, *record.receiver_ids, *mentioned_ids(record.text)]
            names = self._names(session, people)
            return build_thanks_note(
                text=record.text,
                giver_id=record.giver_id,
                receiver_ids=record.receiver_ids,
                names=names,
                post_url=record.permalink,
                source_url=record.source_permalink,
                marker=marker,
            )
        payload = post.payload
        if post.kind == "raid_update":  # customer-safe words only: see build_raid_update
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
        if post.kind == "epic_note":
            note = build_epic_note(
                project_title=project.title,
                week=payload["week"],
                fields=fields,
                author_name=names.get(author_id, "a PM"),
                names=names,
                updated=bool(payload.get("updated")),
            )
            return epic_body(note, marker)
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

    # --- failing ----------------------------------------------------------------------

    def _failed(self, post_id: int, now: dt.datetime, failure: Failure, stage: str) -> str:
        told: int | None = None
        with self.ctx.session_factory.begin() as session:
            post = session.get_one(GitLabPost, post_id)
            project = session.get_one(Project, post.project_id)
            what = f"{GITLAB_KIND_LABELS[post.kind]} for {project.sow}"
            post.error = f"{_STAGES[stage]}: {failure.detail}"
            permanent = failure.kind in ("inaccessible", "refused", "public", "unsupported")
            final = permanent or now - post.created_at > GIVE_UP_AFTER
            label_missing = final and stage == "label"
            if label_missing:
                # The note is on the issue: it was delivered, only the label is missing.
                post.status, post.finished_at, post.next_attempt_at = "sent", now, None
                logger.warning("GitLab %s added, but not its label: %s", what, post.error)
            elif final:
                post.status, post.finished_at, post.next_attempt_at = "failed", now, None
                if failure.kind in ("inaccessible", "public"):
                    logger.warning("GitLab %s failed (%s): %s", what, post.target_url, post.error)
                    if not _already_told(session, post):
                        post.pm_told_at = now
                        if who := _who_to_tell(session, post, project):
                            bad_link = post.error.startswith(_STAGES["link"])
                            advice = self.ctx.words.gitlab_failure(post, project, bad_link)
                            told = add_dm(session, f"gitlab:{post.id}:told", who, advice, now)
                else:
                    logger.error("GitLab %s failed for good: %s", what, post.error)
            else:
                wait = backoff(post.attempts, MAX_RETRY)
                if failure.kind == "rate_limited" and failure.retry_after is not None:
                    wait = min(failure.retry_after, MAX_RETRY)
                post.status, post.next_attempt_at = "retrying", now + wait
                logger.warning("GitLab %s: %s; retrying at %s", what, post.error, now + wait)
        if told is not None and self.slack is not None:
            Outbox(self.ctx, self.slack).deliver(told, now)
        return "sent" if label_missing else failure.kind


class _Gone(Exception):
    """What the note was about no longer exists."""


_STAGES = {
    "record": "nothing to send",
    "link": "the link",
    "issue": "reading the issue",
    "epic": "reading the epic",
    "note": "adding the note",
    "label": "note added, but setting the label failed",
    "labelling": "setting the label",
}


def _already_told(session: Session, post: GitLabPost) -> bool:
    """Whether the PM heard about this link's problem since it last worked."""
    same_link = sa.and_(
        GitLabPost.project_id == post.project_id, GitLabPost.target_url == post.target_url
    )
    last_worked = session.scalar(
        sa.select(sa.func.max(GitLabPost.finished_at)).where(same_link, GitLabPost.status == "sent")
    )
    query = sa.select(GitLabPost.id).where(
        same_link, GitLabPost.pm_told_at.is_not(None), GitLabPost.id != post.id
    )
    if last_worked is not None:
        query = query.where(GitLabPost.pm_told_at > last_worked)
    return session.scalar(query.limit(1)) is not None


def _who_to_tell(session: Session, post: GitLabPost, project: Project) -> str:
    """The project's PM in Slack; else whoever recorded the win, thanks or note."""
    pm = session.get(Person, project.pm_id) if project.pm_id else None
    if pm is not None and pm.slack_user_id:
        return pm.slack_user_id
    if post.kind == "win":
        win = session.get(Win, post.subject_id)
        return win.author_id if win else ""
    if post.kind == "thanks":
        thanks = session.get(Thanks, post.subject_id)
        return thanks.giver_id if thanks else ""
    if post.kind == "lesson":
        lesson = session.get(Lesson, post.subject_id)
        return lesson.author_id if lesson else ""
    return str(post.payload.get("author_id") or "")


def deliver_gitlab_now(ctx: AppContext, slack_client: WebClient, project_id: int | None) -> None:
    """Best effort, right after the Slack post: send the project's owed GitLab notes.

    Never raises into the user's action; whatever is not sent now, the minute tick sends.
    """
    if not ctx.settings.gitlab_enabled or project_id is None:
        return
    try:
        GitLabSync(ctx, slack_client).deliver_now(project_id, ctx.now())
    except Exception:
        logger.exception("GitLab delivery for project %s failed; the tick will retry", project_id)
