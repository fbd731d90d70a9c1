"""The scheduled reminders: forecast call prep, nudges, Top Customer, billing period.

Pure builders: data in, Block Kit out, as a list of (fallback text, blocks) messages.
Database and user text is escaped here (`escape_mrkdwn`); people are @-mentioned only
through `mention()` from a known Slack id. Channel reminders that outgrow one message
continue over further messages (the jobs post them in the first one's thread); a DM is
always one message, capped, with a pointer to the command that lists everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.slack_ids import is_user_id
from bot.pmo.away import recipient
from bot.pmo.bookings_rules import Finding, bench_first
from bot.pmo.cutoff import Cutoff
from bot.pmo.freshness import DataAsOf
from bot.pmo.notes import ReportRow
from bot.pmo.pushes import Push
from bot.runtime.outbox import Post
from bot.store.models import Away, Project
from messages import ids
from messages.bookings_builder import finding_lines
from messages.escape import Mrkdwn, escape_mrkdwn, mention, reader_time
from messages.format import (
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    context,
    continued_messages,
    data_as_of_block,
    money,
    sections,
)
from messages.templating import render

Message = tuple[str, list[Block]]

# Per channel message: enough to scan, few enough to act on; the rest go in the thread.
MAX_FINDINGS_PER_MESSAGE = 20
MAX_PROJECTS_PER_MESSAGE = 40
MAX_LINES_PER_MESSAGE = 40
# Per DM: the nudge names what to do now and points to the command for the full list.
MAX_DM_FINDINGS = 10
MAX_DM_PROJECTS = 40
# Names from Kantata are short; a pathological one is shortened so a line always fits.
NAME_ROOM = 200
MAX_SOWS_PER_PM = 12
UPDATE_NOTES = "Update notes"
RECHECK = "Re-check now"

# Slack users read "ET", not "EST"/"EDT"; other zones fall back to their abbreviation.
ZONE_LABELS = {
    "America/New_York": "ET",
    "America/Chicago": "CT",
    "America/Denver": "MT",
    "America/Los_Angeles": "PT",
}


# --- shared pieces ----------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """A PM: @-mentioned when their Slack id is known, else named. One away is named,
    not pinged, and whoever covers for them is @-mentioned instead."""

    slack_user_id: str | None
    name: str
    away: Away | None = None

    @property
    def mrkdwn(self) -> Mrkdwn:
        if self.away is not None:
            covers = self.away.delegate_id
            cover = f" · {mention(covers)} covers" if covers and is_user_id(covers) else ""
            return Mrkdwn(f"{self._name} (away until {day_label(self.away.ends_on)}){cover}")
        if self.slack_user_id and is_user_id(self.slack_user_id):
            return mention(self.slack_user_id)
        return self._name

    @property
    def _name(self) -> Mrkdwn:
        return _clip(self.name) if self.name.strip() else Mrkdwn("_unnamed PM_")

    @property
    def sort_key(self) -> str:
        return self.name.casefold()


def clock(moment: dt.datetime) -> str:
    """`10:00 ET`: a time of day in the reporting time zone (notification text)."""
    return f"{moment:%H:%M} {zone_label(moment)}"


def day_clock(moment: dt.datetime) -> str:
    """`Tue 16:00 ET` (notification text)."""
    return f"{moment:%a %H:%M} {zone_label(moment)}"


def shown_clock(moment: dt.datetime) -> Mrkdwn:
    """`clock(moment)` in each reader's own time zone, for the blocks."""
    return reader_time(moment, clock(moment))


def shown_day_clock(moment: dt.datetime) -> Mrkdwn:
    """`day_clock(moment)` in each reader's own time zone, for the blocks."""
    return reader_time(moment, day_clock(moment))


