"""Every Slack post that matters goes through here: stored intent → send → mark sent.

An entry is one or more posts (a job's run, a shout-out, a DM), added in the same
transaction as whatever causes it, under a unique key so a replay adds nothing. Whoever
claims an entry (a compare-and-set on its status, retry time and lease) sends its posts in
order and records each one, so a retry resumes after the last post sent. A failure — 429
(a long Retry-After is never slept through inside the call), 5xx, a timeout, or a Slack
error such as not_in_channel — is retried with backoff until the entry's deadline; then
the entry is marked failed, logged, and shown in the admins' App Home.

The holder's lease is short and renewed every few seconds while it lives (a heartbeat),
so a process that dies holding an entry is noticed within `LEASE` and the minute tick
takes the entry over. Each claim counts an attempt, and a holder writes only while its
attempt is the entry's latest, so one that lost its entry stops at its next step.

A post whose outcome is unknown (the holder died during the call, or the call timed out)
is looked for before it is sent again: every post carries its entry's key and index as
message metadata, read back from the channel's history. Where psbot can't read the
history (a DM, a private channel), it posts again: a duplicate rather than a loss.

The creator of an entry usually delivers it at once; the tick leaves a fresh entry to its
creator for `HOLD`, so the two don't race for it on every recording.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.runtime.slack_client import retry_after_seconds
from bot.store.models import OutboxEntry

logger = logging.getLogger(__name__)

HOLD = dt.timedelta(minutes=1)
LEASE = dt.timedelta(seconds=30)
# How often a live holder renews its lease: several beats fit in one lease.
HEARTBEAT_SECONDS = 8.0
# The message metadata that names an outbox post, so an unsure one can be found.
POST_METADATA_TYPE = "psbot_outbox_post"
# The minute tick may come a little after an entry's last retry, set for its deadline.
TICK_SLACK = dt.timedelta(minutes=2)
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(minutes=15)
# What is worth delivering late, by kind, when the caller doesn't say.
DEADLINES = {"win": dt.timedelta(hours=24), "thanks": dt.timedelta(hours=24)}
DEFAULT_DEADLINE = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Post:
    """One chat.postMessage: a channel (ID or name) or a user ID for a DM.

    An empty channel is the internal channel as configured when the post is sent, so a
    shout-out retried after an admin fixes PSBOT_INTERNAL_CHANNEL goes to the new one.
    """

    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    # Continue in the thread of the entry's first post (long reports).
    in_thread: bool = False
    # A file to share instead of a message (a chart): `filename`, `title`, `alt_txt` and
    # `content` (base64). It goes to the channel of the entry's first post, so that post
    # must come first; `text` says what it is in the logs.
    file: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "text": self.text,
            "blocks": self.blocks,
            "in_thread": self.in_thread,
            **({"file": self.file} if self.file else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Post:
        return cls(
            data["channel"],
            data["text"],
            data.get("blocks") or [],
            data["in_thread"],
            data.get("file"),
        )


@dataclass(frozen=True)
class Delivered:
    """An entry whose posts are all out: what after-sent hooks get."""

    entry_id: int
    kind: str
    subject_id: int | None
    channel: str
    ts: str


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt to deliver an entry."""

    key: str
    status: str  # sent, retrying, failed, busy (another process holds it)
    posts: int = 0
    code: str = ""  # Slack's error code, or the exception's name
    detail: str = ""


# Run when an entry of a kind is out, before it is marked sent, in a transaction of its
# own: may call Slack (pin, permalink), then write in `session`; returns entries to
# deliver next. It must be idempotent: if psbot stops before the entry is marked, it runs
# again. A hook that raises is logged and the entry is marked all the same.
AfterSent = Callable[[Session, Delivered, dt.datetime], list[int]]
# The same, when an entry of a kind is given up, before it is marked failed.
AfterFailed = Callable[[Session, OutboxEntry, dt.datetime], list[int]]


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
    if session.scalar(sa.select(OutboxEntry.id).where(OutboxEntry.key == key)) is not None:
        return None
    entry = OutboxEntry(
        key=key,
        kind=kind,
        subject_id=subject_id,
        posts=[post.as_dict() for post in posts],
        status="pending",
        attempts=0,
        sent=0,
        next_attempt_at=now + HOLD,
        deadline=deadline or now + DEADLINES.get(kind, DEFAULT_DEADLINE),
        created_at=now,
    )
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


