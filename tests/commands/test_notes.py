"""`/ps notes`: the modal, its picker, validation and storage, through signed requests."""

import datetime as dt
import json
import threading
import time

import pytest
import sqlalchemy as sa

from bot.core.errors import DATABASE_DOWN
from bot.entry.slack_standin.slack_requests import SLACK_ACK_SECONDS
from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.store.models import Note, NoteRevision, Project
from messages import ids
from messages.notes_modal_builder import field_block_id
from tests.conftest import ADMIN_ID

WEEK = "2026-W48"
RAID = "https://gitlab.example.com/acme/raid/-/issues/1"
EPIC = "https://gitlab.example.com/groups/acme/-/epics/2"


def form(**overrides):
    """View state as Slack sends it for the notes modal."""
    fields = {
        "progress": "UAT started; cut-over planned for Dec 8",
        "internal": "green",
        "customer": "green",
        "issue": "",
        "assistance": "",
        "dri_ids": [],
        "raid_url": "",
        "epic_url": "",
        "forecast_push": "",
        "upside": "",
        "work_exception_url": "",
        "change_order_url": "",
        "work_at_risk_url": "",
        **overrides,
    }
    values = {}
    for name, value in fields.items():
        if name in ("internal", "customer"):
            element = {
                "type": "radio_buttons",
                "selected_option": {"value": value} if value else None,
            }
        elif name == "dri_ids":
            element = {"type": "multi_users_select", "selected_users": value}
        else:
            element = {"type": "plain_text_input", "value": value or None}
        values[name] = {"value": element}
    return values


def submit(
    slack, project_id, user_id="U0PM", view_id="V1", view_hash="h1", values=None, **overrides
):
    payload = {
        "type": "view_submission",
        "user": {"id": user_id},
        "trigger_id": "t.submit",
        "view": {
            "id": view_id,
            "type": "modal",
            "hash": view_hash,
            "callback_id": ids.NOTES_VIEW,
            "private_metadata": json.dumps({"project_id": project_id}),
            "state": {"values": values or form(**overrides)},
        },
    }
    return slack.interactive(payload)


def errors_of(response):
    assert response.status == 200
    body = json.loads(response.body) if response.body else {}
    return body.get("errors", {}) if body.get("response_action") == "errors" else {}


def notes(ctx):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(Note).order_by(Note.week)))


def revisions(ctx):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(NoteRevision).order_by(NoteRevision.id)))


def opened_view(fake_slack):
    call = fake_slack.wait_for("views.open")[-1]
    view = call.params["view"]
    return call, json.loads(view) if isinstance(view, str) else view


def picked_view(slack, fake_slack, project_id, user_id="U0PM"):
    """Pick `project_id` in the open modal's picker (view V9): the views.update call, and
    the view it sent."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.pick",
        "view": {"id": "V9", "hash": "h9", "type": "modal"},
        "actions": [
            {
                "action_id": ids.NOTES_PICK_PROJECT,
                "block_id": "project",
                "type": "static_select",
                "selected_option": {"value": str(project_id)},
            }
        ],
    }
    updates = len(fake_slack.calls_to("views.update"))
    assert slack.interactive(payload).status == 200
    call = fake_slack.wait_for("views.update", count=updates + 1)[-1]
    view = call.params["view"]
    return call, json.loads(view) if isinstance(view, str) else view


def block(view, block_id):
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def field(view, name):
    """The input for note field `name` in the form of the view's project."""
    project_id = json.loads(view["private_metadata"])["project_id"]
    return block(view, field_block_id(name, project_id))


def shown_value(element):
    """What an input shows before the user changes it, as `form` takes it."""
    if element["type"] == "radio_buttons":
        return (element.get("initial_option") or {}).get("value")
    if element["type"] == "multi_users_select":
        return element.get("initial_users") or []
    return element.get("initial_value") or ""


def submit_view(slack, view, user_id="U0PM", view_id="V9", **typed):
    """Submit the form in `view` as Slack would: what it shows, with `typed` changed."""
    project_id = json.loads(view["private_metadata"])["project_id"]
    shown = {name: shown_value(field(view, name)["element"]) for name in form()}
    values = {
        field_block_id(name, project_id): value
        for name, value in form(**{**shown, **typed}).items()
    }
    return submit(slack, project_id, user_id, view_id, values=values)


