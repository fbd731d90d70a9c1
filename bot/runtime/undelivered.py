"""What admins see of deliveries that did not go out: entries the outbox is retrying or
gave up on, Slack posts and GitLab notes alike (App Home lists them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import GitLabNote, OutboxEntry, Project

FAILURES_SHOWN_FOR = dt.timedelta(days=7)


@dataclass(frozen=True)
class Failed:
    """A delivery given up on, with the project a GitLab note was for ("" otherwise)."""

    entry: OutboxEntry
    project: str


@dataclass
class Undelivered:
    """Deliveries still owed after a failure, and the latest ones given up on; the
    counts by target ("slack", "gitlab")."""

    retrying: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    recent: list[Failed] = field(default_factory=list)


def undelivered_posts(session: Session, now: dt.datetime, shown: int = 5) -> Undelivered:
    """Deliveries being retried, and those given up on in the last week (older ones drop
    off: a job's reminder is never posted late, so its failure can't be cleared otherwise)."""
    found = Undelivered()
    recent_failure = sa.and_(
        OutboxEntry.status == "failed", OutboxEntry.finished_at >= now - FAILURES_SHOWN_FOR
    )
    for target, status, count in session.execute(
        sa.select(OutboxEntry.target, OutboxEntry.status, sa.func.count())
        .where(sa.or_(OutboxEntry.status == "retrying", recent_failure))
        .group_by(OutboxEntry.target, OutboxEntry.status)
    ):
        getattr(found, status)[target] = count
    rows = session.execute(
        sa.select(OutboxEntry, Project)
        .outerjoin(Project, Project.id == GitLabNote.project_id)
        .where(recent_failure)
        .order_by(OutboxEntry.finished_at.desc(), OutboxEntry.id.desc())
        .limit(shown)
    )
    found.recent = [Failed(entry, project.title if project else "") for entry, project in rows]
    return found
