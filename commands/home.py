"""App Home: publish the viewer's week when they open the tab or change something."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.dates import local_today
from bot.home import JobStatus, gather_home, last_runs
from bot.lookup import person_by_slack_id
from bot.schedule import next_run
from jobs.registry import calendar_of, configured_jobs, job_time
from messages.home_builder import build_home

logger = logging.getLogger(__name__)


def app_home_opened(event: dict[str, Any], client: WebClient, context: dict) -> None:
    if event.get("tab", "home") == "home":
        publish_home(context["psbot"], client, event["user"])


def publish_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Publish `user_id`'s App Home; failures are logged, never raised into their action."""
    try:
        now = ctx.now()
        today = local_today(now, ctx.settings.timezone)
        due = job_time(ctx, "top_customer_report", now)
        with ctx.session_factory.begin() as session:
            home = gather_home(
                session,
                user_id,
                today,
                now,
                due,
                calendar_of(ctx.settings),
                is_admin=ctx.is_admin(user_id),
            )
            if home.is_admin:
                home.jobs = _job_statuses(ctx, session, now)
            viewer_tz = _viewer_zone(session, client, user_id)
        client.views_publish(user_id=user_id, view=build_home(home, viewer_tz))
    except Exception:
        logger.exception("publishing App Home for %s failed", user_id)


def _job_statuses(ctx: AppContext, session: Session, now: dt.datetime) -> list[JobStatus]:
    runs = last_runs(session)
    calendar, tz = calendar_of(ctx.settings), ctx.settings.timezone
    statuses = []
    for job in configured_jobs(ctx.settings):
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


def _viewer_zone(session: Session, client: WebClient, user_id: str) -> ZoneInfo | None:
    """The viewer's Slack time zone, cached on their person record."""
    person = person_by_slack_id(session, user_id)
    name = person.tz if person is not None else None
    if not name:
        try:
            name = client.users_info(user=user_id)["user"].get("tz")
        except SlackApiError:
            return None
        if person is not None and name:
            person.tz = name
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None
