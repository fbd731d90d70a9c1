"""`load_portfolio` on SQLite and PostgreSQL: the database's sums are the rules' sums.

Data: conftest's `portfolio` (Tuesday 24 November 2026), plus bookings with cents and
quarter hours across the November/December boundary.
"""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bot.core.dates import Month, Quarter
from bot.pmo.bookings_rules import Portfolio, check_portfolio
from bot.pmo.forecast import summarise
from bot.pmo.portfolio_loading import (
    BATCH,
    forecast_window,
    load_portfolio,
    quarter_window,
    restrict,
    rules_window,
)
from bot.store.models import Booking, Milestone, Person, Project
from bot.store.records import select_records

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def data(portfolio):
    quarter_hours, cents = Decimal("7.25"), Decimal("187.55")
    tia, pat = portfolio.tia, portfolio.pat
    nov_30, dec_28 = dt.date(2026, 11, 30), dt.date(2026, 12, 28)
    portfolio.book(
        portfolio.migration, tia, nov_30, 3, hours=quarter_hours, rate=cents, kind="soft"
    )
    portfolio.book(portfolio.globex, pat, dec_28, 2, hours=Decimal("0.5"), rate=None)
    portfolio.milestone(portfolio.globex, "M1", dt.date(2027, 3, 1))
    return portfolio


def from_models(session, window) -> Portfolio:
    """The same portfolio built from ORM bookings and milestones, as the rules' unit tests
    build theirs (its projects and people the loader's read-only records, to compare)."""
    first, last = window
    bookings = session.scalars(sa.select(Booking).where(Booking.week_start.between(first, last)))
    return Portfolio(
        TODAY,
        select_records(session, sa.select(Project).order_by(Project.sow)),
        {p.id: p for p in select_records(session, sa.select(Person))},
        list(bookings),
        list(session.scalars(sa.select(Milestone))),
    )


@pytest.mark.parametrize("keep_bookings", [True, False])
def test_loaded_sums_are_the_sums_of_the_models(ctx, data, keep_bookings):
    months = [Month(2026, 11), Month(2026, 12), Month(2027, 1)]
    with ctx.session_factory() as session:
        loaded = load_portfolio(session, TODAY, keep_bookings=keep_bookings)
        models = from_models(session, rules_window(TODAY))
        assert check_portfolio(loaded) == check_portfolio(models)
        assert summarise(loaded, months) == summarise(models, months)
    december = loaded.amounts(data.migration.id, Month(2026, 12))
    assert december.soft_hours == Decimal("7.25") * 4 / 5 + Decimal("7.25") * 2
    assert december.upside == december.soft_hours * Decimal("187.55")
    # Globex's half hours have no bill rate: 4/5 of the week of Dec 28 is in December.
    assert loaded.amounts(data.globex.id, Month(2026, 12)).unpriced_hours == Decimal("0.4")


@pytest.mark.parametrize("keep_bookings", [True, False])
def test_bookings_stream_in_batches_through_a_server_side_cursor(ctx, engine, data, keep_bookings):
    """More bookings than one batch: read BATCH rows at a time, on PostgreSQL through a
    server-side (named) cursor so the driver never holds them all, and summed the same."""
    weeks = [dt.date(2026, 11, 30) + dt.timedelta(weeks=n) for n in range(6)]
    with ctx.session_factory.begin() as session:
        people = [Person(email=f"p{n}@example.com", name=f"P {n}") for n in range(BATCH // 5)]
        session.add_all(people)
        session.flush()
        session.add_all(
            Booking(project_id=data.rollout.id, person_id=person.id, week_start=week, role="PSE",
                    hours=Decimal(8), bill_rate=Decimal(200), kind="hard")
            for person in people for week in weeks
        )  # fmt: skip
    cursors = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM bookings" in statement:
            cursors.append((context.execution_options.get("yield_per"), cursor))

    with ctx.session_factory() as session:
        sa.event.listen(engine, "after_cursor_execute", seen)
        try:
            loaded = load_portfolio(session, TODAY, keep_bookings=keep_bookings)
        finally:
            sa.event.remove(engine, "after_cursor_execute", seen)
        models = from_models(session, rules_window(TODAY))
        assert summarise(loaded, [Month(2026, 12)]) == summarise(models, [Month(2026, 12)])
    ((batch, cursor),) = cursors
    assert batch == BATCH
    if engine.dialect.name == "postgresql":
        assert getattr(cursor, "name", None), "a client-side cursor holds every row"


def test_a_portfolio_of_sums_keeps_no_bookings(ctx, data):
    with ctx.session_factory() as session:
        sums = load_portfolio(session, TODAY, keep_bookings=False)
    first, last = rules_window(TODAY)
    assert restrict(sums, (first - dt.timedelta(days=7), last)) is sums
    with pytest.raises(ValueError, match="kept only the sums"):
        restrict(sums, (first, last - dt.timedelta(days=7)))
    with pytest.raises(ValueError, match="kept only the sums"):
        sums.bookings  # noqa: B018


def test_a_wider_load_gives_the_quarter_the_same_totals(ctx, data):
    quarter = Quarter(2027, 1)  # reaches past the rules window
    wide = forecast_window(TODAY, quarter)
    assert wide == (rules_window(TODAY)[0], quarter_window(quarter)[1])
    with ctx.session_factory() as session:
        everything = load_portfolio(session, TODAY, window=wide)
        in_quarter = load_portfolio(session, TODAY, window=quarter_window(quarter))
        rules_only = load_portfolio(session, TODAY)
    assert summarise(everything, quarter.months) == summarise(in_quarter, quarter.months)
    assert check_portfolio(restrict(everything, rules_window(TODAY))) == check_portfolio(rules_only)


@pytest.mark.parametrize("month", range(1, 13))
def test_the_current_quarter_lies_inside_the_rules_window(month):
    for day in (1, 15, 28):
        today = dt.date(2026, month, day)
        assert forecast_window(today, Quarter.of(today)) == rules_window(today)


def test_the_whole_portfolio_brings_the_bench_holidays_and_time_off(ctx, data):
    from bot.core.business_days import BusinessCalendar
    from bot.store.models import TimeOff

    with ctx.session_factory.begin() as session:
        ben = Person(email="ben@example.com", name="Ben Bench", role="PSE", active=True)
        gone = Person(email="gone@example.com", name="Gone", role="PSE", active=False)
        session.add_all([ben, gone])
        session.flush()
        session.add(TimeOff(person_id=ben.id, day=dt.date(2026, 12, 1), hours=Decimal(8)))
        ben_id = ben.id
    with ctx.session_factory() as session:
        whole = load_portfolio(session, TODAY, calendar=BusinessCalendar("US"))
        scoped = load_portfolio(session, TODAY, project_ids=[data.rollout.id])
    assert whole.capacity.bench == (ben_id,)  # active, with a PS role; the others have none
    assert dt.date(2026, 11, 26) in whole.capacity.holidays  # Thanksgiving
    assert whole.capacity.of(whole.people[ben_id], dt.date(2026, 11, 30)) == 32
    (finding,) = [f for f in check_portfolio(whole) if f.person_id == ben_id]
    assert finding.bench and finding.problem.startswith("Ben Bench is on the bench")
    # A project's own view has no bench: under-allocation is the team's, not a project's.
    assert scoped.capacity.bench == () and scoped.capacity.holidays == frozenset()
