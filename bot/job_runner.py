"""Run scheduled jobs exactly once per period, and deliver their posts reliably.

A run is claimed by inserting its (job, period) row: the unique key makes a second
claimant — a restarted process, another replica, a manual `psbot jobs run` — do nothing.
The job's posts are stored with the claim (an outbox) and delivered in order; a delivery
that fails is retried with backoff until the job's grace window closes, then the run is
marked failed and logged. A run missed while psbot was down is posted late if its grace
window is still open, otherwise recorded as skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import IntegrityError

from bot.business_days import BusinessCalendar
from bot.context import AppContext
from bot.models import JobRun
from bot.outbox import Post
from bot.schedule import JobSpec, last_run

logger = logging.getLogger(__name__)

# How long a process may hold a run it is delivering before another may take it over.
LEASE = dt.timedelta(minutes=5)
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    status: str  # sent, retrying, failed, skipped, already claimed
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.job} {self.period}: {self.status}" + (
            f" ({self.detail})" if self.detail else ""
        )


class JobRunner:
    """Claims, builds and delivers job runs for one process."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        jobs: Sequence[JobSpec],
        calendar: BusinessCalendar,
    ) -> None:
        self.ctx = ctx
        self.client = client
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
        """Catch up on due runs and retry failed deliveries (every minute, and at start)."""
        outcomes = [self.run_due(name, now) for name in self.jobs]
        outcomes.extend(self.retry_due(now))
        return [outcome for outcome in outcomes if outcome is not None]

    def run(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome:
        """Claim (job, period); if ours, build the posts and deliver them."""
        run_id = self._claim(job, period, scheduled_at, now, status="sending")
        if run_id is None:
            return Outcome(job.name, period, "already claimed")
        try:
            posts = job.run(self.ctx, now)
        except Exception as error:
            logger.exception("job %s %s failed to build its posts", job.name, period)
            self._finish(run_id, "failed", now, f"building the posts failed: {error}")
            return Outcome(job.name, period, "failed", str(error))
        with self.ctx.session_factory.begin() as session:
            run = session.get_one(JobRun, run_id)
            run.posts = [self._addressed(job, post).as_dict() for post in posts]
        return self._deliver(run_id, now)

    def retry_due(self, now: dt.datetime) -> list[Outcome]:
        """Resume runs whose delivery failed or whose owner stopped mid-delivery."""
        with self.ctx.session_factory() as session:
            candidates = session.scalars(
                sa.select(JobRun.id).where(
                    sa.or_(
                        sa.and_(JobRun.status == "retrying", JobRun.next_attempt_at <= now),
                        sa.and_(JobRun.status == "sending", JobRun.lease_until < now),
                    )
                )
            ).all()
        outcomes = []
        for run_id in candidates:
            if self._take_over(run_id, now):
                outcomes.append(self._deliver(run_id, now))
        return outcomes

    # --- claiming -------------------------------------------------------------------

    def _claimed(self, name: str, period: str) -> bool:
        """A cheap look first; the unique key still settles races between processes."""
        with self.ctx.session_factory() as session:
            query = sa.select(JobRun.id).where(JobRun.job == name, JobRun.period == period)
            return session.scalar(query) is not None

    def _claim(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime, status: str
    ) -> int | None:
        try:
            with self.ctx.session_factory.begin() as session:
                run = JobRun(
                    job=job.name,
                    period=period,
                    status=status,
                    scheduled_at=scheduled_at,
                    claimed_at=now,
                    lease_until=now + LEASE if status == "sending" else None,
                    attempts=1 if status == "sending" else 0,
                    finished_at=now if status == "skipped" else None,
                )
                session.add(run)
                session.flush()
                return run.id
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

    def _take_over(self, run_id: int, now: dt.datetime) -> bool:
        """Atomically make this process the run's deliverer (compare-and-set)."""
        with self.ctx.session_factory.begin() as session:
            taken = session.execute(
                sa.update(JobRun)
                .where(
                    JobRun.id == run_id,
                    sa.or_(
                        sa.and_(JobRun.status == "retrying", JobRun.next_attempt_at <= now),
                        sa.and_(JobRun.status == "sending", JobRun.lease_until < now),
                    ),
                )
                .values(status="sending", lease_until=now + LEASE, attempts=JobRun.attempts + 1)
            )
            return taken.rowcount == 1

    # --- delivering -----------------------------------------------------------------

    def _addressed(self, job: JobSpec, post: Post) -> Post:
        if post.channel:
            return post
        return Post(job.channel, post.text, post.blocks, post.in_thread)

    def _deliver(self, run_id: int, now: dt.datetime) -> Outcome:
        with self.ctx.session_factory() as session:
            run = session.get_one(JobRun, run_id)
            job = self.jobs.get(run.job)
            grace = job.grace if job else dt.timedelta(0)
            if now - run.scheduled_at > grace:
                return self._give_up(run_id, run, now, run.error or "grace window closed")
            posts = [Post.from_dict(data) for data in run.posts]
            sent, thread = run.sent, (run.thread_channel, run.thread_ts)
            period, name = run.period, run.job
        for index in range(sent, len(posts)):
            post = posts[index]
            try:
                response = self._post(post, thread)
            except (SlackApiError, SlackClientError, OSError) as error:
                return self._retry_later(run_id, now, error)
            if index == 0:  # later posts marked in_thread reply to the first one
                thread = (response.get("channel"), response.get("ts"))
            with self.ctx.session_factory.begin() as session:
                run = session.get_one(JobRun, run_id)
                run.sent = index + 1
                run.thread_channel, run.thread_ts = thread
        self._finish(run_id, "sent", now)
        return Outcome(name, period, "sent", f"{len(posts)} posts")

    def _post(self, post: Post, thread: tuple[str | None, str | None]):
        kwargs = {"channel": post.channel, "text": post.text, "unfurl_links": False}
        if post.blocks:
            kwargs["blocks"] = post.blocks
        if post.in_thread and thread[1]:
            kwargs.update(channel=thread[0], thread_ts=thread[1])
        return self.client.chat_postMessage(**kwargs)

    def _retry_later(self, run_id: int, now: dt.datetime, error: Exception) -> Outcome:
        reason = _describe(error)
        with self.ctx.session_factory.begin() as session:
            run = session.get_one(JobRun, run_id)
            wait = min(FIRST_RETRY * 2 ** max(run.attempts - 1, 0), MAX_RETRY)
            job = self.jobs.get(run.job)
            deadline = run.scheduled_at + (job.grace if job else dt.timedelta(0))
            if now + wait > deadline:
                run.status, run.finished_at, run.error = "failed", now, reason
                logger.error("job %s %s failed for good: %s", run.job, run.period, reason)
                return Outcome(run.job, run.period, "failed", reason)
            run.status, run.next_attempt_at, run.error = "retrying", now + wait, reason
            run.lease_until = None
            logger.warning("job %s %s: %s; retrying at %s", run.job, run.period, reason, now + wait)
            return Outcome(run.job, run.period, "retrying", reason)

    def _give_up(self, run_id: int, run: JobRun, now: dt.datetime, reason: str) -> Outcome:
        self._finish(run_id, "failed", now, reason)
        logger.error("job %s %s failed for good: %s", run.job, run.period, reason)
        return Outcome(run.job, run.period, "failed", reason)

    def _finish(self, run_id: int, status: str, now: dt.datetime, error: str = "") -> None:
        with self.ctx.session_factory.begin() as session:
            run = session.get_one(JobRun, run_id)
            run.status, run.finished_at, run.lease_until = status, now, None
            if error:
                run.error = error


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack answered {error.response.status_code}: {error.response.get('error')}"
    return f"{type(error).__name__}: {error}"
