"""`/ps accuracy` and the monthly accuracy post: forecast against actuals, worst first."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.pmo.accuracy import TARGETS, AccuracyReport, Assumption, Group, ProjectAccuracy
from bot.pmo.bookings_rules import HARD_ACCURACY, SOFT_ACCURACY
from bot.pmo.closure import TYPE_NAMES
from messages.escape import escape_mrkdwn, mention
from messages.format import context, hours, money, sections

MAX_PROJECTS_SHOWN = 20
MET, MISSED, NOT_SCORED = ":white_check_mark:", ":x:", ":heavy_minus_sign:"
HARD_FLOOR, SOFT_FLOOR = 90, 40  # the handbook's 90–95% and 40%


def percent(value: Decimal | None) -> str:
    return "n/a (nothing forecast)" if value is None else f"{value:+.1f}%"


def build_accuracy(report: AccuracyReport, title: str) -> tuple[str, list[Block]]:
    """The report: by type and PM with the targets, projects worst first, assumptions."""
    blocks: list[Block] = [HeaderBlock(text=f"Forecast accuracy — {title}"[:150])]
    made = []
    for month, (first, latest) in report.snapshots.items():
        if first is None:
            made.append(f"{month.label}: no snapshot taken in the month")
        else:
            made.append(f"{month.label}: forecast of {first:%a %b %-d}, latest {latest:%a %b %-d}")
    blocks.append(context(escape_mrkdwn(" · ".join(made))))
    if not report.rows:
        blocks.extend(sections([f"Nothing was forecast or earned in {escape_mrkdwn(title)}."]))
        return f"Forecast accuracy — {title}: nothing to compare", blocks
    types = report.by_type()
    blocks.extend(sections(["*By type*", *(_type_line(g) for g in types)]))
    blocks.extend(sections(["*By PM*", *(_pm_line(report, g) for g in report.by_pm())]))
    blocks.append(DividerBlock())
    rows = report.worst_first()
    lines = [_project_line(row, len(report.months) > 1) for row in rows[:MAX_PROJECTS_SHOWN]]
    if len(rows) > MAX_PROJECTS_SHOWN:
        lines.append(
            f"…and {len(rows) - MAX_PROJECTS_SHOWN} more: `/ps accuracy PROJECT` or `@pm`."
        )
    blocks.extend(sections(["*Projects, worst first*", *lines]))
    blocks.append(DividerBlock())
    blocks.extend(sections(["*How the assumptions held*", *assumption_lines(report)]))
    blocks.append(
        context(
            "Variance = (actual − forecast) ÷ forecast, against the first Monday's forecast. "
            "Targets: ±5% T&M and Fixed Fee, ±10% Consulting Block and Dedicated Engineer "
            "(from the EM&gt;PS transition). Actual: approved hours × rate; Fixed Fee: milestones "
            "accepted in the month."
        )
    )
    met = sum(row.met for row in report.scored)
    text = (
        f"Forecast accuracy — {title}: {met} of {len(report.scored)} projects within target; "
        + "; ".join(f"{TYPE_NAMES[g.key]} {percent(g.variance)}" for g in types)
    )
    return escape_mrkdwn(text), blocks


def _mark(value: Decimal | None, target: int) -> str:
    return MET if value is not None and abs(value) <= target else MISSED


def _type_line(group: Group) -> str:
    target = TARGETS[str(group.key)]
    return (
        f"{_mark(group.variance, target)} *{escape_mrkdwn(TYPE_NAMES[str(group.key)])}*: "
        f"{percent(group.variance)} (target ±{target}%) · {money(group.forecast)} forecast → "
        f"{money(group.actual)} actual · {group.met} of {group.projects} projects met"
    )


def _pm_line(report: AccuracyReport, group: Group) -> str:
    person = report.people.get(group.key) if isinstance(group.key, int) else None
    if person is None:
        name = "_No PM_"
    elif person.slack_user_id:
        name = mention(person.slack_user_id)
    else:
        name = f"*{escape_mrkdwn(person.label)}*"
    mark = MET if group.met == group.projects else MISSED
    return (
        f"{mark} {name}: {percent(group.variance)} · {money(group.forecast)} → "
        f"{money(group.actual)} · {group.met} of {group.projects} projects met"
    )


def _project_line(row: ProjectAccuracy, with_month: bool) -> str:
    project = row.project
    name = f"*{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}*"
    name += f" ({escape_mrkdwn(project.sow)})"
    month = f" · {row.month.label}" if with_month else ""
    figures = f"{money(row.forecast)} forecast (latest {money(row.latest)}) → {money(row.actual)}"
    if not row.scored:
        return (
            f"{NOT_SCORED} {name}{month} · {figures} · not scored: {escape_mrkdwn(row.not_scored)}"
        )
    return (
        f"{MET if row.met else MISSED} {name}{month} · {escape_mrkdwn(TYPE_NAMES[row.type])} · "
        f"{figures} · "
        f"{percent(row.variance)} (target ±{row.target}%)"
    )


def assumption_lines(report: AccuracyReport) -> list[str]:
    return [
        _assumption("Hard", report.hard(), HARD_ACCURACY, HARD_FLOOR, ""),
        _assumption(
            "Soft", report.soft(), SOFT_ACCURACY, SOFT_FLOOR, " worked beyond the hard hours"
        ),
    ]


def _assumption(kind: str, held: Assumption, assumed: str, floor: int, what: str) -> str:
    if held.share is None:
        return f"{kind}: no {kind.lower()} hours were snapshotted (assumed {assumed})."
    mark = MET if held.share >= floor else ":warning:"
    return (
        f"{mark} {kind}: {held.share:.0f}% of {hours(held.booked)} {kind.lower()}-booked became "
        f"actual hours ({hours(held.realised)}{what}); assumed {assumed}"
    )


def alt_text(lines: Sequence[str]) -> str:
    """A chart's alt text: what it shows, as text, within Slack's 1,000 characters."""
    text = " ".join(lines)
    return text if len(text) <= 1000 else text[:999] + "…"
