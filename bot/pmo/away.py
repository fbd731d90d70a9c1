"""Time off and delegates: a person away gets no nudges; whoever covers for them (their
delegate) is named in the Tuesday reminder, may write their notes and gets their nudges.

Time off is one row a person (a new one replaces it) and lapses by itself: it counts
only while `today` is within its dates, so nothing ever has to clean it up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.fields import FieldError, parse_date
from bot.pmo.lookup import project_open
from bot.store.in_lists import padded
from bot.store.models import AuditEntry, Away, Person, Project

# Longer than this is a typo in the year more often than a sabbatical.
MAX_AWAY_DAYS = 366
AWAY_USAGE = "/ps away YYYY-MM-DD YYYY-MM-DD [@delegate]  ·  /ps back"


class AwayRefused(UserError):
    """Time off that can't be recorded; `field` is what to fix ("starts_on", "ends_on",
    "delegate")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, AWAY_USAGE)
        self.field = field


def parse_away_date(field: str, text: str) -> dt.date:
    """A start or end date as the person typed it (YYYY-MM-DD)."""
    try:
        return parse_date(text.strip())
    except FieldError as error:
        which = "start" if field == "starts_on" else "end"
        raise AwayRefused(field, f"The {which} date: {error}, like 2026-12-21.") from None


def set_away(
    session: Session,
    user_id: str,
    starts_on: dt.date,
    ends_on: dt.date,
    delegate_id: str | None,
    *,
    today: dt.date,
    now: dt.datetime,
) -> Away:
    """Record `user_id`'s time off from `starts_on` to `ends_on` (both days included),
    replacing any they had; raise AwayRefused on dates or a delegate that can't be.
    Whether the delegate is a person (not a bot) is Slack's to say, before this."""
    if ends_on < starts_on:
        raise AwayRefused(
            "ends_on", f"The end date {ends_on} is before the start date {starts_on}."
        )
    if ends_on < today:
        raise AwayRefused("ends_on", f"That time off ended already ({ends_on}); nothing to do.")
    if (ends_on - starts_on).days >= MAX_AWAY_DAYS:
        raise AwayRefused("ends_on", "Time off is at most a year: check the end date's year.")
    if delegate_id == user_id:
        raise AwayRefused("delegate", "You can't cover for yourself: pick a teammate, or nobody.")
    away = session.scalar(sa.select(Away).where(Away.slack_user_id == user_id))
    before = _dates(away) if away is not None else None
    if away is None:
        away = Away(slack_user_id=user_id)
        session.add(away)
    away.starts_on, away.ends_on, away.delegate_id = starts_on, ends_on, delegate_id
    away.created_at = now
    session.add(
        AuditEntry(
            actor=user_id,
            action="away.set",
            subject=user_id,
            detail={"old": before, "new": _dates(away)},
            at=now,
        )
    )
    session.flush()
    return away


def come_back(session: Session, user_id: str, *, today: dt.date, now: dt.datetime) -> Away:
    """End `user_id`'s time off now (or cancel one not started yet): the removed row;
    raise AwayRefused when they have none."""
    away = session.scalar(
        sa.select(Away).where(Away.slack_user_id == user_id, Away.ends_on >= today)
    )
    if away is None:
        raise AwayRefused("starts_on", "You're not marked away, so there's nothing to end.")
    session.add(
        AuditEntry(
            actor=user_id,
            action="away.back",
            subject=user_id,
            detail={"old": _dates(away), "new": None},
            at=now,
        )
    )
    session.delete(away)
    session.flush()
    return away


def own_time_off(session: Session, user_id: str, today: dt.date) -> Away | None:
    """`user_id`'s time off now or still to come; None when they have none."""
    return session.scalar(
        sa.select(Away).where(Away.slack_user_id == user_id, Away.ends_on >= today)
    )


def away_on(
    session: Session, today: dt.date, user_ids: Collection[str] | None = None
) -> dict[str, Away]:
    """Who is away on `today` (of `user_ids`, when given): their time off by Slack id."""
    query = sa.select(Away).where(Away.starts_on <= today, Away.ends_on >= today)
    if user_ids is not None:
        query = query.where(Away.slack_user_id.in_(padded(user_ids)))
    return {away.slack_user_id: away for away in session.scalars(query)}


def time_off_ahead(session: Session, today: dt.date) -> list[Away]:
    """Everyone's time off now or still to come, soonest first (App Home, admins)."""
    return list(
        session.scalars(
            sa.select(Away)
            .where(Away.ends_on >= today)
            .order_by(Away.starts_on, Away.ends_on, Away.slack_user_id)
        )
    )


def covered_projects(session: Session, delegate_id: str, today: dt.date) -> list[Project]:
    """The open projects of the PMs `delegate_id` covers for on `today`."""
    covered = (
        sa.select(Person.id)
        .join(Away, Away.slack_user_id == Person.slack_user_id)
        .where(Away.delegate_id == delegate_id, Away.starts_on <= today, Away.ends_on >= today)
    )
    query = (
        sa.select(Project)
        .where(Project.pm_id.in_(covered), project_open())
        .order_by(Project.customer, Project.name)
    )
    return list(session.scalars(query))


def recipient(pm_slack_id: str, away: dict[str, Away]) -> str | None:
    """Who gets a nudge meant for `pm_slack_id`: them, or while they are away their
    delegate (None: away with nobody covering, so nobody is nudged)."""
    time_off = away.get(pm_slack_id)
    return pm_slack_id if time_off is None else time_off.delegate_id


def _dates(away: Away) -> dict[str, str | None]:
    return {
        "starts_on": away.starts_on.isoformat(),
        "ends_on": away.ends_on.isoformat(),
        "delegate_id": away.delegate_id,
    }
