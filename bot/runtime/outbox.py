"""Every delivery that matters goes through here: stored intent → send → mark sent.

An entry is a delivery owed to a target, added in the same transaction as whatever
causes it, under a unique key so a replay adds nothing: Slack posts (a job's run, a
shout-out, a DM; `bot.runtime.slack_posts`) or a GitLab note (its deliverer lives in
`bot.integrations.gitlab` and is registered by the code that builds the outbox: the
runtime never imports integrations). Whoever claims an entry (a compare-and-set on its
status, retry time and lease) hands it to its target's deliverer, which records its
progress step by step, so a retry resumes after the last step done.

One retry policy for every target. A failure — a 429, 5xx, a timeout, a refusal — is
retried with backoff (1, 2, 4, 8, then every 15 minutes), never sooner than the
target's Retry-After, until the entry's deadline: its kind's (a job's grace window, a
day for shout-outs and GitLab notes, two hours for DMs). A failure retrying can't fix
(a GitLab link to nothing) gives up at once. Given up, an entry is marked failed, logged
and shown in the admins' App Home, where an admin may requeue it.

The holder's lease is short and renewed every few seconds while it lives (a heartbeat),
so a process that dies holding an entry is noticed within `LEASE` and the minute tick
takes the entry over. Each claim counts an attempt, and a holder writes only while its
attempt is the entry's latest, so one that lost its entry stops at its next step. A step
whose outcome is unknown (the holder died during the call, or the call timed out) is
marked `unsure_of` first, and its deliverer looks for it before doing it again.

What follows a delivery (pin a shout-out, DM the people thanked, tell a PM their GitLab
link is broken) is a hook by kind, run once the entry is sent or given up; the entries
it owes are delivered next. The creator of an entry usually delivers it at once; the
tick leaves a fresh entry to its creator for `HOLD`, so the two don't race for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.runtime.delivery import Deliverer, Result, Sending
from bot.runtime.slack_posts import Post, SlackDeliverer
from bot.store.models import OutboxEntry

logger = logging.getLogger(__name__)

HOLD = dt.timedelta(minutes=1)
LEASE = dt.timedelta(seconds=30)
# How often a live holder renews its lease: several beats fit in one lease.
HEARTBEAT_SECONDS = 8.0
# The minute tick may come a little after an entry's last retry, set for its deadline.
TICK_SLACK = dt.timedelta(minutes=2)
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(minutes=15)
# How long a delivery is worth retrying, by kind, else by target, when its creator
# doesn't say (a job run's deadline is its grace window): a shout-out or a GitLab note a
# day, a DM two hours.
DEADLINES = {"win": dt.timedelta(hours=24), "thanks": dt.timedelta(hours=24)}
TARGET_DEADLINES = {"slack": dt.timedelta(hours=2), "gitlab": dt.timedelta(hours=24)}


@dataclass(frozen=True)
class Delivered:
    """An entry that is all out: what after-sent hooks get."""

    entry_id: int
    kind: str
    subject_id: int | None
    channel: str  # where its first Slack post landed ("" for other targets)
    ts: str


@dataclass(frozen=True)
class GaveUp:
    """An entry given up on: what after-failed hooks get."""

    entry: OutboxEntry  # as it stood, detached; `error` says why it was given up
    code: str  # the last failure's code (Slack's "is_archived", GitLab's "inaccessible")


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt to deliver an entry."""

    key: str
    status: str  # sent, retrying, failed, busy (another process holds it)
    posts: int = 0
    code: str = ""  # the target's error code, or the exception's name
    detail: str = ""
    hold_target: bool = False  # its target asked to be left alone for now


# Run when an entry of a kind is out, before it is marked sent, in a transaction of its
# own: may call Slack (pin, permalink), then write in `session`; returns entries to
# deliver next. It must be idempotent: if psbot stops before the entry is marked, it runs
# again. A hook that raises is logged and the entry is marked all the same.
AfterSent = Callable[[Session, Delivered, dt.datetime], list[int]]
# The same, when an entry of a kind is given up, before it is marked failed.
AfterFailed = Callable[[Session, GaveUp, dt.datetime], list[int]]


