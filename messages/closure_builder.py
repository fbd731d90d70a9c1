"""The closure checklist message (`/ps closure PROJECT`) and the list of projects to close.

Every button and date picker carries the item it changes as `project:item:version`
(the button's value, the picker's block id), so a click on an out-of-date checklist can
be told from a fresh one. Everything users or Kantata wrote (names, milestones, notes)
goes through `escape_mrkdwn`; win text through `escape_keeping_mentions`, so the people a
win names are mentioned and nothing else in it can ping or link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.slack_ids import is_user_id
from bot.pmo.closure import (
    Checklist,
    ItemState,
    MilestoneAcceptance,
    PassiveState,
    ProjectInfo,
    Status,
    WinLink,
    format_day,
    plural,
)
from messages import ids
from messages.escape import Mrkdwn, escape_mrkdwn, link, mention, one_line_keeping_mentions
from messages.format import SECTION_TEXT_LIMIT, context

STATUS_EMOJI = {
    Status.DONE: ":white_check_mark:",
    Status.OPEN: ":white_large_square:",
    Status.NA: ":heavy_minus_sign:",
}
DATE_WORD = {
    "closure_meeting": "on",
    "csat_sent": "sent",
    "signoff_sent": "sent",
    "signoff_received": "received",
}
PICKER_PLACEHOLDER = {
    "closure_meeting": "Meeting date",
    "csat_sent": "Date sent",
    "signoff_sent": "Date sent",
    "signoff_received": "Date received",
}
MAX_MILESTONES_SHOWN = 8
MAX_WINS_SHOWN = 5
MAX_LISTED_PROJECTS = 20
WIN_LABEL_LENGTH = 60
NAME_LENGTH = 120
NOTE_LENGTH = 500
# Slack permalinks are short; anything longer is not shown as a link, so a section fits.
MAX_LINK_LENGTH = 300
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]+")


@dataclass(frozen=True)
class ItemRef:
    """Which item a click is about, and the version of it the clicker saw."""

    project_id: int
    key: str
    version: int


def item_ref(project_id: int, key: str, version: int) -> str:
    return f"{project_id}:{key}:{version}"


def read_item_ref(text: str | None) -> ItemRef | None:
    """The ref a button value or picker block id carries; None when it isn't one."""
    parts = (text or "").split(":")
    if len(parts) != 3 or not parts[1]:
        return None
    try:
        return ItemRef(int(parts[0]), parts[1], int(parts[2]))
    except ValueError:
        return None


def build_closure_checklist(
    checklist: Checklist,
    *,
    editable: bool,
    tz: ZoneInfo,
    internal_channel: str,
    notice: str | None = None,
) -> tuple[str, list[Block]]:
    """The checklist: project, progress and next step, then one section per item.

    `editable` adds the buttons and date pickers; `notice` (what just happened to a
    click: refused, stale) is shown above the items.
    """
    project = checklist.project
    blocks: list[Block] = [
        HeaderBlock(text="Closure checklist"),
        SectionBlock(text=MarkdownTextObject(text=_summary(checklist, internal_channel))),
    ]
    if notice:
        notice_text = escape_mrkdwn(_clip(notice, NOTE_LENGTH))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=notice_text)))
    warnings = _warnings(checklist)
    if warnings:
        blocks.append(context("\n".join(warnings)))
    blocks.append(DividerBlock())
    for state in checklist.items:
        blocks.extend(_item_blocks(checklist, state, editable, tz, internal_channel))
    blocks.append(context(_footer(project, editable)))
    text = (
        f"Closure checklist for {escape_mrkdwn(project.sow)}: "
        f"{checklist.resolved}/{checklist.total} done"
    )
    return text, blocks


def build_closure_list(checklists: Sequence[Checklist], today: dt.date) -> tuple[str, list[Block]]:
    """The caller's projects that are closing or end within 30 days, with progress."""
    blocks: list[Block] = [HeaderBlock(text="Projects to close")]
    if not checklists:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="None of your projects is closing or ends in the next 30 days. "
                    "`/ps closure PROJECT` opens any project's checklist."
                )
            )
        )
        return "No projects to close", blocks
    for checklist in checklists[:MAX_LISTED_PROJECTS]:
        project = checklist.project
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=_list_line(checklist, today)),
                accessory=ButtonElement(
                    text="Open checklist",
                    action_id=ids.CLOSURE_OPEN,
                    value=str(project.id),
                ),
            )
        )
    hidden = len(checklists) - MAX_LISTED_PROJECTS
    footer = "`/ps closure PROJECT` opens a checklist."
    if hidden > 0:
        footer = f"…and {hidden} more. {footer}"
    blocks.append(context(footer))
    return f"{plural(len(checklists), 'project')} to close", blocks


# --- the parts ------------------------------------------------------------------------


