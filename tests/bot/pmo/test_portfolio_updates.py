"""The kept portfolio brought up to date project by project (issue 24): after writes that
say which projects they change (as a Kantata sync does), the portfolio's sums, findings and
the quarter's figures are exactly what computing the whole portfolio again gives, and the
whole portfolio is not loaded again.

Random writes (hypothesis) on a small portfolio: hours changed, bookings added, moved and
removed, projects changed and added, milestones dated and accepted, hours logged.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.business_days import calendar_of
from bot.core.dates import Quarter
from bot.core.shared_results import SharedResults
from bot.pmo import portfolio_cache
from bot.store import data_versions
from bot.store.models import Booking, Milestone, Person, Project, TimeEntry

TODAY = dt.date(2026, 11, 24)
QUARTER = Quarter.of(TODAY)
MONDAY = dt.date(2026, 11, 23)
_sows = itertools.count(100)


@pytest.fixture
def world(ctx, portfolio):
    """The shared portfolio, with more people, projects and bookings to change."""
    portfolio.ann = portfolio.person("Ann Lead")
    portfolio.bob = portfolio.person("Bob Builder", capacity=32)
    portfolio.book(portfolio.migration, portfolio.ann, MONDAY, 6, hours=20, rate=150)
    portfolio.book(portfolio.globex, portfolio.bob, MONDAY, 4, hours=30, role="TA")
    portfolio.book(portfolio.globex, portfolio.pat, MONDAY, 2, hours=10, kind="soft")
    portfolio.milestone(portfolio.globex, "Design", dt.date(2026, 12, 10))
    portfolio.log(portfolio.rollout, portfolio.pat, dt.date(2026, 10, 12), 8, rate=200)
    return portfolio


def ids(session, model) -> list[int]:
    return list(session.scalars(sa.select(model.id).order_by(model.id)))


# Each write: (what, three numbers picking its rows and values); returns the projects it changed.
def write(session, what: str, a: int, b: int, c: int) -> set[int]:
    projects, people = ids(session, Project), ids(session, Person)
    bookings = session.scalars(sa.select(Booking).order_by(Booking.id)).all()
    project_id, person_id = projects[a % len(projects)], people[b % len(people)]
    if what == "hours" and bookings:
        booking = bookings[a % len(bookings)]
        booking.hours = Decimal((0, 8, 12.5, 40)[c % 4])
        return {booking.project_id}
    if what == "book":
        week = MONDAY + dt.timedelta(weeks=c % 24 - 10)
        slot = dict(project_id=project_id, person_id=person_id, role=("PM", "PSE", "TA")[c % 3])
        slot.update(week_start=week, kind=("hard", "soft")[c % 2])
        if session.scalar(sa.select(Booking.id).filter_by(**slot)) is None:
            rate = (None, Decimal(100), Decimal(250))[c % 3]
            session.add(Booking(**slot, hours=Decimal(8 + c % 33), bill_rate=rate))
        return {project_id}
    if what == "rate" and bookings:  # a rate given or taken away: priced or not
        booking = bookings[a % len(bookings)]
        booking.bill_rate = (None, Decimal(120))[c % 2]
        return {booking.project_id}
    if what == "unbook" and bookings:
        booking = bookings[a % len(bookings)]
        session.delete(booking)
        return {booking.project_id}
    if what == "move" and bookings:
        booking = bookings[a % len(bookings)]
        was = booking.project_id
        slot = dict(person_id=booking.person_id, role=booking.role, kind=booking.kind)
        slot.update(week_start=booking.week_start, project_id=project_id)
        if session.scalar(sa.select(Booking.id).filter_by(**slot)) is None:
            booking.project_id = project_id
        return {was, project_id}
    if what == "project":
        project = session.get(Project, project_id)
        field = c % 5
        if field == 0:
            project.status = ("active", "closing", "completed")[b % 3]
        elif field == 1:
            project.type = ("T&M", "FF", "Consulting Block", "Dedicated Engineer")[b % 4]
        elif field == 2:
            project.kickoff_date = None if b % 4 == 0 else MONDAY + dt.timedelta(days=b % 90 - 60)
        elif field == 3:
            project.end_date = None if b % 3 == 0 else MONDAY + dt.timedelta(days=b % 120 - 20)
        else:
            project.pm_id = person_id
        return {project_id}
    if what == "new-project":
        project = Project(sow=f"SOW-{next(_sows)}", customer="Initech", name="New", type="FF")
        project.kickoff_date, project.pm_id = MONDAY - dt.timedelta(days=c % 30), person_id
        session.add(project)
        session.flush()
        return {project.id}
    if what == "milestone":
        due = None if c % 4 == 0 else MONDAY + dt.timedelta(days=c % 70 - 20)
        amount = None if c % 5 == 0 else Decimal(1000 * (1 + c % 7))
        name = f"M{next(_sows)}"
        session.add(Milestone(project_id=project_id, name=name, due_date=due, amount=amount))
        return {project_id}
    if what == "accept":
        milestone = session.scalars(sa.select(Milestone).order_by(Milestone.id)).first()
        if milestone is None:
            return set()
        milestone.signoff_received = MONDAY - dt.timedelta(days=c % 40)
        return {milestone.project_id}
    if what == "log":
        day = dt.date(2026, 10, 1) + dt.timedelta(days=c % 50)
        session.add(
            TimeEntry(
                project_id=project_id,
                person_id=person_id,
                day=day,
                week_start=day - dt.timedelta(days=day.weekday()),
                hours=Decimal(1 + c % 9),
                approved=c % 3 != 0,
                bill_rate=None if c % 2 else Decimal(180),
            )
        )
        return {project_id}
    return set()


WRITE_KINDS = [
    "hours",
    "rate",
    "book",
    "unbook",
    "move",
    "project",
    "new-project",
    "milestone",
    "accept",
    "log",
]
WRITES = st.tuples(
    st.sampled_from(WRITE_KINDS),
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 200),
)


def figures(ctx, results: SharedResults):
    calendar = calendar_of(ctx.settings)
    with ctx.session_factory() as session:
        checked = portfolio_cache.checked_portfolio(results, session, TODAY, calendar)
        quarter = portfolio_cache.quarter_figures(results, session, TODAY, QUARTER, calendar)
    return checked, quarter


def plain(checked, quarter) -> dict:
    """What the answers are made of, with projects and people as their ids."""
    ledger, portfolio = checked.portfolio.ledger, checked.portfolio
    summary, revenue = quarter.summary, quarter.revenue
    return {
        "findings": checked.findings,
        "forecast findings": quarter.findings,
        "projects": [p.id for p in portfolio.projects],
        "sums": (ledger.project_weeks, ledger.roles, ledger.hard_role_months, ledger.staff),
        "loads": (ledger.person_weeks, ledger.top_rates),
        "milestones": {p.id: portfolio.milestones_of(p.id) for p in portfolio.projects},
        "people": {i: portfolio.people[i].id for i in portfolio.booked_person_ids()},
        "by month": summary.by_month,
        "by pm": [(pm and pm.id, amounts) for pm, amounts in summary.by_pm],
        "unpriced": [p.id for p in summary.unpriced],
        "actuals": summary.actuals,
        "missing": [(p.id, listed) for p, listed in summary.missing_amounts],
        "figures": {
            (p.id, m): revenue.figure(p, m) for p in revenue.projects for m in revenue.months
        },
        "revenue": (revenue.time, revenue.types, revenue.pm_ids, revenue.milestones),
        "revenue projects": [p.id for p in revenue.projects],
    }


def count_whole_loads(monkeypatch) -> list[int]:
    """A list that gets an item each time the whole portfolio is loaded."""
    loads: list[int] = []
    load = portfolio_cache.load_portfolio
    monkeypatch.setattr(
        portfolio_cache, "load_portfolio", lambda *a, **k: loads.append(1) or load(*a, **k)
    )
    return loads


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(transactions=st.lists(st.lists(WRITES, min_size=1, max_size=3), min_size=1, max_size=3))
def test_the_kept_portfolio_brought_up_to_date_is_the_whole_computed_again(
    ctx, world, monkeypatch, transactions
):
    results = SharedResults()
    figures(ctx, results)  # kept, at this version
    loads = count_whole_loads(monkeypatch)
    for writes in transactions:
        with ctx.session_factory.begin() as session:
            changed = set()
            for what, a, b, c in writes:
                changed |= write(session, what, a, b, c)
                session.flush()
            data_versions.touching_projects(session, changed)
        updated = figures(ctx, results)  # each version's from the one before
    assert loads == []  # brought up to date, not computed whole
    monkeypatch.undo()
    assert plain(*updated) == plain(*figures(ctx, SharedResults()))


def test_a_write_that_names_no_projects_computes_the_whole_again(ctx, world, monkeypatch):
    results = SharedResults()
    figures(ctx, results)
    loads = count_whole_loads(monkeypatch)
    world.book(world.rollout, world.ann, MONDAY, 1)  # as an import or a Slack write does
    updated = figures(ctx, results)
    assert loads == [1]
    monkeypatch.undo()
    assert plain(*updated) == plain(*figures(ctx, SharedResults()))


def test_more_changed_projects_than_worth_it_computes_the_whole_again(ctx, world, monkeypatch):
    monkeypatch.setattr(portfolio_cache, "MOST_CHANGED", 1)
    results = SharedResults()
    figures(ctx, results)
    with ctx.session_factory.begin() as session:
        session.execute(sa.update(Booking).values(hours=Booking.hours + 1))
        data_versions.touching_projects(session, ids(session, Project))
    loads = count_whole_loads(monkeypatch)
    figures(ctx, results)
    assert loads == [1]
