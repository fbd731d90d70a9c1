"""Kantata objects → import records: weeks, custom fields, and what is skipped or refused."""

import datetime as dt
from decimal import Decimal

import pytest

from bot.core.settings import load_settings
from bot.integrations.importing.formats import BookingRecord
from bot.integrations.kantata.client import KantataPayloadError
from bot.integrations.kantata.mapping import Snapshot, SyncPlan, plan_sync, weekly_hours
from tests.bot.integrations.kantata.sample import Objects, kantata_objects

D = dt.date


def plan(objects: Objects, **env: str) -> SyncPlan:
    """Plan a sync of `objects` as if every one had been listed, in id order."""
    settings = load_settings(env, dotenv_path=None)

    def ids(kind: str) -> list[str]:
        return sorted(objects.get(kind, {}), key=int)

    snapshot = Snapshot(
        ids("workspaces"),
        ids("workspace_resources"),
        ids("workspace_allocations"),
        ids("stories"),
        objects,
    )
    return plan_sync(snapshot, settings.kantata_fields, settings.kantata_roles)


def hours_of(plan: SyncPlan) -> dict[tuple, Decimal]:
    return {(b.sow, b.person_email, b.role, b.week_start, b.kind): b.hours for b in plan.bookings}


# --- weeks -----------------------------------------------------------------------------------


def test_a_range_across_a_month_boundary_is_split_by_working_days():
    # Wednesday 25 November … Friday 18 December: 3 + 5 + 5 + 5 working days, 8 h a day.
    assert weekly_hours(D(2026, 11, 25), D(2026, 12, 18), 18 * 8 * 60) == [
        (D(2026, 11, 23), Decimal("24.00")),
        (D(2026, 11, 30), Decimal("40.00")),
        (D(2026, 12, 7), Decimal("40.00")),
        (D(2026, 12, 14), Decimal("40.00")),
    ]


def test_weekends_carry_no_hours_and_rounding_keeps_the_total():
    # Friday 1 January … Wednesday 6 January: 1 working day, then 3; 100 minutes in all.
    weeks = weekly_hours(D(2027, 1, 1), D(2027, 1, 6), 100)
    assert weeks == [(D(2026, 12, 28), Decimal("0.42")), (D(2027, 1, 4), Decimal("1.25"))]
    assert sum(hours for _, hours in weeks) == Decimal("1.67")


def test_odd_cases():
    # A weekend-only range counts in its first day's week; nothing at all gives no weeks.
    assert weekly_hours(D(2026, 12, 5), D(2026, 12, 6), 60) == [(D(2026, 11, 30), Decimal(1))]
    assert weekly_hours(D(2026, 12, 7), D(2026, 12, 11), 0) == []
    # Weeks that round to nothing are left out: 1 minute over five weeks is 0.02 h.
    assert weekly_hours(D(2026, 12, 7), D(2027, 1, 8), 1) == [
        (D(2026, 12, 14), Decimal("0.01")),
        (D(2027, 1, 4), Decimal("0.01")),
    ]


# --- projects --------------------------------------------------------------------------------


def test_the_sample_maps_onto_the_records_of_the_equivalent_csv():
    result = plan(kantata_objects())
    # Each project by its workspace id, so that a sync can find it after a SOW change.
    assert {w: p.sow for w, p in result.projects.items()} == {"1": "SOW-1", "2": "SOW-2"}
    assert result.listed_workspaces == {"1", "2", "3"}  # the skipped one too
    assert result.covered_sows == {"SOW-1", "SOW-2"} and result.keep_sows == set()
    assert result.projects["1"].pm_email == "pam@example.com"
    assert result.projects["1"].kickoff_date == D(2026, 10, 5)  # value, not "10/05/2026"
    assert result.projects["2"].type == "FF"  # the choice's label "Fixed Fee", not its id
    assert (
        BookingRecord(
            "SOW-1", "pam@example.com", "PM", D(2026, 11, 30), Decimal(8), "hard", Decimal(200)
        )
        in result.bookings
    )


