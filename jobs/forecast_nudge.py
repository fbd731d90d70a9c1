"""Monday 10:30: DM each PM whose projects still break a bookings rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.bookings_rules import Finding, check_portfolio
from bot.pmo.portfolio_loading import load_portfolio
from bot.pmo.rhythm import forecast_due
from bot.runtime.outbox import Post
from bot.store.models import Person, Project
from messages.reminders_builder import build_forecast_nudge, direct_post


def run_forecast_nudge(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per PM with a Slack id and at least one project finding; [] if none.

    Kantata is re-synced first when its last sync is more than a few minutes old, so a PM
    who fixed their bookings since the morning is not nudged."""
    today = local_today(now, ctx.settings.timezone)
    due = forecast_due(ctx, now)
    as_of = ensure_fresh(ctx, why="job:forecast_nudge")
    with ctx.session_factory() as session:
        by_pm, people = pm_findings(session, today)
        return [
            direct_post(person.slack_user_id, build_forecast_nudge(due, by_pm[person.id], as_of))
            for person in people
            if person.slack_user_id and is_user_id(person.slack_user_id)
        ]


def pm_findings(
    session: Session, today: dt.date, pm_id: int | None = None
) -> tuple[dict[int, list[Finding]], list[Person]]:
    """Each PM's project findings (only `pm_id`'s when given), and those PMs by name.
    Under-allocation is the team's to solve (Monday's post), not one PM's to fix."""
    project_ids = None
    if pm_id is not None:
        project_ids = list(session.scalars(sa.select(Project.id).where(Project.pm_id == pm_id)))
    portfolio = load_portfolio(session, today, project_ids=project_ids, keep_bookings=False)
    pm_of = {project.id: project.pm_id for project in portfolio.projects}
    by_pm: dict[int, list[Finding]] = defaultdict(list)
    for finding in check_portfolio(portfolio):
        owner = pm_of.get(finding.project_id) if finding.project_id is not None else None
        if owner is not None:
            by_pm[owner].append(finding)
    people = sorted(
        (portfolio.people[owner] for owner in by_pm), key=lambda p: (p.label.casefold(), p.id)
    )
    return by_pm, people
