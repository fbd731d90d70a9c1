"""Run scheduled jobs exactly once per period; their posts go through the outbox.

A run is claimed by inserting its (job, period) row, in the same transaction as the
outbox entry holding the posts it built: the unique key makes a second claimant — a
restarted process, another replica, a manual `psbot jobs run` — add nothing. The outbox
delivers the posts in order, retries until the run is no longer useful (its grace window
closes, or the deadline it announces passes), and resumes after a restart. A run missed
while psbot was down is posted late if still useful, otherwise recorded as skipped; so is
every earlier run missed since the job's last one. A run whose posts could not be built
because a connection was lost stays unclaimed, so the next tick builds it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.context import AppContext
from bot.core.errors import UserError, first_line
from bot.core.logs import log_ids
from bot.runtime import outbox
from bot.runtime.outbox import Attempt, Outbox, Post
from bot.runtime.schedule import JobSpec, last_run, runs_between
from bot.store.models import JobRun

logger = logging.getLogger(__name__)

# How far back missed runs are recorded one by one: after a longer outage, only this much.
MISSED_RUNS_LOOKBACK = dt.timedelta(days=366)
# A job that posts nothing is claimed before its work; a claim still running after this
# long belongs to a process that died, and the next tick takes it over.
RUNNING_LEASE = dt.timedelta(minutes=30)


def one_off_period(period: str, label: str) -> str:
    """The key of a run outside the schedule (`psbot jobs run` off-schedule or with
    --force, the shell's :run): `period` and a label, so it never takes the scheduled run's
    key. Scheduled periods ("2026-W49", "2026-11") have no space; one-offs always do."""
    return f"{period} {label}"


def running_claim() -> sa.ColumnElement[bool]:
    """A run claimed before its work that has not finished it (see `JobRun.outcome`)."""
    return sa.and_(
        JobRun.status == "queued", JobRun.outbox_id.is_(None), JobRun.finished_at.is_(None)
    )


def scheduled_run() -> sa.ColumnElement[bool]:
    """The job runs the schedule made, not one-offs (see `one_off_period`)."""
    return JobRun.period.not_like("% %")


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
        refresh: Callable[[], Sequence[JobSpec]] | None = None,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.jobs = {job.name: job for job in jobs}
        self.calendar = calendar
        # Reads the jobs' timings afresh (an admin changed one in Slack) at every tick.
        self._refresh = refresh
        # Job name -> (period, reason) of its last run left unclaimed by a lost connection.
        self._lost_connection: dict[str, tuple[str, str]] = {}
        # Held while this process runs the job. The scheduled fire and the minute tick are
        # separate scheduler jobs, and a run still building is unclaimed (a Kantata sync
        # retrying an unreachable Kantata, for minutes): without this, the tick would start
        # the same job again, and the two would write at once. The unique (job, period)
        # key settles runs in different processes.
        self._running = {name: threading.Lock() for name in self.jobs}

    # --- entry points ---------------------------------------------------------------

    def run_due(self, name: str, now: dt.datetime) -> Outcome | None:
        """Run `name`'s latest scheduled run if it is due, unclaimed and still useful.

        Earlier runs missed since the job's last claimed run are recorded as skipped.
        None when there is nothing to do, or while this process is already running `name`.
        """
        job = self.jobs[name]
        if not job.enabled:
            return None
        running = self._running[name]
        if not running.acquire(blocking=False):
            return None
        try:
            with log_ids(job=name):
                return self._run_due(job, now)
        finally:
            running.release()

    def tick(self, now: dt.datetime) -> list[Outcome]:
        """Take the jobs' timings as they are now, catch up on due runs and retry what the
        outbox owes (every minute, and at start)."""
        self.refresh()
        outcomes = [self.run_due(name, now) for name in self.jobs]
        outcomes.extend(_job_outcome(attempt) for attempt in self.outbox.retry_due(now))
        return [outcome for outcome in outcomes if outcome is not None]

    def refresh(self) -> None:
        """The jobs' timings as set now (in Slack, say), for every job this runner has;
        when they can't be read, the ones it had stay."""
        if self._refresh is None:
            return
        try:
            fresh = {job.name: job for job in self._refresh() if job.name in self.jobs}
        except Exception as error:  # the database is down, or a bad value: keep going
            logger.warning("job settings not re-read, the last ones stay: %s", first_line(error))
            return
        self.jobs.update(fresh)

    def _run_due(self, job: JobSpec, now: dt.datetime) -> Outcome | None:
        unclaimed = self._unclaimed_runs(job, now)
        if not unclaimed:
            return None
        *earlier, (period, scheduled_at) = unclaimed
        for missed_period, missed_at in earlier:
            self._close_missed(job, missed_period, missed_at, now)
        if now > job.useful_until(self.ctx, scheduled_at):
            if not job.schedule.catch_up:
                return None  # every few minutes: the next slot does the work, nothing missed
            return self._close_missed(job, period, scheduled_at, now)
        return self.run(job, period, scheduled_at, now)

    def run(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome:
        """Build the posts, claim (job, period) with them, and deliver them if ours.

        The posts are built as at `scheduled_at`: a run caught up late (a week late, with a
        long grace) still reports its own week or month, not the one it runs in.

        A job that posts nothing (the Kantata sync) is claimed before its work instead: its
        work is all it does, so it must be done once, not built by every replica and
        then thrown away by all but one."""
        if not job.posts:
            return self._run_claimed_first(job, period, scheduled_at, now)
        try:
            posts = [self._addressed(job, post) for post in job.run(self.ctx, scheduled_at)]
        except Exception as error:
            if _connection_lost(error):
                return self._retry_later(job, period, error)
            if isinstance(error, UserError):
                # Bad settings or credentials: the message says what to fix, in one line.
                logger.error("job %s %s failed: %s", job.name, period, error)
                return self._fail(job, period, scheduled_at, now, first_line(error))
            # A bug, not a blip: trying again every minute would fail the same way.
            logger.exception("job %s %s failed to build its posts", job.name, period)
            reason = f"building the posts failed: {error}"
            return self._fail(job, period, scheduled_at, now, reason)
        self._lost_connection.pop(job.name, None)
        entry_id = self._claim(job, period, scheduled_at, now, status="queued", posts=posts)
        if entry_id is None:
            return Outcome(job.name, period, "already claimed")
        attempt = self.outbox.deliver(entry_id, now)
        if attempt.status == "busy":  # the minute tick got to it first
            return Outcome(job.name, period, "sending", "another psbot process is posting it")
        return _job_outcome(attempt) or Outcome(job.name, period, attempt.status)

    def _run_claimed_first(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome:
        """Claim (job, period), then do the job's work; record how it went on the claim.

        A claim left running past RUNNING_LEASE (its process died) is taken over. Work cut
        short by a lost connection (Kantata or the database unreachable) gives the claim
        back, so the next tick tries again while the run is still useful.
        """
        self._release_stale_claim(job, period, now)
        run_id = self._claim(job, period, scheduled_at, now, status="queued", running=True)
        if run_id is None:
            return Outcome(job.name, period, "already claimed")
        try:
            job.run(self.ctx, scheduled_at)
        except Exception as error:
            if _connection_lost(error):
                self._unclaim(run_id)
                return self._retry_later(job, period, error)
            if isinstance(error, UserError):
                logger.error("job %s %s failed: %s", job.name, period, error)
                reason = first_line(error)
            else:
                logger.exception("job %s %s failed", job.name, period)
                reason = f"the job failed: {error}"
            self._finish(run_id, now, reason)
            return Outcome(job.name, period, "failed", reason)
        self._lost_connection.pop(job.name, None)
        entry_id = self._finish(run_id, now, None)
        attempt = self.outbox.deliver(entry_id, now)  # no posts: marks the run done
        return _job_outcome(attempt) or Outcome(job.name, period, attempt.status)

    def _release_stale_claim(self, job: JobSpec, period: str, now: dt.datetime) -> None:
        """Drop a running claim whose process must have died (see RUNNING_LEASE)."""
        with self.ctx.session_factory.begin() as session:
            session.execute(
                sa.delete(JobRun).where(
                    JobRun.job == job.name,
                    JobRun.period == period,
                    running_claim(),
                    JobRun.claimed_at < now - RUNNING_LEASE,
                )
            )

    def _unclaim(self, run_id: int) -> None:
        with self.ctx.session_factory.begin() as session:
            session.execute(sa.delete(JobRun).where(JobRun.id == run_id, running_claim()))

    def _finish(self, run_id: int, now: dt.datetime, error: str | None) -> int:
        """Close a running claim: failed with `error`, or done with an empty outbox entry
        (the run's delivery record, as for a job that posts); returns that entry's id."""
        with self.ctx.session_factory.begin() as session:
            run = session.get(JobRun, run_id)
            assert run is not None
            run.finished_at = now
            if error is not None:
                run.status, run.error = "failed", error
                return 0
            entry_id = outbox.add(
                session, key=f"job:{run.job}:{run.period}", kind="job", posts=[], now=now
            )
            run.outbox_id = entry_id
            return entry_id or 0

    # --- claiming -------------------------------------------------------------------

    def _unclaimed_runs(self, job: JobSpec, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """The job's runs up to `now` that nobody claimed, oldest first: the latest one, and
        those missed since its last claimed run (within MISSED_RUNS_LOOKBACK).

        A cheap look first; the unique key still settles races between processes.
        """
        tz = self.ctx.settings.timezone
        latest = last_run(job.schedule, now, self.calendar, tz)
        if latest is None:
            return []
        with self.ctx.session_factory() as session:
            last_claimed = session.scalar(
                # A one-off's time is whatever it was run "as if at": it says nothing of
                # which scheduled runs were missed.
                sa.select(sa.func.max(JobRun.scheduled_at)).where(
                    JobRun.job == job.name, JobRun.scheduled_at <= now, scheduled_run()
                )
            )
            runs = [latest]  # a job that never ran has no missed runs to list
            if last_claimed is not None and job.schedule.catch_up:
                since = max(last_claimed, now - MISSED_RUNS_LOOKBACK)
                runs = runs_between(job.schedule, since, now, self.calendar, tz) or runs
            periods = [period for period, _ in runs]
            claimed = set(
                session.scalars(
                    sa.select(JobRun.period).where(
                        JobRun.job == job.name,
                        JobRun.period.in_(periods),
                        # A claim left running by a process that died is taken over.
                        ~sa.and_(running_claim(), JobRun.claimed_at < now - RUNNING_LEASE),
                    )
                )
            )
        return [run for run in runs if run[0] not in claimed]

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
        running: bool = False,
    ) -> int | None:
        """The claimed run's outbox entry id (or its row id when it posts nothing, or is
        `running`: claimed before its work, finished by `_finish`)."""
        try:
            with self.ctx.session_factory.begin() as session:
                run = JobRun(
                    job=job.name,
                    period=period,
                    status=status,
                    scheduled_at=scheduled_at,
                    claimed_at=now,
                    finished_at=None if posts is not None or running else now,
                    error=error,
                )
                if posts is not None:
                    run.outbox_id = outbox.add(
                        session,
                        key=f"job:{job.name}:{period}",
                        kind="job",
                        posts=posts,
                        now=now,
                        deadline=job.useful_until(self.ctx, scheduled_at),
                    )
                session.add(run)
                session.flush()
                return run.outbox_id if posts is not None else run.id
        except IntegrityError:
            return None

    def _close_missed(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime
    ) -> Outcome | None:
        """Record a run too late to post: failed if lost connections kept it from being
        built, otherwise skipped because psbot was not running."""
        lost = self._lost_connection.get(job.name)
        if lost is not None and lost[0] == period:
            del self._lost_connection[job.name]
            reason = f"connection lost until it was too late to post: {lost[1]}"
            outcome = self._fail(job, period, scheduled_at, now, reason)
            if outcome.status == "failed":
                logger.error("job %s %s failed for good: %s", job.name, period, reason)
            return outcome
        late = now - scheduled_at
        missed = f"missed by {late}"
        if self._claim(job, period, scheduled_at, now, status="skipped", error=missed) is None:
            return None
        until = job.useful_until(self.ctx, scheduled_at)
        window = (
            f"{job.grace} grace window"
            if until == scheduled_at + job.grace
            else f"deadline, {until.astimezone(self.ctx.settings.timezone):%a %H:%M %Z}"
        )
        logger.warning(
            "job %s %s was missed by %s, past its %s: skipped", job.name, period, late, window
        )
        return Outcome(job.name, period, "skipped", missed)

    def _fail(
        self, job: JobSpec, period: str, scheduled_at: dt.datetime, now: dt.datetime, reason: str
    ) -> Outcome:
        if self._claim(job, period, scheduled_at, now, status="failed", error=reason) is None:
            return Outcome(job.name, period, "already claimed")
        return Outcome(job.name, period, "failed", reason)

    def _retry_later(self, job: JobSpec, period: str, error: Exception) -> Outcome:
        """Leave the run unclaimed, so the next tick builds it again while still useful."""
        reason = first_line(error)
        self._lost_connection[job.name] = (period, reason)
        logger.warning(
            "job %s %s lost a connection building its posts (%s); trying again next minute",
            job.name,
            period,
            reason,
        )
        return Outcome(job.name, period, "retrying", f"connection lost: {reason}")

    def _addressed(self, job: JobSpec, post: Post) -> Post:
        if post.channel:
            return post
        return replace(post, channel=job.channel)


def _connection_lost(error: BaseException | None) -> bool:
    """Whether `error`, or an error that caused it, is a dropped or refused connection
    (database restart, failover, network): a blip worth another try, not a bug."""
    while error is not None:
        if isinstance(error, InterfaceError | OSError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, OperationalError):
            return _operational_blip(error.orig)
        error = error.__cause__
    return False


# SQLite raises OperationalError for bugs too ("no such column"); only these are blips.
_SQLITE_BLIPS = ("database is locked", "unable to open database", "disk i/o error")


def _operational_blip(driver_error: BaseException) -> bool:
    """PostgreSQL's operational errors are connection, shutdown and resource classes."""
    if isinstance(driver_error, sqlite3.Error):
        return any(blip in str(driver_error).lower() for blip in _SQLITE_BLIPS)
    return True


def _job_outcome(attempt: Attempt) -> Outcome | None:
    """A delivery attempt of a job run's posts as the run's outcome (None: not a job's)."""
    kind, _, rest = attempt.key.partition(":")
    if kind != "job":
        return None
    name, _, period = rest.partition(":")
    count = f"{attempt.posts} post" + ("" if attempt.posts == 1 else "s")
    detail = count if attempt.status == "sent" else attempt.detail
    return Outcome(name, period, attempt.status, detail)


def last_runs(session: Session) -> dict[str, JobRun]:
    """Each job's most recent scheduled run: a one-off (a preview `--at` a future time,
    say) is not what the schedule did."""
    latest: dict[str, JobRun] = {}
    query = sa.select(JobRun).where(scheduled_run()).order_by(JobRun.claimed_at)
    for run in session.scalars(query):
        latest[run.job] = run
    return latest