def text_of(view) -> str:
    return json.dumps(view, ensure_ascii=False)


# --- opening the modal ---------------------------------------------------------------


def test_notes_for_a_project_opens_the_modal_with_the_trigger(slack, fake_slack, portfolio):
    response = slack.command("notes sow-1")
    assert response.status == 200 and response.body == ""
    call, view = opened_view(fake_slack)
    assert call.params["trigger_id"].startswith("trigger.")
    assert view["callback_id"] == ids.NOTES_VIEW
    assert json.loads(view["private_metadata"]) == {"project_id": portfolio.rollout.id}
    assert "Acme — Rollout (SOW-1)" in json.dumps(view, ensure_ascii=False)
    assert field(view, "progress")["element"]["max_length"] == 150
    for name in ("internal", "customer", "raid_url", "epic_url", "dri_ids"):
        assert field(view, name)["type"] == "input"


def test_modal_is_prefilled_from_the_latest_note(slack, fake_slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        fields = NoteFields(
            "Last week's words",
            Temperature.YELLOW,
            Temperature.GREEN,
            dri_ids=("U0PAT",),
            raid_url=RAID,
            epic_url=EPIC,
        )
        save_note(session, portfolio.rollout.id, "2026-W47", fields, "U0PM", ctx.now())
    slack.command("notes sow-1")
    _, view = opened_view(fake_slack)
    assert field(view, "progress")["element"]["initial_value"] == "Last week's words"
    assert field(view, "internal")["element"]["initial_option"]["value"] == "yellow"
    assert field(view, "dri_ids")["element"]["initial_users"] == ["U0PAT"]
    assert field(view, "raid_url")["element"]["initial_value"] == RAID


def test_links_missing_from_the_latest_note_are_prefilled_from_the_project(
    slack, fake_slack, portfolio, ctx
):
    on_record = "https://gitlab.example.com/acme/raid"
    with ctx.session_factory.begin() as session:
        project = session.get(Project, portfolio.rollout.id)
        project.raid_url, project.epic_url = on_record, EPIC
        fields = NoteFields("All good", Temperature.GREEN, Temperature.GREEN, raid_url=RAID)
        save_note(session, portfolio.rollout.id, "2026-W47", fields, "U0PM", ctx.now())
    slack.command("notes sow-1")
    _, view = opened_view(fake_slack)
    assert field(view, "raid_url")["element"]["initial_value"] == RAID  # the note's comes first
    assert field(view, "epic_url")["element"]["initial_value"] == EPIC
    # Turning the project Yellow needs no links pasted: psbot has them.
    assert errors_of(submit_view(slack, view, internal="yellow")) == {}
    assert (notes(ctx)[-1].raid_url, notes(ctx)[-1].epic_url) == (RAID, EPIC)


def test_a_first_note_is_prefilled_with_the_projects_links(slack, fake_slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        session.get(Project, portfolio.rollout.id).raid_url = RAID
    slack.command("notes sow-1")
    _, view = opened_view(fake_slack)
    assert field(view, "raid_url")["element"]["initial_value"] == RAID
    assert "initial_value" not in field(view, "epic_url")["element"]  # none on record


def test_someone_else_cannot_open_a_projects_note(slack, fake_slack, portfolio):
    reply = slack.ask("notes sow-1", user_id="U0PAT")
    assert "You can't write the note for Acme — Rollout (SOW-1)" in reply["text"]
    assert fake_slack.calls_to("views.open") == []


def test_unknown_project(slack, fake_slack, portfolio):
    assert "No project matches 'zzz'" in slack.ask("notes zzz")["text"]
    assert fake_slack.calls_to("views.open") == []


def suggested(slack, view, typed="", user_id="U0PM"):
    """What Slack gets for the open modal's project picker when `typed` is in it: a
    signed block_suggestion request, as Slack sends one per keystroke."""
    picker = block(view, "project")["accessory"]
    assert picker["type"] == "external_select" and picker["min_query_length"] <= 1
    payload = {
        "type": "block_suggestion",
        "user": {"id": user_id},
        "action_id": picker["action_id"],
        "block_id": "project",
        "value": typed,
        "container": {"type": "view", "view_id": "V9"},
        "view": {**view, "id": "V9", "hash": "h9", "state": {"values": {}}},
    }
    response = slack.interactive(payload)
    assert response.status == 200
    answer = json.loads(response.body)
    count = sum(len(g["options"]) for g in answer.get("option_groups", [])) + len(
        answer.get("options", [])
    )
    assert count <= 100  # Slack's limit for one answer
    for group in answer.get("option_groups", []):
        assert len(group["label"]["text"]) <= 75
        for option in group["options"]:  # Block Kit's limits for an option
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
    return answer


def picker_groups(slack, view, typed="", user_id="U0PM"):
    """The picker's options for `typed`, by group label."""
    return {
        g["label"]["text"]: [o["text"]["text"] for o in g["options"]]
        for g in suggested(slack, view, typed, user_id).get("option_groups", [])
    }


def test_without_project_the_modal_starts_with_a_picker(slack, fake_slack, portfolio, ctx):
    data = portfolio
    other_pm = data.person("Olga Other", "U0OLGA")
    data.project("SOW-9", "Initech", "Upgrade", pm=other_pm, top_customer=True)
    slack.command("notes")
    _, view = opened_view(fake_slack)
    assert "submit" not in view
    # Only the projects Pam may write: not Olga's Top Customer project. The one that owes
    # this week's note comes first.
    assert picker_groups(slack, view) == {
        "Your projects": ["⭐ Acme — Rollout (SOW-1)", "Acme — Migration (SOW-2)"]
    }
    assert "Showing" not in text_of(view)


def test_picking_a_project_updates_the_modal_to_its_form(slack, fake_slack, portfolio):
    call, view = picked_view(slack, fake_slack, portfolio.rollout.id)
    assert call.params["view_id"] == "V9" and call.params["hash"] == "h9"
    assert json.loads(view["private_metadata"]) == {"project_id": portfolio.rollout.id}
    assert view["submit"]["text"] == "Save note"


def test_edit_button_reopens_the_modal(slack, fake_slack, portfolio):
    payload = {
        "type": "block_actions",
        "user": {"id": "U0PM"},
        "trigger_id": "t.edit",
        "channel": {"id": "D0PM"},
        "actions": [
            {"action_id": ids.NOTES_OPEN, "type": "button", "value": str(portfolio.rollout.id)}
        ],
    }
    assert slack.interactive(payload).status == 200
    call, view = opened_view(fake_slack)
    assert call.params["trigger_id"] == "t.edit"
    assert json.loads(view["private_metadata"])["project_id"] == portfolio.rollout.id


# --- submitting ------------------------------------------------------------------------


def test_valid_submission_is_stored_and_confirmed(slack, fake_slack, portfolio, ctx):
    response = submit(slack, portfolio.rollout.id, dri_ids=["U0PAT"])
    assert errors_of(response) == {} and response.body == ""
    (note,) = notes(ctx)
    assert (note.week, note.progress, note.internal_temp) == (
        WEEK,
        "UAT started; cut-over planned for Dec 8",
        "green",
    )
    assert note.dri_ids == ["U0PAT"] and note.author_id == "U0PM"
    confirmation = fake_slack.wait_for("chat.postMessage")[-1].params
    assert confirmation["channel"] == "U0PM"
    blocks = confirmation["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert any(
        e.get("action_id") == ids.NOTES_OPEN and e.get("value") == str(portfolio.rollout.id)
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_editing_this_weeks_note_keeps_revisions(slack, portfolio, ctx):
    submit(slack, portfolio.rollout.id, view_id="V1", progress="First")
    submit(slack, portfolio.rollout.id, view_id="V2", progress="Second")
    (note,) = notes(ctx)
    assert note.progress == "Second"
    assert [r.fields["progress"] for r in revisions(ctx)] == ["First", "Second"]


def test_earlier_weeks_are_never_overwritten(slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        fields = NoteFields("Old week", Temperature.GREEN, Temperature.GREEN)
        save_note(session, portfolio.rollout.id, "2026-W47", fields, "U0PM", ctx.now())
    submit(slack, portfolio.rollout.id, progress="This week")
    assert [(n.week, n.progress) for n in notes(ctx)] == [
        ("2026-W47", "Old week"),
        (WEEK, "This week"),
    ]


def test_the_week_is_the_reporting_zones_week(slack, portfolio, ctx, clock):
    # Sunday 29 Nov 23:30 in New York is Monday 04:30 UTC: still week 48 in the report.
    clock.set(dt.datetime(2026, 11, 30, 4, 30, tzinfo=dt.UTC))
    submit(slack, portfolio.rollout.id)
    assert notes(ctx)[0].week == WEEK


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"progress": ""}, "progress", "Write a one-line progress update."),
        ({"progress": "   \t "}, "progress", "Write a one-line progress update."),
        ({"progress": "x" * 151}, "progress", "Keep it to 150 characters (now 151)."),
        ({"issue": "y" * 10_000}, "issue", "Keep it to 1000 characters (now 10000)."),
        ({"internal": None}, "internal", "Pick Red, Yellow or Green."),
        ({"customer": "purple"}, "customer", "Pick Red, Yellow or Green."),
        (
            {"internal": "red", "epic_url": EPIC},
            "raid_url",
            "A Yellow or Red project needs its RAID link.",
        ),
        (
            {"customer": "yellow", "raid_url": RAID},
            "epic_url",
            "A Yellow or Red project needs its internal customer epic link.",
        ),
        (
            {"raid_url": "javascript:alert(1)"},
            "raid_url",
            "Paste a full link starting with https://",
        ),
        (
            {"epic_url": "ftp://files.example.com/x"},
            "epic_url",
            "Paste a full link starting with https://",
        ),
        ({"raid_url": "https://x.com/a b"}, "raid_url", "A link can't contain spaces or < > |."),
        (
            {"raid_url": "https://[gitlab.example.com/a/b/-/issues/1"},
            "raid_url",
            "Paste a full link starting with https://",
        ),
        (
            {"work_exception_url": "WE-123"},
            "work_exception_url",
            "Paste a full link starting with https://",
        ),
        (
            {"change_order_url": "javascript:alert(1)"},
            "change_order_url",
            "Paste a full link starting with https://",
        ),
        (
            {"work_at_risk_url": "https://x.com/<war>"},
            "work_at_risk_url",
            "A link can't contain spaces or < > |.",
        ),
        (
            {"work_at_risk_url": "https://x.com/" + "w" * 2000},
            "work_at_risk_url",
            "Keep links under 2000 characters.",
        ),
    ],
)
def test_bad_fields_are_shown_inline_and_nothing_is_stored(
    slack, portfolio, ctx, overrides, field, message
):
    errors = errors_of(submit(slack, portfolio.rollout.id, **overrides))
    assert errors.get(field) == message
    assert notes(ctx) == []


