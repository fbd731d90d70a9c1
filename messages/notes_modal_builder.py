"""The weekly notes modal, and reading its submitted state back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.notes import LONG_TEXT_MAX, PROGRESS_MAX, SHORT_TEXT_MAX, URL_MAX, NoteFields, Temperature
from messages import ids
from messages.escape import escape_mrkdwn
from messages.home_builder import deadline_sentence, due_text, missing_note
from messages.pickers import PickerProject, option_groups, project_option

VALUE = "value"
PICK_PROMPT = "Pick a project to write this week's note."
NOTHING_TO_WRITE = (
    "There is no project whose note you can write. A project's note is written by its PM, "
    "the DRI and contributors on its latest note, or a PMO admin; if a project of yours is "
    "missing, ask PS Ops."
)
TEMPERATURE_LABELS = {
    Temperature.RED: ":red_circle: Red",
    Temperature.YELLOW: ":large_yellow_circle: Yellow",
    Temperature.GREEN: ":large_green_circle: Green",
}


def build_notes_modal(
    *,
    week: str,
    metadata: str,
    project_title: str | None,
    prefill: NoteFields | None,
    mine: Sequence[PickerProject] = (),
    others: Sequence[PickerProject] = (),
    selected: PickerProject | None = None,
    notice: str | None = None,
    due: dt.datetime | None = None,
    due_passed: bool = False,
    noted: bool = False,
) -> View:
    """The notes form for one project; with a picker of the projects the user may write
    when they didn't name one, or why there is nothing to pick.

    A project that owes a note has its deadline `due`; the form says it is due, or
    overdue once `due_passed` and not yet `noted` this week, as App Home does."""
    blocks: list[Block] = []
    if mine or others:
        blocks.append(_picker(mine, others, selected))
    if project_title is None:
        prompt = PICK_PROMPT if mine or others else NOTHING_TO_WRITE
        blocks.append(_context(escape_mrkdwn(notice or prompt)))
        return View(
            type="modal",
            callback_id=ids.NOTES_VIEW,
            title="Weekly note",
            close="Cancel",
            blocks=blocks,
            private_metadata=metadata,
        )
    header = f"*{project_title}* · week {week}"
    if due is not None:
        when = escape_mrkdwn(due_text(due, None))
        state = deadline_sentence if noted else missing_note
        header += "\n" + state(when, passed=due_passed)
    blocks.append(_context(header))
    blocks.extend(_fields(prefill))
    return View(
        type="modal",
        callback_id=ids.NOTES_VIEW,
        title="Weekly note",
        submit="Save note",
        close="Cancel",
        blocks=blocks,
        private_metadata=metadata,
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _picker(
    mine: Sequence[PickerProject], others: Sequence[PickerProject], selected: PickerProject | None
) -> SectionBlock:
    groups = option_groups(mine, others, "Other projects (as admin)")
    offered = {option.value for group in groups for option in group.options}
    # Slack refuses a view whose initial option isn't among its options.
    initial = selected if selected and str(selected.project_id) in offered else None
    select = StaticSelectElement(
        action_id=ids.NOTES_PICK_PROJECT,
        placeholder="Choose a project",
        option_groups=groups,
        initial_option=project_option(initial) if initial else None,
    )
    return SectionBlock(block_id="project", text="*Project*", accessory=select)


def _text_input(
    block_id: str,
    label: str,
    initial: str,
    max_length: int,
    *,
    optional: bool = True,
    multiline: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=VALUE,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def _temperature(block_id: str, label: str, initial: Temperature | None) -> InputBlock:
    options = [
        Option(value=t.value, text=PlainTextObject(text=TEMPERATURE_LABELS[t], emoji=True))
        for t in Temperature
    ]
    initial_option = options[list(Temperature).index(initial)] if initial else None
    return InputBlock(
        block_id=block_id,
        label=label,
        element=RadioButtonsElement(
            action_id=VALUE, options=options, initial_option=initial_option
        ),
    )


def _fields(prefill: NoteFields | None) -> list[Block]:
    note = prefill
    return [
        _text_input(
            "progress",
            "One-line progress update",
            note.progress if note else "",
            PROGRESS_MAX,
            optional=False,
            placeholder="Where the project stands this week",
        ),
        _temperature("internal", "Internal temperature", note.internal if note else None),
        _temperature("customer", "Customer temperature", note.customer if note else None),
        _text_input(
            "issue",
            "Issue: problem, proposed action, timing of the fix",
            note.issue if note else "",
            LONG_TEXT_MAX,
            multiline=True,
        ),
        _text_input(
            "assistance",
            "Assistance needed",
            note.assistance if note else "",
            LONG_TEXT_MAX,
            multiline=True,
        ),
        InputBlock(
            block_id="dri_ids",
            label="DRI & contributors",
            optional=True,
            element=UserMultiSelectElement(
                action_id=VALUE,
                placeholder="Pick people",
                initial_users=list(note.dri_ids) if note and note.dri_ids else None,
            ),
        ),
        _text_input(
            "raid_url",
            "RAID link",
            note.raid_url if note else "",
            URL_MAX,
            hint="Required when either temperature is Yellow or Red.",
            placeholder="https://",
        ),
        _text_input(
            "epic_url",
            "Internal customer epic link",
            note.epic_url if note else "",
            URL_MAX,
            hint="Required when either temperature is Yellow or Red.",
            placeholder="https://",
        ),
        _text_input(
            "forecast_push",
            "Forecast push: what pushed and why",
            note.forecast_push if note else "",
            SHORT_TEXT_MAX,
            multiline=True,
        ),
        _text_input(
            "upside",
            "Upside callout",
            note.upside if note else "",
            SHORT_TEXT_MAX,
            multiline=True,
            placeholder='e.g. can only soft-forecast "x" because of "y"',
        ),
    ]


def read_notes_form(values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The submitted view state as the raw dict `bot.notes.validate_note` takes."""

    def element(block_id: str) -> Mapping[str, Any]:
        return values.get(block_id, {}).get(VALUE, {}) or {}

    raw: dict[str, Any] = {}
    for name in (
        "progress",
        "issue",
        "assistance",
        "raid_url",
        "epic_url",
        "forecast_push",
        "upside",
    ):
        raw[name] = element(name).get("value") or ""
    for name in ("internal", "customer"):
        raw[name] = (element(name).get("selected_option") or {}).get("value")
    raw["dri_ids"] = element("dri_ids").get("selected_users") or []
    return raw
