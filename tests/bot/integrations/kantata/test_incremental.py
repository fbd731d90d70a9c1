"""Incremental syncs against the fake Kantata: changes, deletions, requests, the lease.

The first sync is full; later ones ask only for what changed since the last one started
(`updated_after`), and count each endpoint to notice what was deleted.
"""

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.integrations.kantata import endpoints as kantata_endpoints
from bot.integrations.kantata.sync import KantataSyncBusy, sync_kantata
from bot.store import data_versions
from bot.store.models import Person, Project, SyncState
from tests.bot.integrations.kantata.conftest import database_state
from tests.bot.integrations.kantata.sample import NOTHING_CHANGED

D = dt.date
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
EDITED = T0 + dt.timedelta(hours=1)
LATER = T0 + dt.timedelta(hours=2)
COUNTED = [e for e in kantata_endpoints.ENDPOINTS if e.incremental and e.counted]
INCREMENTAL = [e for e in kantata_endpoints.ENDPOINTS if e.incremental]


@pytest.fixture
def synced(session_factory, client, settings, fake_kantata):
    """A first, full sync at T0; the fake's calls are forgotten after it."""
    result = sync_kantata(session_factory, client, settings, incremental=True, now=T0)
    assert result.full
    fake_kantata.calls.clear()
    return result


def incremental(session_factory, client, settings, now=LATER, **options):
    return sync_kantata(session_factory, client, settings, incremental=True, now=now, **options)


def full(session_factory, client, settings, now=LATER):
    return sync_kantata(session_factory, client, settings, now=now)


@pytest.mark.usefixtures("synced")
def test_one_changed_allocation_and_one_deleted_one(
    session_factory, client, settings, fake_kantata
):
    fake_kantata.change("workspace_allocations", "32", EDITED, minutes=960)  # Pat: 20 h → 16 h
    fake_kantata.delete("workspace_allocations", "30")  # Pam's week on SOW-1

    result = incremental(session_factory, client, settings)
    assert not result.full
    assert (result.fetched, result.deleted, result.reread) == (1, 1, ["workspace_allocations"])
    assert result.summary()[1] == "bookings: 0 inserted, 1 updated, 1 removed, 1 skipped"
    bookings = database_state(session_factory)["bookings"]
    assert ("SOW-1", "pat@example.com", "PSE", D(2026, 12, 21), 16, "soft", 180) in bookings
    assert not [b for b in bookings if b[1] == "pam@example.com"]
    # It asked only for what changed since the last sync began (less the overlap).
    asked = fake_kantata.calls_to("workspace_allocations")[0].query
    assert asked["updated_after"] == "2026-11-30T11:58:00+00:00"
    # A full sync now finds nothing more to do: the two agree.
    assert full(session_factory, client, settings).summary() == NOTHING_CHANGED


@pytest.mark.usefixtures("synced")
def test_nothing_changed_costs_a_fixed_number_of_requests(
    session_factory, client, settings, fake_kantata
):
    result = incremental(session_factory, client, settings)
    assert (result.fetched, result.deleted, result.remapped, result.reread) == (0, 0, 0, [])
    assert not result.changed
    # One (empty) page of changes per endpoint, one count per counted endpoint, and one
    # (empty) page of time entries changed since.
    assert result.requests == len(INCREMENTAL) + len(COUNTED) + 1
    counts = [c for c in fake_kantata.calls if c.query["per_page"] == "1"]
    assert len(counts) == len(COUNTED)


@pytest.mark.usefixtures("synced")
def test_new_and_changed_objects_land_like_a_full_sync_would_write_them(
    session_factory, client, settings, fake_kantata
):
    fake_kantata.change(
        "workspace_allocations",
        "36",
        EDITED,
        workspace_resource_id="23",
        workspace_id="2",
        start_date="2027-01-04",
        end_date="2027-01-08",
        minutes=2400,
        hard=True,
    )
    fake_kantata.change("stories", "41", EDITED, title="Go-live (phase 1)")
    # A custom field edited: its subject's updated_at need not move.
    fake_kantata.change(
        "custom_field_values", "500", EDITED, value="SOW-1A", display_value="SOW-1A"
    )
    result = incremental(session_factory, client, settings)
    assert result.remapped == 2
    assert result.summary()[:3] == [
        "projects: 0 inserted, 1 updated, 0 removed",
        "bookings: 1 inserted, 0 updated, 0 removed, 1 skipped",
        "milestones: 0 inserted, 1 updated, 0 removed",
    ]
    state = database_state(session_factory)
    assert ("SOW-2", "tia@example.com", "TA", D(2027, 1, 4), 40, "hard", None) in state["bookings"]
    assert {p[0] for p in state["projects"]} == {"SOW-1A", "SOW-2"}
    assert full(session_factory, client, settings).summary() == NOTHING_CHANGED


@pytest.mark.usefixtures("synced")
def test_a_deleted_milestone_and_a_disabled_person_are_noticed(
    session_factory, client, settings, fake_kantata
):
    fake_kantata.delete("stories", "41")
    fake_kantata.change("account_memberships", "63", EDITED, disabled_at=EDITED.isoformat())
    result = incremental(session_factory, client, settings)
    assert result.summary()[2] == "milestones: 0 inserted, 0 updated, 1 removed"
    assert result.summary()[3] == "people: 0 inserted, 1 updated, 0 removed"
    with session_factory() as session:
        ben = session.scalars(sa.select(Person).where(Person.email == "ben@example.com")).one()
    assert not ben.active


