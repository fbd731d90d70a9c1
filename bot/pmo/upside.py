"""Upside beyond soft bookings, recorded by hand (SPEC §4; handbook "How to Track Upside":
"If we have a pending CO that is not yet reflected in Kantata, add it to Upside if the
work in the CO will be completed this quarter" and "If we anticipate a Milestone date
will be adjusted to complete in the quarter, but it has not yet been confirmed/verified,
add it to the Upside").

Each item is an exact amount (cents) expected in a month, with its reason. It counts
until the end of its month, then expires (kept, no longer shown). The project's PM, its
DRIs and admins record items; the recorder or an admin removes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from bot.core.authorization import Action, allowed
from bot.core.dates import Month
from bot.core.errors import UserError
from bot.pmo.notes import writable_ids
from bot.store.models import AuditEntry, Project, UpsideItem

REASON_MAX = 500
NOT_ALLOWED = (
    "Only the project's PM, the DRI and contributors on its latest note, and PMO admins "
    "can record its upside."
)


class UpsideRefused(UserError):
    """An item that can't be recorded; `field` is what to fix ("project", "month", "reason")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def first_open_month(today: dt.date) -> dt.date:
    """The first day of the earliest month an item may be in (and still counts in)."""
    return today.replace(day=1)


def add_upside(
    session: Session,
    *,
    project: Project,
    amount: Decimal,
    month: dt.date,
    reason: str,
    user_id: str,
    admins: Collection[str],
    today: dt.date,
    now: dt.datetime,
    request_key: str | None = None,
) -> tuple[UpsideItem, bool]:
    """Record an item; (item, created) — a replayed submission returns the first.

    Raises UpsideRefused for a month already over, an empty or over-long reason, or
    someone who may not record the project's upside.
    """
    if request_key is not None:
        seen = session.scalar(sa.select(UpsideItem).where(UpsideItem.request_key == request_key))
        if seen is not None:
            return seen, False
    if not writable_ids(session, [project], user_id, admins, today):
        raise UpsideRefused(
            "project", f"You can't record upside for {project.title}. {NOT_ALLOWED}"
        )
    month = month.replace(day=1)
    if month < first_open_month(today):
        raise UpsideRefused(
            "month",
            f"{month:%Y-%m} is in the past; upside is expected this month ({today:%Y-%m}) "
            "or later.",
        )
    reason = " ".join(reason.split())
    if not reason:
        raise UpsideRefused(
            "reason", "Say why it is upside (a pending Change Order, a milestone moving in…)."
        )
    if len(reason) > REASON_MAX:
        raise UpsideRefused(
            "reason", f"Keep the reason to {REASON_MAX} characters (yours has {len(reason)})."
        )
    item = UpsideItem(
        project_id=project.id,
        amount=amount,
        month=month,
        reason=reason,
        recorded_by=user_id,
        request_key=request_key,
        created_at=now,
    )
    session.add(item)
    session.flush()
    _audit(session, user_id, "upside.added", project, item, now)
    return item, True


def remove_upside(
    session: Session, item_id: int, user_id: str, admins: Collection[str], now: dt.datetime
) -> UpsideItem:
    """Remove item `item_id` for its recorder or an admin; the removed item."""
    item = session.get(UpsideItem, item_id, options=[joinedload(UpsideItem.project)])
    if item is None:
        raise UserError(f"There is no upside #{item_id}; `/ps upside` lists them with numbers.")
    if not allowed(Action.REMOVE_UPSIDE, user_id, admins=admins, recorder_id=item.recorded_by):
        raise UserError(
            f"Only who recorded upside #{item_id}, or a PMO admin, can remove it; "
            "nothing was changed."
        )
    _audit(session, user_id, "upside.removed", item.project, item, now)
    session.delete(item)
    return item


def open_upside(
    session: Session, today: dt.date, months: Sequence[Month] | None = None
) -> list[UpsideItem]:
    """Items not yet expired (their month is this one or later), by month then project;
    only those in `months` when given. Each comes with its project."""
    query = (
        sa.select(UpsideItem)
        .join(Project, Project.id == UpsideItem.project_id)
        .options(joinedload(UpsideItem.project))
        .where(UpsideItem.month >= first_open_month(today))
        .order_by(UpsideItem.month, Project.customer, Project.name, UpsideItem.id)
    )
    if months is not None:
        query = query.where(UpsideItem.month.in_([m.first_day for m in months]))
    return list(session.scalars(query))


def _audit(
    session: Session, user_id: str, action: str, project: Project, item: UpsideItem, now
) -> None:
    detail = {"id": item.id, "amount": str(item.amount), "month": f"{item.month:%Y-%m}"}
    session.add(
        AuditEntry(actor=user_id, action=action, subject=project.sow, detail=detail, at=now)
    )