def add(
    session: Session,
    *,
    key: str,
    kind: str,
    posts: list[Post],
    now: dt.datetime,
    deadline: dt.datetime | None = None,
    subject_id: int | None = None,
) -> int | None:
    """Owe Slack `posts`, in the caller's transaction; None when `key` is already owed."""
    entry = OutboxEntry(
        key=key, kind=kind, subject_id=subject_id, posts=[post.as_dict() for post in posts]
    )
    return add_entry(session, entry, now, deadline=deadline)


def add_entry(
    session: Session,
    entry: OutboxEntry,
    now: dt.datetime,
    *,
    deadline: dt.datetime | None = None,
    tick_after: dt.timedelta = HOLD,
) -> int | None:
    """Owe `entry`, of any target, in the caller's transaction; None when its key is
    already owed. Its creator may deliver it at once; the minute tick takes it only
    after `tick_after` (by default the hold that leaves it to its creator)."""
    if session.scalar(sa.select(OutboxEntry.id).where(OutboxEntry.key == entry.key)) is not None:
        return None
    entry.status, entry.attempts, entry.sent = "pending", 0, 0
    entry.posts = entry.posts or []
    entry.next_attempt_at = now + tick_after
    entry.deadline = deadline or now + lifetime(entry)
    entry.created_at = now
    session.add(entry)
    session.flush()
    return entry.id


def add_dm(
    session: Session, key: str, user_id: str, text: str, now: dt.datetime, **post
) -> int | None:
    """Owe `user_id` a direct message."""
    return add(session, key=key, kind="dm", posts=[Post(user_id, text, **post)], now=now)


def add_post(
    session: Session, key: str, channel: str, text: str, now: dt.datetime, **post
) -> int | None:
    """Owe `channel` a one-off post (a closeout summary). Its kind is "dm", the outbox's
    kind for messages nothing follows: kinds name what happens after delivery."""
    return add(session, key=key, kind="dm", posts=[Post(channel, text, **post)], now=now)


def lifetime(entry: OutboxEntry) -> dt.timedelta:
    """How long `entry` is worth retrying from when it is owed (or requeued)."""
    return DEADLINES.get(entry.kind) or TARGET_DEADLINES[entry.target]


def requeue(session: Session, entry_id: int, now: dt.datetime) -> bool:
    """Give a failed delivery a fresh deadline (an admin fixed the cause).

    Job runs are not requeued: a reminder is only worth posting in its grace window
    (`psbot jobs run JOB --force` posts a fresh run on purpose).
    """
    entry = session.get(OutboxEntry, entry_id)
    if entry is None or entry.status != "failed" or not retryable(entry):
        return False
    # attempts keeps counting: it fences out anyone who held the entry before.
    entry.status, entry.next_attempt_at = "retrying", now
    entry.deadline = now + lifetime(entry)
    entry.finished_at = None
    return True


def retryable(entry: OutboxEntry) -> bool:
    return entry.kind != "job"