@pytest.mark.usefixtures("synced")
def test_if_kantata_ignored_updated_after_the_result_would_be_the_same(
    session_factory, client, settings, fake_kantata
):
    fake_kantata.ignore_updated_after = True
    fake_kantata.change("workspace_allocations", "32", EDITED, minutes=960)
    result = incremental(session_factory, client, settings)
    assert result.summary()[1] == "bookings: 0 inserted, 1 updated, 0 removed, 1 skipped"
    assert full(session_factory, client, settings).summary() == NOTHING_CHANGED


@pytest.mark.usefixtures("synced")
def test_an_incremental_dry_run_writes_nothing(session_factory, client, settings, fake_kantata):
    before = database_state(session_factory)
    fake_kantata.delete("workspace_allocations", "30")
    result = incremental(session_factory, client, settings, dry_run=True)
    assert result.summary()[1].startswith("bookings: 0 inserted, 0 updated, 1 removed")
    assert database_state(session_factory) == before
    # Still to do: the next real sync finds the deletion.
    assert incremental(session_factory, client, settings).deleted == 1


@pytest.mark.usefixtures("synced")
def test_every_synced_project_is_dated_by_the_sync(session_factory, client, settings):
    incremental(session_factory, client, settings)
    with session_factory() as session:
        dated = dict(session.execute(sa.select(Project.sow, Project.data_as_of)).all())
        state = session.get(SyncState, "kantata")
    assert dated == {"SOW-1": LATER, "SOW-2": LATER}
    assert (state.synced_at, state.full_at, state.lease_until) == (LATER, T0, None)


def test_one_sync_at_a_time(session_factory, client, settings, fake_kantata):
    with session_factory.begin() as session:
        session.add(SyncState(source="kantata", lease_until=T0 + dt.timedelta(minutes=10)))
    with pytest.raises(KantataSyncBusy, match=r"^another Kantata sync is running"):
        full(session_factory, client, settings, now=T0)
    assert fake_kantata.calls == []
    # A lease its holder never gave back (it died) runs out.
    assert full(session_factory, client, settings, now=T0 + dt.timedelta(minutes=10)).full


def test_a_failed_sync_gives_the_lease_back_and_keeps_the_last_success(
    session_factory, client, settings, fake_kantata
):
    full(session_factory, client, settings, now=T0)
    fake_kantata.fail("stories", 500, times=99)
    with pytest.raises(Exception, match="Kantata answered 500"):
        incremental(session_factory, client, settings)
    with session_factory() as session:
        state = session.get(SyncState, "kantata")
    assert (state.synced_at, state.lease_until) == (T0, None)


# --- what a sync says it changed (issue 24: replicas recompute only those projects) -------


def version(session_factory) -> int:
    with session_factory() as session:
        return data_versions.current(session)


def changed_since(session_factory, since: int) -> frozenset[int] | None:
    with session_factory() as session:
        return data_versions.changed_projects(session, since, data_versions.current(session))


def project_id(session_factory, sow: str) -> int:
    with session_factory() as session:
        return session.scalar(sa.select(Project.id).where(Project.sow == sow))


@pytest.mark.usefixtures("synced")
def test_an_incremental_sync_names_the_projects_it_changed(
    session_factory, client, settings, fake_kantata
):
    before = version(session_factory)
    fake_kantata.change("workspace_allocations", "34", EDITED, minutes=960)  # on SOW-2
    incremental(session_factory, client, settings)
    assert version(session_factory) == before + 1
    assert changed_since(session_factory, before) == {project_id(session_factory, "SOW-2")}


@pytest.mark.usefixtures("synced")
def test_hours_logged_change_only_their_project(session_factory, client, settings, fake_kantata):
    before = version(session_factory)
    fake_kantata.change("time_entries", "60", EDITED, time_in_minutes=300)  # on SOW-1
    result = incremental(session_factory, client, settings)
    assert result.counts["actuals"].updated == 1
    assert changed_since(session_factory, before) == {project_id(session_factory, "SOW-1")}


@pytest.mark.usefixtures("synced")
def test_a_sync_that_changed_nothing_keeps_the_version(session_factory, client, settings):
    before = version(session_factory)
    assert not incremental(session_factory, client, settings).changed
    # The projects were dated by it (data_as_of), which nothing computed reads.
    assert version(session_factory) == before


@pytest.mark.usefixtures("synced")
def test_people_changed_by_a_sync_change_everything(
    session_factory, client, settings, fake_kantata
):
    before = version(session_factory)
    fake_kantata.change("account_memberships", "63", EDITED, disabled_at=EDITED.isoformat())
    incremental(session_factory, client, settings)
    assert changed_since(session_factory, before) is None


def test_a_full_sync_changes_everything(session_factory, client, settings):
    before = version(session_factory)
    full(session_factory, client, settings)
    assert changed_since(session_factory, before) is None
