"""Monday 08:00: the forecast call prep checklist, the deadlines, and the bookings findings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.away import away_on
from bot.pmo.bookings_rules import Finding, Portfolio
from bot.pmo.portfolio_cache import checked_portfolio
from bot.pmo.pushes import week_pushes
from bot.pmo.rhythm import PREP_DUE, forecast_due
from bot.runtime.outbox import Post
from bot.store.models import Away
from messages.reminders_builder import Owner, PmFindings, build_forecast_prep, channel_posts


# Fixed by the handbook, not by the schedule: prep is "to be complete by 10am est
# Mondays" and the forecast & upside "updated by Monday, 11am EST".
def run_forecast_prep(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """The prep reminder for #ps_pmo; it always posts, with a ✅ when nothing is wrong.
    A PM away today is named, not pinged, and whoever covers for them is @-mentioned.

    Kantata is re-synced first when its last sync is more than a few minutes old."""
    tz = ctx.settings.timezone
    today = local_today(now, tz)
    as_of = ensure_fresh(ctx, why="job:forecast_prep")
    with ctx.session_factory() as session:
        checked = checked_portfolio(ctx.results, session, today, calendar_of(ctx.settings))
        portfolio, findings = checked.portfolio, checked.findings
        away = away_on(session, today)
        by_pm = [
            PmFindings(_owner(portfolio, pm_id, away), group)
            for pm_id, group in _project_findings_by_pm(portfolio, findings)
        ]
        under_allocated = [f for f in findings if f.project_id is None]
        pushed = week_pushes(session, today, calendar_of(ctx.settings))
        pushes = [(p, pushed[p.id]) for p in portfolio.projects if p.id in pushed]
        messages = build_forecast_prep(
            today,
            dt.datetime.combine(today, PREP_DUE, tzinfo=tz),
            forecast_due(ctx, now),
            by_pm,
            under_allocated,
            pushes,
            as_of,
        )
    return channel_posts(messages)


def _project_findings_by_pm(
    portfolio: Portfolio, findings: list[Finding]
) -> list[tuple[int | None, list[Finding]]]:
    """Project findings per PM id (None: no PM), PMs by name and "no PM" last."""
    pm_of = {project.id: project.pm_id for project in portfolio.projects}
    groups: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.project_id is not None:
            groups[pm_of.get(finding.project_id)].append(finding)

    def order(pm_id: int | None) -> tuple[bool, str, int]:
        if pm_id is None:
            return (True, "", 0)
        return (False, portfolio.people[pm_id].label.casefold(), pm_id)

    return [(pm_id, groups[pm_id]) for pm_id in sorted(groups, key=order)]


def _owner(portfolio: Portfolio, pm_id: int | None, away: dict[str, Away]) -> Owner | None:
    if pm_id is None:
        return None
    person = portfolio.people[pm_id]
    return Owner(person.slack_user_id, person.label, away.get(person.slack_user_id or ""))
