"""The weekly forecast snapshot (SPEC §1, §4): every Monday at the forecast deadline the
forecast is stored per project and month — hard $, soft $ and hours — and never
rewritten. Accuracy compares closed months with it; pushes compare one week's with the
last.

A snapshot holds the current month and the next three: the rest of any quarter, and the
two months the handbook asks PMs to hard-book. A project with nothing in a month (no
hours, no money, no milestone) has no row for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, monday_of
from bot.pmo.bookings_rules import Portfolio
from bot.pmo.portfolio_loading import load_portfolio
from bot.pmo.revenue import MilestoneMoney, forecast_amounts, load_milestone_money
from bot.store.models import ForecastSnapshot

SNAPSHOT_MONTHS = 4


@dataclass(frozen=True)
class SnapshotRow:
    """One project's forecast for one month, as a snapshot stores it."""

    project_id: int
    month: Month
    type: str
    pm_id: int | None
    forecast: Decimal
    upside: Decimal
    hard_hours: Decimal
    soft_hours: Decimal
    milestones: tuple[tuple[str, str | None, str | None], ...] = ()  # name, on, amount

    def values(self, taken_on: dt.date) -> dict:
        return {
            "taken_on": taken_on,
            "project_id": self.project_id,
            "month": self.month.first_day,
            "type": self.type,
            "pm_id": self.pm_id,
            "forecast": self.forecast,
            "upside": self.upside,
            "hard_hours": self.hard_hours,
            "soft_hours": self.soft_hours,
            "milestones": [
                {"name": name, "on": on, "amount": amount} for name, on, amount in self.milestones
            ],
        }

    @classmethod
    def of(cls, stored: ForecastSnapshot) -> SnapshotRow:
        return cls(
            stored.project_id,
            Month.of(stored.month),
            stored.type,
            stored.pm_id,
            Decimal(stored.forecast),
            Decimal(stored.upside),
            Decimal(stored.hard_hours),
            Decimal(stored.soft_hours),
            tuple((m["name"], m.get("on"), m.get("amount")) for m in stored.milestones or ()),
        )


def snapshot_months(today: dt.date) -> list[Month]:
    this_month = Month.of(today)
    return [this_month.plus(n) for n in range(SNAPSHOT_MONTHS)]


def snapshot_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The booking weeks with working days in the snapshot's months."""
    months = snapshot_months(today)
    return monday_of(months[0].first_day), months[-1].last_day


def forecast_rows(
    portfolio: Portfolio,
    milestones: Mapping[int, Sequence[MilestoneMoney]],
    months: Iterable[Month],
) -> list[SnapshotRow]:
    """The forecast as it stands, per project and month (pure: what a snapshot stores)."""
    rows = []
    months = list(months)
    for project in portfolio.projects:
        listed = milestones.get(project.id, ())
        for month in months:
            sums = portfolio.month_sums(project.id, month)
            amounts, due = forecast_amounts(project.type, sums, listed, month)
            figures = (amounts.forecast, amounts.upside, amounts.hard_hours, amounts.soft_hours)
            if not any(figures) and not due:
                continue
            rows.append(
                SnapshotRow(
                    project.id,
                    month,
                    project.type,
                    project.pm_id,
                    amounts.forecast,
                    amounts.upside,
                    amounts.hard_hours,
                    amounts.soft_hours,
                    tuple(_milestone(m) for m in due),
                )
            )
    return rows


def _milestone(milestone: MilestoneMoney) -> tuple[str, str | None, str | None]:
    shown = milestone.as_json()
    return shown["name"] or "", shown["on"], shown["amount"]


def current_forecast(
    session: Session, today: dt.date, calendar: BusinessCalendar
) -> list[SnapshotRow]:
    """The forecast as a snapshot taken `today` would store it (a fixed number of queries)."""
    portfolio = load_portfolio(session, today, window=snapshot_window(today), keep_bookings=False)
    milestones = load_milestone_money(session, portfolio.projects, today, calendar)
    return forecast_rows(portfolio, milestones, snapshot_months(today))


def taken(session: Session, day: dt.date) -> bool:
    return (
        session.scalar(sa.select(sa.literal(True)).where(ForecastSnapshot.taken_on == day).limit(1))
        is not None
    )


def take_snapshot(session: Session, today: dt.date, calendar: BusinessCalendar) -> int | None:
    """Store the forecast as it stands, dated `today`, in the caller's transaction.

    Returns how many rows were stored, or None when a snapshot of `today` exists already:
    a snapshot is never rewritten (another process may have taken it a moment ago).
    """
    if taken(session, today):
        return None
    rows = current_forecast(session, today, calendar)
    if rows:
        try:
            with session.begin_nested():
                session.execute(sa.insert(ForecastSnapshot), [r.values(today) for r in rows])
        except IntegrityError:
            return None
    return len(rows)


def load_snapshot(
    session: Session, day: dt.date, months: Sequence[Month] | None = None
) -> list[SnapshotRow]:
    """The rows of the snapshot taken on `day` (of `months`, when given)."""
    query = sa.select(ForecastSnapshot).where(ForecastSnapshot.taken_on == day)
    if months is not None:
        query = query.where(ForecastSnapshot.month.in_([m.first_day for m in months]))
    return [SnapshotRow.of(stored) for stored in session.scalars(query)]


def snapshot_days(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days snapshots were taken on, first…last, in order."""
    return list(
        session.scalars(
            sa.select(ForecastSnapshot.taken_on)
            .where(ForecastSnapshot.taken_on.between(first, last))
            .distinct()
            .order_by(ForecastSnapshot.taken_on)
        )
    )
