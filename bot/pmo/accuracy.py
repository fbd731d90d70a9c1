"""Forecast accuracy (handbook: "accurate within ±5% of our estimated forecast" for T&M
and Fixed Fee; "±10% … after we have our initial EM>PS Transition Meeting" for
Consulting Blocks and Dedicated Engineer).

For each closed month, each project's forecast for it made on the first Monday of the
month (the first snapshot taken in it) — and the latest before the month ended — is set
against the revenue actually earned (`bot.pmo.revenue`). Variance = (actual − forecast)
/ forecast. A Consulting Block or Dedicated Engineer forecast made before the project's
EM>PS transition date (or with none recorded) is shown but not scored. The forecast's
owner is the PM and type the snapshot recorded.

It also tells how the handbook's assumptions held: of the hard hours the first snapshot
booked, what share became approved hours (assumed 90–95%), and of the soft hours, what
share of the hours worked beyond the hard ones (assumed 40%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month
from bot.pmo.bookings_rules import ZERO
from bot.pmo.closure import FIXED_FEE
from bot.pmo.revenue import actual_amount, load_milestone_money, load_time_actuals
from bot.pmo.snapshots import SnapshotRow, snapshot_days
from bot.store.in_lists import padded
from bot.store.models import ForecastSnapshot, Person, Project

TARGETS = {"T&M": 5, "FF": 5, "Consulting Block": 10, "Dedicated Engineer": 10}
SNAPSHOT_COLUMNS = (
    "taken_on",
    "project_id",
    "month",
    "type",
    "pm_id",
    "forecast",
    "upside",
    "hard_hours",
    "soft_hours",
)
FROM_TRANSITION = frozenset({"Consulting Block", "Dedicated Engineer"})
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProjectAccuracy:
    """One project's forecast for one closed month against what it earned."""

    project: Project
    month: Month
    type: str
    pm_id: int | None
    forecast: Decimal  # made on the month's first snapshot
    latest: Decimal  # the last snapshot before the month ended
    actual: Decimal
    hard_hours: Decimal = ZERO
    soft_hours: Decimal = ZERO
    actual_hours: Decimal = ZERO
    not_scored: str = ""  # why it is shown but not scored
    upside: Decimal = ZERO  # soft $ of the month's first snapshot

    @property
    def target(self) -> int:
        return TARGETS[self.type]

    @property
    def scored(self) -> bool:
        return not self.not_scored

    @property
    def variance(self) -> Decimal | None:
        """(actual − forecast) / forecast, in %; None when nothing was forecast."""
        return variance(self.forecast, self.actual)

    @property
    def met(self) -> bool:
        return within(self.variance, self.target)


def variance(forecast: Decimal, actual: Decimal) -> Decimal | None:
    if not forecast:
        return None
    return (actual - forecast) / forecast * HUNDRED


def within(value: Decimal | None, target: int) -> bool:
    return value is not None and abs(value) <= target


def badness(value: Decimal | None) -> Decimal:
    """How far off: nothing forecast (but something earned) is the worst."""
    return Decimal("Infinity") if value is None else abs(value)


@dataclass
class Group:
    """A PM's or a type's scored projects, summed."""

    key: object
    forecast: Decimal = ZERO
    actual: Decimal = ZERO
    projects: int = 0
    met: int = 0

    @property
    def variance(self) -> Decimal | None:
        return variance(self.forecast, self.actual)


@dataclass(frozen=True)
class Assumption:
    """How much of the snapshotted hours became actual hours."""

    booked: Decimal
    realised: Decimal

    @property
    def share(self) -> Decimal | None:
        return self.realised / self.booked * HUNDRED if self.booked else None


@dataclass
class AccuracyReport:
    months: Sequence[Month]
    rows: list[ProjectAccuracy]
    snapshots: dict[Month, tuple[dt.date | None, dt.date | None]]  # first, latest
    people: dict[int, Person] = field(default_factory=dict)

    @property
    def scored(self) -> list[ProjectAccuracy]:
        return [row for row in self.rows if row.scored]

    def worst_first(self) -> list[ProjectAccuracy]:
        return sorted(self.rows, key=lambda r: (not r.scored, -badness(r.variance), r.project.sow))

    def month_totals(self) -> dict[Month, tuple[Decimal, Decimal, Decimal]]:
        """Per month: the first Monday's forecast and upside, and what was earned."""
        totals = {month: (ZERO, ZERO, ZERO) for month in self.months}
        for row in self.rows:
            forecast, upside, actual = totals[row.month]
            totals[row.month] = (forecast + row.forecast, upside + row.upside, actual + row.actual)
        return totals

    def by_pm(self) -> list[Group]:
        return _grouped(self.scored, lambda row: row.pm_id)

    def by_type(self) -> list[Group]:
        return _grouped(self.scored, lambda row: row.type)

    def hard(self) -> Assumption:
        return Assumption(
            sum((r.hard_hours for r in self.rows), ZERO),
            sum((min(r.actual_hours, r.hard_hours) for r in self.rows), ZERO),
        )

    def soft(self) -> Assumption:
        beyond = (min(max(r.actual_hours - r.hard_hours, ZERO), r.soft_hours) for r in self.rows)
        return Assumption(sum((r.soft_hours for r in self.rows), ZERO), sum(beyond, ZERO))


