"""`/ps bookings` replies: the explainer, one project's bookings, one person's load."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.core.dates import Month
from bot.pmo import bookings_rules as rules
from bot.pmo.bookings_rules import Amounts, Finding, WeekLoad
from bot.store.models import Person, Project
from messages.escape import escape_mrkdwn
from messages.format import context, hours, money, sections
from messages.templating import render

MAX_FINDINGS_SHOWN = 15
# Stated beside every forecast/upside sum (SPEC §4), so each reply says how far to trust it.
MONEY_ASSUMPTIONS = (
    f"Forecast = hard hours × bill rate (assumed {rules.HARD_ACCURACY} accurate). "
    f"Upside = soft hours × bill rate (assumed {rules.SOFT_ACCURACY} accurate)."
)
# The forecast accuracy targets, wherever they are shown. The handbook: for Consulting
# Blocks and Dedicated Engineer "our goal is to be within +/- 10% of our estimated
# forecast after we have our initial EM>PS Transition Meeting".
ACCURACY_TARGETS = (
    "Targets: ±5% for T&amp;M and Fixed Fee; ±10% for Consulting Blocks and Dedicated "
    "Engineer, from their EM&gt;PS transition meeting on."
)


def finding_lines(findings: Sequence[Finding], limit: int = MAX_FINDINGS_SHOWN) -> list[str]:
    """Each finding as `⚠️ problem` + `→ next step`, money first where there is some."""
    lines = []
    for finding in findings[:limit]:
        stake = f" _({money(finding.at_stake)} at stake)_" if finding.at_stake else ""
        lines.append(f":warning: {escape_mrkdwn(finding.problem)}{stake}")
        lines.append(f"      → {escape_mrkdwn(finding.next_step)}")
    if len(findings) > limit:
        lines.append(f"…and {len(findings) - limit} more.")
    return lines


def build_bookings_explainer(own_findings: Sequence[Finding], knows_caller: bool):
    """Soft vs hard bookings, then what is wrong on the caller's own projects."""
    explainer = render(
        "bookings_explainer.md.j2",
        soft_accuracy=rules.SOFT_ACCURACY,
        hard_accuracy=rules.HARD_ACCURACY,
        months_ahead=rules.MONTHS_AHEAD,
        grace_days=rules.KICKOFF_GRACE_DAYS,
        weeks=rules.UNDER_ALLOCATION_WEEKS,
    )
    blocks: list[Block] = [*sections([explainer]), DividerBlock()]
    if not knows_caller:
        status = (
            "I don't know which projects are yours yet: PS Ops imports them from Kantata, "
            "matched by your Slack email."
        )
        blocks.extend(sections([status]))
    elif own_findings:
        blocks.extend(sections(["*Your projects need attention:*", *finding_lines(own_findings)]))
    else:
        status = ":white_check_mark: Your projects follow every bookings rule."
        blocks.extend(sections([status]))
    blocks.append(context("`/ps bookings PROJECT` for a project · `/ps bookings @person`"))
    return "Soft vs hard bookings, and your projects' booking issues", blocks


@dataclass(frozen=True)
class StaffRow:
    person: Person
    role: str
    by_month: dict[Month, Amounts]


def _cell(amounts: Amounts | None) -> str:
    if amounts is None or (not amounts.hard_hours and not amounts.soft_hours):
        return "—"
    parts = []
    if amounts.hard_hours:
        parts.append(f"{hours(amounts.hard_hours)} hard")
    if amounts.soft_hours:
        parts.append(f"{hours(amounts.soft_hours)} soft")
    return " + ".join(parts)


def build_project_bookings(
    project: Project,
    months: Sequence[Month],
    staff: Sequence[StaffRow],
    totals: dict[Month, Amounts],
    findings: Sequence[Finding],
):
    """A project's people × months, soft and hard, and what to fix."""
    title = f"{project.customer} — {project.name}"
    blocks: list[Block] = [HeaderBlock(text=f"Bookings: {title}"[:150])]
    meta = f"{project.sow} · {project.type} · {project.status}"
    blocks.append(context(escape_mrkdwn(meta)))
    if staff:
        lines = []
        for row in staff:
            cells = " · ".join(f"{m.label[:3]} {_cell(row.by_month.get(m))}" for m in months)
            lines.append(f"*{escape_mrkdwn(row.person.label)}* ({row.role}): {cells}")
        money_line = " · ".join(
            f"{m.label}: {money(totals[m].forecast)} forecast, {money(totals[m].upside)} upside"
            for m in months
        )
        blocks.extend(sections(lines))
        blocks.append(context(f"{money_line}\n{MONEY_ASSUMPTIONS}"))
    else:
        span = f"{months[0].label}–{months[-1].label}"
        blocks.extend(sections([f"Nobody is booked on it in {span}."]))
    blocks.append(DividerBlock())
    if findings:
        blocks.extend(sections(["*What needs fixing:*", *finding_lines(findings)]))
    else:
        blocks.extend(sections([":white_check_mark: This project follows every bookings rule."]))
    return escape_mrkdwn(f"Bookings for {title} ({project.sow})"), blocks


def build_person_bookings(person: Person, loads: Sequence[WeekLoad]):
    """A person's allocation against capacity, week by week."""
    lines = []
    for load in loads:
        mark = ":warning:" if load.under else ":white_check_mark:"
        soft = f" + {hours(load.soft)} soft" if load.soft else ""
        lines.append(
            f"{mark} Week of {load.week_start:%b %-d}: {hours(load.hard)} hard{soft}"
            f" of {hours(load.capacity)}"
        )
    short = sum(1 for load in loads if load.under)
    summary = (
        f"Under capacity in {short} of {len(loads)} weeks: help find them work."
        if short
        else f"Fully allocated for the next {len(loads)} weeks."
    )
    blocks: list[Block] = [
        HeaderBlock(text=f"Allocation: {person.label}"[:150]),
        *sections(lines),
        context(escape_mrkdwn(summary)),
    ]
    return escape_mrkdwn(f"{person.label}: allocation vs capacity, next {len(loads)} weeks"), blocks