def requeue(session: Session, entry_id: int, now: dt.datetime) -> bool:
    """Give a failed shout-out or DM a fresh deadline (an admin fixed the cause).

    Job runs are not requeued: a reminder is only worth posting in its grace window
    (`psbot jobs run JOB --force` posts a fresh run on purpose).
    """
    entry = session.get(OutboxEntry, entry_id)
    if entry is None or entry.status != "failed" or not retryable(entry):
        return False
    # attempts keeps counting: it fences out anyone who held the entry before.
    entry.status, entry.next_attempt_at = "retrying", now
    entry.deadline = now + DEADLINES.get(entry.kind, DEFAULT_DEADLINE)
    entry.finished_at = None
    return True


def retryable(entry: OutboxEntry) -> bool:
    return entry.kind != "job"


class Outbox:
    """Delivers outbox entries through one Web API client."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        after_sent: Mapping[str, AfterSent] | None = None,
        after_failed: Mapping[str, AfterFailed] | None = None,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.after_sent = dict(after_sent or {})
        self.after_failed = dict(after_failed or {})

    def deliver(self, entry_id: int, now: dt.datetime) -> Attempt:
        """Claim the entry and send what is left of it, unless another process holds it."""
        hold = self._claim(entry_id, now)
        if hold is None:
            return Attempt("", "busy")
        return self._send(hold, now)

    def retry_due(self, now: dt.datetime) -> list[Attempt]:
        """Deliver entries left by their creator, due a retry, or held past their lease.

        One entry failing in an unexpected way is logged and doesn't stop the others.
        """
        with self.ctx.session_factory() as session:
            due = session.scalars(
                sa.select(OutboxEntry.id)
                .where(_claimable(now, fresh=False))
                .order_by(OutboxEntry.id)
            ).all()
        attempts = []
        for entry_id in due:
            try:
                attempts.append(self.deliver(entry_id, now))
            except Exception:
                logger.exception("outbox entry %s: delivery failed unexpectedly", entry_id)
        return attempts

    # --- holding --------------------------------------------------------------------

    def _claim(self, entry_id: int, now: dt.datetime) -> _Hold | None:
        with self.ctx.session_factory.begin() as session:
            attempt = session.execute(
                sa.update(OutboxEntry)
                .where(OutboxEntry.id == entry_id, _claimable(now, fresh=True))
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

    # --- sending --------------------------------------------------------------------

    def _send(self, hold: _Hold, now: dt.datetime) -> Attempt:
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
            key, posts = entry.key, [Post.from_dict(data) for data in entry.posts]
            sent, first = entry.sent, (entry.first_channel, entry.first_ts)
            unsure, created = entry.unsure_of, entry.created_at
            late = now > entry.deadline + TICK_SLACK
        if sent >= len(posts):  # all out already (its holder stopped before finishing)
            return self._finish(hold, key, now, len(posts))
        if late:
            return self._give_up(hold, now, "its deadline passed before it could be sent")
        with self._heartbeat(hold):
            for index in range(sent, len(posts)):
                where = None
                if unsure == index:  # an earlier attempt may have posted it: look first
                    where = self._find_posted(key, index, posts[index], first, created)
                if where is None:
                    if not self._update(hold, lease_until=self._lease_end(now), unsure_of=index):
                        return Attempt(key, "busy")  # taken over: its new holder sends the rest
                    try:
                        response = self._post(posts[index], first, key, index)
                    except (SlackApiError, SlackClientError, OSError) as error:
                        return self._retry_later(hold, now, error)
                    where = (response.get("channel"), response.get("ts"))
                if index == 0:  # later posts marked in_thread reply to the first one
                    first = where
                values = {"sent": index + 1, "unsure_of": None}
                if not self._update(hold, **values, first_channel=first[0], first_ts=first[1]):
                    return Attempt(key, "busy")
        return self._finish(hold, key, now, len(posts))

    def _post(self, post: Post, first: tuple[str | None, str | None], key: str, index: int):
        if post.file is not None:
            return self._share(post, first)
        channel = post.channel or self.ctx.settings.internal_channel
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": post.text,
            "unfurl_links": False,
            "metadata": {
                "event_type": POST_METADATA_TYPE,
                "event_payload": {"key": key, "post": index},
            },
        }
        if post.blocks:
            kwargs["blocks"] = post.blocks
        if post.in_thread and first[1]:
            kwargs.update(channel=first[0], thread_ts=first[1])
        return self.client.chat_postMessage(**kwargs)

    @contextmanager
    def _heartbeat(self, hold: _Hold) -> Iterator[None]:
        """Renew the lease every few seconds while this process sends, so a live holder
        keeps its entry however long Slack takes, and a dead one is noticed quickly."""
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

    def _find_posted(
        self,
        key: str,
        index: int,
        post: Post,
        first: tuple[str | None, str | None],
        since: dt.datetime,
    ) -> tuple[str, str] | None:
        """(channel, ts) of post `index` of `key` if an earlier attempt did post it; None
        when it isn't there or psbot can't tell (then it is posted again)."""
        try:
            if post.in_thread and first[0] and first[1]:
                channel = first[0]
                found = self.client.conversations_replies(
                    channel=channel, ts=first[1], include_all_metadata=True, limit=200
                )
            else:
                channel = self._channel_id(post.channel or self.ctx.settings.internal_channel)
                if channel is None:
                    return None
                found = self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp() - 60:.6f}",
                    include_all_metadata=True,
                    limit=200,
                )
        except (SlackApiError, SlackClientError, OSError, KeyError, TypeError) as error:
            logger.warning("outbox %s: can't look for post %s (%r)", key, index, error)
            return None
        for message in found.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == POST_METADATA_TYPE and payload == {
                "key": key,
                "post": index,
            }:
                logger.info("outbox %s: post %s was already in Slack", key, index)
                return channel, message["ts"]
        return None

    def _channel_id(self, channel: str) -> str | None:
        """The conversation ID to read back from: an ID as it is, a user's DM channel, or
        a channel looked up by name (psbot accepts names for its channels)."""
        if _CONVERSATION_ID.fullmatch(channel):
            return channel
        if _USER_ID.fullmatch(channel):
            return self.client.conversations_open(users=channel)["channel"]["id"]
        name = channel.lstrip("#")
        for page in self.client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000
        ):
            for found in page.get("channels") or []:
                if found.get("name") == name:
                    return found["id"]
        return None

    def _share(self, post: Post, first: tuple[str | None, str | None]):
        """Upload a file with Slack's upload v2 (files.getUploadURLExternal, the bytes,
        files.completeUploadExternal) into the first post's channel (an ID, which
        completeUploadExternal needs), in its thread when the post says so."""
        assert post.file is not None
        if not first[0]:
            raise ValueError("a file post must follow a message post")
        kwargs: dict[str, Any] = {
            "channel": first[0],
            "content": base64.b64decode(post.file["content"]),
            "filename": post.file["filename"],
            "title": post.file["title"],
            "alt_txt": post.file["alt_txt"],
        }
        if post.in_thread and first[1]:
            kwargs["thread_ts"] = first[1]
        self.client.files_upload_v2(**kwargs)
        return {"channel": first[0], "ts": first[1]}

    def _finish(self, hold: _Hold, key: str, now: dt.datetime, count: int) -> Attempt:
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
        follow = self._run_hook(self.after_sent.get(done.kind), key, done, now)
        values = {"status": "sent", "finished_at": now, "lease_until": None}
        if not self._update(hold, **values, next_attempt_at=None, error=""):
            return Attempt(key, "busy")
        self._deliver_all(follow, now)
        return Attempt(key, "sent", count)

    def _retry_later(self, hold: _Hold, now: dt.datetime, error: Exception) -> Attempt:
        code, reason = describe(error)
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
            key, sent, deadline = entry.key, entry.sent, entry.deadline
            wait = max(backoff(entry.attempts), _retry_after(error))
        if now >= deadline:
            return self._give_up(hold, now, reason, code)
        retry_at = min(now + wait, deadline)  # one last try at the deadline
        values = {"status": "retrying", "next_attempt_at": retry_at, "lease_until": None}
        if _refused(error):
            values["unsure_of"] = None  # Slack answered: the post was not made
        if not self._update(hold, **values, error=reason):
            return Attempt(key, "busy")
        logger.warning("outbox %s: %s; retrying at %s", key, reason, retry_at.isoformat())
        return Attempt(key, "retrying", sent, code, reason)

    def _give_up(self, hold: _Hold, now: dt.datetime, reason: str, code: str = "") -> Attempt:
        with self.ctx.session_factory() as session:
            entry = session.get_one(OutboxEntry, hold.entry_id)
        key, sent = entry.key, entry.sent
        entry.error = reason  # detached: what the after-failed hook tells, not a write
        follow = self._run_hook(self.after_failed.get(entry.kind), key, entry, now)
        values = {"status": "failed", "finished_at": now, "lease_until": None}
        if not self._update(hold, **values, next_attempt_at=None, error=reason):
            return Attempt(key, "busy")
        logger.error("outbox %s failed for good: %s", key, reason)
        self._deliver_all(follow, now)
        return Attempt(key, "failed", sent, code, reason)

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

    def _deliver_all(self, entry_ids: list[int], now: dt.datetime) -> None:
        for entry_id in entry_ids:
            self.deliver(entry_id, now)


@dataclass(frozen=True)
class _Hold:
    """A process's claim on an entry: its writes count only while `attempt` is the
    entry's latest (a takeover counts another attempt)."""

    entry_id: int
    attempt: int