def test_red_with_both_links_is_accepted(slack, portfolio, ctx):
    response = submit(
        slack,
        portfolio.rollout.id,
        internal="red",
        raid_url=RAID,
        epic_url=EPIC,
        issue="Blocked on firewall; action: CAB on Dec 2",
    )
    assert errors_of(response) == {}
    assert notes(ctx)[0].internal_temp == "red"


WE_LINK = "https://gitlab.example.com/ps/plan/-/issues/31"
WAR_LINK = "https://gitlab.example.com/ps/plan/-/issues/32"


def test_open_we_co_war_are_stored_prefilled_and_shown_beside_the_raid_link(
    slack, fake_slack, portfolio, ctx
):
    response = submit(
        slack,
        portfolio.rollout.id,
        internal="yellow",
        raid_url=RAID,
        epic_url=EPIC,
        work_exception_url=WE_LINK,
        work_at_risk_url=WAR_LINK,
    )
    assert errors_of(response) == {}
    (note,) = notes(ctx)
    assert (note.work_exception_url, note.change_order_url, note.work_at_risk_url) == (
        WE_LINK,
        "",
        WAR_LINK,
    )
    assert revisions(ctx)[0].fields["work_at_risk_url"] == WAR_LINK
    blocks = fake_slack.wait_for("chat.postMessage")[-1].params["blocks"]
    confirmation = text_of(json.loads(blocks) if isinstance(blocks, str) else blocks)
    assert (
        f"<{RAID}|RAID> · <{EPIC}|Epic> · <{WE_LINK}|Work Exception> · <{WAR_LINK}|Work at Risk>"
    ) in confirmation
    assert "Change Order" not in confirmation
    slack.command("notes sow-1")
    _, view = opened_view(fake_slack)
    assert field(view, "work_exception_url")["element"]["initial_value"] == WE_LINK
    assert "initial_value" not in field(view, "change_order_url")["element"]
    assert field(view, "work_at_risk_url")["label"]["text"] == "Work at Risk link, if one is open"