def _summary(checklist: Checklist, internal_channel: str) -> str:
    project = checklist.project
    has_pm = bool(project.pm_slack_id or project.pm_name)
    parts = [
        _project_name(project),
        escape_mrkdwn(project.type_name),
        escape_mrkdwn(project.status),
        f"PM {_person(project.pm_slack_id, project.pm_name)}" if has_pm else "no PM",
    ]
    progress = f"{_bar(checklist)} *{checklist.resolved}/{checklist.total} done*"
    return " · ".join(parts) + f"\n{progress} · {_next_step(checklist, internal_channel)}"


def _next_step(checklist: Checklist, internal_channel: str) -> str:
    state = checklist.next_item
    if state is None:
        return ":tada: Everything is done."
    title = f"Next: *{_title(state, internal_channel)}*"
    today = checklist.today
    key = state.spec.key
    if key == "csat_sent":
        meeting = checklist.item("closure_meeting")
        if meeting and meeting.status is Status.DONE and meeting.date and meeting.date >= today:
            return f"{title}, before the meeting on {format_day(meeting.date, today)}"
    if key == "signoff_received":
        passive = [m.passive for m in checklist.milestones if not m.received and m.passive]
        if passive and all(p.reached for p in passive):
            reached = max(p.reached_on for p in passive if p.reached_on)
            return f"{title}: passive acceptance was reached on {format_day(reached, today)}"
        pending = [p for p in passive if p.state is PassiveState.PENDING]
        if pending:
            last = max(pending, key=lambda p: p.reached_on or dt.date.min)
            return (
                f"{title}: passive acceptance is reached on {format_day(last.reached_on, today)}"
                f" ({plural(last.days_left, 'business day')} left)"
            )
    if key == "kantata_completed" and not checklist.completion.done:
        return f"{title}, once all hours are in and revenue is signed off"
    return title


def _warnings(checklist: Checklist) -> list[str]:
    warnings = []
    if checklist.csat_overdue:
        warnings.append(
            f":warning: The closure meeting was on "
            f"{format_day(checklist.csat_overdue, checklist.today)}, but the CSAT survey isn't "
            "marked sent: the handbook asks for it *before* the meeting."
        )
    if checklist.completed_too_early:
        warnings.append(
            ":warning: Kantata is ticked Completed, but not everything is in: "
            + escape_mrkdwn(checklist.completion.reason)
        )
    return warnings


def _item_blocks(
    checklist: Checklist, state: ItemState, editable: bool, tz: ZoneInfo, internal_channel: str
) -> list[Block]:
    spec = state.spec
    ref = item_ref(checklist.project.id, spec.key, state.version)
    locked = (
        spec.key == "kantata_completed" and not state.resolved and not checklist.completion.done
    )
    emoji = ":lock:" if locked else STATUS_EMOJI[state.status]
    line = f"{emoji} *{_title(state, internal_channel)}*"
    if spec.owner:
        line += f" · owner: {escape_mrkdwn(spec.owner)}"
    if state.status is Status.DONE and state.date:
        line += f" — {DATE_WORD.get(spec.key, 'on')} {format_day(state.date, checklist.today)}"
    elif state.status is Status.DONE and spec.needs_date:
        line += " — no date: pick it below"  # ticked before psbot asked for the date
    elif state.status is Status.NA:
        line += " — not applicable"
    lines = [line]
    if state.resolved and state.changed_by:
        when = ""
        if state.changed_at:
            when = f" on {format_day(state.changed_at.astimezone(tz).date(), checklist.today)}"
        lines.append(f"_by {_person(state.changed_by, state.changed_by)}{when}_")
    elif not state.resolved and not locked:
        lines.append(f"_{escape_mrkdwn(spec.hint)}_")
    if locked:
        lines.append(":lock: Locked because " + escape_mrkdwn(checklist.completion.reason))
    if state.note:
        lines.append(f"Note: {escape_mrkdwn(_clip(state.note, NOTE_LENGTH))}")
    if spec.key == "signoff_received":
        lines.extend(_milestone_lines(checklist))
    if spec.key == "shoutout":
        lines.extend(_win_lines(checklist.wins, checklist.project.sow))
    text = _clip("\n".join(lines), SECTION_TEXT_LIMIT)
    section = SectionBlock(text=MarkdownTextObject(text=text))
    if not editable:
        return [section]
    if state.resolved:
        section.accessory = ButtonElement(text="Reopen", action_id=ids.CLOSURE_REOPEN, value=ref)
    elif not spec.needs_date:  # an item that needs its date is done by picking it
        section.accessory = ButtonElement(
            text="Done", action_id=ids.CLOSURE_DONE, value=ref, style="primary"
        )
    more = []
    if spec.dated and state.status is not Status.NA:
        more.append(
            DatePickerElement(
                action_id=ids.CLOSURE_DATE,
                initial_date=state.date.isoformat() if state.date else None,
                placeholder=PICKER_PLACEHOLDER.get(spec.key, "Date"),
            )
        )
    if spec.may_skip and not state.resolved:
        more.append(ButtonElement(text="N/A", action_id=ids.CLOSURE_NA, value=ref))
    return [section, ActionsBlock(block_id=ref, elements=more)] if more else [section]


