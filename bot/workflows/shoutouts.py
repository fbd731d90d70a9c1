"""Wins and thanks in the internal channel: what the outbox posts for them, and after.

A win or thanks is stored with its shout-out owed in the outbox (same transaction). Once
it is posted, a win is pinned and its link kept; a thanks gets its link kept and a DM to
each person thanked (owed in the outbox too); the GitLab note that waited for the link
goes next. If Slack refuses (bot not in the channel, 429, 5xx) the author is told why in
words they can act on, and the outbox retries for a day before giving up and telling
them so. The records keep no delivery state of their own: only where the post landed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.core.context import AppContext
from bot.integrations.gitlab import notes_waiting_for
from bot.runtime import outbox
from bot.runtime.outbox import AfterFailed, AfterSent, Delivered, GaveUp, Outbox, Post
from bot.store.models import OutboxEntry, Project, Thanks, Win

logger = logging.getLogger(__name__)

# Slack errors that an admin must fix: say so in words the author can act on.
ADVICE = {
    "not_in_channel": "invite psbot to #{channel} (type `/invite @psbot` there)",
    "channel_not_found": "#{channel} doesn't exist or psbot can't see it: invite psbot, "
    "or set PSBOT_INTERNAL_CHANNEL",
    "is_archived": "#{channel} is archived: set PSBOT_INTERNAL_CHANNEL to a live channel",
}

Record = Win | Thanks
KINDS: dict[type, str] = {Win: "win", Thanks: "thanks"}


@dataclass(frozen=True)
class Delivery:
    posted: bool
    permalink: str = ""
    problem: str = ""  # what the author should know, in plain words
    pin_problem: str = ""


def owe_shoutout(ctx: AppContext, session: Session, record: Record) -> int | None:
    """Owe the internal channel `record`'s post; call in the transaction that stores it."""
    project = session.get(Project, record.project_id) if record.project_id else None
    words = ctx.words
    text, blocks = (words.win_post if isinstance(record, Win) else words.thanks_post)(
        record, project
    )
    kind = KINDS[type(record)]
    return outbox.add(
        session,
        key=f"{kind}:{record.id}",
        kind=kind,
        subject_id=record.id,
        posts=[Post("", text, blocks)],  # the internal channel, as configured when sent
        now=ctx.now(),
    )


