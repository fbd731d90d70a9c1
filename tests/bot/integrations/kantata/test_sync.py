"""A sync against the fake Kantata: what it writes, re-syncs, deletions, dry runs, failures."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.integrations.importing.run import import_file
from bot.integrations.kantata.client import KantataError, KantataPayloadError
from bot.integrations.kantata.sync import sync_kantata
from bot.store import data_versions
from bot.store.models import AuditEntry, Booking, Milestone, Person, Project, TimeOff
from tests.bot.integrations.kantata.conftest import database_state
from tests.bot.integrations.kantata.sample import (
    BOOKINGS_CSV,
    FIRST_SYNC,
    FIRST_SYNC_SKIPPED,
    MILESTONES_CSV,
    NOTHING_CHANGED,
    PEOPLE_CSV,
    PROJECTS_CSV,
)

D = dt.date


def test_a_sync_stores_projects_people_bookings_and_milestones(
    session_factory, client, settings, fake_kantata
):
    result = sync_kantata(session_factory, client, settings)
    assert result.summary() == FIRST_SYNC
    assert result.warnings() == FIRST_SYNC_SKIPPED
    assert result.emails == {
        "pam@example.com",
        "pat@example.com",
        "tia@example.com",
        "ben@example.com",
    }
    state = database_state(session_factory)
    assert state["projects"] == {
        (
            *("SOW-1", "Acme", "Rollout", "T&M", "pam@example.com", "active"),
            *(D(2026, 10, 1), D(2027, 3, 31), D(2026, 10, 5), True),
            *("https://raid.example.com/sow-1", None),
        ),
        (
            *("SOW-2", "Globex", "Migration", "FF", None, "completed"),
            *(None, None, None, False, None, None),
        ),
    }
    assert state["bookings"] == {
        ("SOW-1", "pam@example.com", "PM", D(2026, 11, 30), 8, "hard", 200),
        # Wednesday 25 November to Friday 18 December: 3 working days, then 3 full weeks.
        ("SOW-1", "pat@example.com", "PSE", D(2026, 11, 23), 24, "hard", 180),
        ("SOW-1", "pat@example.com", "PSE", D(2026, 11, 30), 40, "hard", 180),
        ("SOW-1", "pat@example.com", "PSE", D(2026, 12, 7), 40, "hard", 180),
        ("SOW-1", "pat@example.com", "PSE", D(2026, 12, 14), 40, "hard", 180),
        ("SOW-1", "pat@example.com", "PSE", D(2026, 12, 21), 20, "soft", 180),
        ("SOW-2", "tia@example.com", "TA", D(2026, 12, 14), Decimal("10.5"), "soft", None),
    }
    assert state["milestones"] == {
        ("SOW-2", "Design sign-off", D(2026, 12, 15), D(2026, 12, 16), None, 5),
        ("SOW-2", "Go-live", D(2027, 1, 31), None, None, None),
    }
    # Every PS person Kantata lists, with a booking or not, named and sized as in Kantata.
    assert {(email, name, capacity) for email, name, _, _, capacity in state["people"]} == {
        ("pam@example.com", "Pam Manager", 40),
        ("pat@example.com", "Pat Engineer", 40),
        ("tia@example.com", "Tia Architect", 32),
        ("ben@example.com", "Ben Bench", 40),
    }
    with session_factory() as session:
        off = session.execute(sa.select(Person.email, TimeOff.day, TimeOff.hours).join(Person))
        assert off.all() == [("pat@example.com", D(2026, 12, 1), 8)]
    with session_factory() as session:
        audit = session.scalars(sa.select(AuditEntry)).one()
    assert (audit.actor, audit.action, audit.subject) == ("cli", "sync.kantata", client.base_url)
    assert audit.detail["bookings"] == {"inserted": 7, "updated": 0, "removed": 0}
    assert audit.detail["skipped"] == {
        "projects": 1,
        "bookings": 1,
        "milestones": 0,
        "people": 0,
        "actuals": 0,
    }


def test_it_asks_kantata_for_what_the_mapping_follows(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    asked = {
        (
            c.endpoint,
            c.query.get("include"),
            c.query.get("story_type") or c.query.get("subject_type"),
        )
        for c in fake_kantata.calls
    }
    assert asked == {
        ("workspaces", "primary_maven,workspace_groups,custom_field_values", None),
        ("workspace_resources", "user,role,custom_field_values", None),
        ("workspace_allocations", "workspace,workspace_resource", None),
        ("stories", "workspace,custom_field_values", "milestone"),
        ("account_memberships", "user,default_role", None),
        ("custom_field_values", None, "User"),
        ("time_off_entries", "user", None),
        ("time_entries", "user,workspace", None),
    }


def test_a_sync_equals_importing_the_equivalent_csv_files(
    session_factory, client, settings, tmp_path: Path
):
    files = {}
    for kind, text in (
        ("projects", PROJECTS_CSV),
        ("bookings", BOOKINGS_CSV),
        ("milestones", MILESTONES_CSV),
        ("people", PEOPLE_CSV),
    ):
        files[kind] = tmp_path / f"{kind}.csv"
        files[kind].write_text(text, encoding="utf-8")
        assert import_file(kind, files[kind], session_factory).skipped == []
    imported = database_state(session_factory)
    with session_factory.begin() as session:
        for model in (Booking, Milestone, Project, Person, AuditEntry):
            session.execute(sa.delete(model))
    assert database_state(session_factory) == {
        "projects": set(),
        "people": set(),
        "bookings": set(),
        "milestones": set(),
    }

    sync_kantata(session_factory, client, settings)
    assert database_state(session_factory) == imported
    # And the other way round: the files change nothing after the sync, nor it after them.
    for kind, path in files.items():
        counts = import_file(kind, path, session_factory).counts
        assert (counts.inserted, counts.updated, counts.removed) == (0, 0, 0), kind
    assert sync_kantata(session_factory, client, settings).summary() == NOTHING_CHANGED


def test_a_second_sync_changes_nothing(session_factory, client, settings):
    sync_kantata(session_factory, client, settings)
    with session_factory() as session:
        before = session.execute(sa.select(Booking.id, Booking.hours).order_by(Booking.id)).all()
    result = sync_kantata(session_factory, client, settings)
    assert result.summary() == NOTHING_CHANGED
    assert not result.changed
    with session_factory() as session:
        after = session.execute(sa.select(Booking.id, Booking.hours).order_by(Booking.id)).all()
    assert after == before


def test_allocations_deleted_in_kantata_disappear(session_factory, client, settings, fake_kantata):
    sync_kantata(session_factory, client, settings)
    allocations = fake_kantata.objects["workspace_allocations"]
    del allocations["30"]  # Pam's week on SOW-1
    del allocations["34"]  # SOW-2's only allocation: the project is still synced
    allocations["32"]["minutes"] = 960  # Pat's soft week: 20 h → 16 h

    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[1] == "bookings: 0 inserted, 1 updated, 2 removed, 1 skipped"
    bookings = database_state(session_factory)["bookings"]
    assert {(b[0], b[1], b[3]) for b in bookings} == {
        ("SOW-1", "pat@example.com", D(2026, 11, 23)),
        ("SOW-1", "pat@example.com", D(2026, 11, 30)),
        ("SOW-1", "pat@example.com", D(2026, 12, 7)),
        ("SOW-1", "pat@example.com", D(2026, 12, 14)),
        ("SOW-1", "pat@example.com", D(2026, 12, 21)),
    }
    assert ("SOW-1", "pat@example.com", "PSE", D(2026, 12, 21), 16, "soft", 180) in bookings


def test_bookings_of_projects_not_synced_are_left_alone(
    session_factory, client, settings, tmp_path
):
    path = tmp_path / "p.csv"
    path.write_text(PROJECTS_CSV + "SOW-9,Initech,Other,T&M,,active,,,,no,,\n", encoding="utf-8")
    import_file("projects", path, session_factory)
    path.write_text(
        "sow,person_email,role,week_start,hours,kind,bill_rate\n"
        "SOW-9,x@example.com,PSE,2026-11-30,40,hard,\n",
        encoding="utf-8",
    )
    import_file("bookings", path, session_factory)
    sync_kantata(session_factory, client, settings)
    bookings = database_state(session_factory)["bookings"]
    assert ("SOW-9", "x@example.com", "PSE", D(2026, 11, 30), 40, "hard", None) in bookings


def test_a_skipped_resource_keeps_its_projects_bookings(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    fake_kantata.objects["roles"]["11"]["name"] = "Designer"  # Pat's role is no longer mapped
    result = sync_kantata(session_factory, client, settings)
    assert result.skipped["bookings"][0] == (
        "workspace resource 21 on SOW-1 (pat@example.com, PSE): role 'Designer' is not PM, "
        "PSE or TA (map it in KANTATA_ROLES); 2 allocations not synced"
    )
    assert result.counts["bookings"].removed == 0
    assert len(database_state(session_factory)["bookings"]) == 7


def test_a_dry_run_reports_and_writes_nothing(session_factory, client, settings, fake_kantata):
    result = sync_kantata(session_factory, client, settings, dry_run=True)
    assert result.summary() == [line + " (dry run: nothing written)" for line in FIRST_SYNC]
    assert database_state(session_factory) == {
        "projects": set(),
        "people": set(),
        "bookings": set(),
        "milestones": set(),
    }
    with session_factory() as session:
        assert session.scalars(sa.select(AuditEntry)).all() == []

    sync_kantata(session_factory, client, settings)
    before = database_state(session_factory)
    del fake_kantata.objects["workspace_allocations"]["30"]
    result = sync_kantata(session_factory, client, settings, dry_run=True)
    assert result.summary()[1].startswith("bookings: 0 inserted, 0 updated, 1 removed")
    assert database_state(session_factory) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda objects: objects["workspace_allocations"]["34"].pop("minutes"),
            "unexpected Kantata payload: workspace allocation 34 has no 'minutes'",
        ),
        (
            lambda objects: objects["workspace_allocations"]["31"].update(start_date="soon"),
            "unexpected Kantata payload: workspace allocation 31: 'start_date' is 'soon', "
            "not a YYYY-MM-DD date",
        ),
        (
            lambda objects: objects["workspace_resources"]["23"].update(user_id="77"),
            "unexpected Kantata payload: workspace resource 23 names user 77, not sent",
        ),
        (
            lambda objects: objects["workspaces"]["2"].pop("title"),
            "unexpected Kantata payload: workspace 2 has no 'title'",
        ),
    ],
)
def test_an_unexpected_payload_writes_nothing(
    session_factory, client, settings, fake_kantata, damage, message
):
    sync_kantata(session_factory, client, settings)
    before = database_state(session_factory)
    fake_kantata.objects["workspaces"]["1"]["title"] = "Renamed"  # a change that must not land
    damage(fake_kantata.objects)
    with pytest.raises(KantataPayloadError) as error:
        sync_kantata(session_factory, client, settings)
    assert str(error.value) == message
    assert database_state(session_factory) == before
    with session_factory() as session:
        assert len(session.scalars(sa.select(AuditEntry)).all()) == 1


def test_a_failure_on_the_last_endpoint_writes_nothing(
    session_factory, client, settings, fake_kantata
):
    fake_kantata.fail("stories", 500, times=99)
    with pytest.raises(KantataError, match=r"^Kantata answered 500 for stories page 1 5 times"):
        sync_kantata(session_factory, client, settings)
    assert database_state(session_factory)["projects"] == set()


def test_a_429_mid_sync_still_syncs_everything(session_factory, settings, fake_kantata):
    from bot.integrations.kantata.sync import client_for

    fake_kantata.fail("workspace_allocations", 429, page=2, retry_after="0")
    assert sync_kantata(session_factory, client_for(settings), settings).summary() == FIRST_SYNC


# --- Kantata ids: SOW numbers and milestones renamed, workspaces gone ------------------------


OTHER_PROJECT_CSV = PROJECTS_CSV.splitlines()[0] + "\nSOW-9,Initech,Other,T&M,,active,,,,no,,\n"


def project_ids_by_sow(session_factory) -> dict[str, int]:
    with session_factory() as session:
        return dict(session.execute(sa.select(Project.sow, Project.id)).all())


def set_sow(fake_kantata, workspace_id: str, sow: str) -> None:
    for value in fake_kantata.objects["custom_field_values"].values():
        if value["subject_id"] == int(workspace_id) and value["custom_field_name"] == "SOW Number":
            value["value"] = value["display_value"] = sow


def import_csv(tmp_path, session_factory, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    assert import_file(kind, path, session_factory).skipped == []


def test_a_sow_changed_in_kantata_renames_the_project(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    before = project_ids_by_sow(session_factory)
    set_sow(fake_kantata, "1", "SOW-1A")

    result = sync_kantata(session_factory, client, settings)
    assert result.summary() == [
        "projects: 0 inserted, 1 updated, 0 removed, 1 skipped",
        *NOTHING_CHANGED[1:],
    ]
    # The same project (its notes, wins and checklist hang off its id), with its bookings.
    assert project_ids_by_sow(session_factory) == {
        "SOW-1A": before["SOW-1"],
        "SOW-2": before["SOW-2"],
    }
    bookings = database_state(session_factory)["bookings"]
    assert len(bookings) == 7
    assert {b[0] for b in bookings} == {"SOW-1A", "SOW-2"}


def test_a_sow_another_project_holds_skips_the_workspace(
    session_factory, client, settings, fake_kantata, tmp_path
):
    import_csv(tmp_path, session_factory, "projects", OTHER_PROJECT_CSV)
    sync_kantata(session_factory, client, settings)
    before = database_state(session_factory)
    set_sow(fake_kantata, "1", "SOW-9")
    del fake_kantata.objects["workspace_allocations"]["30"]  # would prune SOW-1 or SOW-9

    result = sync_kantata(session_factory, client, settings)
    assert result.skipped["projects"][-1] == (
        "workspace 1 'Rollout': its SOW changed from SOW-1 to SOW-9, but SOW-9 is already "
        "Initech — Other in psbot; not synced"
    )
    assert result.summary()[0] == "projects: 0 inserted, 0 updated, 0 removed, 2 skipped"
    assert database_state(session_factory) == before  # neither merged nor pruned


def test_projects_imported_from_csv_take_their_workspace_on_the_first_sync(
    session_factory, client, settings, fake_kantata, tmp_path
):
    import_csv(tmp_path, session_factory, "projects", PROJECTS_CSV)
    import_csv(tmp_path, session_factory, "milestones", MILESTONES_CSV)
    imported = project_ids_by_sow(session_factory)
    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[0] == "projects: 0 inserted, 2 updated, 0 removed, 1 skipped"
    assert result.summary()[2] == "milestones: 0 inserted, 2 updated, 0 removed"
    with session_factory() as session:
        linked = session.execute(sa.select(Project.sow, Project.kantata_id)).all()
        stories = session.execute(sa.select(Milestone.name, Milestone.kantata_id)).all()
    assert set(linked) == {("SOW-1", "1"), ("SOW-2", "2")}
    assert set(stories) == {("Design sign-off", "40"), ("Go-live", "41")}

    set_sow(fake_kantata, "2", "SOW-2B")
    sync_kantata(session_factory, client, settings)
    assert project_ids_by_sow(session_factory) == {
        "SOW-1": imported["SOW-1"],
        "SOW-2B": imported["SOW-2"],
    }


def test_a_milestone_renamed_in_kantata_is_renamed(session_factory, client, settings, fake_kantata):
    sync_kantata(session_factory, client, settings)
    fake_kantata.objects["stories"]["41"]["title"] = "Go-live (phase 1)"
    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[2] == "milestones: 0 inserted, 1 updated, 0 removed"
    assert {m[1] for m in database_state(session_factory)["milestones"]} == {
        "Design sign-off",
        "Go-live (phase 1)",
    }


def test_a_new_milestone_may_take_the_name_of_one_renamed_in_the_same_sync(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    stories = fake_kantata.objects["stories"]
    stories["43"] = {**stories["41"], "id": "43", "due_date": "2027-03-31"}
    stories["41"]["title"] = "Go-live (phase 1)"  # split: 43 is the "Go-live" now
    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[2] == "milestones: 1 inserted, 1 updated, 0 removed"
    assert {m[1:3] for m in database_state(session_factory)["milestones"]} == {
        ("Design sign-off", D(2026, 12, 15)),
        ("Go-live (phase 1)", D(2027, 1, 31)),
        ("Go-live", D(2027, 3, 31)),
    }


def test_two_milestones_may_trade_names(session_factory, client, settings, fake_kantata):
    sync_kantata(session_factory, client, settings)
    stories = fake_kantata.objects["stories"]
    stories["40"]["title"], stories["41"]["title"] = "Go-live", "Design sign-off"
    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[2] == "milestones: 0 inserted, 2 updated, 0 removed"
    assert {m[1:3] for m in database_state(session_factory)["milestones"]} == {
        ("Go-live", D(2026, 12, 15)),
        ("Design sign-off", D(2027, 1, 31)),
    }


def test_milestones_deleted_in_kantata_disappear(
    session_factory, client, settings, fake_kantata, tmp_path
):
    sync_kantata(session_factory, client, settings)
    # One imported from CSV that Kantata never had, and one deleted there.
    import_csv(tmp_path, session_factory, "milestones", MILESTONES_CSV + "SOW-2,Handover,,,,\n")
    del fake_kantata.objects["stories"]["41"]
    result = sync_kantata(session_factory, client, settings)
    assert result.summary()[2] == "milestones: 0 inserted, 0 updated, 2 removed"
    assert {m[1] for m in database_state(session_factory)["milestones"]} == {"Design sign-off"}


def test_a_milestone_that_does_not_fit_keeps_its_projects_milestones(
    session_factory, client, settings, fake_kantata
):
    sync_kantata(session_factory, client, settings)
    fake_kantata.objects["stories"]["41"]["due_date"] = None
    fake_kantata.objects["custom_field_values"]["533"] = {
        "id": "533",
        "subject_type": "Story",
        "subject_id": 41,
        "custom_field_name": "Passive Acceptance Days",
        "display_value": "soon",
    }
    del fake_kantata.objects["stories"]["40"]
    result = sync_kantata(session_factory, client, settings)
    assert len(result.skipped["milestones"]) == 1
    assert result.counts["milestones"].removed == 0
    assert len(database_state(session_factory)["milestones"]) == 2


def test_a_workspace_gone_from_kantata_is_reported_and_left_as_it_was(
    session_factory, client, settings, fake_kantata, tmp_path
):
    import_csv(tmp_path, session_factory, "projects", OTHER_PROJECT_CSV)
    sync_kantata(session_factory, client, settings)
    before = database_state(session_factory)
    objects = fake_kantata.objects
    for workspace in ("1", "2"):  # SOW-2 is completed: its going says nothing new
        del objects["workspaces"][workspace]
        for kind in ("workspace_resources", "workspace_allocations", "stories"):
            for key in [k for k, v in objects[kind].items() if v["workspace_id"] == workspace]:
                del objects[kind][key]

    result = sync_kantata(session_factory, client, settings)
    assert result.warnings()[-1] == (
        "projects: SOW-1 is no longer in Kantata (workspace 1 was deleted, archived or hidden "
        "from the API token); its bookings are kept and still count"
    )
    assert len(result.warnings()) == 2  # workspace 3 skipped, as ever; SOW-9 never synced
    assert database_state(session_factory) == before


def test_a_sync_that_writes_bumps_the_data_version(session_factory, client, settings):
    # Every replica keeps its computed portfolio until this version changes (issue 24).
    def version() -> int:
        with session_factory() as session:
            return data_versions.current(session)

    before = version()
    sync_kantata(session_factory, client, settings)
    assert version() > before