def _milestone_lines(checklist: Checklist) -> list[str]:
    if not checklist.milestones:
        return [
            "No milestones for this project in psbot: import them (with `passive_days`) "
            "so psbot can compute passive acceptance."
        ]
    shown = checklist.milestones[:MAX_MILESTONES_SHOWN]
    lines = [_milestone_line(m, checklist.today) for m in shown]
    hidden = len(checklist.milestones) - len(shown)
    if hidden:
        lines.append(f"…and {plural(hidden, 'more milestone')}")
    return lines


def _milestone_line(milestone: MilestoneAcceptance, today: dt.date) -> str:
    name = f"• {escape_mrkdwn(_clip(milestone.name, NAME_LENGTH))}"
    if milestone.received:
        return f"{name}: accepted {format_day(milestone.received, today)}"
    if milestone.passive is None or milestone.sent is None:
        return f"{name}: acceptance not requested yet"
    sent = f"{name}: sent {format_day(milestone.sent, today)}"
    passive = milestone.passive
    if passive.state is PassiveState.NO_TERM:
        return f"{sent}; no passive acceptance term on this milestone (`passive_days`)"
    if passive.state is PassiveState.BAD_TERM:
        return (
            f"{sent}; its passive acceptance term ({passive.term} days) isn't valid: "
            "check the SOW and the milestone data"
        )
    term = f"{sent}, {passive.term}-business-day term → passive acceptance"
    if passive.reached:
        return f"{term} reached (on {format_day(passive.reached_on, today)})"
    left = plural(passive.days_left, "business day")
    return f"{term} reached on {format_day(passive.reached_on, today)}, *{left} left*"


def _win_lines(wins: Sequence[WinLink], sow: str) -> list[str]:
    if not wins:
        return [f"No ProjectWins yet: `/ps win {escape_mrkdwn(sow)}` records one and posts it."]
    lines = [f"{plural(len(wins), 'ProjectWin')}:"]
    for win in wins[:MAX_WINS_SHOWN]:
        # The link is beside the text, not around it: a link's label can't hold a mention.
        linkable = win.permalink and len(win.permalink) <= MAX_LINK_LENGTH
        see = f" · {link(win.permalink, 'post')}" if linkable else ""
        lines.append(f"• {one_line_keeping_mentions(win.text, WIN_LABEL_LENGTH)}{see}")
    hidden = len(wins) - MAX_WINS_SHOWN
    if hidden > 0:
        lines.append(f"…and {plural(hidden, 'more ProjectWin')}")
    return lines


def _footer(project: ProjectInfo, editable: bool) -> str:
    rule = (
        "Passive acceptance: Day 1 is the day the request is sent (the next business day "
        "if sent on a weekend or holiday); weekends and holidays don't count."
    )
    if editable:
        return f"Only the PM and PMO admins can change this checklist. {rule}"
    pm = f" ({_person(project.pm_slack_id, project.pm_name)})" if project.pm_slack_id else ""
    return f":lock: Read-only: only the project's PM{pm} and PMO admins can tick items. {rule}"


def _list_line(checklist: Checklist, today: dt.date) -> str:
    project = checklist.project
    if project.status == "closing":
        when = "closing"
    elif project.end_date and project.end_date < today:
        when = f"ended {format_day(project.end_date, today)}"
    else:
        when = f"ends {format_day(project.end_date, today)}"
    step = checklist.next_item
    next_text = f"Next: {escape_mrkdwn(step.spec.title)}" if step else ":tada: all done"
    return (
        f"{_project_name(project)} · {when}\n"
        f"{_bar(checklist)} *{checklist.resolved}/{checklist.total}* · {next_text}"
    )


# --- helpers -----------------------------------------------------------------------------


def _title(state: ItemState, internal_channel: str) -> str:
    if state.spec.key == "shoutout":
        return f"Shout-out posted in {_channel(internal_channel)}"
    return escape_mrkdwn(state.spec.title)


def _project_name(project: ProjectInfo) -> str:
    customer = escape_mrkdwn(_clip(project.customer, NAME_LENGTH))
    name = escape_mrkdwn(_clip(project.name, NAME_LENGTH))
    return f"*{customer} — {name}* ({escape_mrkdwn(project.sow)})"


def _person(slack_user_id: str | None, fallback: str) -> Mrkdwn:
    if slack_user_id and is_user_id(slack_user_id):
        return mention(slack_user_id)
    return escape_mrkdwn(fallback)


def _channel(channel: str) -> Mrkdwn:
    if _CHANNEL_ID.fullmatch(channel):
        return Mrkdwn(f"<#{channel}>")
    return escape_mrkdwn(f"#{channel}")


def _bar(checklist: Checklist) -> str:
    return "▰" * checklist.resolved + "▱" * (checklist.total - checklist.resolved)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
