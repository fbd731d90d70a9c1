"""Monday 10:30: DM each PM whose projects still break a bookings rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.pmo.bookings_rules import Finding, check_portfolio
from bot.pmo.portfolio_loading import load_portfolio
from bot.pmo.rhythm import forecast_due
from bot.runtime.outbox import Post
from messages.reminders_builder import build_forecast_nudge, direct_post


def run_forecast_nudge(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per PM with a Slack id and at least one project finding; [] if none."""
    today = local_today(now, ctx.settings.timezone)
    due = forecast_due(ctx, now)
    with ctx.session_factory() as session:
        portfolio = load_portfolio(session, today, keep_bookings=False)
        pm_of = {project.id: project.pm_id for project in portfolio.projects}
        # Under-allocation is the team's to solve (Monday's post), not one PM's to fix.
        by_pm: dict[int, list[Finding]] = defaultdict(list)
        for finding in check_portfolio(portfolio):
            pm_id = pm_of.get(finding.project_id) if finding.project_id is not None else None
            if pm_id is not None:
                by_pm[pm_id].append(finding)
        people = sorted(
            (portfolio.people[pm_id] for pm_id in by_pm), key=lambda p: (p.label.casefold(), p.id)
        )
        return [
            direct_post(person.slack_user_id, build_forecast_nudge(due, by_pm[person.id]))
            for person in people
            if person.slack_user_id and is_user_id(person.slack_user_id)
        ]