HOSTILE = ["<!channel>", "<@U0ADMIN>", "<https://evil.example|click>", "*bold*", "&lt;"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_literally_and_never_posted_raw(
    slack, fake_slack, portfolio, ctx, text
):
    submit(
        slack,
        portfolio.rollout.id,
        progress=text,
        issue=text,
        assistance=text,
        forecast_push=text,
        upside=text,
    )
    assert notes(ctx)[0].progress == text
    posted = fake_slack.wait_for("chat.postMessage")[-1].params
    everything = posted["text"] + json.dumps(posted["blocks"])
    assert "<!channel>" not in everything
    assert "<https://evil.example|click>" not in everything
    assert "<@U0ADMIN>" not in everything


def test_project_removed_while_writing(slack, portfolio, ctx):
    with ctx.session_factory.begin() as session:
        session.delete(session.get(Project, portfolio.rollout.id))
    errors = errors_of(submit(slack, portfolio.rollout.id))
    assert "removed from psbot while you were writing" in errors["progress"]


def test_people_who_may_not_write_are_refused(slack, portfolio, ctx):
    errors = errors_of(submit(slack, portfolio.rollout.id, user_id="U0PAT"))
    assert "Only the project's PM" in errors["progress"]
    assert notes(ctx) == []


def test_dri_on_the_latest_note_and_admins_may_write(slack, portfolio, ctx):
    submit(slack, portfolio.rollout.id, view_id="V1", dri_ids=["U0PAT"])
    assert errors_of(submit(slack, portfolio.rollout.id, user_id="U0PAT", view_id="V2")) == {}
    assert errors_of(submit(slack, portfolio.rollout.id, user_id=ADMIN_ID, view_id="V3")) == {}
    assert [r.author_id for r in revisions(ctx)] == ["U0PM", "U0PAT", ADMIN_ID]


def test_a_replayed_submission_is_stored_once(slack, portfolio, ctx):
    submit(slack, portfolio.rollout.id, view_id="V1", view_hash="h1")
    submit(slack, portfolio.rollout.id, view_id="V1", view_hash="h1")
    assert len(revisions(ctx)) == 1


def test_two_people_submitting_at_once_lose_nothing(slack, portfolio, ctx):
    barrier = threading.Barrier(2)

    def send(user_id, view_id, progress):
        barrier.wait()
        submit(slack, portfolio.rollout.id, user_id=user_id, view_id=view_id, progress=progress)

    threads = [
        threading.Thread(target=send, args=("U0PM", "VA", "from the PM")),
        threading.Thread(target=send, args=(ADMIN_ID, "VB", "from the admin")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (note,) = notes(ctx)
    kept = [r.fields["progress"] for r in revisions(ctx)]
    assert sorted(kept) == ["from the PM", "from the admin"]
    assert note.progress == kept[-1]


def test_slack_failing_after_the_save_keeps_the_note(slack, fake_slack, portfolio, ctx):
    fake_slack.fail("chat.postMessage", 500, times=10)
    response = submit(slack, portfolio.rollout.id)
    assert errors_of(response) == {}
    assert len(notes(ctx)) == 1
    fake_slack.wait_for("chat.postMessage", count=3)  # tried, retried twice, given up
    fake_slack.wait_for("views.publish")  # and App Home is still refreshed


def test_a_note_submitted_while_the_database_is_locked_is_answered_in_time(
    slack, portfolio, ctx, write_locked
):
    # Held for longer than Slack waits for the modal's answer: the modal must hear back
    # in time, with its text kept.
    with write_locked():
        started = time.monotonic()
        errors = errors_of(submit(slack, portfolio.rollout.id))
        waited = time.monotonic() - started
    assert waited < SLACK_ACK_SECONDS
    assert errors == {"progress": DATABASE_DOWN}
    assert notes(ctx) == []
