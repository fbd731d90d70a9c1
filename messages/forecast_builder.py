"""`/ps forecast`: the quarter by month, per PM, and the rule breaks by money at stake."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, SectionBlock

from bot.core.dates import Quarter
from bot.pmo.bookings_rules import ZERO, Finding
from bot.pmo.forecast import ForecastSummary
from bot.pmo.revenue import MilestoneMoney
from bot.store.models import Project, UpsideItem
from messages.bookings_builder import ACCURACY_TARGETS, MONEY_ASSUMPTIONS, finding_lines
from messages.escape import escape_mrkdwn, mention
from messages.format import context, hours, money, sections
from messages.upside_builder import recorded_upside_lines

MAX_PMS_SHOWN = 25
CHART_FOLLOWS = (
    ":bar_chart: A chart of the quarter (forecast vs actual, upside stacked) follows in your "
    "DM with psbot."
)
MAX_UNPRICED_SHOWN = 3


def build_forecast(
    quarter: Quarter,
    summary: ForecastSummary,
    findings: Sequence[Finding],
    recorded_upside: Sequence[UpsideItem] = (),
):
    """The quarter: one section per part (months, upside recorded by hand, PMs, rule
    breaks)."""
    total = summary.total
    earned = sum(summary.actuals.values(), ZERO)
    blocks: list[Block] = [
        HeaderBlock(text=f"Forecast {quarter.label}"),
        *month_section(quarter, summary),
        *sections(recorded_upside_lines(recorded_upside)),
        context(f"{MONEY_ASSUMPTIONS} {FIXED_FEE_MONEY} {ACCURACY_TARGETS}"),
        DividerBlock(),
        *pm_section(summary),
        DividerBlock(),
        *findings_section(findings),
    ]
    text = (
        f"Forecast {quarter.label}: {money(total.forecast)} forecast, "
        f"{money(total.upside)} upside, {len(findings)} rule breaks"
    )
    if summary.actuals:
        text += f"; {money(earned)} earned in closed months"
    return text, blocks


FIXED_FEE_MONEY = (
    "Fixed Fee = each milestone's amount in the month it is accepted (due date, or passive "
    "acceptance once the request is sent). Closed months show what was earned."
)


def month_section(quarter: Quarter, summary: ForecastSummary) -> list[SectionBlock]:
    """Each month: earned (closed) or forecast and upside; the total; what it leaves out."""
    lines = []
    for month, a in summary.by_month.items():
        if month in summary.actuals:
            lines.append(f"*{month.label}* (closed): {money(summary.actuals[month])} actual")
        else:
            lines.append(
                f"*{month.label}*: {money(a.forecast)} forecast ({hours(a.hard_hours)} hard) · "
                f"{money(a.upside)} upside ({hours(a.soft_hours)} soft)"
            )
    total = summary.total
    earned = sum(summary.actuals.values(), ZERO)
    line = f"*{quarter.label} total*: "
    if summary.actuals:
        line += f"{money(earned)} actual + "
    lines.append(line + f"{money(total.forecast)} forecast · {money(total.upside)} upside")
    if total.unpriced_hours:
        lines.append(_unpriced(total.unpriced_hours, summary.unpriced))
    if summary.missing_amounts:
        lines.append(_missing_amounts(summary.missing_amounts))
    return sections(lines)


def pm_section(summary: ForecastSummary) -> list[SectionBlock]:
    lines = [
        f"{_pm(pm)}: {money(a.forecast)} {'revenue' if summary.actuals else 'forecast'} · "
        f"{money(a.upside)} upside"
        for pm, a in summary.by_pm[:MAX_PMS_SHOWN]
    ]
    if len(summary.by_pm) > MAX_PMS_SHOWN:
        lines.append(f"…and {len(summary.by_pm) - MAX_PMS_SHOWN} more PMs.")
    heading = "*By PM* (actual in closed months, then forecast)" if summary.actuals else "*By PM*"
    return sections([heading, *(lines or ["No bookings in this quarter."])])


def findings_section(findings: Sequence[Finding]) -> list[SectionBlock]:
    if findings:
        return sections(["*Rule breaks, most money at stake first*", *finding_lines(findings)])
    return sections([":white_check_mark: No bookings rule is broken."])


def _missing_amounts(flagged: Sequence[tuple[Project, Sequence[MilestoneMoney]]]) -> str:
    """The Fixed Fee projects priced at nothing for want of milestone amounts."""
    named = []
    for project, milestones in flagged[:MAX_UNPRICED_SHOWN]:
        what = ", ".join(f"“{escape_mrkdwn(m.name)}”" for m in milestones[:2])
        if len(milestones) > 2:
            what += f" and {len(milestones) - 2} more"
        named.append(f"{escape_mrkdwn(project.sow)} ({what or 'no milestones'})")
    listed = ", ".join(named)
    if len(flagged) > MAX_UNPRICED_SHOWN:
        listed += f" and {len(flagged) - MAX_UNPRICED_SHOWN} more"
    return (
        f":warning: Fixed Fee milestones without an amount are not in the $ figures ({listed}): "
        "add the amounts in Kantata or the milestones CSV's `amount` column."
    )


def _unpriced(unpriced_hours: Decimal, projects: Sequence[Project]) -> str:
    """The hours the money leaves out, and the projects to add bill rates to."""
    sows = ", ".join(escape_mrkdwn(p.sow) for p in projects[:MAX_UNPRICED_SHOWN])
    if len(projects) > MAX_UNPRICED_SHOWN:
        sows += f" and {len(projects) - MAX_UNPRICED_SHOWN} more"
    return (
        f":warning: {hours(unpriced_hours)} without a bill rate are not in the $ figures "
        f"({sows}): add the rates in Kantata."
    )


def _pm(pm) -> str:
    if pm is None:
        return "_No PM_"
    return mention(pm.slack_user_id) if pm.slack_user_id else f"*{escape_mrkdwn(pm.label)}*"
