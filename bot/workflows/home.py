"""App Home: publish the viewer's week when they open the tab or change something."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.freshness import DataAsOf
from bot.pmo.home import JobStatus, gather_home
from bot.pmo.lookup import person_by_slack_id
from bot.pmo.rhythm import configured_timings, notes_due, notes_week
from bot.runtime.job_runner import last_runs
from bot.runtime.schedule import next_run
from bot.store.models import Project

logger = logging.getLogger(__name__)


def publish_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Publish `user_id`'s App Home; failures are logged, never raised into their action."""
    try:
        as_of = _fresh_findings(ctx, user_id)
        now = ctx.now()
        today = local_today(now, ctx.settings.timezone)
        with ctx.session_factory.begin() as session:
            home = gather_home(
                session,
                user_id,
                today,
                now,
                notes_week(ctx, now),
                notes_due(ctx, now),
                calendar_of(ctx.settings),
                is_admin=ctx.is_admin(user_id),
                admins=ctx.settings.admins,
            )
            home.as_of = as_of
            if home.is_admin:
                home.jobs = _job_statuses(ctx, session, now)
        client.views_publish(user_id=user_id, view=ctx.words.home(home))
    except Exception:
        logger.exception("publishing App Home for %s failed", user_id)


def _fresh_findings(ctx: AppContext, user_id: str) -> DataAsOf | None:
    """Kantata re-synced first when stale, for a viewer whose home judges bookings (a PM,
    or an admin, who sees the portfolio's rule breaks): how old their projects' data is."""
    with ctx.session_factory() as session:
        person = person_by_slack_id(session, user_id)
        own = []
        if person is not None:
            own = list(session.scalars(sa.select(Project.id).where(Project.pm_id == person.id)))
    if not own and not ctx.is_admin(user_id):
        return None
    return ensure_fresh(ctx, own or None, why="app_home")


def _job_statuses(ctx: AppContext, session: Session, now: dt.datetime) -> list[JobStatus]:
    runs = last_runs(session)
    calendar, tz = calendar_of(ctx.settings), ctx.settings.timezone
    statuses = []
    for job in configured_timings(ctx.settings):
        if not job.enabled:
            continue
        run = runs.get(job.name)
        statuses.append(
            JobStatus(
                job.name,
                next_run(job.schedule, now, calendar, tz)[1],
                run.period if run else None,
                run.outcome if run else None,
                run.problem if run else "",
            )
        )
    return statuses
