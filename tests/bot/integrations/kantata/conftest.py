"""Fixtures for the Kantata sync: the fake Kantata server, a client on it, database state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased, sessionmaker

from bench.fake_kantata import TOKEN, FakeKantata, start_fake_kantata
from bot.core.settings import Settings
from bot.integrations.kantata.client import KantataClient
from bot.store.db import make_session_factory
from bot.store.models import Booking, Milestone, Person, Project
from tests.bot.integrations.kantata.sample import kantata_objects


@pytest.fixture(scope="session")
def fake_kantata_server() -> Iterator[FakeKantata]:
    fake, server = start_fake_kantata()
    yield fake
    server.shutdown()


@pytest.fixture
def fake_kantata(fake_kantata_server: FakeKantata) -> FakeKantata:
    """The fake, holding the sample account (`sample.py` beside this file), two objects a page."""
    fake_kantata_server.reset(kantata_objects())
    return fake_kantata_server


@pytest.fixture
def settings(settings: Settings, fake_kantata: FakeKantata) -> Settings:
    """The shared test settings, pointed at the fake Kantata."""
    return replace(settings, kantata_api_token=TOKEN, kantata_api_url=fake_kantata.api_url)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for between attempts (it does not really wait)."""
    return []


@pytest.fixture
def client(fake_kantata: FakeKantata, sleeps: list[float]) -> KantataClient:
    return KantataClient(fake_kantata.api_url, TOKEN, sleep=sleeps.append, timeout=5)


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def database_state(session_factory: sessionmaker[Session]) -> dict[str, set[tuple]]:
    """Projects, people, bookings and milestones by their natural keys (ids differ by run)."""
    pm = aliased(Person)
    statements = {
        "projects": sa.select(
            Project.sow,
            Project.customer,
            Project.name,
            Project.type,
            pm.email,
            Project.status,
            Project.start_date,
            Project.end_date,
            Project.kickoff_date,
            Project.top_customer,
            Project.raid_url,
            Project.epic_url,
        ).outerjoin(pm, Project.pm_id == pm.id),
        "people": sa.select(
            Person.email,
            Person.name,
            Person.slack_user_id,
            Person.tz,
            Person.weekly_capacity_hours,
        ),
        "bookings": sa.select(
            Project.sow,
            Person.email,
            Booking.role,
            Booking.week_start,
            Booking.hours,
            Booking.kind,
            Booking.bill_rate,
        )
        .join(Booking.project)
        .join(Booking.person),
        "milestones": sa.select(
            Project.sow,
            Milestone.name,
            Milestone.due_date,
            Milestone.signoff_sent,
            Milestone.signoff_received,
            Milestone.passive_days,
        ).join(Milestone.project),
    }
    with session_factory() as session:
        return {name: {tuple(row) for row in session.execute(s)} for name, s in statements.items()}
