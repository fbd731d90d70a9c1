"""Load a `Portfolio` for the rules with a fixed number of queries, whatever its size."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.bookings_rules import Portfolio, horizon
from bot.dates import Month
from bot.models import Booking, Milestone, Person, Project

HISTORY_MONTHS = 2
BOOKING_COLUMNS = (
    Booking.project_id,
    Booking.person_id,
    Booking.role,
    Booking.week_start,
    Booking.hours,
    Booking.kind,
    Booking.bill_rate,
)


def rules_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """Bookings the rules need: two months back (kick-off checks) to the end of the horizon."""
    first = Month.of(today).plus(-HISTORY_MONTHS).first_day - dt.timedelta(days=6)
    return first, horizon(today)[-1].last_day


def load_portfolio(
    session: Session,
    today: dt.date,
    *,
    window: tuple[dt.date, dt.date] | None = None,
    project_ids: list[int] | None = None,
    person_id: int | None = None,
) -> Portfolio:
    """Projects (all, or the given ones), their bookings in the window, milestones, people."""
    first, last = window or rules_window(today)
    projects_query = sa.select(Project).order_by(Project.sow)
    # Plain rows, not ORM objects: a portfolio holds tens of thousands of bookings and the
    # rules only read their attributes (the benchmark showed ORM loading dominating).
    bookings_query = sa.select(*BOOKING_COLUMNS).where(Booking.week_start.between(first, last))
    if project_ids is not None:
        projects_query = projects_query.where(Project.id.in_(project_ids))
        bookings_query = bookings_query.where(Booking.project_id.in_(project_ids))
    if person_id is not None:
        bookings_query = bookings_query.where(Booking.person_id == person_id)
    projects = list(session.scalars(projects_query))
    bookings = list(session.execute(bookings_query))
    milestones_query = sa.select(Milestone)
    if project_ids is not None:
        milestones_query = milestones_query.where(Milestone.project_id.in_(project_ids))
    milestones = list(session.scalars(milestones_query))
    person_ids = {b.person_id for b in bookings} | {p.pm_id for p in projects if p.pm_id}
    people = {
        person.id: person
        for person in session.scalars(sa.select(Person).where(Person.id.in_(person_ids)))
    }
    return Portfolio(today, projects, people, bookings, milestones)


def restrict(portfolio: Portfolio, window: tuple[dt.date, dt.date]) -> Portfolio:
    """The same portfolio with only the bookings whose week starts inside `window`."""
    first, last = window
    bookings = [b for b in portfolio.bookings if first <= b.week_start <= last]
    return Portfolio(
        portfolio.today, portfolio.projects, portfolio.people, bookings, portfolio.milestones
    )