def _grouped(rows: Iterable[ProjectAccuracy], key) -> list[Group]:
    groups: dict[object, Group] = {}
    for row in rows:
        group = groups.setdefault(key(row), Group(key(row)))
        group.forecast += row.forecast
        group.actual += row.actual
        group.projects += 1
        group.met += row.met
    return sorted(groups.values(), key=lambda g: (-badness(g.variance), str(g.key)))


def why_not_scored(project: Project, project_type: str, forecast_on: dt.date | None) -> str:
    """Why a project's forecast is not scored ("" when it is)."""
    if forecast_on is None:
        return "no forecast snapshot in the month"
    if project_type not in FROM_TRANSITION:
        return ""
    if project.transition_date is None:
        return "no EM>PS transition date recorded"
    if project.transition_date > forecast_on:
        return f"forecast before the EM>PS transition ({project.transition_date:%b %-d})"
    return ""


def chosen_days(days: Sequence[dt.date], month: Month) -> tuple[dt.date | None, dt.date | None]:
    """The month's first snapshot (its first Monday's) and its latest before month end."""
    inside = [day for day in days if month.first_day <= day <= month.last_day]
    earlier = [day for day in days if day <= month.last_day]
    return (inside[0] if inside else None), (earlier[-1] if earlier else None)


def load_accuracy(
    session: Session,
    months: Sequence[Month],
    today: dt.date,
    calendar: BusinessCalendar,
    *,
    project_id: int | None = None,
    pm_id: int | None = None,
) -> AccuracyReport:
    """Accuracy for closed `months`, in a fixed number of statements whatever the size.

    `project_id` keeps one project; `pm_id` the projects whose forecast that PM owned.
    """
    first, last = months[0].first_day, months[-1].last_day
    days = snapshot_days(session, first - dt.timedelta(days=366), last)
    chosen = {month: chosen_days(days, month) for month in months}
    wanted = [
        sa.and_(ForecastSnapshot.taken_on == day, ForecastSnapshot.month == month.first_day)
        for month, pair in chosen.items()
        for day in set(pair)
        if day is not None
    ]
    snapshots: dict[tuple[dt.date, int, Month], SnapshotRow] = {}
    if wanted:
        # Columns, not ORM objects: a quarter reads thousands of rows.
        columns = [getattr(ForecastSnapshot, c) for c in SNAPSHOT_COLUMNS]
        query = sa.select(*columns).where(sa.or_(*wanted))
        if project_id is not None:
            query = query.where(ForecastSnapshot.project_id == project_id)
        for taken_on, *values in session.connection().execute(query):
            row = SnapshotRow(values[0], Month.of(values[1]), *values[2:], milestones=())
            snapshots[taken_on, row.project_id, row.month] = row
    projects_query = sa.select(Project).order_by(Project.sow)
    if project_id is not None:
        projects_query = projects_query.where(Project.id == project_id)
    projects = list(session.scalars(projects_query))
    time = {month: load_time_actuals(session, month) for month in months}
    # Only Fixed Fee projects (then or now) earn by milestone.
    fixed_fee = {row.project_id for row in snapshots.values() if row.type in FIXED_FEE}
    fixed_fee |= {p.id for p in projects if p.type in FIXED_FEE}
    milestones = load_milestone_money(
        session, [p for p in projects if p.id in fixed_fee], today, calendar
    )
    rows = []
    for month in months:
        first_day, latest_day = chosen[month]
        for project in projects:
            made = snapshots.get((first_day, project.id, month)) if first_day else None
            latest = snapshots.get((latest_day, project.id, month)) if latest_day else None
            recorded = latest or made
            kind = recorded.type if recorded else project.type
            owner = (made or latest).pm_id if (made or latest) else project.pm_id
            spent = time[month].get(project.id)
            actual = actual_amount(kind, spent, milestones.get(project.id, ()), month)
            forecast = made.forecast if made else ZERO
            if not forecast and not actual and not (made and made.hard_hours):
                continue
            if pm_id is not None and owner != pm_id:
                continue
            rows.append(
                ProjectAccuracy(
                    project,
                    month,
                    kind,
                    owner,
                    forecast,
                    latest.forecast if latest else ZERO,
                    actual,
                    made.hard_hours if made else ZERO,
                    made.soft_hours if made else ZERO,
                    spent.hours if spent else ZERO,
                    why_not_scored(project, kind, first_day if made else None)
                    or ("" if forecast or actual else "no money forecast or earned"),
                    made.upside if made else ZERO,
                )
            )
    pm_ids = {row.pm_id for row in rows if row.pm_id is not None}
    people = {
        p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(padded(pm_ids))))
    }
    return AccuracyReport(months, rows, chosen, people)


def forecasts_made(
    session: Session, months: Sequence[Month]
) -> dict[Month, tuple[Decimal, Decimal]]:
    """Per month: the forecast and upside of its first snapshot (zeros without one)."""
    if not months:
        return {}
    days = snapshot_days(session, months[0].first_day, months[-1].last_day)
    made = {month: ZERO for month in months}, {month: ZERO for month in months}
    for month in months:
        first_day = chosen_days(days, month)[0]
        if first_day is None:
            continue
        forecast, upside = session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(ForecastSnapshot.forecast), 0),
                sa.func.coalesce(sa.func.sum(ForecastSnapshot.upside), 0),
            ).where(
                ForecastSnapshot.taken_on == first_day, ForecastSnapshot.month == month.first_day
            )
        ).one()
        made[0][month], made[1][month] = Decimal(forecast), Decimal(upside)
    return {month: (made[0][month], made[1][month]) for month in months}
