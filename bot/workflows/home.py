"""App Home: publish the viewer's week when they open the tab or change something."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import Quarter, local_today
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.freshness import DataAsOf
from bot.pmo.glance import Glance, gather_glance
from bot.pmo.home import JobStatus, gather_home
from bot.pmo.lookup import person_by_slack_id
from bot.pmo.rhythm import configured_timings, notes_due, notes_week, slack_settings
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
                results=ctx.results,
            )
            home.as_of = as_of
            home.glance = _glance(ctx, session, home.week, today, home.is_admin)
            if home.is_admin:
                home.jobs, home.jobs_off = _job_statuses(ctx, session, now)
        client.views_publish(user_id=user_id, view=ctx.words.home(home))
    except Exception:
        logger.exception("publishing App Home for %s failed", user_id)


def _glance(ctx: AppContext, session: Session, week: str, today: dt.date, is_admin: bool) -> Glance:
    """The team's glance: `week`'s notes by PM (admins) and this quarter's wins and
    thanks by project, the quarter's bounds in PSBOT_TIMEZONE."""
    quarter, tz = Quarter.of(today), ctx.settings.timezone
    months = quarter.months
    since = dt.datetime.combine(months[0].first_day, dt.time(), tzinfo=tz)
    until = dt.datetime.combine(months[-1].plus(1).first_day, dt.time(), tzinfo=tz)
    return gather_glance(session, week, quarter.label, since, until, is_admin=is_admin)


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


def _job_statuses(
    ctx: AppContext, session: Session, now: dt.datetime
) -> tuple[list[JobStatus], list[str]]:
    """The enabled jobs' next and last runs, and the names of those switched off; with
    what admins set in Slack."""
    runs = last_runs(session)
    calendar, tz = calendar_of(ctx.settings), ctx.settings.timezone
    statuses, off = [], []
    for job in configured_timings(ctx.settings, slack_settings(session)):
        if not job.enabled:
            off.append(job.name)
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
    return statuses, off
