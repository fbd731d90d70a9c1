"""Modal forms: answers become the view state Slack would send."""

from __future__ import annotations

import pytest

from bot.core.errors import UserError
from bot.entry.shell.forms import (
    BadAnswer,
    FormCancelled,
    FormFiller,
    PressAction,
    initial_state,
    input_fields,
)
from bot.entry.shell.render import Renderer
from bot.entry.slack_standin.workspace import Workspace
from bot.pmo.notes import NoteFields, Temperature
from messages.notes_modal_builder import build_notes_modal, read_notes_form

RADIO = {
    "type": "radio_buttons",
    "action_id": "value",
    "options": [
        {"text": {"type": "plain_text", "text": f":{c}_circle: {n}"}, "value": n.lower()}
        for c, n in (("red", "Red"), ("large_yellow", "Yellow"), ("large_green", "Green"))
    ],
}


@pytest.fixture
def workspace() -> Workspace:
    workspace = Workspace()
    workspace.add_people(
        [
            ("U01DANA", "Dana Kim", "dana.kim@example.com", None),
            ("U01LEO", "Leo Rossi", "leo.rossi@example.com", None),
            ("U01LEA", "Lea Stone", "lea.stone@example.com", None),
        ]
    )
    return workspace


def filler(workspace, answers):
    said = []
    typed = iter(answers)
    return FormFiller(lambda prompt: next(typed), said.append, Renderer(workspace), workspace), said


def test_radio_buttons_by_number_by_name_and_refused(workspace):
    form, said = filler(workspace, ["7", "yellow", "1"])
    assert (
        form.ask_element(RADIO, {"type": "radio_buttons"})["selected_option"]["value"] == "yellow"
    )
    assert "  Pick a number from 1 to 3." in said
    assert "    2) 🟡 Yellow" in said
    assert form.ask_element(RADIO, {"type": "radio_buttons"})["selected_option"]["value"] == "red"


def test_people_by_handle_email_or_id(workspace):
    element = {"type": "multi_users_select", "action_id": "value"}
    parsed = FormFiller(None, None, Renderer(workspace), workspace).parse(
        element, "@dana, leo.rossi@example.com, U01LEA, dana", []
    )
    assert parsed == {
        "type": "multi_users_select",
        "selected_users": ["U01DANA", "U01LEO", "U01LEA"],
    }
    with pytest.raises(UserError, match="'le' could be @lea, @leo; say which"):
        FormFiller(None, None, Renderer(workspace), workspace).parse(element, "le", [])


@pytest.mark.parametrize(
    ("element", "answer", "problem"),
    [
        ({"type": "datepicker"}, "next week", "Type a date as YYYY-MM-DD"),
        ({"type": "timepicker"}, "25:00", "Type a time as HH:MM"),
        ({"type": "plain_text_input", "max_length": 5}, "too long", "Keep it to 5 characters"),
        ({"type": "number_input", "min_value": "1", "max_value": "9"}, "12", "from 1 to 9"),
    ],
)
def test_answers_the_element_cannot_take(workspace, element, answer, problem):
    with pytest.raises(BadAnswer, match=problem):
        FormFiller(None, None, Renderer(workspace), workspace).parse(element, answer, [])


def test_enter_keeps_dash_clears_and_commands_escape(workspace):
    current = {"type": "plain_text_input", "value": "On track"}
    element = {"type": "plain_text_input", "action_id": "value"}
    form, said = filler(workspace, ["", "-", ":cancel", ":click 4"])
    assert form.ask_element(element, current) == current
    assert "  now: On track   (Enter keeps it, - clears it)" in said
    assert form.ask_element(element, current) == {"type": "plain_text_input", "value": None}
    with pytest.raises(FormCancelled):
        form.ask_element(element, current)
    with pytest.raises(PressAction) as pressed:
        form.ask_element(element, current)
    assert pressed.value.number == 4


def test_a_required_field_is_asked_until_answered(workspace):
    view = build_notes_modal(week="2026-W48", metadata="{}", project_title="Acme", prefill=None)
    progress = input_fields(view.to_dict())[0]
    form, said = filler(workspace, ["", "Kick-off done"])
    state = form.ask_field(progress, {"type": "plain_text_input", "value": None})
    assert state["value"] == "Kick-off done"
    assert "  This field is required." in said


def test_the_state_is_what_the_app_reads_back(workspace):
    prefill = NoteFields(
        "Last week",
        Temperature.YELLOW,
        Temperature.GREEN,
        dri_ids=("U01DANA",),
        raid_url="https://r",
    )
    view = build_notes_modal(week="2026-W48", metadata="{}", project_title="Acme", prefill=prefill)
    fields = input_fields(view.to_dict())
    state = initial_state(fields)
    form, _ = filler(
        workspace, ["New words", "3", "", "", "", "@leo", "", "", "", "https://co", "", "", ""]
    )
    form.fill(fields, state)
    assert read_notes_form(state) == {
        "progress": "New words",
        "issue": "",
        "assistance": "",
        "raid_url": "https://r",
        "epic_url": "",
        "work_exception_url": "",
        "change_order_url": "https://co",
        "work_at_risk_url": "",
        "forecast_push": "",
        "upside": "",
        "internal": "green",
        "customer": "green",
        "dri_ids": ["U01LEO"],
    }


def test_after_errors_only_those_fields_are_asked(workspace):
    view = build_notes_modal(week="2026-W48", metadata="{}", project_title="Acme", prefill=None)
    fields = input_fields(view.to_dict())
    state = initial_state(fields)
    form, said = filler(workspace, ["https://raid.example"])
    form.fill(fields, state, {"raid_url": "A Yellow or Red project needs its RAID link."})
    assert state["raid_url"]["value"]["value"] == "https://raid.example"
    assert "  ✖ A Yellow or Red project needs its RAID link." in said
    assert not any("Internal temperature" in line for line in said)
