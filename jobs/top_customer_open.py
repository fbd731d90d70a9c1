"""Tuesday 12:00: the Top Customer report is out; each PM with the projects to update."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.pmo.away import away_on
from bot.pmo.notes import ReportRow
from bot.pmo.report import report_rows
from bot.pmo.rhythm import job_period, notes_due
from bot.runtime.outbox import Post
from bot.store.models import Away
from messages.reminders_builder import Owner, PmRows, build_top_customer_open, channel_posts


def run_top_customer_open(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """Every Top Customer project (active or closing) under its PM, ✅ when noted; a PM
    away today is named, not pinged, and whoever covers for them is @-mentioned."""
    week = job_period(ctx, "top_customer_open", now)
    deadline = notes_due(ctx, now)
    with ctx.session_factory() as session:
        rows = report_rows(session, week, all_projects=False)
        if not rows:
            return []
        away = away_on(session, local_today(now, ctx.settings.timezone))
        messages = build_top_customer_open(week, deadline, _by_pm(rows, away))
    return channel_posts(messages)


def _by_pm(rows: list[ReportRow], away: dict[str, Away]) -> list[PmRows]:
    """Rows per PM (by name; projects without a PM last), projects by customer and name."""
    groups: dict[int | None, list[ReportRow]] = defaultdict(list)
    for row in rows:
        groups[row.project.pm_id].append(row)

    def pm_order(pm_id: int | None) -> tuple[bool, str, int]:
        return (pm_id is None, groups[pm_id][0].pm_name.casefold(), pm_id or 0)

    def project_order(row: ReportRow) -> tuple[str, str, str]:
        project = row.project
        return (project.customer.casefold(), project.name.casefold(), project.sow)

    result = []
    for pm_id in sorted(groups, key=pm_order):
        first = groups[pm_id][0]
        time_off = away.get(first.pm_slack_id or "")
        owner = None if pm_id is None else Owner(first.pm_slack_id, first.pm_name, time_off)
        result.append(PmRows(owner, sorted(groups[pm_id], key=project_order)))
    return result