class Outbox:
    """Delivers outbox entries: Slack's through `client`, other targets' through the
    deliverers registered for them; `after_sent`/`after_failed` are hooks by kind."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        *,
        deliverers: Mapping[str, Deliverer] | None = None,
        after_sent: Mapping[str, AfterSent] | None = None,
        after_failed: Mapping[str, AfterFailed] | None = None,
    ) -> None:
        self.ctx = ctx
        self.deliverers: dict[str, Deliverer] = {
            "slack": SlackDeliverer(ctx, client),
            **(deliverers or {}),
        }
        self.after_sent = dict(after_sent or {})
        self.after_failed = dict(after_failed or {})

    def deliver(self, entry_id: int, now: dt.datetime) -> Attempt:
        """Claim the entry and send what is left of it, unless another process holds it
        (or no deliverer here serves its target)."""
        hold = self._claim(entry_id, now)
        if hold is None:
            return Attempt("", "busy")
        return self._send(hold, now)

    def deliver_each(self, entry_ids: Sequence[int], now: dt.datetime) -> list[Attempt]:
        """Deliver entries just owed, in order, best effort: never raises into the
        caller's action; whatever isn't out now, the minute tick retries."""
        if not entry_ids:
            return []
        try:
            with self.ctx.session_factory() as session:
                targets = dict(
                    session.execute(
                        sa.select(OutboxEntry.id, OutboxEntry.target).where(
                            OutboxEntry.id.in_(entry_ids)
                        )
                    ).all()
                )
        except Exception:
            logger.exception("outbox entries %s: delivery failed; the tick will retry", entry_ids)
            return []
        return self._deliver_each([(i, targets[i]) for i in entry_ids if i in targets], now)

    def retry_due(self, now: dt.datetime) -> list[Attempt]:
        """Deliver entries left by their creator, due a retry, or held past their lease."""
        with self.ctx.session_factory() as session:
            due = session.execute(
                sa.select(OutboxEntry.id, OutboxEntry.target)
                .where(_claimable(now, fresh=False), OutboxEntry.target.in_(tuple(self.deliverers)))
                .order_by(OutboxEntry.id)
            ).all()
        return self._deliver_each(due, now)

    def _deliver_each(self, due: Iterable[tuple[int, str]], now: dt.datetime) -> list[Attempt]:
        """One entry failing in an unexpected way is logged and doesn't stop the others;
        a target that is down or limiting psbot is left alone for the rest of the batch."""
        attempts, held = [], set()
        for entry_id, target in due:
            if target in held:
                continue
            try:
                attempt = self.deliver(entry_id, now)
            except Exception:
                logger.exception("outbox entry %s: delivery failed unexpectedly", entry_id)
                continue
            attempts.append(attempt)
            if attempt.hold_target:
                held.add(target)
        return attempts

    # --- holding --------------------------------------------------------------------

    def _claim(self, entry_id: int, now: dt.datetime) -> _Hold | None:
        with self.ctx.session_factory.begin() as session:
            attempt = session.execute(
                sa.update(OutboxEntry)
                .where(
                    OutboxEntry.id == entry_id,
                    _claimable(now, fresh=True),
                    OutboxEntry.target.in_(tuple(self.deliverers)),
                )
                .values(
                    status="sending",
                    lease_until=self._lease_end(now),
                    attempts=OutboxEntry.attempts + 1,
                )
                .returning(OutboxEntry.attempts)
            ).scalar_one_or_none()
        return _Hold(entry_id, attempt) if attempt is not None else None

    def _lease_end(self, now: dt.datetime) -> dt.datetime:
        # The later of the caller's time and the clock: `jobs run --at` an earlier time
        # must not hand the server's tick a lease that has already run out.
        return max(now, self.ctx.now()) + LEASE

    def _update(self, hold: _Hold, **values: Any) -> bool:
        """Write to the entry only while this process still holds it (a fenced write)."""
        with self.ctx.session_factory.begin() as session:
            return _fenced_update(session, hold, values)

    def _progress(self, hold: _Hold, now: dt.datetime, **values: Any) -> bool:
        """A deliverer's step recorded, the lease renewed with it."""
        return self._update(hold, lease_until=self._lease_end(now), **values)

    @contextmanager
    def _heartbeat(self, hold: _Hold) -> Iterator[None]:
        """Renew the lease every few seconds while this process sends, so a live holder
        keeps its entry however long the target takes, and a dead one is noticed quickly."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    if not self._update(hold, lease_until=self._lease_end(self.ctx.now())):
                        return  # taken over: the sender finds out at its next step
                except Exception:  # the database blinked: the next beat tries again
                    logger.warning("outbox %s: renewing the lease failed", hold.entry_id)

        beater = threading.Thread(target=beat, name=f"outbox-lease-{hold.entry_id}", daemon=True)
        beater.start()
        try:
            yield
        finally:
            stop.set()
            beater.join()

    # --- sending --------------------------------------------------------------------

    def _send(self, hold: _Hold, now: dt.datetime) -> Attempt:
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
        sending = Sending(entry, now, partial(self._progress, hold, now), TICK_SLACK)
        with self._heartbeat(hold):
            try:
                result = self.deliverers[entry.target].send(sending)
            except Exception as error:
                # A deliverer's bug: retried with backoff and, at the deadline, shown to
                # admins, rather than held until the lease runs out, again and again.
                logger.exception("outbox %s: its deliverer failed unexpectedly", entry.key)
                result = Result("retry", type(error).__name__, f"{type(error).__name__}: {error}")
        if result.status == "busy":
            return Attempt(entry.key, "busy")
        if result.status == "sent":
            return self._finish(hold, now, result)
        if result.status == "failed":
            return self._give_up(hold, now, result)
        return self._retry_later(hold, now, result)

    def _finish(self, hold: _Hold, now: dt.datetime, result: Result) -> Attempt:
        """After-sent work first (idempotent: run again if we stop before the next step),
        then the entry is marked sent."""
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
            done = Delivered(
                hold.entry_id,
                entry.kind,
                entry.subject_id,
                entry.first_channel or "",
                entry.first_ts or "",
            )
        follow = self._run_hook(self.after_sent.get(done.kind), entry.key, done, now)
        values = {"status": "sent", "finished_at": now, "lease_until": None}
        if not self._update(hold, **values, next_attempt_at=None, error=result.reason):
            return Attempt(entry.key, "busy")
        self.deliver_each(follow, now)
        return Attempt(entry.key, "sent", result.count, detail=result.reason)

    def _retry_later(self, hold: _Hold, now: dt.datetime, result: Result) -> Attempt:
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
        if now >= entry.deadline:
            return self._give_up(hold, now, result)
        wait = max(backoff(entry.attempts), result.retry_after)
        retry_at = min(now + wait, entry.deadline)  # one last try at the deadline
        values = {"status": "retrying", "next_attempt_at": retry_at, "lease_until": None}
        if result.refused:
            values["unsure_of"] = None  # the target answered: the step was not done
        if not self._update(hold, **values, error=result.reason):
            return Attempt(entry.key, "busy")
        logger.warning("outbox %s: %s; retrying at %s", entry.key, result.reason, retry_at)
        return Attempt(
            entry.key, "retrying", entry.sent, result.code, result.reason, result.hold_target
        )

    def _give_up(self, hold: _Hold, now: dt.datetime, result: Result) -> Attempt:
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
        entry.error = result.reason  # detached: what the after-failed hook tells, not a write
        gave_up = GaveUp(entry, result.code)
        follow = self._run_hook(self.after_failed.get(entry.kind), entry.key, gave_up, now)
        values = {"status": "failed", "finished_at": now, "lease_until": None}
        if not self._update(hold, **values, next_attempt_at=None, error=result.reason):
            return Attempt(entry.key, "busy")
        logger.error("outbox %s failed for good: %s", entry.key, result.reason)
        self.deliver_each(follow, now)
        return Attempt(entry.key, "failed", entry.sent, result.code, result.reason)

    def _run_hook(
        self, hook: Callable[..., list[int]] | None, key: str, subject: Any, now
    ) -> list[int]:
        """A hook in its own transaction; its failure is logged, never the entry's."""
        if hook is None:
            return []
        try:
            with self.ctx.session_factory.begin() as session:
                return hook(session, subject, now)
        except Exception:
            logger.exception("outbox %s: what follows its delivery failed", key)
            return []


