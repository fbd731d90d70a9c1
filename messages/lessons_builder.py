"""Lessons learned and customer stories: the capture modal, and what its author hears."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import InputBlock, Option, PlainTextObject, StaticSelectElement
from slack_sdk.models.views import View

from bot.core.terms import LESSON_LABELS
from bot.pmo.lessons import describe
from bot.pmo.wins import typed_text
from messages import ids
from messages.escape import escape_mrkdwn
from messages.pickers import PickerProject
from messages.wins_builder import VALUE, project_input, text_input

# What each handbook label is about, as the label picker says it.
LABEL_HINTS = {
    "llPsProcess": "PS process",
    "llProduct": "the product",
    "llExpectation": "expectations",
    "llSupport": "support",
    "llFinanceDelays": "finance delays",
    "CustomerStory": "a customer story",
}


def build_lesson_modal(
    *,
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    selected: PickerProject | None,
    text: str,
    metadata: str,
) -> View:
    """What was learned, its handbook label, and the project it is for."""
    options = [
        Option(value=label, text=PlainTextObject(text=f"{label} — {LABEL_HINTS[label]}"))
        for label in LESSON_LABELS
    ]
    return View(
        type="modal",
        callback_id=ids.LESSON_VIEW,
        title="Lesson learned",
        submit="Record",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id="label",
                label="Label",
                hint="The handbook's labels, as the retrospective issue uses them.",
                element=StaticSelectElement(
                    action_id=VALUE, placeholder="Choose a label", options=options
                ),
            ),
            text_input("What was learned?", text),
            project_input(mine, others, selected, optional=True),
        ],
    )


def read_lesson_form(values: dict[str, Any]) -> dict[str, Any]:
    """The lesson modal's state: label (or ""), text (typed characters), project id."""

    def element(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(VALUE, {}) or {}

    project = element("project").get("selected_option") or {}
    return {
        "label": (element("label").get("selected_option") or {}).get("value") or "",
        "text": typed_text(element("text").get("value") or ""),
        "project_id": int(project["value"]) if project.get("value") else None,
    }


def build_lesson_recorded(label: str, project_title: str | None, journal: bool) -> str:
    """What the author hears: what was recorded, for which project, and where it goes."""
    where = f" for *{escape_mrkdwn(project_title)}*" if project_title else ""
    said = f":bulb: Recorded a {describe(label)}{where}; `/ps wins --format md` exports it"
    if journal:
        said += f", and it is noted on the project's journal issue with the `{label}` label"
    return said + "."
