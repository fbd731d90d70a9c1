"""The notes modal's project picker offers exactly the projects whose note the user may
write (SPEC §2: the PM, the DRI and contributors on the latest note, admins)."""

import json

from bot.pmo.notes import NoteFields, Temperature, save_note
from tests.commands.test_notes import (
    block,
    errors_of,
    field,
    notes,
    opened_view,
    picked_view,
    picker_groups,
    submit_view,
    text_of,
)
from tests.conftest import ADMIN_ID


def test_a_dri_is_offered_the_projects_listed_on_their_latest_note(
    slack, fake_slack, portfolio, ctx
):
    data = portfolio
    other_pm = data.person("Olga Other", "U0OLGA")
    upgrade = data.project("SOW-9", "Initech", "Upgrade", pm=other_pm, top_customer=True)
    with ctx.session_factory.begin() as session:
        fields = NoteFields("On track", Temperature.GREEN, Temperature.GREEN, dri_ids=("U0PAT",))
        save_note(session, upgrade.id, "2026-W47", fields, "U0OLGA", ctx.now())
    # Pat is booked on Acme Rollout but not its DRI: he may not write that one.
    slack.command("notes", user_id="U0PAT")
    _, view = opened_view(fake_slack)
    assert picker_groups(slack, view, user_id="U0PAT") == {
        "Your projects": ["⭐ Initech — Upgrade (SOW-9)"]
    }
    _, form = picked_view(slack, fake_slack, upgrade.id, "U0PAT")
    assert form["submit"]["text"] == "Save note"


def test_someone_with_no_note_to_write_is_told_why(slack, fake_slack, portfolio):
    slack.command("notes", user_id="U0PAT")  # booked on Acme Rollout, not its DRI
    _, view = opened_view(fake_slack)
    assert "submit" not in view
    assert [b["type"] for b in view["blocks"]] == ["context"]  # no empty picker
    text = json.dumps(view, ensure_ascii=False)
    assert "There is no project whose note you can write." in text
    assert "its PM, the DRI and contributors on its latest note, or a PMO admin" in text


def test_an_admin_is_offered_every_open_project_top_customers_first(slack, fake_slack, portfolio):
    portfolio.project("SOW-8", "Hooli", "Done", pm=portfolio.pam, status="completed")
    slack.command("notes", user_id=ADMIN_ID)
    _, view = opened_view(fake_slack)
    assert picker_groups(slack, view, user_id=ADMIN_ID) == {
        "Other projects (as admin)": [
            "⭐ Acme — Rollout (SOW-1)",
            "Acme — Migration (SOW-2)",
            "Globex — Platform (SOW-3)",
        ]
    }


def test_a_named_project_is_preselected_even_if_the_picker_would_not_offer_it(
    slack, fake_slack, portfolio
):
    done = portfolio.project("SOW-8", "Hooli", "Done", pm=portfolio.pam, status="completed")
    slack.command("notes sow-8")  # Pam may write it, but completed projects aren't listed
    _, view = opened_view(fake_slack)
    picker = block(view, "project")["accessory"]
    assert picker["initial_option"]["value"] == str(done.id)  # fine for an external select
    assert json.loads(view["private_metadata"]) == {"project_id": done.id}
    assert "Hooli — Done (SOW-8)" not in str(picker_groups(slack, view, "hooli"))


def test_a_long_list_offers_the_projects_owing_a_note_first(slack, fake_slack, portfolio, ctx):
    data = portfolio
    # 130 projects of Pam's in all; the 20 Top Customer ones come last by name.
    for n in range(109):
        data.project(f"SOW-1{n:03d}", f"Customer {n:03d}", pm=data.pam)
    for n in range(19):
        data.project(f"SOW-2{n:03d}", f"Zeta {n:03d}", pm=data.pam, top_customer=True)
    slack.command("notes")
    _, view = opened_view(fake_slack)
    (offered,) = picker_groups(slack, view).values()
    assert len(offered) == 100
    assert all(label.startswith("⭐") for label in offered[:20])
    assert offered[20:22] == ["Acme — Migration (SOW-2)", "Customer 000 — Rollout (SOW-1000)"]
    assert "Showing" not in text_of(view)
    # Typing finds those beyond the first hundred, owing a note first among the matches.
    (found,) = picker_groups(slack, view, "customer 10").values()
    assert found == [f"Customer {n} — Rollout (SOW-1{n})" for n in range(100, 109)]


def test_each_projects_form_has_its_own_inputs(slack, fake_slack, portfolio, ctx):
    # Slack keeps what was typed into an input whose block_id stays the same across
    # views.update: switching project must not carry Acme Rollout's text into Migration.
    _, rollout_form = picked_view(slack, fake_slack, portfolio.rollout.id)
    _, migration_form = picked_view(slack, fake_slack, portfolio.migration.id)
    assert not input_ids(rollout_form) & input_ids(migration_form)

    # Its submission is read, and its errors are shown on its own inputs.
    typed = {"progress": "Migration on track", "internal": "green"}
    errors = errors_of(submit_view(slack, migration_form, customer="red", **typed))
    assert set(errors) == {
        field(migration_form, "raid_url")["block_id"],
        field(migration_form, "epic_url")["block_id"],
    }
    assert errors_of(submit_view(slack, migration_form, customer="green", **typed)) == {}
    (note,) = notes(ctx)
    assert (note.project_id, note.progress) == (portfolio.migration.id, "Migration on track")


def input_ids(view):
    return {block["block_id"] for block in view["blocks"] if block["type"] == "input"}