@pytest.mark.parametrize(
    ("change", "skipped"),
    [
        (
            lambda o: o["workspaces"]["2"].update(workspace_group_ids=[]),
            "workspace 2 'Migration': has no client (a workspace group marked as a company)",
        ),
        (
            lambda o: o["workspace_groups"]["101"].update(name=""),
            "workspace 2 'Migration': client group: is empty; a value is required",
        ),
        (
            lambda o: o["workspaces"]["1"].update(workspace_group_ids=["100", "101"]),
            "workspace 1 'Rollout': has 2 clients ('Acme', 'Globex'); psbot needs one",
        ),
        (
            lambda o: o["custom_field_values"]["511"].update(display_value="Design", value=[7]),
            "workspace 2 'Migration': custom field 'Project Type': 'Design' is not one of T&M, "
            "FF, Consulting Block, Dedicated Engineer",
        ),
        (
            lambda o: o["custom_field_values"]["504"].update(display_value="ftp://x", value=None),
            "workspace 1 'Rollout': custom field 'RAID Log': 'ftp://x' is not an http(s) URL",
        ),
        (
            lambda o: o["workspaces"]["1"].update(title="x" * 201),
            f"workspace 1 {'x' * 201!r}: title: is 201 characters long; at most 200 fit",
        ),
    ],
)
def test_a_workspace_that_does_not_fit_is_skipped_and_said_why(change, skipped):
    objects = kantata_objects()
    change(objects)
    result = plan(objects)
    assert skipped in result.skipped["projects"]
    assert len(result.projects) == 1


def test_a_workspace_repeating_a_sow_is_skipped_and_the_sow_kept():
    objects = kantata_objects()
    objects["custom_field_values"]["540"] = {
        "id": "540",
        "subject_type": "Workspace",
        "subject_id": "3",
        "custom_field_name": "sow number",  # names match in any letter case
        "display_value": "SOW-1",
    }
    objects["custom_field_values"]["541"] = {**objects["custom_field_values"]["540"]}
    objects["custom_field_values"]["541"].update(
        id="541", custom_field_name="Project Type", display_value="T&M"
    )
    result = plan(objects)
    assert result.skipped["projects"] == [
        "workspace 3 'Internal tooling': SOW-1 is also the SOW of workspace 1"
    ]
    assert result.keep_sows == {"SOW-1"}


def test_statuses_and_fields_are_configurable():
    objects = kantata_objects()
    objects["workspaces"]["1"]["status"]["message"] = "Cancelled"
    objects["workspaces"]["2"]["status"]["message"] = "On Hold"
    for value in objects["custom_field_values"].values():
        if value["custom_field_name"] == "SOW Number":
            value["custom_field_name"] = "Contract"
    result = plan(objects, KANTATA_FIELD_SOW="Contract")
    assert [(p.sow, p.status) for p in result.projects.values()] == [
        ("SOW-1", "completed"),
        ("SOW-2", "active"),
    ]


def _epic_field(objects: Objects, name: str) -> str:
    url = "https://gitlab.com/groups/ps/customers/-/epics/7"
    objects["custom_field_values"]["505"] = {
        **objects["custom_field_values"]["504"],
        "id": "505",
        "custom_field_name": name,
        "value": url,
        "display_value": url,
    }
    return url


def test_the_epic_link_is_read_from_a_field_named_for_the_gitlab_epic():
    objects = kantata_objects()
    url = _epic_field(objects, "GitLab Epic")
    assert plan(objects).projects["1"].epic_url == url


def test_a_field_still_named_jira_epic_is_read_only_when_configured():
    objects = kantata_objects()
    url = _epic_field(objects, "Jira Epic")
    assert plan(objects).projects["1"].epic_url is None
    assert plan(objects, KANTATA_FIELD_EPIC_URL="Jira Epic").projects["1"].epic_url == url


# --- bookings --------------------------------------------------------------------------------


def test_allocations_on_the_same_slot_add_up():
    objects = kantata_objects()
    objects["workspace_allocations"]["36"] = {
        **objects["workspace_allocations"]["30"],
        "id": "36",
        "workspace_resource_id": 20,  # a number: Kantata is not consistent about ids
        "start_date": "2026-12-03",
        "minutes": 120,
    }
    key = ("SOW-1", "pam@example.com", "PM", D(2026, 11, 30), "hard")
    assert hours_of(plan(objects))[key] == Decimal(10)


@pytest.mark.parametrize(
    ("change", "skipped"),
    [
        (
            lambda o: o["users"]["3"].update(email_address=None),
            "workspace resource 23 on SOW-2 (TA): user 3's email_address is empty; an email "
            "address is required; 1 allocation not synced",
        ),
        (
            lambda o: o["workspace_resources"]["23"].update(role_id=None),
            "workspace resource 23 on SOW-2 (tia@example.com, TA): has no role; "
            "1 allocation not synced",
        ),
        (
            lambda o: o["custom_field_values"].update(
                {
                    "599": {
                        "id": "599",
                        "subject_type": "Resource",
                        "subject_id": "23",
                        "custom_field_name": "Bill Rate",
                        "display_value": "ask Sam",
                        "value": None,
                    }
                }
            ),
            "workspace resource 23 on SOW-2 (tia@example.com, TA): custom field 'Bill Rate': "
            "'ask Sam' is not a number; 1 allocation not synced",
        ),
        (
            lambda o: o["workspace_allocations"]["34"].update(minutes=200 * 60),
            "SOW-2 tia@example.com TA soft, week of 2026-12-14: hours: 200.00 is more than the "
            "168 hours in a week",
        ),
    ],
)
def test_a_booking_that_does_not_fit_is_skipped_and_its_project_kept(change, skipped):
    objects = kantata_objects()
    change(objects)
    result = plan(objects)
    assert skipped in result.skipped["bookings"]
    assert "SOW-2" in result.keep_sows
    assert not [b for b in result.bookings if b.sow == "SOW-2"]


