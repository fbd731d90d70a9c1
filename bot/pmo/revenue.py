"""Revenue by project type (SPEC §4), as the handbook recognises it.

- T&M, Consulting Block, Dedicated Engineer: forecast = hard hours × bill rate, upside =
  soft hours × bill rate, in the month the hours fall (a week spanning two months split
  by working days); actual = approved hours × bill rate in the month worked. An hour
  logged without a rate (a CSV row) takes the rate of that person's booking on the
  project that week (hard first); with none, it is counted apart as unpriced.
- Fixed Fee: each milestone's amount, in the month it is accepted. Forecast in the month
  of its due date, or of its passive-acceptance date once the sign-off request is sent
  (`bot.pmo.closure` counts Day 1 = the send day, business days, the SOW's term); a
  milestone not yet accepted whose day has passed can only be accepted from today on.
  Actual in the month sign-off was received or passive acceptance reached. Hours drive
  the bookings rules, not the money; a milestone without an amount is named, not priced.
- A closed month is measured under the type the project had then: the one its latest
  snapshot of that month recorded (a project that changed type, by change order, keeps
  its past months' revenue as it was earned).

Money is exact: Decimal, from integer sums in SQL (hours and rates as whole hundredths,
as `bot.pmo.bookings_rules` does), never floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, monday_of
from bot.pmo.bookings_rules import HUNDREDTHS, ZERO, Amounts, MonthSums, Portfolio
from bot.pmo.closure import FIXED_FEE, MilestoneAcceptance, milestone_acceptances
from bot.pmo.week_sums import WeekSums
from bot.store.models import Booking, ForecastSnapshot, Project, TimeEntry

MONEY_UNITS = HUNDREDTHS * HUNDREDTHS  # hours in hundredths × rates in cents


@dataclass(frozen=True, slots=True)
class MilestoneMoney:
    """A Fixed Fee milestone as revenue: its amount and the day it is (or is expected to
    be) accepted."""

    project_id: int
    name: str
    amount: Decimal | None
    on: dt.date | None  # None: no due date, not requested
    accepted: bool

    @property
    def month(self) -> Month | None:
        return Month.of(self.on) if self.on else None

    def as_json(self) -> dict[str, str | None]:
        """What a snapshot keeps of it."""
        amount = None if self.amount is None else str(self.amount)
        return {"name": self.name, "on": self.on.isoformat() if self.on else None, "amount": amount}


def milestone_money(
    project_id: int, acceptance: MilestoneAcceptance, today: dt.date
) -> MilestoneMoney:
    """When a milestone's amount is recognised: sign-off received, passive acceptance
    reached (or, while the term runs, the day it will be), else its due date — and never
    before `today` for one not yet accepted."""
    if acceptance.received is not None:
        on, accepted = acceptance.received, True
    elif acceptance.passive is not None and acceptance.passive.reached_on is not None:
        on, accepted = acceptance.passive.reached_on, acceptance.passive.reached
    else:
        on, accepted = acceptance.due_date, False
    if not accepted and on is not None and on < today:
        on = today
    return MilestoneMoney(project_id, acceptance.name, acceptance.amount, on, accepted)


@dataclass(frozen=True, slots=True)
class TimeActual:
    """One project's approved hours in one month and what they earn."""

    hours: Decimal = ZERO
    money: Decimal = ZERO
    unpriced_hours: Decimal = ZERO  # approved hours with no rate anywhere


@dataclass(slots=True)
class ProjectMonth:
    """One project's figures for one month: the forecast, and for a closed month what
    was earned."""

    amounts: Amounts = field(default_factory=Amounts)
    milestones: list[MilestoneMoney] = field(default_factory=list)
    actual: Decimal = ZERO
    actual_hours: Decimal = ZERO
    unpriced_actual_hours: Decimal = ZERO


def forecast_amounts(
    project_type: str, sums: MonthSums | None, milestones: Iterable[MilestoneMoney], month: Month
) -> tuple[Amounts, list[MilestoneMoney]]:
    """A project's forecast for a month by its type, and (Fixed Fee) the milestones in it."""
    booked = Amounts.of_month(sums)
    if project_type not in FIXED_FEE:
        return booked, []
    due = [m for m in milestones if m.month == month]
    money = sum((m.amount for m in due if m.amount is not None), ZERO)
    return Amounts(hard_hours=booked.hard_hours, soft_hours=booked.soft_hours, forecast=money), due


def actual_amount(
    project_type: str, time: TimeActual | None, milestones: Iterable[MilestoneMoney], month: Month
) -> Decimal:
    """What a project earned in a closed month, by its type."""
    if project_type in FIXED_FEE:
        accepted = (m.amount for m in milestones if m.accepted and m.month == month)
        return sum((amount for amount in accepted if amount is not None), ZERO)
    return time.money if time else ZERO


def without_amounts(milestones: Iterable[MilestoneMoney]) -> list[MilestoneMoney]:
    return [m for m in milestones if m.amount is None]


# --- loading -------------------------------------------------------------------------------


