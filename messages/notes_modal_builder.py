"""The weekly notes modal, and reading its submitted state back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.pmo.notes import (
    EXCEPTIONS,
    LINK_FIELDS,
    LONG_TEXT_MAX,
    PROGRESS_MAX,
    SHORT_TEXT_MAX,
    URL_MAX,
    NoteFields,
    Temperature,
)
from messages import ids
from messages.escape import escape_mrkdwn
from messages.home_builder import deadline_sentence, due_text, missing_note
from messages.pickers import PickerProject, project_option

VALUE = "value"
# Slack keeps what was typed into an input across views.update while its block_id and
# action_id stay the same. Each project's form has its own block_ids (name, separator,
# project id), so switching project in the picker can't carry one project's text into
# another project's note.
PROJECT_SEPARATOR = "-"
PICK_PROMPT = "Pick a project to write this week's note."
NOTHING_TO_WRITE = (
    "There is no project whose note you can write. A project's note is written by its PM, "
    "the DRI and contributors on its latest note, or a PMO admin; if a project of yours is "
    "missing, ask PS Ops."
)
EXCEPTION_HINT = (
    "The report shows it beside the RAID link, for the review of WE, CO and WaR "
    "on a Yellow or Red project."
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
    project_id: int | None = None,
    project_raid_url: str = "",
    project_epic_url: str = "",
    pickable: bool = False,
    selected: PickerProject | None = None,
    notice: str | None = None,
    due: dt.datetime | None = None,
    due_passed: bool = False,
    noted: bool = False,
) -> View:
    """The notes form for one project; with a picker of the projects the user may write
    when there are any (`pickable`), or why there is nothing to pick.

    The inputs' block_ids carry `project_id` (see `field_block_id`). The RAID and epic
    links the project has on record fill in for those the latest note lacks: a Yellow
    or Red note needs them, and psbot already knows them.

    A project that owes a note has its deadline `due`; the form says it is due, or
    overdue once `due_passed` and not yet `noted` this week, as App Home does."""
    blocks: list[Block] = []
    if pickable:
        blocks.append(_picker(selected))
    if project_title is None:
        prompt = PICK_PROMPT if pickable else NOTHING_TO_WRITE
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
        when = due_text(due)
        state = deadline_sentence if noted else missing_note
        header += "\n" + state(when, passed=due_passed)
    blocks.append(_context(header))
    blocks.extend(_fields(prefill, project_id, project_raid_url, project_epic_url))
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


def field_block_id(name: str, project_id: int | None) -> str:
    """The block_id of the input for note field `name` in `project_id`'s form."""
    return name if project_id is None else f"{name}{PROJECT_SEPARATOR}{project_id}"


def _field_name(block_id: str) -> str:
    """The note field a submitted block_id holds (see `field_block_id`)."""
    return block_id.partition(PROJECT_SEPARATOR)[0]


def _picker(selected: PickerProject | None) -> SectionBlock:
    """Slack asks psbot for the options as the user types (`commands.notes` answers the
    block_suggestion): any of a thousand projects is a few keystrokes away."""
    select = ExternalDataSelectElement(
        action_id=ids.NOTES_PICK_PROJECT,
        placeholder="Type a SOW, customer or project",
        initial_option=project_option(selected) if selected else None,
        min_query_length=0,
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


def _fields(
    prefill: NoteFields | None, project_id: int | None, project_raid_url: str, project_epic_url: str
) -> list[Block]:
    note = prefill

    def named(name: str) -> str:
        return field_block_id(name, project_id)

    return [
        _text_input(
            named("progress"),
            "One-line progress update",
            note.progress if note else "",
            PROGRESS_MAX,
            optional=False,
            placeholder="Where the project stands this week",
        ),
        _temperature(named("internal"), "Internal temperature", note.internal if note else None),
        _temperature(named("customer"), "Customer temperature", note.customer if note else None),
        _text_input(
            named("issue"),
            "Issue: problem, proposed action, timing of the fix",
            note.issue if note else "",
            LONG_TEXT_MAX,
            multiline=True,
        ),
        _text_input(
            named("assistance"),
            "Assistance needed",
            note.assistance if note else "",
            LONG_TEXT_MAX,
            multiline=True,
        ),
        InputBlock(
            block_id=named("dri_ids"),
            label="DRI & contributors",
            optional=True,
            element=UserMultiSelectElement(
                action_id=VALUE,
                placeholder="Pick people",
                initial_users=list(note.dri_ids) if note and note.dri_ids else None,
            ),
        ),
        _text_input(
            named("raid_url"),
            "RAID link",
            (note.raid_url if note else "") or project_raid_url,
            URL_MAX,
            hint="Required when either temperature is Yellow or Red.",
            placeholder="https://",
        ),
        _text_input(
            named("epic_url"),
            "Internal customer epic link",
            (note.epic_url if note else "") or project_epic_url,
            URL_MAX,
            hint="Required when either temperature is Yellow or Red.",
            placeholder="https://",
        ),
        *(
            _text_input(
                named(name),
                f"{label} link, if one is open",
                getattr(note, name) if note else "",
                URL_MAX,
                hint=EXCEPTION_HINT,
                placeholder="https://",
            )
            for name, label in EXCEPTIONS
        ),
        _text_input(
            named("forecast_push"),
            "Forecast push: what pushed and why",
            note.forecast_push if note else "",
            SHORT_TEXT_MAX,
            multiline=True,
        ),
        _text_input(
            named("upside"),
            "Upside callout",
            note.upside if note else "",
            SHORT_TEXT_MAX,
            multiline=True,
            placeholder='e.g. can only soft-forecast "x" because of "y"',
        ),
    ]


def read_notes_form(values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The submitted view state as the raw dict `bot.pmo.notes.validate_note` takes."""
    by_name = {_field_name(block_id): actions for block_id, actions in values.items()}

    def element(name: str) -> Mapping[str, Any]:
        return by_name.get(name, {}).get(VALUE, {}) or {}

    raw: dict[str, Any] = {}
    for name in ("progress", "issue", "assistance", "forecast_push", "upside", *LINK_FIELDS):
        raw[name] = element(name).get("value") or ""
    for name in ("internal", "customer"):
        raw[name] = (element(name).get("selected_option") or {}).get("value")
    raw["dri_ids"] = element("dri_ids").get("selected_users") or []
    return raw


def form_errors(
    errors: Mapping[str, str], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """Errors by note field name, keyed instead by the submitted form's block_ids, where
    Slack shows them."""
    block_ids = {_field_name(block_id): block_id for block_id in values}
    return {block_ids.get(name, name): problem for name, problem in errors.items()}
