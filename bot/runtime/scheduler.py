"""APScheduler inside `psbot run`: each job fires at its time; a minute tick catches up.

Job definitions stay in code (memory job store, stable ids equal to the job names); the
exactly-once guarantee lives in psbot's own `job_runs` table (bot.runtime.job_runner), so any
number of processes may run the scheduler against one database.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.core.business_days import BusinessCalendar
from bot.runtime.job_runner import JobRunner
from bot.runtime.schedule import Schedule, next_run

logger = logging.getLogger(__name__)

TICK_SECONDS = 60


class ScheduleTrigger(BaseTrigger):
    """Fires at a psbot `Schedule`'s run times (holidays and DST included)."""

    def __init__(self, schedule: Schedule, calendar: BusinessCalendar, tz: ZoneInfo) -> None:
        self.schedule, self.calendar, self.tz = schedule, calendar, tz

    def get_next_fire_time(self, previous_fire_time, now):
        after = (
            max(previous_fire_time, now) if previous_fire_time else now - dt.timedelta(seconds=1)
        )
        return next_run(self.schedule, after, self.calendar, self.tz)[1]


def start_scheduler(runner: JobRunner) -> BackgroundScheduler:
    """Start the jobs and the catch-up tick (which also retries the outbox); catch up
    once right away. A job whose time or switch an admin changes in Slack later is run
    by the tick (it re-reads them each minute); its old trigger then finds nothing due."""
    tz = runner.ctx.settings.timezone
    runner.refresh()  # with what admins set in Slack
    scheduler = BackgroundScheduler(timezone=tz)
    for job in runner.jobs.values():
        if not job.enabled:
            continue
        scheduler.add_job(
            _fire,
            ScheduleTrigger(job.schedule, runner.calendar, tz),
            args=[runner, job.name],
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.grace.total_seconds()),
        )
    scheduler.add_job(
        _tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[runner],
        id="catch_up_and_retry",
        coalesce=True,
        max_instances=1,
        next_run_time=dt.datetime.now(tz),
    )
    scheduler.start()
    logger.info(
        "scheduler started: %s", ", ".join(j.name for j in runner.jobs.values() if j.enabled)
    )
    return scheduler


def _fire(runner: JobRunner, name: str) -> None:
    outcome = runner.run_due(name, runner.ctx.now())
    if outcome is not None:
        logger.info("%s", outcome)


def _tick(runner: JobRunner) -> None:
    try:
        for outcome in runner.tick(runner.ctx.now()):
            logger.info("%s", outcome)
    except Exception:  # the database may be down: try again next minute, and go on
        logger.exception("catching up on jobs and the outbox failed")
