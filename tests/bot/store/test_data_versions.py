"""The data version: bumped once by each committed transaction that writes the
portfolio's tables, however it writes them; never by reads, rollbacks or other tables."""

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.store import data_versions, migrate
from bot.store.db import make_session_factory
from bot.store.models import Booking, Person, Project, Win


@pytest.fixture
def factory(engine):
    return make_session_factory(engine)


def version(factory) -> int:
    with factory() as session:
        return data_versions.current(session)


@pytest.fixture
def project(factory) -> int:
    with factory.begin() as session:
        project = Project(sow="SOW-1", customer="Acme", name="Rollout", type="T&M")
        person = Person(email="pat@example.com")
        session.add_all([project, person])
        session.flush()
        session.add(
            Booking(
                project_id=project.id,
                person_id=person.id,
                role="PSE",
                week_start=dt.date(2026, 11, 23),
                hours=40,
                kind="hard",
            )
        )
        return project.id


def test_an_orm_flush_bumps_once_per_transaction(factory, project):
    before = version(factory)
    with factory.begin() as session:
        session.get(Project, project).name = "Renamed"
        session.flush()
        session.add(Person(email="tia@example.com"))
    assert version(factory) == before + 1


def test_core_statements_bump_too(factory, engine, project):
    before = version(factory)
    with factory.begin() as session:
        session.execute(sa.update(Booking).values(hours=Booking.hours + 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM bookings"))
    assert version(factory) == before + 2


def test_reads_rollbacks_and_other_tables_do_not(factory, project):
    before = version(factory)
    with factory() as session:
        session.scalars(sa.select(Booking)).all()
        session.commit()
    with factory() as session:
        session.execute(sa.delete(Booking))
        session.rollback()
    with factory.begin() as session:
        session.add(Win(project_id=project, text="Shipped", author_id="U0PM", member_ids=[]))
    assert version(factory) == before


def test_a_database_before_the_versions_still_takes_writes(factory, engine):
    migrate.downgrade(engine, "0015")
    with factory.begin() as session:
        session.add(Person(email="pat@example.com"))
    migrate.upgrade(engine)
    assert version(factory) == 0


def test_a_table_named_like_a_tracked_one_is_not_tracked(factory, engine):
    before = version(factory)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMPORARY TABLE people_staged (email VARCHAR(254))"))
        conn.execute(sa.text("INSERT INTO people_staged (email) VALUES ('pat@example.com')"))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                'INSERT INTO "people" (email, name, weekly_capacity_hours, '
                "created_at, updated_at, active) VALUES ('tia@example.com', '', 40, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, TRUE)"
            )
        )
    assert version(factory) == before + 1


# --- what each version changed -----------------------------------------------------------


def changes(factory, since: int) -> frozenset[int] | None:
    with factory() as session:
        return data_versions.changed_projects(session, since, data_versions.current(session))


def test_a_writer_that_names_its_projects_changes_only_those(factory, project):
    before = version(factory)
    with factory.begin() as session:
        session.execute(sa.update(Booking).where(Booking.project_id == project).values(hours=8))
        data_versions.touching_projects(session, [project])
    with factory.begin() as session:
        data_versions.touching_projects(session, [project + 1, project + 2])
        session.execute(sa.update(Project).where(Project.id == project).values(name="Renamed"))
    assert version(factory) == before + 2
    assert changes(factory, before) == {project, project + 1, project + 2}
    assert changes(factory, before + 1) == {project + 1, project + 2}
    assert changes(factory, before + 2) == frozenset()


def test_a_write_without_its_projects_changes_everything(factory, project):
    before = version(factory)
    with factory.begin() as session:
        data_versions.touching_projects(session, [project])
    with factory.begin() as session:
        session.execute(sa.update(Booking).values(hours=8))
    assert changes(factory, before) is None


def test_people_or_time_off_change_everything_even_when_named(factory, project):
    before = version(factory)
    with factory.begin() as session:
        data_versions.touching_projects(session, [project])
        session.execute(sa.update(Booking).where(Booking.project_id == project).values(hours=8))
        session.add(Person(email="tia@example.com"))
    assert version(factory) == before + 1
    assert changes(factory, before) is None


def test_a_rolled_back_naming_is_forgotten(factory, project):
    before = version(factory)
    with factory() as session:
        data_versions.touching_projects(session, [project])
        session.rollback()
    with factory.begin() as session:
        session.execute(sa.update(Booking).values(hours=8))
    assert changes(factory, before) is None


def test_a_write_marked_not_a_change_bumps_nothing(factory, project):
    before = version(factory)
    with factory.begin() as session:
        session.execute(
            sa.update(Project)
            .values(data_as_of=dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
            .execution_options(**{data_versions.NOT_A_CHANGE: True})
        )
    assert version(factory) == before


def test_versions_whose_changes_are_forgotten_change_everything(factory, project, monkeypatch):
    monkeypatch.setattr(data_versions, "KEEP_CHANGES", 2)
    before = version(factory)
    for hours in (1, 2, 3):
        with factory.begin() as session:
            data_versions.touching_projects(session, [project])
            session.execute(sa.update(Booking).values(hours=hours))
    assert changes(factory, before + 1) == {project}
    assert changes(factory, before) is None