@dataclass(frozen=True)
class _Hold:
    """A process's claim on an entry: its writes count only while `attempt` is the
    entry's latest (a takeover counts another attempt)."""

    entry_id: int
    attempt: int


def _fenced_update(session: Session, hold: _Hold, values: dict[str, Any]) -> bool:
    # On the table itself: a deliverer writes its own target's columns too.
    table = OutboxEntry.__table__
    result = session.execute(
        sa.update(table)
        .where(
            table.c.id == hold.entry_id,
            table.c.status == "sending",
            table.c.attempts == hold.attempt,
        )
        .values(**values)
    )
    return result.rowcount == 1


def _claimable(now: dt.datetime, *, fresh: bool) -> sa.ColumnElement[bool]:
    """Entries one may take: due ones, ones whose holder's lease ran out, and — for their
    creator (`fresh`) — pending ones before their hold ends."""
    due = sa.and_(
        OutboxEntry.status.in_(("pending", "retrying")), OutboxEntry.next_attempt_at <= now
    )
    abandoned = sa.and_(OutboxEntry.status == "sending", OutboxEntry.lease_until < now)
    if fresh:
        return sa.or_(due, abandoned, OutboxEntry.status == "pending")
    return sa.or_(due, abandoned)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, 8... minutes, up to 15."""
    doublings = min(max(attempts - 1, 0), 16)  # 2**16 minutes is past any ceiling
    return min(FIRST_RETRY * 2**doublings, MAX_RETRY)
