"""`/ps forecast`: the quarter by month, per PM, and the rule breaks by money at stake."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.core.dates import Quarter
from bot.pmo.bookings_rules import Finding
from bot.pmo.forecast import ForecastSummary
from bot.store.models import Project, UpsideItem
from messages.bookings_builder import ACCURACY_TARGETS, MONEY_ASSUMPTIONS, finding_lines
from messages.escape import escape_mrkdwn, mention
from messages.format import context, hours, money, sections
from messages.upside_builder import recorded_upside_lines

MAX_PMS_SHOWN = 25
MAX_UNPRICED_SHOWN = 3


def build_forecast(
    quarter: Quarter,
    summary: ForecastSummary,
    findings: Sequence[Finding],
    recorded_upside: Sequence[UpsideItem] = (),
):
    month_lines = [
        f"*{month.label}*: {money(a.forecast)} forecast ({hours(a.hard_hours)} hard) · "
        f"{money(a.upside)} upside ({hours(a.soft_hours)} soft)"
        for month, a in summary.by_month.items()
    ]
    total = summary.total
    month_lines.append(
        f"*{quarter.label} total*: {money(total.forecast)} forecast · {money(total.upside)} upside"
    )
    if total.unpriced_hours:
        month_lines.append(_unpriced(total.unpriced_hours, summary.unpriced))
    pm_lines = [
        f"{_pm(pm)}: {money(a.forecast)} forecast · {money(a.upside)} upside"
        for pm, a in summary.by_pm[:MAX_PMS_SHOWN]
    ]
    if len(summary.by_pm) > MAX_PMS_SHOWN:
        pm_lines.append(f"…and {len(summary.by_pm) - MAX_PMS_SHOWN} more PMs.")
    blocks: list[Block] = [
        HeaderBlock(text=f"Forecast {quarter.label}"),
        *sections(month_lines),
        *sections(recorded_upside_lines(recorded_upside)),
        context(f"{MONEY_ASSUMPTIONS} {ACCURACY_TARGETS}"),
        DividerBlock(),
        *sections(["*By PM*", *(pm_lines or ["No bookings in this quarter."])]),
        DividerBlock(),
    ]
    if findings:
        blocks.extend(
            sections(["*Rule breaks, most money at stake first*", *finding_lines(findings)])
        )
    else:
        blocks.extend(sections([":white_check_mark: No bookings rule is broken."]))
    text = (
        f"Forecast {quarter.label}: {money(total.forecast)} forecast, "
        f"{money(total.upside)} upside, {len(findings)} rule breaks"
    )
    return text, blocks


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