def test_roles_are_mapped_by_kantata_roles():
    objects = kantata_objects()
    objects["roles"]["12"]["name"] = "Solution Architect"
    assert "SOW-2" in plan(objects).keep_sows
    result = plan(objects, KANTATA_ROLES="Solution Architect=TA, Project Manager=PM, PSE=PSE")
    assert "SOW-1" in result.keep_sows  # the list replaces the default one: no PSE mapping
    result = plan(
        objects,
        KANTATA_ROLES="Solution Architect=TA, Project Manager=PM, "
        "Professional Services Engineer=PSE",
    )
    assert ("SOW-2", "tia@example.com", "TA", D(2026, 12, 14), "soft") in hours_of(result)
    assert result.keep_sows == set()


def test_the_lowest_resource_sets_the_rate_of_a_shared_slot():
    objects = kantata_objects()
    objects["workspace_resources"]["25"] = {**objects["workspace_resources"]["21"], "id": "25"}
    objects["workspace_allocations"]["36"] = {
        **objects["workspace_allocations"]["32"],
        "id": "36",
        "workspace_resource_id": "25",  # no Bill Rate of its own
    }
    slot = [b for b in plan(objects).bookings if b.week_start == D(2026, 12, 21)]
    assert [(b.hours, b.bill_rate) for b in slot] == [(Decimal(40), Decimal(180))]


def test_a_formatted_amount_reads_as_its_number():
    objects = kantata_objects()
    objects["custom_field_values"]["521"].update(display_value="$1,200.50", value=None)
    rates = {b.bill_rate for b in plan(objects).bookings if b.person_email == "pat@example.com"}
    assert rates == {Decimal("1200.50")}


# --- milestones ------------------------------------------------------------------------------


def test_milestones_that_do_not_fit_are_skipped():
    objects = kantata_objects()
    objects["stories"]["43"] = {**objects["stories"]["41"], "id": "43"}
    objects["custom_field_values"]["532"] = {
        "id": "532",
        "subject_type": "Story",
        "subject_id": "40",
        "custom_field_name": "Sign-off Received",
        "display_value": "2026-12-01",
    }
    result = plan(objects)
    assert result.skipped["milestones"] == [
        "milestone 40 'Design sign-off' of SOW-2: custom field 'Sign-off Received': "
        "2026-12-01 is before signoff_sent 2026-12-16",
        "milestone 43 'Go-live' of SOW-2: same name as story 41",
    ]
    assert {story: m.name for story, m in result.milestones.items()} == {"41": "Go-live"}
    assert result.keep_milestone_sows == {"SOW-2"}  # its other milestones are not removed


def test_tasks_are_not_milestones():
    assert set(plan(kantata_objects()).milestones) == {"40", "41"}


# --- payloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda o: o["workspace_allocations"]["31"].update(end_date="2026-11-01"),
            "workspace allocation 31: end_date 2026-11-01 is before start_date 2026-11-25",
        ),
        (
            lambda o: o["workspace_allocations"]["31"].update(minutes="480"),
            "workspace allocation 31: 'minutes' is '480', not a whole number of 0 or more",
        ),
        (
            lambda o: o["workspace_allocations"]["31"].update(hard="yes"),
            "workspace allocation 31: 'hard' is 'yes', not true or false",
        ),
        (
            lambda o: o["workspace_allocations"]["31"].update(workspace_resource_id="99"),
            "workspace allocation 31 names workspace resource 99, not sent",
        ),
        (
            lambda o: o["workspaces"]["1"].update(workspace_group_ids="100"),
            "workspace 1: 'workspace_group_ids' is '100', not a list of ids",
        ),
        (
            lambda o: o["custom_field_values"]["500"].pop("custom_field_name"),
            "custom field value 500 has no 'custom_field_name'",
        ),
        (
            lambda o: o["stories"]["40"].update(due_date="15/12/2026"),
            "story 40: 'due_date' is '15/12/2026', not a YYYY-MM-DD date",
        ),
    ],
)
def test_an_unexpected_payload_names_the_object_and_field(change, message):
    objects = kantata_objects()
    change(objects)
    with pytest.raises(KantataPayloadError) as error:
        plan(objects)
    assert str(error.value) == f"unexpected Kantata payload: {message}"