class Shoutouts:
    """What follows a shout-out (the outbox's hooks for "win" and "thanks"), and
    delivering a just-stored one for its author."""

    def __init__(self, ctx: AppContext, client: WebClient) -> None:
        self.ctx = ctx
        self.client = client
        # Pin problems of posts made by `deliver`, for the author (nobody asks the tick).
        self._pin_problems: dict[int, str] = {}
        self._reporting = False

    @property
    def after_sent(self) -> dict[str, AfterSent]:
        return {"win": self._after_win, "thanks": self._after_thanks}

    @property
    def after_failed(self) -> dict[str, AfterFailed]:
        return {"win": self._tell_author_gave_up, "thanks": self._tell_author_gave_up}

    @property
    def channel(self) -> str:
        return self.ctx.settings.internal_channel

    def deliver(
        self, box: Outbox, model: type[Record], record_id: int, now: dt.datetime
    ) -> Delivery:
        """Post a just-stored record now through `box` (built with these hooks), and say
        how it went."""
        with self.ctx.session_factory() as session:
            entry_id = session.scalar(_entry_of(KINDS[model], record_id))
        if entry_id is None:  # stored before the outbox existed: the tick will post it
            return Delivery(False, problem="it's queued and will be posted shortly")
        self._reporting = True
        try:
            attempt = box.deliver(entry_id, now)
        finally:
            self._reporting = False
        if attempt.status == "sent":
            with self.ctx.session_factory() as session:
                permalink = session.get_one(model, record_id).permalink
            return Delivery(True, permalink, pin_problem=self._pin_problems.pop(entry_id, ""))
        if attempt.status == "busy":
            return Delivery(False, problem="it's being posted right now")
        problem = ADVICE.get(attempt.code, "Slack didn't accept the post just now")
        return Delivery(
            False,
            problem=problem.format(channel=self.channel)
            + ". It's saved, and I'll post it as soon as I can.",
        )

    # --- after the post ---------------------------------------------------------------

    def _after_win(self, session: Session, done: Delivered, now: dt.datetime) -> list[int]:
        permalink = self._permalink(done)
        pin_problem = self._pin(done)
        if pin_problem and self._reporting:
            self._pin_problems[done.entry_id] = pin_problem
        win = session.get_one(Win, done.subject_id)
        win.channel, win.ts, win.permalink, win.pinned = (
            done.channel,
            done.ts,
            permalink,
            not pin_problem,
        )
        told = self._tell_author_if_told_it_failed(session, done, _author(win), permalink, now)
        return [*told, *notes_waiting_for(session, "win", win.id, now)]

    def _after_thanks(self, session: Session, done: Delivered, now: dt.datetime) -> list[int]:
        permalink = self._permalink(done)
        thanks = session.get_one(Thanks, done.subject_id)
        thanks.channel, thanks.ts, thanks.permalink = done.channel, done.ts, permalink
        project = session.get(Project, thanks.project_id) if thanks.project_id else None
        dms = [
            Post(user, text, blocks)
            for user, text, blocks in self.ctx.words.thanks_dms(thanks, project, permalink)
        ]
        told = self._tell_author_if_told_it_failed(session, done, _author(thanks), permalink, now)
        told += notes_waiting_for(session, "thanks", thanks.id, now)
        if not dms:
            return told
        entry_id = outbox.add(session, key=f"thanks:{thanks.id}:dms", kind="dm", posts=dms, now=now)
        return [entry_id, *told] if entry_id else told

    def _tell_author_if_told_it_failed(
        self, session: Session, done: Delivered, author: str, permalink: str, now: dt.datetime
    ) -> list[int]:
        """An author who heard their post failed (an admin posted it again) hears it's out."""
        key = f"{done.kind}:{done.subject_id}"
        gave_up = sa.select(OutboxEntry.id).where(OutboxEntry.key == f"{key}:gave-up")
        if session.scalar(gave_up) is None:
            return []
        where = f": {permalink}" if permalink else f" in #{self.channel}"
        text = f":tada: Your {done.kind} is posted after all{where}"
        entry_id = outbox.add_dm(session, f"{key}:posted-late", author, text, now)
        return [entry_id] if entry_id else []

    def _tell_author_gave_up(
        self, session: Session, gave_up: GaveUp, now: dt.datetime
    ) -> list[int]:
        entry = gave_up.entry
        record = session.get_one(Win if entry.kind == "win" else Thanks, entry.subject_id)
        author = _author(record)
        text = (
            f"I couldn't post your {entry.kind} to #{self.channel} after a day of trying "
            f"({entry.error}). It is still recorded."
        )
        entry_id = outbox.add_dm(session, f"{entry.key}:gave-up", author, text, now)
        return [entry_id] if entry_id else []

    # --- best-effort Slack calls ----------------------------------------------------------

    def _permalink(self, done: Delivered) -> str:
        try:
            return self.client.chat_getPermalink(channel=done.channel, message_ts=done.ts)[
                "permalink"
            ]
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("chat.getPermalink failed for %s %s: %s", done.channel, done.ts, error)
            return ""

    def _pin(self, done: Delivered) -> str:
        """Pin the post; '' when pinned (or already), else what went wrong."""
        try:
            self.client.pins_add(channel=done.channel, timestamp=done.ts)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code == "already_pinned":
                return ""
            logger.warning("pinning %s %s failed: %s", done.channel, done.ts, code)
            return ADVICE.get(code, f"pinning failed ({code})").format(channel=self.channel)
        except (SlackClientError, OSError) as error:
            return f"pinning failed ({type(error).__name__})"
        return ""


def _entry_of(kind: str, record_id: int) -> sa.Select[tuple[int]]:
    return sa.select(OutboxEntry.id).where(
        OutboxEntry.kind == kind, OutboxEntry.subject_id == record_id
    )


def _author(record: Record) -> str:
    """Who shared a win, or gave a thanks: the one told how its post went."""
    return record.author_id if isinstance(record, Win) else record.giver_id