def _fenced_update(session: Session, hold: _Hold, values: dict[str, Any]) -> bool:
    result = session.execute(
        sa.update(OutboxEntry)
        .where(
            OutboxEntry.id == hold.entry_id,
            OutboxEntry.status == "sending",
            OutboxEntry.attempts == hold.attempt,
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


_CONVERSATION_ID = re.compile(r"[CGD][A-Z0-9]+")  # names are lowercase
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


def _refused(error: Exception) -> bool:
    """Whether Slack answered that it did not take the post (as opposed to no answer, or
    a server error, after which the post may or may not be in the channel)."""
    return isinstance(error, SlackApiError) and error.response.status_code < 500


def describe(error: Exception) -> tuple[str, str]:
    """(code, reason): Slack's error code, or the exception's name, and a sentence."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or "")
        return code, f"Slack answered {error.response.status_code}: {code}"
    return type(error).__name__, f"{type(error).__name__}: {error}"


def backoff(attempts: int, ceiling: dt.timedelta = MAX_RETRY) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, 8... minutes, up to `ceiling`."""
    doublings = min(max(attempts - 1, 0), 16)  # 2**16 minutes is past any ceiling
    return min(FIRST_RETRY * 2**doublings, ceiling)


def _retry_after(error: Exception) -> dt.timedelta:
    if not isinstance(error, SlackApiError) or error.response.status_code != 429:
        return dt.timedelta(0)
    return dt.timedelta(seconds=retry_after_seconds(error.response.headers, default=0))
