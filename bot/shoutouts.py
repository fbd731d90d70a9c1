"""Posting wins and thanks to the internal channel: after they are stored, retried, once.

The recorder posts at once; if Slack fails (bot not in the channel, 429, 5xx) the record
stays, its author is told why, and the minute tick retries it with backoff. A record is
posted by whoever holds it: the recorder by creation, the retry loop by a compare-and-set
on `next_attempt_at`, so two processes never post the same record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import AppContext
from bot.models import Project, Thanks, Win

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(hours=24)

# Slack errors that an admin must fix: say so in words the author can act on.
ADVICE = {
    "not_in_channel": "invite psbot to #{channel} (type `/invite @psbot` there)",
    "channel_not_found": "#{channel} doesn't exist or psbot can't see it: invite psbot, "
    "or set PSBOT_INTERNAL_CHANNEL",
    "is_archived": "#{channel} is archived: set PSBOT_INTERNAL_CHANNEL to a live channel",
}

Record = Win | Thanks
# Builds (fallback text, blocks as dicts) for a record's channel post.
PostBuilder = Callable[[Record, Project | None], tuple[str, list[dict[str, Any]]]]
# Builds the DMs sent once a thanks is posted: [(user id, text, blocks)].
DmBuilder = Callable[[Thanks, Project | None, str], list[tuple[str, str, list[dict[str, Any]]]]]


@dataclass(frozen=True)
class Delivery:
    posted: bool
    permalink: str = ""
    problem: str = ""  # what the author should know, in plain words
    pin_problem: str = ""


class Shoutouts:
    """Delivers stored wins and thanks to the internal channel."""

    def __init__(
        self,
        ctx: AppContext,
        client: WebClient,
        build_post: dict[type, PostBuilder],
        build_dms: DmBuilder,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.build_post = build_post
        self.build_dms = build_dms

    @property
    def channel(self) -> str:
        return self.ctx.settings.internal_channel

    def deliver(self, model: type[Record], record_id: int, now: dt.datetime) -> Delivery:
        """Post a record this process holds (just recorded, or claimed by `retry_due`)."""
        with self.ctx.session_factory() as session:
            record = session.get_one(model, record_id)
            if record.post_status == "posted":
                return Delivery(True, record.permalink)
            project = session.get(Project, record.project_id) if record.project_id else None
            text, blocks = self.build_post[model](record, project)
        try:
            response = self.client.chat_postMessage(
                channel=self.channel, text=text, blocks=blocks, unfurl_links=False
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            return self._failed(model, record_id, now, error)
        channel, ts = response["channel"], response["ts"]
        permalink = self._permalink(channel, ts)
        pin_problem = self._pin(channel, ts) if model is Win else ""
        with self.ctx.session_factory.begin() as session:
            record = session.get_one(model, record_id)
            record.post_status, record.channel, record.ts = "posted", channel, ts
            record.permalink, record.next_attempt_at, record.post_error = permalink, None, ""
            if model is Win:
                record.pinned = not pin_problem
            project = session.get(Project, record.project_id) if record.project_id else None
            dms = self.build_dms(record, project, permalink) if model is Thanks else []
        for user_id, dm_text, dm_blocks in dms:
            self._quietly(
                self.client.chat_postMessage, channel=user_id, text=dm_text, blocks=dm_blocks
            )
        return Delivery(True, permalink, pin_problem=pin_problem)

    def retry_due(self, now: dt.datetime) -> int:
        """Post stored records whose earlier attempt failed; returns how many were posted."""
        posted = 0
        for model in (Win, Thanks):
            with self.ctx.session_factory() as session:
                due = session.scalars(
                    sa.select(model.id).where(
                        model.post_status.in_(("pending", "retrying")),
                        model.next_attempt_at <= now,
                    )
                ).all()
            for record_id in due:
                if self._claim(model, record_id, now):
                    posted += self.deliver(model, record_id, now).posted
        return posted

    def _claim(self, model: type[Record], record_id: int, now: dt.datetime) -> bool:
        with self.ctx.session_factory.begin() as session:
            result = session.execute(
                sa.update(model)
                .where(
                    model.id == record_id,
                    model.post_status.in_(("pending", "retrying")),
                    model.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE)
            )
            return result.rowcount == 1

    def _failed(self, model: type[Record], record_id: int, now: dt.datetime, error: Exception):
        code = error.response.get("error", "") if isinstance(error, SlackApiError) else ""
        problem = ADVICE.get(code, "Slack didn't accept the post just now").format(
            channel=self.channel
        )
        with self.ctx.session_factory.begin() as session:
            record = session.get_one(model, record_id)
            record.post_attempts += 1
            record.post_error = f"{code or type(error).__name__}: {problem}"
            wait = min(FIRST_RETRY * 2 ** (record.post_attempts - 1), MAX_RETRY)
            if now - record.created_at > GIVE_UP_AFTER:
                record.post_status, record.next_attempt_at = "failed", None
                logger.error("%s %s not posted, giving up: %s", model.__name__, record_id, problem)
                author = record.author_id if model is Win else record.giver_id
                self._quietly(
                    self.client.chat_postMessage,
                    channel=author,
                    text=f"I couldn't post your {model.__name__.lower()} to #{self.channel} "
                    f"after a day of trying ({problem}). It is still recorded.",
                )
            else:
                record.post_status, record.next_attempt_at = "retrying", now + wait
                logger.warning("%s %s not posted (%s); retrying", model.__name__, record_id, code)
        return Delivery(False, problem=f"{problem}. It's saved, and I'll post it as soon as I can.")

    def _permalink(self, channel: str, ts: str) -> str:
        response = self._quietly(self.client.chat_getPermalink, channel=channel, message_ts=ts)
        return response["permalink"] if response else ""

    def _pin(self, channel: str, ts: str) -> str:
        try:
            self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code == "already_pinned":
                return ""
            logger.warning("pinning %s %s failed: %s", channel, ts, code)
            return ADVICE.get(code, f"pinning failed ({code})").format(channel=self.channel)
        except (SlackClientError, OSError) as error:
            return f"pinning failed ({type(error).__name__})"
        return ""

    @staticmethod
    def _quietly(call: Callable[..., Any], **kwargs: Any) -> Any:
        """A best-effort call: failures are logged, never raised into the user's action."""
        try:
            return call(**kwargs)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("%s failed: %s", getattr(call, "__name__", "call"), error)
            return None