def load_milestone_money(
    session: Session,
    projects: Sequence[Project],
    today: dt.date,
    calendar: BusinessCalendar,
) -> dict[int, list[MilestoneMoney]]:
    """Every Fixed Fee project's milestones as revenue (two queries, whatever the count).

    Projects of every type are asked for, since a closed month may have been Fixed Fee."""
    acceptances = milestone_acceptances(session, projects, today, calendar)
    return {
        project_id: [milestone_money(project_id, a, today) for a in listed]
        for project_id, listed in acceptances.items()
    }


def _hundredths(column: sa.ColumnElement) -> sa.ColumnElement[int]:
    return sa.cast(sa.func.round(column * HUNDREDTHS), sa.BigInteger)


def load_time_actuals(
    session: Session, month: Month, project_ids: Collection[int] | None = None
) -> dict[int, TimeActual]:
    """Approved hours per project (only `project_ids`' when given) in `month` and their
    money, in one statement.

    Entries are summed per person and week first; an entry without a rate takes the week's
    booking rate of that person on the project (hard first).
    """
    first, last = month.first_day, month.last_day
    hours_c = _hundredths(TimeEntry.hours)
    rate_c = _hundredths(TimeEntry.bill_rate)
    entries = (
        sa.select(
            TimeEntry.project_id,
            TimeEntry.person_id,
            TimeEntry.week_start,
            sa.func.sum(hours_c).label("hours"),
            sa.func.sum(hours_c * rate_c).label("priced"),
            sa.func.sum(sa.case((TimeEntry.bill_rate.is_(None), hours_c), else_=0)).label("open"),
        )
        .where(
            TimeEntry.approved.is_(True),
            TimeEntry.day.between(first, last),
            *_only(TimeEntry.project_id, project_ids),
        )
        .group_by(TimeEntry.project_id, TimeEntry.person_id, TimeEntry.week_start)
        .subquery()
    )
    booked_c = _hundredths(Booking.bill_rate)
    rates = (
        sa.select(
            Booking.project_id,
            Booking.person_id,
            Booking.week_start,
            sa.func.coalesce(
                sa.func.max(sa.case((Booking.kind == "hard", booked_c))), sa.func.max(booked_c)
            ).label("rate"),
        )
        .where(
            Booking.week_start.between(monday_of(first), last),
            *_only(Booking.project_id, project_ids),
        )
        .group_by(Booking.project_id, Booking.person_id, Booking.week_start)
        .subquery()
    )
    same_slot = sa.and_(
        rates.c.project_id == entries.c.project_id,
        rates.c.person_id == entries.c.person_id,
        rates.c.week_start == entries.c.week_start,
    )
    statement = (
        sa.select(
            entries.c.project_id,
            sa.func.sum(entries.c.hours),
            sa.func.sum(sa.func.coalesce(entries.c.priced, 0))
            + sa.func.sum(sa.func.coalesce(entries.c.open * rates.c.rate, 0)),
            sa.func.sum(sa.case((rates.c.rate.is_(None), entries.c.open), else_=0)),
        )
        .select_from(entries)
        .outerjoin(rates, same_slot)
        .group_by(entries.c.project_id)
    )
    return {
        project_id: TimeActual(
            Decimal(int(hours or 0)) / HUNDREDTHS,
            Decimal(int(money or 0)) / MONEY_UNITS,
            Decimal(int(unpriced or 0)) / HUNDREDTHS,
        )
        for project_id, hours, money, unpriced in session.connection().execute(statement)
    }


@dataclass(frozen=True)
class Recorded:
    """What a snapshot recorded of a project in a month: its type and PM then."""

    type: str
    pm_id: int | None


def _only(column: sa.ColumnElement[int], ids: Collection[int] | None) -> list[sa.ColumnElement]:
    """The condition that `column` is one of `ids`; none when None (every project)."""
    return [] if ids is None else [column.in_(sorted(ids))]


def recorded_in(
    session: Session, months: Sequence[Month], project_ids: Collection[int] | None = None
) -> dict[tuple[int, Month], Recorded]:
    """Per (project, month) (only `project_ids`' when given): the type and PM of the latest
    snapshot taken by that month's end, in one statement."""
    if not months:
        return {}
    firsts = [m.first_day for m in months]
    rows = session.execute(
        sa.select(
            ForecastSnapshot.project_id,
            ForecastSnapshot.month,
            ForecastSnapshot.taken_on,
            ForecastSnapshot.type,
            ForecastSnapshot.pm_id,
        )
        .where(
            ForecastSnapshot.month.in_(firsts),
            ForecastSnapshot.taken_on <= max(m.last_day for m in months),
            *_only(ForecastSnapshot.project_id, project_ids),
        )
        .order_by(ForecastSnapshot.taken_on)
    )
    recorded: dict[tuple[int, Month], Recorded] = {}
    for project_id, first_day, taken_on, project_type, pm_id in rows:
        month = Month.of(first_day)
        if taken_on <= month.last_day:
            recorded[project_id, month] = Recorded(project_type, pm_id)
    return recorded


