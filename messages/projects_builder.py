"""`/ps projects`: the caller's projects first, each with type, status, milestone, flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.pmo.bookings_rules import MilestoneDate
from bot.store.models import Milestone, Project
from messages.escape import escape_mrkdwn
from messages.format import context, sections

MAX_PROJECTS_SHOWN = 40
STATUS_EMOJI = {
    "active": ":large_blue_circle:",
    "closing": ":checkered_flag:",
    "completed": ":white_check_mark:",
}


@dataclass(frozen=True)
class ProjectLine:
    project: Project
    next_milestone: Milestone | MilestoneDate | None
    issues: int


def project_line(line: ProjectLine) -> str:
    project = line.project
    parts = [
        f"{STATUS_EMOJI[project.status]} *{escape_mrkdwn(project.customer)} — "
        f"{escape_mrkdwn(project.name)}* ({escape_mrkdwn(project.sow)})",
        escape_mrkdwn(project.type),
        project.status,
    ]
    if project.top_customer:
        parts.append(":star: Top Customer")
    if line.next_milestone is not None and line.next_milestone.due_date is not None:
        milestone = line.next_milestone
        parts.append(f"next milestone {escape_mrkdwn(milestone.name)} {milestone.due_date:%b %-d}")
    if line.issues:
        plural = "s" if line.issues > 1 else ""
        parts.append(f":warning: {line.issues} booking issue{plural}")
    return " · ".join(parts)


def build_projects(
    mine: Sequence[ProjectLine],
    others: Sequence[ProjectLine],
    only_mine: bool,
    *,
    total: int,
    yours: int,
) -> tuple[str, list[Block]]:
    """Yours first, then the rest, within one message's limits: the lines shown (at most
    MAX_PROJECTS_SHOWN) of `total` projects listed, `yours` of them the caller's."""
    groups = [("Yours", mine)] if only_mine else [("Yours", mine), ("Other projects", others)]
    blocks: list[Block] = [HeaderBlock(text="Your projects" if only_mine else "Projects")]
    room = MAX_PROJECTS_SHOWN
    for title, group in groups:
        shown = group[:room]
        room -= len(shown)
        if shown:
            heading = [] if only_mine else [f"*{title}*"]
            blocks.extend(sections([*heading, *(project_line(line) for line in shown)]))
    if not yours:
        blocks.extend(sections(["You have no projects in psbot yet (as PM or booked)."]))
    footer = "`/ps bookings PROJECT` explains a project's flags."
    hidden = total - (MAX_PROJECTS_SHOWN - room)
    if hidden:
        footer = f"…and {hidden} more: `/ps projects --mine` narrows the list. {footer}"
    blocks.append(context(footer))
    return f"{total} projects, {yours} yours", blocks
