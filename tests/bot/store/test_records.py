"""Read-only records: the same values and properties as the ORM instances they stand for,
no SQLAlchemy state, and nothing can change them."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import NoInspectionAvailable

from bot.pmo.portfolio_loading import load_portfolio
from bot.store.db import make_session_factory
from bot.store.models import Person, Project
from bot.store.records import record_type, select_records


@pytest.fixture
def factory(engine):
    factory = make_session_factory(engine)
    with factory.begin() as session:
        pat = Person(email="pat@example.com", name="Pat", weekly_capacity_hours=Decimal(32))
        nameless = Person(slack_user_id="U0NAMELESS")
        session.add_all([pat, nameless])
        session.flush()
        session.add_all(
            [
                Project(sow="SOW-2", customer="Globex", name="Migration", type="FF", pm_id=pat.id),
                Project(
                    sow="SOW-1",
                    customer="Acme",
                    name="Rollout",
                    type="T&M",
                    kickoff_date=dt.date(2026, 11, 2),
                    data_as_of=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
                ),
            ]
        )
    return factory


def columns(model) -> list[str]:
    return [attribute.key for attribute in sa.inspect(model).column_attrs]


def test_a_record_holds_what_the_instance_holds_and_its_properties(factory):
    with factory() as session:
        instances = list(session.scalars(sa.select(Project).order_by(Project.sow)))
        records = select_records(session, sa.select(Project).order_by(Project.sow))
        people = select_records(session, sa.select(Person).order_by(Person.id))
    assert [r.sow for r in records] == ["SOW-1", "SOW-2"]  # the query's order kept
    for instance, record in zip(instances, records, strict=True):
        assert {c: getattr(record, c) for c in columns(Project)} == {
            c: getattr(instance, c) for c in columns(Project)
        }
        assert record.title == instance.title
    assert records[0].data_as_of == dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)  # typed
    assert [p.label for p in people] == ["Pat", "U0NAMELESS"]
    assert people[0].weekly_capacity_hours == Decimal(32)


def test_a_record_cannot_be_changed_and_has_no_orm_state(factory):
    with factory() as session:
        (record,) = select_records(session, sa.select(Project).where(Project.sow == "SOW-1"))
    with pytest.raises(AttributeError, match="read-only"):
        record.status = "completed"
    with pytest.raises(AttributeError):
        record.pm  # noqa: B018 - a relationship is no column: nothing lazy-loads
    with pytest.raises(NoInspectionAvailable):
        sa.inspect(record)
    assert not hasattr(record, "__dict__")  # slots only: the point is its size


def test_records_are_equal_by_model_and_values(factory):
    with factory() as session:
        first = select_records(session, sa.select(Project).order_by(Project.sow))
        again = select_records(session, sa.select(Project).order_by(Project.sow))
        person = select_records(session, sa.select(Person).order_by(Person.id))[0]
    assert first == again and first[0] is not again[0]
    assert len({*first, *again}) == 2
    assert first[0] != first[1]
    assert first[0] != person
    assert record_type(Project) is type(first[0])


def test_a_loaded_portfolio_holds_records_not_instances(factory):
    with factory() as session:
        portfolio = load_portfolio(session, dt.date(2026, 12, 7), keep_bookings=False)
    assert [p.sow for p in portfolio.projects] == ["SOW-1", "SOW-2"]
    assert set(portfolio.people) == {portfolio.projects[1].pm_id}
    for kept in [*portfolio.projects, *portfolio.people.values()]:
        with pytest.raises(NoInspectionAvailable):
            sa.inspect(kept)


def test_equal_texts_and_dates_share_one_object_and_nothing_else_is_merged(factory):
    with factory.begin() as session:
        for n in (3, 4):
            session.add(
                Project(sow=f"SOW-{n}", customer="Acme", name="Rollout", type="T&M",
                        kickoff_date=dt.date(2026, 11, 2), top_customer=True)
            )  # fmt: skip
        session.add(Person(email="kim@example.com", weekly_capacity_hours=Decimal("32.50")))
    with factory() as session:
        projects = select_records(session, sa.select(Project).order_by(Project.sow))
        people = select_records(session, sa.select(Person).order_by(Person.id))
    acme = [p for p in projects if p.customer == "Acme"]
    assert len(acme) == 3
    assert all(p.customer is acme[0].customer and p.type is acme[0].type for p in acme)
    assert all(p.kickoff_date is acme[0].kickoff_date for p in acme)
    # The id 1 (SOW-2's) is read before a True, which stays a bool.
    assert [p.id for p in projects[:2]] == [2, 1]
    assert [p.top_customer for p in acme] == [False, True, True]
    assert all(type(p.top_customer) is bool for p in projects)
    assert [str(p.weekly_capacity_hours) for p in people] == ["32.00", "40.00", "32.50"]