# --- a portfolio's months --------------------------------------------------------------------


@dataclass(frozen=True)
class Revenue:
    """Each project's figures for the months asked for; closed months carry actuals.

    Nothing is kept per project and month: a figure is made when read, from the
    portfolio's weekly sums (`sums`, shared with it, not copied) and what only revenue
    loads (milestones, approved time, the types and PMs snapshots recorded). A kept
    quarter at 10,000 projects would otherwise hold tens of thousands of figures of
    Decimals that the portfolio already has as integers.
    """

    today: dt.date
    months: Sequence[Month]
    projects: Sequence[Project]
    sums: Mapping[int, WeekSums]
    milestones: Mapping[int, list[MilestoneMoney]]
    time: Mapping[Month, Mapping[int, TimeActual]]  # closed months' approved time
    types: Mapping[tuple[int, Month], str]
    pm_ids: Mapping[tuple[int, Month], int | None]

    def closed(self, month: Month) -> bool:
        return month < Month.of(self.today)

    def type_of(self, project: Project, month: Month) -> str:
        return self.types.get((project.id, month), project.type)

    def pm_of(self, project: Project, month: Month) -> int | None:
        return self.pm_ids.get((project.id, month), project.pm_id)

    def figure(self, project: Project, month: Month) -> ProjectMonth:
        """`project`'s figures for `month`: its forecast by its type (in a closed month,
        the type recorded then), and in a closed month what it earned."""
        return dict(self.figures(project, [month]))[month]

    def figures(
        self, project: Project, months: Sequence[Month] | None = None
    ) -> Iterator[tuple[Month, ProjectMonth]]:
        """`figure` for each of `months` (by default the revenue's), in order: what is
        looked up per project, once."""
        listed = self.milestones.get(project.id, [])
        weeks = self.sums.get(project.id)
        for month in self.months if months is None else months:
            closed = self.closed(month)
            kind = self.type_of(project, month) if closed else project.type
            sums = None if weeks is None else weeks.month(month)
            figure = ProjectMonth(*forecast_amounts(kind, sums, listed, month))
            if closed:
                spent = self.time.get(month, {}).get(project.id)
                figure.actual = actual_amount(kind, spent, listed, month)
                if spent is not None:
                    figure.actual_hours = spent.hours
                    if kind not in FIXED_FEE:
                        figure.unpriced_actual_hours = spent.unpriced_hours
            yield month, figure

    def missing_amounts(self) -> list[tuple[Project, list[MilestoneMoney]]]:
        """Fixed Fee projects with a milestone in these months (or none at all) that has
        no amount: their forecast leaves it out."""
        flagged = []
        for project in self.projects:
            if project.type not in FIXED_FEE or project.status == "completed":
                continue
            listed = self.milestones.get(project.id, [])
            in_months = [m for m in listed if m.month in self.months or m.on is None]
            missing = without_amounts(in_months)
            if missing or not any(m.amount is not None for m in listed):
                flagged.append((project, missing))
        return flagged

    def updated(self, changed: Revenue, project_ids: Collection[int]) -> Revenue:
        """This revenue with what is loaded of `project_ids` (and the projects and sums)
        taken from `changed`, which holds theirs as they are now. A new revenue: this one,
        which others may be reading, is not changed."""

        def by_project(mine: Mapping[int, Any], theirs: Mapping[int, Any]) -> dict[int, Any]:
            return {k: v for k, v in mine.items() if k not in project_ids} | dict(theirs)

        def by_month(mine: Mapping[tuple[int, Month], Any], theirs: Mapping) -> dict:
            return {k: v for k, v in mine.items() if k[0] not in project_ids} | dict(theirs)

        return Revenue(
            self.today,
            self.months,
            changed.projects,
            changed.sums,
            by_project(self.milestones, changed.milestones),
            {m: by_project(spent, changed.time.get(m, {})) for m, spent in self.time.items()},
            by_month(self.types, changed.types),
            by_month(self.pm_ids, changed.pm_ids),
        )


def load_revenue(
    session: Session,
    portfolio: Portfolio,
    months: Sequence[Month],
    calendar: BusinessCalendar,
    projects: Sequence[Project] | None = None,
) -> Revenue:
    """The revenue of a loaded portfolio (what only revenue has loaded for `projects`
    alone when given): a fixed number of statements (two for the milestones, one per
    closed month for actuals, one for the recorded types)."""
    today = portfolio.today
    closed = [m for m in months if m < Month.of(today)]
    ids = None if projects is None else {project.id for project in projects}
    milestones = load_milestone_money(
        session, portfolio.projects if projects is None else projects, today, calendar
    )
    time = {month: load_time_actuals(session, month, ids) for month in closed}
    recorded = recorded_in(session, closed, ids)
    return Revenue(
        today,
        months,
        portfolio.projects,
        portfolio.ledger.project_weeks,
        milestones,
        time,
        {key: r.type for key, r in recorded.items()},
        {key: r.pm_id for key, r in recorded.items()},
    )
