"""Run scheduled jobs exactly once per period; their posts go through the outbox.

A run is claimed by inserting its (job, period) row, in the same transaction as the
outbox entry holding the posts it built: the unique key makes a second claimant — a
restarted process, another replica, a manual `psbot jobs run` — add nothing. The outbox
delivers the posts in order, retries until the job's grace window closes, and resumes
after a restart. A run missed while psbot was down is posted late if its grace window is
still open, otherwise recorded as skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot import outbox
from bot.business_days import BusinessCalendar
from bot.context import AppContext
from bot.models import JobRun
from bot.outbox import Attempt, Outbox, Post
from bot.schedule import JobSpec, last_run

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    status: str  # sent, retrying, failed, skipped, already claimed, sending
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.job} {self.period}: {self.status}" + (
            f" ({self.detail})" if self.detail else ""
        )


class JobRunner:
    """Claims and builds job runs for one process; `outbox` delivers them."""

    def __init__(
        self,
        ctx: AppContext,
        outbox: Outbox,
        jobs: Sequence[JobSpec],
        calendar: BusinessCalendar,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.jobs = {job.name: job for job in jobs}
        self.calendar = calendar

    # --- entry points ---------------------------------------------------------------

    def run_due(self, name: str, now: dt.datetime) -> Outcome | None:
        """Run `name`'s latest scheduled run if it is due, unclaimed and within grace."""
        job = self.jobs[name]
        if not job.enabled:
            return None
        latest = last_run(job.schedule, now, self.calendar, self.ctx.settings.timezone)
        if latest is None:
            return None
        period, scheduled_at = latest
        if self._claimed(job.name, period):
            return None
        if now - scheduled_at > job.grace:
            return self._skip_if_unclaimed(job, period, scheduled_at, now)
        return self.run(job, period, scheduled_at, now)

    def tick(self, now: dt.datetime) -> list[Outcome]:
        """Catch up on due runs and retry what the outbox owes (every minute, and at start)."""
        outcomes = [self.run_due(name, now) for name in self.jobs]
        outcomes.extend(_job_outcome(attempt) for attempt in self.outbox.retry_due(now))
        return [outcome for outcome in outcomes if outcome is not None]

    def run(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome:
        """Build the posts, claim (job, period) with them, and deliver them if ours."""
        try:
            posts = [self._addressed(job, post) for post in job.run(self.ctx, now)]
        except Exception as error:
            logger.exception("job %s %s failed to build its posts", job.name, period)
            reason = f"building the posts failed: {error}"
            if not self._claim(job, period, scheduled_at, now, status="failed", error=reason):
                return Outcome(job.name, period, "already claimed")
            return Outcome(job.name, period, "failed", str(error))
        entry_id = self._claim(job, period, scheduled_at, now, status="queued", posts=posts)
        if entry_id is None:
            return Outcome(job.name, period, "already claimed")
        attempt = self.outbox.deliver(entry_id, now)
        if attempt.status == "busy":  # the minute tick got to it first
            return Outcome(job.name, period, "sending", "another psbot process is posting it")
        return _job_outcome(attempt) or Outcome(job.name, period, attempt.status)

    # --- claiming -------------------------------------------------------------------

    def _claimed(self, name: str, period: str) -> bool:
        """A cheap look first; the unique key still settles races between processes."""
        with self.ctx.session_factory() as session:
            query = sa.select(JobRun.id).where(JobRun.job == name, JobRun.period == period)
            return session.scalar(query) is not None

    def _claim(
        self,
        job: JobSpec,
        period: str,
        scheduled_at: dt.datetime,
        now: dt.datetime,
        *,
        status: str,
        posts: list[Post] | None = None,
        error: str = "",
    ) -> int | None:
        """The claimed run's outbox entry id (or its row id when it posts nothing)."""
        try:
            with self.ctx.session_factory.begin() as session:
                run = JobRun(
                    job=job.name,
                    period=period,
                    status=status,
                    scheduled_at=scheduled_at,
                    claimed_at=now,
                    finished_at=None if posts is not None else now,
                    error=error,
                )
                if posts is not None:
                    run.outbox_id = outbox.add(
                        session,
                        key=f"job:{job.name}:{period}",
                        kind="job",
                        posts=posts,
                        now=now,
                        deadline=scheduled_at + job.grace,
                    )
                session.add(run)
                session.flush()
                return run.outbox_id if posts is not None else run.id
        except IntegrityError:
            return None

    def _skip_if_unclaimed(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome | None:
        if self._claim(job, period, scheduled_at, now, status="skipped") is None:
            return None
        late = now - scheduled_at
        logger.warning(
            "job %s %s was missed by %s, past its %s grace window: skipped",
            job.name,
            period,
            late,
            job.grace,
        )
        return Outcome(job.name, period, "skipped", f"missed by {late}")

    def _addressed(self, job: JobSpec, post: Post) -> Post:
        if post.channel:
            return post
        return Post(job.channel, post.text, post.blocks, post.in_thread)


def _job_outcome(attempt: Attempt) -> Outcome | None:
    """A delivery attempt of a job run's posts as the run's outcome (None: not a job's)."""
    kind, _, rest = attempt.key.partition(":")
    if kind != "job":
        return None
    name, _, period = rest.partition(":")
    count = f"{attempt.posts} post" + ("" if attempt.posts == 1 else "s")
    detail = count if attempt.status == "sent" else attempt.detail
    return Outcome(name, period, attempt.status, detail)
