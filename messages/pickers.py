"""Project pickers shared by the modals: the user's projects first, then the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Option, OptionGroup

from bot.store.models import Project

MAX_PICKER_OPTIONS = 100  # Slack's limit for a static select, and for one options answer
OPTION_TEXT_MAX = 75


@dataclass(frozen=True)
class PickerProject:
    project_id: int
    label: str
    top_customer: bool


def project_option(project: PickerProject) -> Option:
    star = "⭐ " if project.top_customer else ""
    return Option(value=str(project.project_id), text=(star + project.label)[:OPTION_TEXT_MAX])


def option_groups(
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    others_label: str,
) -> list[OptionGroup]:
    """Your projects, then others, within Slack's 100 options."""
    room = MAX_PICKER_OPTIONS
    groups = []
    for label, projects in (("Your projects", mine), (others_label, others)):
        options = [project_option(p) for p in projects[:room]]
        room -= len(options)
        if options:
            groups.append(OptionGroup(label=label, options=options))
    return groups


def picker_entry(project: Project) -> PickerProject:
    return PickerProject(project.id, project.title, project.top_customer)


def picker_entries(*groups: Sequence[Project]) -> tuple[list[PickerProject], ...]:
    return tuple([picker_entry(p) for p in group] for group in groups)