def zone_label(moment: dt.datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return ZONE_LABELS.get(key or "", moment.tzname() or "")


def day_label(day: dt.date) -> str:
    """`Mon Nov 30`."""
    return f"{day:%a %b %-d}"


def channel_posts(messages: Sequence[Message]) -> list[Post]:
    """The first message to the job's channel, the rest as replies in its thread."""
    return [
        Post(channel="", text=text, blocks=_dicts(blocks), in_thread=number > 0)
        for number, (text, blocks) in enumerate(messages)
    ]


def direct_post(slack_user_id: str, message: Message) -> Post:
    text, blocks = message
    return Post(channel=slack_user_id, text=text, blocks=_dicts(blocks))


def nudge_post(pm_slack_id: str, message: Message, away: Mapping[str, Away]) -> Post | None:
    """A nudge meant for a PM: to them; while they are `away`, to whoever covers for
    them, saying for whom; None when nobody does (an away PM is never nudged)."""
    to = recipient(pm_slack_id, away)
    if to is None or not is_user_id(to):
        return None
    if to == pm_slack_id:
        return direct_post(pm_slack_id, message)
    text, blocks = message
    until = day_label(away[pm_slack_id].ends_on)
    cover = f"You're covering for {mention(pm_slack_id)}, away until {until}"
    return direct_post(to, (f"{cover}. {text}", [context(f":palm_tree: {cover}."), *blocks]))


def _dicts(blocks: Sequence[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def _clip(value: object, room: int = NAME_ROOM) -> Mrkdwn:
    """Escape `value`, shortened with "…" so that the escaped text fits in `room`."""
    escaped = escape_mrkdwn(value)
    if len(escaped) <= room:
        return escaped
    used, cut, text = 1, 0, str(value)
    for char in text:
        used += len(escape_mrkdwn(char))
        if used > room:
            break
        cut += 1
    return Mrkdwn(escape_mrkdwn(text[:cut].rstrip()) + "…")


def project_label(project: Project) -> str:
    """`*Acme — Rollout* (SOW-1)`, escaped."""
    return f"*{_clip(project.customer)} — {_clip(project.name)}* ({_clip(project.sow, 40)})"


def _section(text: str, accessory: ButtonElement | None = None) -> SectionBlock:
    if len(text) > SECTION_TEXT_LIMIT:
        text = text[: SECTION_TEXT_LIMIT - 1] + "…"
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)


def _notes_button(project_id: int, missing: bool) -> ButtonElement:
    return ButtonElement(
        text=UPDATE_NOTES,
        action_id=ids.NOTES_OPEN,
        value=str(project_id),
        style="primary" if missing else None,
    )


# --- splitting long lists over messages ------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One line of a list (already safe mrkdwn), with an "Update notes" button or not."""

    text: str
    project_id: int | None = None
    missing: bool = False


@dataclass(frozen=True)
class Group:
    """Items under a heading (a PM, "No PM", "Help find them work"...)."""

    heading: str
    items: Sequence[Item]


@dataclass(frozen=True)
class _Slice:
    group: int
    heading: str
    items: tuple[Item, ...]
    continued: bool

    def blocks(self) -> list[Block]:
        heading = self.heading + (" _(continued)_" if self.continued else "")
        if any(item.project_id is not None for item in self.items):
            return [
                _section(heading),
                *(
                    _section(item.text, _notes_button(item.project_id, item.missing))
                    if item.project_id is not None
                    else _section(item.text)
                    for item in self.items
                ),
            ]
        return list(sections([heading, *(item.text for item in self.items)]))


def _paginate(
    groups: Sequence[Group], *, first_room: int, room: int, max_items: int
) -> list[list[Block]]:
    """Lay the groups out over messages of at most `room` blocks and `max_items` items.

    The first message has `first_room` blocks to spare. A group cut by a message break
    repeats its heading, marked continued, so every message reads on its own.
    """
    pages: list[list[_Slice]] = [[]]
    for index, group in enumerate(groups):
        for placed, item in enumerate(group.items):
            page = pages[-1]
            if page and page[-1].group == index:
                last = page[-1]
                grown = _Slice(index, last.heading, (*last.items, item), last.continued)
                trial = [*page[:-1], grown]
            else:
                trial = [*page, _Slice(index, group.heading, (item,), placed > 0)]
            limit = first_room if len(pages) == 1 else room
            items = sum(len(s.items) for s in trial)
            size = sum(len(s.blocks()) for s in trial)
            if page and (items > max_items or size > limit):
                pages.append([_Slice(index, group.heading, (item,), placed > 0)])
            else:
                pages[-1] = trial
    return [[block for piece in page for block in piece.blocks()] for page in pages]


def _messages(
    title: str,
    summary: str,
    head: Sequence[Block],
    groups: Sequence[Group],
    footer: Sequence[Block],
    max_items: int,
) -> list[Message]:
    """Head, the groups and the footer in the first message; what does not fit follows."""
    # One block is kept for the "continued" context line on either side of a break.
    first_room = MESSAGE_BLOCK_LIMIT - len(head) - len(footer) - 1
    pages = _paginate(
        groups, first_room=first_room, room=MESSAGE_BLOCK_LIMIT - 1, max_items=max_items
    )
    first = [*head, *pages[0], *footer]
    if len(pages) > 1:
        first.append(context(f":thread: Continued in the thread ({len(pages) - 1} more)."))
    return continued_messages(title, summary, [first, *pages[1:]])


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


# --- Monday: forecast call prep and the nudge ------------------------------------------

COMMANDS_HINT = "`/ps forecast` for forecast and upside · `/ps bookings PROJECT` for a project"


@dataclass(frozen=True)
class PmFindings:
    """A PM's findings; `pm` None gathers the projects nobody owns."""

    pm: Owner | None
    findings: Sequence[Finding]


def _finding_item(finding: Finding) -> Item:
    return Item("\n".join(finding_lines([finding], limit=1)))


def push_text(push: Push) -> str:
    """What moved out, in plain words (the notes modal's "forecast push" pre-fill)."""
    parts = []
    if push.left_month:
        parts.append(f"hard {money(push.left_month)} left {push.month.label}")
    if push.left_quarter and push.left_quarter != push.left_month:
        parts.append(f"hard {money(push.left_quarter)} left {push.quarter.label}")
    elif push.left_quarter:
        parts.append(f"and {push.quarter.label}")
    for moved in push.milestones:
        where = f"to {moved.now:%b %-d}" if moved.now else "out of the next months"
        parts.append(f"milestone “{moved.name}” moved from {moved.was:%b %-d} {where}")
    text = "; ".join(parts).replace("; and ", " and ")
    return text[:1].upper() + text[1:] + " since last Monday's forecast." if text else ""


def build_forecast_prep(
    day: dt.date,
    prep_due: dt.datetime,
    forecast_due: dt.datetime,
    by_pm: Sequence[PmFindings],
    under_allocated: Sequence[Finding],
    pushes: Sequence[tuple[Project, Push]] = (),
    as_of: DataAsOf | None = None,
) -> list[Message]:
    """Monday's checklist, the forecast deadline, and the bookings findings by PM; the
    under-allocated are listed bench first."""
    title = f"Forecast call prep — {day_label(day)}"
    count = sum(len(group.findings) for group in by_pm) + len(under_allocated)
    head: list[Block] = [
        HeaderBlock(text=title),
        *sections([render("reminder_forecast_prep.md.j2", prep_due=shown_clock(prep_due))]),
        _section(
            f":alarm_clock: *Forecast &amp; upside due {shown_clock(forecast_due)}*: "
            "update Kantata so PS Ops can prepare the weekly reports."
        ),
        DividerBlock(),
    ]
    if count:
        found = _plural(count, "finding")
        head.append(_section(f"*Bookings check* · {found} by PM, most at stake first"))
    else:
        head.append(
            _section(
                ":white_check_mark: *Bookings check*: every active project follows the "
                "bookings rules and nobody is under-allocated."
            )
        )
    groups = [
        Group(
            _pm_heading(group.pm, len(group.findings)),
            [_finding_item(f) for f in group.findings],
        )
        for group in by_pm
        if group.findings
    ]
    if under_allocated:
        heading = f":mag: *Help find them work* · {len(under_allocated)} under-allocated"
        groups.append(Group(heading, [_finding_item(f) for f in bench_first(under_allocated)]))
    if pushes:
        heading = (
            f":arrow_right: *Forecast pushes since last Monday* · {len(pushes)}: call them "
            "out in Tuesday's notes"
        )
        items = [
            Item(f"• {project_label(project)}: {escape_mrkdwn(push_text(push))}")
            for project, push in pushes
        ]
        groups.append(Group(heading, items))
    summary = (
        f"{title}: prep due {clock(prep_due)}, forecast & upside due {clock(forecast_due)}; "
        + (f"{_plural(count, 'bookings finding')}." if count else "no bookings findings.")
    )
    footer = [*data_as_of_block(as_of), context(COMMANDS_HINT)]
    return _messages(title, summary, head, groups, footer, MAX_FINDINGS_PER_MESSAGE)


def _pm_heading(pm: Owner | None, count: int) -> str:
    if pm is None:
        return f"*No PM* · {count} · PS Ops, please assign a PM"
    return f"{pm.mrkdwn} · {count} to fix"


def build_forecast_nudge(
    forecast_due: dt.datetime, findings: Sequence[Finding], as_of: DataAsOf | None = None
) -> Message:
    """A PM's DM: what still breaks a bookings rule on their projects, and the deadline,
    with a button to look again once they are fixed in Kantata. With no findings left (a
    re-check), it thanks them instead."""
    due, shown = clock(forecast_due), shown_clock(forecast_due)
    if not findings:
        blocks: list[Block] = [
            _section(
                ":white_check_mark: *All fixed, thanks!* Your projects follow the bookings "
                f"rules now. Forecast &amp; upside are due {shown}."
            ),
            *data_as_of_block(as_of),
        ]
        return escape_mrkdwn(f"All fixed, thanks! Forecast & upside are due {due}."), blocks
    lines = finding_lines(findings, limit=MAX_DM_FINDINGS)
    if len(findings) > MAX_DM_FINDINGS:
        lines[-1] = f"…and {len(findings) - MAX_DM_FINDINGS} more: `/ps bookings` lists them all."
    blocks = [
        _section(
            f":wave: Your projects still break {_plural(len(findings), 'bookings rule')}. "
            f"*Forecast &amp; upside are due {shown}.*"
        ),
        *sections(lines),
        ActionsBlock(elements=[recheck_button(ids.RECHECK_NUDGE)]),
        *data_as_of_block(as_of),
        context(COMMANDS_HINT),
    ]
    text = (
        f"Forecast & upside are due {due}: "
        f"{_plural(len(findings), 'bookings issue')} on your projects"
    )
    return escape_mrkdwn(text), blocks


def recheck_button(action_id: str) -> ButtonElement:
    """ "Re-check now": sync Kantata and look at the bookings again."""
    return ButtonElement(text=RECHECK, action_id=action_id, value="recheck")


# --- Tuesday: Top Customer notes ------------------------------------------------------

NOTES_HINT = "`/ps notes` picks any project · `/ps report` shows the report so far"


@dataclass(frozen=True)
class PmRows:
    """A PM's Top Customer projects with this week's note (or None); `pm` None = no PM."""

    pm: Owner | None
    rows: Sequence[ReportRow]


def _project_item(row: ReportRow) -> Item:
    project = row.project
    done = row.note is not None
    mark = ":white_check_mark:" if done else ":hourglass_flowing_sand:"
    closing = " · closing" if project.status == "closing" else ""
    return Item(f"{mark} {project_label(project)}{closing}", project.id, missing=not done)


def build_top_customer_open(
    week: str, deadline: dt.datetime, by_pm: Sequence[PmRows]
) -> list[Message]:
    """Tuesday noon: the report is out; each PM and their projects, a button each."""
    rows = [row for group in by_pm for row in group.rows]
    done = sum(1 for row in rows if row.note is not None)
    due, shown = day_clock(deadline), shown_day_clock(deadline)
    title = f"Top Customer notes — {week}"
    head: list[Block] = [
        HeaderBlock(text=title),
        _section(
            f":memo: *The Top Customer report is out — notes due {shown}.*\n"
            "Update this week's R-Y-G note for each of your projects below "
            "(:white_check_mark: = done)."
        ),
        context(f"{done} of {_plural(len(rows), 'project')} updated · {escape_mrkdwn(week)}"),
    ]
    groups = []
    for group in by_pm:
        if not group.rows:
            continue
        missing = sum(1 for row in group.rows if row.note is None)
        status = "all done :tada:" if not missing else f"{missing} to update"
        owner = group.pm.mrkdwn if group.pm else "*No PM* (PS Ops, please assign)"
        groups.append(Group(f"{owner} · {status}", [_project_item(r) for r in group.rows]))
    summary = (
        f"The Top Customer report is out — notes due {due}: "
        f"{done} of {_plural(len(rows), 'project')} updated"
    )
    return _messages(title, summary, head, groups, [context(NOTES_HINT)], MAX_PROJECTS_PER_MESSAGE)


def build_top_customer_nudge(
    week: str, deadline: dt.datetime, rows: Sequence[ReportRow]
) -> Message:
    """A PM's DM: their Top Customer projects still without this week's note."""
    due = day_clock(deadline)
    listed = rows[:MAX_DM_PROJECTS]
    blocks: list[Block] = [
        _section(
            f":hourglass_flowing_sand: *Top Customer notes are due {shown_day_clock(deadline)}.* "
            f"{_plural(len(rows), 'project')} still "
            f"{'needs' if len(rows) == 1 else 'need'} this week's note "
            f"({escape_mrkdwn(week)}):"
        ),
        *(_section(_project_item(row).text, _notes_button(row.project.id, True)) for row in listed),
    ]
    more = len(rows) - len(listed)
    hint = f"…and {more} more: `/ps notes` lists them." if more else NOTES_HINT
    blocks.append(context(hint))
    text = (
        f"Top Customer notes are due {due}: {_plural(len(rows), 'project')} "
        f"still {'needs' if len(rows) == 1 else 'need'} this week's note"
    )
    return escape_mrkdwn(text), blocks


# --- Month end: billing period ---------------------------------------------------------


@dataclass(frozen=True)
class BillingMilestone:
    """A Fixed Fee milestone the billing reminder lists: one not accepted yet (no sign-off
    received, passive acceptance not reached), or one accepted passively this period.

    `passive_on` is the day passive acceptance is (or was) reached; None without a running
    term.
    """

    project: Project
    name: str
    due_date: dt.date | None
    signoff_sent: dt.date | None
    pm: Owner | None
    passive_on: dt.date | None = None
    send_by: dt.date | None = None  # the last day to request sign-off for passive acceptance


@dataclass(frozen=True)
class PmTimesheets:
    """A PM and their T&M-billed projects; `pm` None = projects without a PM."""

    pm: Owner | None
    projects: Sequence[Project]


def _milestone_item(milestone: BillingMilestone, today: dt.date) -> Item:
    """A milestone waiting for sign-off, with the day passive acceptance is reached."""
    due = _due(milestone)
    if milestone.due_date is not None and milestone.due_date < today:
        due += " :warning: overdue"
    parts = [due]
    if milestone.signoff_sent:
        parts.append(f"sign-off sent {milestone.signoff_sent:%b %-d}")
    else:
        parts.append("*sign-off not sent*")
    if milestone.passive_on:
        parts.append(f"passive acceptance {day_label(milestone.passive_on)}")
    if milestone.send_by and not milestone.signoff_sent:
        last = day_label(milestone.send_by)
        if milestone.send_by >= today:
            parts.append(f"send the request by {last} to land this period")
        else:
            parts.append(f"too late for passive acceptance this period (last day {last})")
    return _billing_item(milestone, parts)


def _passive_item(milestone: BillingMilestone) -> Item:
    """A milestone accepted passively: the day it was reached."""
    assert milestone.passive_on is not None
    return _billing_item(
        milestone, [_due(milestone), f"passive acceptance {day_label(milestone.passive_on)}"]
    )


def _due(milestone: BillingMilestone) -> str:
    return f"due {milestone.due_date:%b %-d}" if milestone.due_date else "no due date"


def _billing_item(milestone: BillingMilestone, parts: Sequence[str]) -> Item:
    pm = f"PM {milestone.pm.mrkdwn}" if milestone.pm else "_no PM_"
    return Item(
        " · ".join([f"• {project_label(milestone.project)}", _clip(milestone.name), *parts, pm])
    )


def _timesheet_item(group: PmTimesheets) -> Item:
    shown = group.projects[:MAX_SOWS_PER_PM]
    sows = ", ".join(
        f"{_clip(p.customer, 60)} — {_clip(p.name, 60)} ({_clip(p.sow, 40)})" for p in shown
    )
    more = len(group.projects) - len(shown)
    if more:
        sows += f" and {more} more"
    owner = group.pm.mrkdwn if group.pm else "*No PM*"
    return Item(f"• {owner}: {sows}")


def build_billing_period(
    today: dt.date,
    closes: dt.date,
    milestones: Sequence[BillingMilestone],
    timesheets: Sequence[PmTimesheets],
    accepted_passively: Sequence[BillingMilestone] = (),
    as_of: DataAsOf | None = None,
) -> list[Message]:
    """Month end: FF milestones still without sign-off, those accepted passively this
    period (to record in Kantata), and T&M timesheets to approve."""
    title = f"Billing period closes {day_label(closes)}"
    head: list[Block] = [
        HeaderBlock(text=title),
        _section(
            "Fixed Fee bills on milestones: get customer sign-off before the period ends and "
            "record it on the milestone in Kantata. T&amp;M bills approved timesheets."
        ),
    ]
    groups = []
    if milestones:
        heading = f":page_facing_up: *Fixed Fee milestones without sign-off* · {len(milestones)}"
        groups.append(Group(heading, [_milestone_item(m, today) for m in milestones]))
    else:
        head.append(
            _section(":white_check_mark: No Fixed Fee milestones are waiting for sign-off.")
        )
    if accepted_passively:
        # Handbook: Sign-Off Received is updated when passive acceptance is achieved, and
        # Passive Acceptance Utilized when it is used.
        heading = (
            ":inbox_tray: *Accepted passively: set Sign-Off Received and mark Passive "
            f"Acceptance Utilized in Kantata* · {len(accepted_passively)}"
        )
        groups.append(Group(heading, [_passive_item(m) for m in accepted_passively]))
    if timesheets:
        heading = (
            f":spiral_calendar_pad: *T&amp;M: approve all timesheets in Kantata before month "
            f"end* ({day_label(closes)})"
        )
        groups.append(Group(heading, [_timesheet_item(group) for group in timesheets]))
    pending = (
        f"{_plural(len(milestones), 'Fixed Fee milestone')} without sign-off"
        if milestones
        else "no Fixed Fee milestones waiting for sign-off"
    )
    if accepted_passively:
        pending += f", {len(accepted_passively)} accepted passively"
    summary = f"{title}: {pending}" + (
        "; approve T&M timesheets before month end" if timesheets else ""
    )
    footer = [
        *data_as_of_block(as_of),
        context("`/ps projects --mine` shows your projects' next milestones"),
    ]
    return _messages(title, summary, head, groups, footer, MAX_LINES_PER_MESSAGE)


# --- Friday: timesheets -------------------------------------------------------------------

TIMESHEET_TYPE_NAMES = {"T&M": "T&M", "Consulting Block": "CB", "Dedicated Engineer": "DE"}


def build_timesheet_nudge(monday: dt.date, friday: dt.date, projects: Sequence[Project]) -> Message:
    """A PM's DM: approve this week's hours in Kantata for these projects."""
    week = f"{day_label(monday)} – {day_label(friday)}"
    shown = projects[:MAX_DM_PROJECTS]
    lines = [
        f"• {project_label(p)} · {escape_mrkdwn(TIMESHEET_TYPE_NAMES.get(p.type, p.type))}"
        for p in shown
    ]
    if len(projects) > MAX_DM_PROJECTS:
        lines.append(f"…and {len(projects) - MAX_DM_PROJECTS} more: `/ps projects --mine`.")
    blocks: list[Block] = [
        _section(
            f":spiral_calendar_pad: *Approve this week's hours in Kantata* ({week}) for "
            f"{_plural(len(projects), 'project')} billed on timesheets. PMs approve weekly, "
            "not only at month end: T&amp;M revenue is released from approved hours."
        ),
        *sections(lines),
        context("Kantata → Time → Approvals · `/ps projects --mine` lists your projects"),
    ]
    text = f"Approve this week's hours in Kantata ({week}): {_plural(len(projects), 'project')}"
    return escape_mrkdwn(text), blocks


# --- Daily: the acceptance cut-off ------------------------------------------------------


def build_cutoff_reminder(cutoff: Cutoff, today: dt.date) -> Message:
    """A PM's DM: send the sign-off request by the cut-off, or the revenue slips a month."""
    period = cutoff.send_by.strftime("%B")
    text = (
        f":hourglass: *Send the sign-off request for “{_clip(cutoff.milestone)}” by "
        f"{day_label(cutoff.send_by)}* ({project_label(cutoff.project)}, due "
        f"{day_label(cutoff.due_date)}). With the SOW's {cutoff.term}-business-day passive "
        f"acceptance, that is the last day for it to land in {period}'s billing period; "
        "later, its revenue moves to next month."
    )
    blocks: list[Block] = [
        _section(text),
        context("Record the day it is sent with `/ps closure` and in Kantata (Sign-Off Sent)."),
    ]
    fallback = (
        f"Send the sign-off request for {cutoff.milestone} ({cutoff.project.sow}) by "
        f"{day_label(cutoff.send_by)} for passive acceptance in {period}"
    )
    return escape_mrkdwn(fallback), blocks
