"""The two sync defects found against Kantata's published reference, point by point.

1. Custom field values name a workspace resource's subject type `Resource` (the documented
   values are Estimate, Story, User, Workspace, WorkspaceGroup, Resource); recorded
   responses spell them in snake_case too. psbot used to look for `WorkspaceResource`, so
   every bill rate was lost.
2. A foreign key is sent only when its association is included ("`workspace_id` will only
   be included in the response if `workspace` is in the list of included associations").
   psbot must ask for what it reads, and the fake must leave out what was not asked for.
"""

import pytest

from bot.integrations.kantata.client import KantataPayloadError
from bot.integrations.kantata.mapping import subject_type_key
from bot.integrations.kantata.sync import sync_kantata
from tests.bot.integrations.kantata.conftest import database_state
from tests.bot.integrations.kantata.sample import kantata_objects
from tests.bot.integrations.kantata.test_mapping import plan


def _rates(objects) -> dict[str, object]:
    return {b.person_email: b.bill_rate for b in plan(objects).bookings}


# --- 1. the resource subject type ---------------------------------------------------------


@pytest.mark.parametrize("subject_type", ["Resource", "resource", "RESOURCE"])
def test_a_resource_value_is_read_by_its_documented_subject_type(subject_type):
    objects = kantata_objects()
    for value_id in ("520", "521"):
        objects["custom_field_values"][value_id]["subject_type"] = subject_type
    rates = _rates(objects)
    assert (rates["pam@example.com"], rates["pat@example.com"]) == (200, 180)


def test_the_undocumented_workspace_resource_type_is_not_read():
    objects = kantata_objects()
    objects["custom_field_values"]["520"]["subject_type"] = "WorkspaceResource"
    assert _rates(objects)["pam@example.com"] is None


def test_subject_types_ignore_case_and_underscores():
    assert subject_type_key("workspace_group") == subject_type_key("WorkspaceGroup")
    assert subject_type_key("Resource") == "resource" != subject_type_key("WorkspaceResource")


def test_the_fake_answers_resource_values_as_documented(client):
    listing = client.list("workspace_resources", include=("custom_field_values",))
    types = {v["subject_type"] for v in listing.objects["custom_field_values"].values()}
    assert {subject_type_key(t) for t in types} == {"resource"}


def test_a_sync_against_the_fake_keeps_the_bill_rates(session_factory, client, settings):
    sync_kantata(session_factory, client, settings)
    rates = {(b[1], b[6]) for b in database_state(session_factory)["bookings"]}
    assert ("pam@example.com", 200) in rates and ("pat@example.com", 180) in rates


# --- 2. foreign keys come with their include ------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "field", "include"),
    [
        ("workspace_allocations", "workspace_id", "workspace"),
        ("stories", "workspace_id", "workspace"),
        ("workspaces", "workspace_group_ids", "workspace_groups"),
    ],
)
def test_the_fake_sends_a_gated_key_only_with_its_include(client, endpoint, field, include):
    bare = client.list(endpoint)
    assert all(field not in obj for obj in bare.objects[endpoint].values())
    full = client.list(endpoint, include=(include,))
    assert all(field in obj for obj in full.objects[endpoint].values())


def test_psbot_asks_for_every_key_it_reads(session_factory, client, settings, fake_kantata):
    sync_kantata(session_factory, client, settings)
    asked = {c.endpoint: set(c.query.get("include", "").split(",")) for c in fake_kantata.calls}
    assert "workspace" in asked["workspace_allocations"]
    assert "workspace" in asked["stories"]
    assert "workspace_groups" in asked["workspaces"]


def test_an_allocation_is_placed_by_its_own_workspace_id(
    session_factory, client, settings, fake_kantata
):
    # Whether a resource's workspace_id is gated is not documented: psbot does not need it.
    for resource in fake_kantata.objects["workspace_resources"].values():
        del resource["workspace_id"]
    sync_kantata(session_factory, client, settings)
    assert len(database_state(session_factory)["bookings"]) == 7


def test_an_allocation_in_no_workspace_is_a_one_line_payload_error():
    objects = kantata_objects()
    del objects["workspace_allocations"]["30"]["workspace_id"]
    del objects["workspace_resources"]["20"]["workspace_id"]
    with pytest.raises(KantataPayloadError) as error:
        plan(objects)
    assert str(error.value) == (
        "unexpected Kantata payload: workspace allocation 30 has no 'workspace_id' "
        "(asked for with include=workspace), nor has its workspace resource"
    )


def test_a_story_listed_as_deleted_is_not_a_milestone():
    objects = kantata_objects()
    objects["stories"]["41"]["deleted_at"] = "2026-11-20T10:00:00-05:00"
    assert [m.name for m in plan(objects).milestones.values()] == ["Design sign-off"]
