"""Load a `Portfolio` for the rules with a fixed number of queries, whatever its size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, Quarter, monday_of
from bot.pmo.bookings_rules import (
    HUNDREDTHS,
    BookingRow,
    Capacity,
    Finding,
    Ledger,
    MilestoneDate,
    Portfolio,
    check_portfolio,
    horizon,
)
from bot.store.in_lists import chunks, padded
from bot.store.models import Booking, Milestone, Person, Project, TimeOff
from bot.store.records import select_records

HISTORY_MONTHS = 2
BATCH = 1000
CAPACITY_WEEKS = 8  # the most any view shows (`/ps bookings @person`)
PERSON_ID = BookingRow._fields.index("person_id")


def _as_hundredths(column: sa.ColumnElement) -> sa.ColumnElement[int]:
    """A two-decimal column as whole hundredths: the integers the rules sum (no Decimal)."""
    return sa.cast(sa.func.round(column * HUNDREDTHS), sa.BigInteger)


# In `BookingRow`'s order.
BOOKING_COLUMNS = (
    Booking.project_id,
    Booking.person_id,
    Booking.role,
    Booking.week_start,
    Booking.kind,
    _as_hundredths(Booking.hours),
    _as_hundredths(Booking.bill_rate),  # NULL stays None: no rate is not a rate of 0
)


def rules_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """Bookings the rules need: two months back (kick-off checks) to the end of the horizon."""
    first = Month.of(today).plus(-HISTORY_MONTHS).first_day - dt.timedelta(days=6)
    return first, horizon(today)[-1].last_day


def quarter_window(quarter: Quarter) -> tuple[dt.date, dt.date]:
    """Every booking week with working days in the quarter."""
    return monday_of(quarter.months[0].first_day), quarter.months[-1].last_day


def forecast_window(today: dt.date, quarter: Quarter) -> tuple[dt.date, dt.date]:
    """One load for `/ps forecast`: the quarter's weeks and the rules', whichever is wider.

    The quarter's months only sum weeks inside `quarter_window`, so a wider load gives the
    same totals; the rules look at every booking, so they need `restrict` to their window.
    """
    quarter_first, quarter_last = quarter_window(quarter)
    rules_first, rules_last = rules_window(today)
    return min(quarter_first, rules_first), max(quarter_last, rules_last)


def load_portfolio(
    session: Session,
    today: dt.date,
    *,
    window: tuple[dt.date, dt.date] | None = None,
    project_ids: list[int] | None = None,
    person_id: int | None = None,
    keep_bookings: bool = True,
    calendar: BusinessCalendar | None = None,
    with_people: bool = True,
) -> Portfolio:
    """Projects (all, the given ones, or those `person_id` is booked on in the window),
    their bookings in the window (only `person_id`'s when given), milestones, people,
    and their capacity in the coming weeks: holidays from `calendar`, time off, and the
    bench (every active PS person, booked or not) of the whole portfolio, or `person_id`
    when on it (so that their under-allocation is the whole portfolio's). Projects and
    people are read-only records (`bot.store.records`), not ORM instances.

    `keep_bookings=False` sums the bookings as they arrive and keeps only the sums: the
    rules and totals work the same, but `bookings` and a narrower `restrict` do not, and a
    portfolio-wide load needs half the memory (its tens of thousands of rows are not kept).

    `with_people=False` leaves the people and their capacity out: enough for the project
    rules (`check_projects`), not for anyone's under-allocation or names.
    """
    first, last = window or rules_window(today)
    projects_query = sa.select(Project).order_by(Project.sow)
    # Plain tuples through Core, not ORM objects or rows: a portfolio holds tens of thousands
    # of bookings and the rules only sum them (the benchmark showed ORM loading, Decimal
    # arithmetic and the garbage collector dominating; see `bot.pmo.bookings_rules`).
    bookings_query = sa.select(*BOOKING_COLUMNS).where(Booking.week_start.between(first, last))
    if project_ids is not None:
        listed = padded(project_ids)
        projects_query = projects_query.where(Project.id.in_(listed))
        bookings_query = bookings_query.where(Booking.project_id.in_(listed))
    if person_id is not None:
        bookings_query = bookings_query.where(Booking.person_id == person_id)
    if person_id is not None:
        # One person's bookings: only the projects they are booked on.
        booked_on = bookings_query.with_only_columns(Booking.project_id).distinct()
        projects_query = projects_query.where(Project.id.in_(booked_on))
    projects = select_records(session, projects_query)
    # Streamed, BATCH rows at a time (PostgreSQL: a server-side cursor, so the driver never
    # holds the whole result), and few SQLAlchemy rows (which the collector tracks) live
    # at once. Read to the end before the next query on this connection.
    result = session.connection().execute(bookings_query.execution_options(yield_per=BATCH))
    rows = (row for batch in result.partitions() for row in batch)
    if keep_bookings:
        bookings = [tuple(row) for row in rows]
        booked = {booking[PERSON_ID] for booking in bookings}
    else:
        ledger = Ledger.of(rows, (first, last))
        booked = set(ledger.person_weeks)
    scoped = project_ids is not None or person_id is not None
    milestones = _milestones(session, [project.id for project in projects] if scoped else None)
    bench_query = sa.select(Person.id).where(on_the_bench())
    if person_id is not None:
        bench_query = bench_query.where(Person.id == person_id)
    whole = project_ids is None and person_id is None
    bench = set(session.scalars(bench_query)) if whole or person_id is not None else set()
    person_ids = booked | bench | {p.pm_id for p in projects if p.pm_id} if with_people else set()
    people = {
        person.id: person
        for chunk in chunks(sorted(person_ids))
        for person in select_records(session, sa.select(Person).where(Person.id.in_(chunk)))
    }
    capacity = (
        _capacity(session, today, calendar, booked | bench, bench) if with_people else Capacity()
    )
    if keep_bookings:
        return Portfolio(
            today, projects, people, bookings, milestones, window=(first, last), capacity=capacity
        )
    return Portfolio.of_sums(
        today, projects, people, ledger, milestones, window=(first, last), capacity=capacity
    )


def _milestones(session: Session, project_ids: list[int] | None) -> list[MilestoneDate]:
    """The milestones of these projects (None: of all), in the order they were made."""
    query = sa.select(
        Milestone.project_id, Milestone.due_date, Milestone.name, Milestone.signoff_received
    ).order_by(Milestone.id)
    if project_ids is None:
        return list(map(MilestoneDate._make, session.connection().execute(query)))
    found = []
    for chunk in chunks(project_ids):
        rows = session.connection().execute(query.where(Milestone.project_id.in_(chunk)))
        found.extend(map(MilestoneDate._make, rows))
    return sorted(found, key=lambda m: m.project_id)  # each project's in their own order


def reload_projects(
    session: Session, portfolio: Portfolio, project_ids: frozenset[int], calendar: BusinessCalendar
) -> Portfolio:
    """A whole portfolio of sums (`load_portfolio(…, keep_bookings=False)`) with the
    projects `project_ids` loaded again, as they are now: those that changed since it was
    loaded. Reads only their bookings, and those of the people booked on them before or
    now (whose weekly loads are portfolio-wide), not the whole portfolio's."""
    first, last = portfolio.window or rules_window(portfolio.today)
    in_window = Booking.week_start.between(first, last)
    ids = sorted(project_ids)
    projects: list[Project] = []
    rows: list[tuple] = []
    for chunk in chunks(ids):
        projects.extend(select_records(session, sa.select(Project).where(Project.id.in_(chunk))))
        query = sa.select(*BOOKING_COLUMNS).where(Booking.project_id.in_(chunk), in_window)
        rows.extend(session.connection().execute(query))
    changed = Ledger.of(rows, (first, last))
    staff = portfolio.ledger.staff_of(project_ids) | changed.staff_of(project_ids)
    person_rows: list[tuple] = []
    for chunk in chunks(sorted(staff)):
        query = sa.select(*BOOKING_COLUMNS).where(Booking.person_id.in_(chunk), in_window)
        person_rows.extend(session.connection().execute(query))
    ledger = portfolio.ledger.replacing(
        project_ids, changed, staff, Ledger.of(person_rows, (first, last))
    )
    # The whole portfolio's order, as `load_portfolio` reads it (the database's collation).
    by_id = {p.id: p for p in portfolio.projects if p.id not in project_ids}
    by_id.update({p.id: p for p in projects})
    order = session.scalars(sa.select(Project.id).order_by(Project.sow))
    ordered = [by_id[project_id] for project_id in order if project_id in by_id]
    people = dict(portfolio.people)
    wanted = (set(ledger.person_weeks) | {p.pm_id for p in projects if p.pm_id}) - set(people)
    for chunk in chunks(sorted(wanted)):
        found = select_records(session, sa.select(Person).where(Person.id.in_(chunk)))
        people.update({p.id: p for p in found})
    capacity = portfolio.capacity
    bench = set(capacity.bench)
    newly = set(ledger.person_weeks) - set(portfolio.ledger.person_weeks) - bench
    if newly:
        found = _capacity(session, portfolio.today, calendar, newly, bench)
        capacity = Capacity(
            capacity.holidays, {**capacity.time_off, **found.time_off}, capacity.bench
        )
    return portfolio.updated(
        project_ids, ordered, _milestones(session, ids), ledger, people, capacity
    )


def on_the_bench() -> sa.ColumnElement[bool]:
    """Active people with a PS role: whom under-allocation covers, booked or not."""
    return sa.and_(Person.role.is_not(None), Person.active.is_(True))


def _capacity(
    session: Session,
    today: dt.date,
    calendar: BusinessCalendar | None,
    person_ids: set[int],
    bench: set[int],
) -> Capacity:
    """Holidays and time off in the weeks a capacity is shown for (from this Monday)."""
    first = monday_of(today)
    last = first + dt.timedelta(weeks=CAPACITY_WEEKS) - dt.timedelta(days=1)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    holidays = frozenset(d for d in days if calendar is not None and calendar.is_holiday(d))
    time_off: dict[int, dict[dt.date, Decimal]] = {}
    for chunk in chunks(sorted(person_ids)):
        rows = session.execute(
            sa.select(TimeOff.person_id, TimeOff.day, TimeOff.hours).where(
                TimeOff.person_id.in_(chunk), TimeOff.day.between(first, last)
            )
        )
        for person_id, day, hours in rows:
            time_off.setdefault(person_id, {})[day] = hours
    return Capacity(holidays, time_off, tuple(sorted(bench)))


def restrict(portfolio: Portfolio, window: tuple[dt.date, dt.date]) -> Portfolio:
    """The same portfolio with only the bookings whose week starts inside `window`."""
    return portfolio.within(*window)


def findings_by_pm(
    session: Session, today: dt.date, pm_id: int | None = None
) -> tuple[dict[int, list[Finding]], list[Person]]:
    """Each PM's project findings (only `pm_id`'s when given), and those PMs by name.
    Under-allocation is the team's to solve (Monday's post), not one PM's to fix."""
    project_ids = None
    if pm_id is not None:
        project_ids = list(session.scalars(sa.select(Project.id).where(Project.pm_id == pm_id)))
    portfolio = load_portfolio(session, today, project_ids=project_ids, keep_bookings=False)
    pm_of = {project.id: project.pm_id for project in portfolio.projects}
    by_pm: dict[int, list[Finding]] = defaultdict(list)
    for finding in check_portfolio(portfolio):
        owner = pm_of.get(finding.project_id) if finding.project_id is not None else None
        if owner is not None:
            by_pm[owner].append(finding)
    people = sorted(
        (portfolio.people[owner] for owner in by_pm), key=lambda p: (p.label.casefold(), p.id)
    )
    return by_pm, people
