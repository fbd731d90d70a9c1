"""What admins see of deliveries that did not go out: Slack posts the outbox is retrying
or gave up on, and GitLab notes likewise (App Home lists both)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import GitLabPost, OutboxEntry, Project

GITLAB_KIND_LABELS = {
    "win": "ProjectWin note",
    "thanks": "thanks note",
    "raid_note": "Y/R note on the RAID issue",
    "back_to_green": "back-to-Green note on the RAID issue",
    "epic_note": "Y/R note on the Internal Customer Epic",
    "epic_green": "back-to-Green note on the Internal Customer Epic",
    "raid_update": "customer-safe update on the RAID issue",
    "escalation": "Escalated label on the RAID issue",
    "lesson": "lesson learned on the journal issue",
}


FAILURES_SHOWN_FOR = dt.timedelta(days=7)


@dataclass
class Undelivered:
    """Slack posts still owed after a failure, and the latest ones given up on."""

    retrying: int = 0
    failed: int = 0
    recent: list[OutboxEntry] = field(default_factory=list)


def undelivered_posts(session: Session, now: dt.datetime, shown: int = 3) -> Undelivered:
    """Posts being retried, and those given up on in the last week (older ones drop off:
    a job's reminder is never posted late, so its failure can't be cleared otherwise)."""
    found = Undelivered()
    recent_failure = sa.and_(
        OutboxEntry.status == "failed", OutboxEntry.finished_at >= now - FAILURES_SHOWN_FOR
    )
    for status, count in session.execute(
        sa.select(OutboxEntry.status, sa.func.count())
        .where(sa.or_(OutboxEntry.status == "retrying", recent_failure))
        .group_by(OutboxEntry.status)
    ):
        setattr(found, status, count)
    found.recent = list(
        session.scalars(
            sa.select(OutboxEntry)
            .where(recent_failure)
            .order_by(OutboxEntry.finished_at.desc())
            .limit(shown)
        )
    )
    return found


@dataclass(frozen=True)
class FailedGitLabPost:
    """One GitLab note psbot gave up on, as App Home lists it."""

    id: int
    what: str  # e.g. "ProjectWin note"
    project: str  # the project's title
    target_url: str
    error: str
    failed_at: dt.datetime | None


@dataclass(frozen=True)
class GitLabFailures:
    """Failed GitLab deliveries (newest first, at most `limit`) and how many are retrying."""

    failed: int
    retrying: int
    recent: list[FailedGitLabPost]


def gitlab_failures(session: Session, limit: int = 5) -> GitLabFailures:
    """What App Home shows admins: notes psbot could not add to GitLab, and backlog."""
    counts = dict(
        session.execute(
            sa.select(GitLabPost.status, sa.func.count())
            .where(GitLabPost.status.in_(("failed", "retrying")))
            .group_by(GitLabPost.status)
        ).all()
    )
    rows = session.execute(
        sa.select(GitLabPost, Project)
        .join(Project, Project.id == GitLabPost.project_id)
        .where(GitLabPost.status == "failed")
        .order_by(GitLabPost.finished_at.desc(), GitLabPost.id.desc())
        .limit(limit)
    ).all()
    return GitLabFailures(
        failed=counts.get("failed", 0),
        retrying=counts.get("retrying", 0),
        recent=[
            FailedGitLabPost(
                post.id,
                GITLAB_KIND_LABELS[post.kind],
                project.title,
                post.target_url,
                post.error,
                post.finished_at,
            )
            for post, project in rows
        ],
    )
