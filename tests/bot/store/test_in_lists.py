"""IN lists: padded lists mean what the lists mean, take few shapes, and a portfolio
loaded for pages of every size prepares few statements and gets the same answer."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bot.pmo.portfolio_loading import load_portfolio
from bot.store.db import make_session_factory
from bot.store.in_lists import CHUNK, chunks, padded
from bot.store.models import Booking, Milestone, Person, Project

TODAY = dt.date(2026, 12, 7)


def shapes_up_to(count: int) -> set[int]:
    """The lengths a padded list of 1 to `count` values may have: powers of two to CHUNK,
    then multiples of CHUNK (written from the module doc, not from the code)."""
    lengths = {2**n for n in range(10) if 2**n <= CHUNK}
    return lengths | {CHUNK * n for n in range(1, count // CHUNK + 2)}


@given(st.lists(st.integers(), max_size=1500))
def test_a_padded_list_has_the_same_values_in_one_of_few_lengths(items):
    result = padded(items)
    assert list(result[: len(items)]) == items
    assert set(result) == set(items)
    if items:
        assert len(result) in shapes_up_to(len(items))
        assert len(result) < 2 * len(items) or len(result) - len(items) < CHUNK
    else:
        assert len(result) == 0


@given(st.lists(st.integers(), max_size=2000))
def test_chunks_cover_every_value_in_order_in_padded_slices(items):
    slices = list(chunks(items))
    assert len(slices) == -(-len(items) // CHUNK)
    start = 0
    for part in slices:
        taken = items[start : start + CHUNK]
        assert list(part[: len(taken)]) == taken
        assert set(part) == set(taken)
        assert len(part) in shapes_up_to(CHUNK) and len(part) <= CHUNK
        start += len(taken)
    assert start == len(items)


@pytest.fixture
def listed(engine):
    """40 projects, each with a PM, a booking this week and a milestone."""
    factory = make_session_factory(engine)
    with factory.begin() as session:
        pm = Person(email="pat@example.com", name="Pat", weekly_capacity_hours=Decimal(40))
        session.add(pm)
        session.flush()
        projects = [
            Project(sow=f"SOW-{n:03}", customer="Acme", name=f"P{n}", type="T&M", pm_id=pm.id)
            for n in range(40)
        ]
        session.add_all(projects)
        session.flush()
        for project in projects:
            session.add(
                Booking(
                    project_id=project.id,
                    person_id=pm.id,
                    role="PM",
                    week_start=TODAY,
                    hours=Decimal(4),
                    kind="hard",
                    bill_rate=Decimal(100),
                )
            )
            session.add(Milestone(project_id=project.id, name="Go-live", due_date=TODAY))
    with factory() as session:
        ids = list(session.scalars(sa.select(Project.id).order_by(Project.sow)))
    return factory, ids


def test_pages_of_every_size_prepare_few_statements_and_load_each_project_once(engine, listed):
    factory, ids = listed
    texts: set[str] = set()

    def seen(conn, cursor, statement, parameters, context, executemany):
        texts.add(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        for size in range(1, len(ids) + 1):
            with factory() as session:
                portfolio = load_portfolio(session, TODAY, project_ids=ids[:size])
            assert [p.id for p in portfolio.projects] == ids[:size]
            assert len(portfolio.bookings) == size
            assert len(portfolio.milestones) == size
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    # Forty sizes, each of which used to be a text of its own for every query below.
    for table in ("projects", "bookings", "milestones", "people"):
        asked = {t for t in texts if re.search(rf"FROM {table}\b.*\bIN\b", t, re.S)}
        assert 1 <= len(asked) <= len(shapes_up_to(len(ids)) & set(range(1, 65))), table
