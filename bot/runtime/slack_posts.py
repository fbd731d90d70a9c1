"""The Slack deliverer: an outbox entry's posts, sent in order through the Web API.

Each post carries its entry's key and index as message metadata. A post whose outcome is
unknown (the holder died during the call, or the call timed out) is looked for in the
channel's history before it is sent again; where psbot can't read the history (a DM, a
private channel), it posts again: a duplicate rather than a loss. A failure — 429 (a long
Retry-After is never slept through inside the call), 5xx, a timeout, or a Slack error
such as not_in_channel — goes back to the outbox, which retries it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.context import AppContext
from bot.runtime.delivery import BUSY, Result, Sending, sent
from bot.runtime.slack_client import retry_after_seconds

logger = logging.getLogger(__name__)

# The message metadata that names an outbox post, so an unsure one can be found.
POST_METADATA_TYPE = "psbot_outbox_post"

Where = tuple[str | None, str | None]  # (channel, ts)


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


class SlackDeliverer:
    """Posts outbox entries through one Web API client."""

    def __init__(self, ctx: AppContext, client: WebClient) -> None:
        self.ctx = ctx
        self.client = client

    def send(self, sending: Sending) -> Result:
        """Post what is left of the entry, recording each post as it goes out, so a
        retry resumes after the last one."""
        entry = sending.entry
        key, posts = entry.key, [Post.from_dict(data) for data in entry.posts]
        first: Where = (entry.first_channel, entry.first_ts)
        if entry.sent >= len(posts):  # all out already (its holder stopped before finishing)
            return sent(len(posts))
        if sending.late:
            return sending.too_late()
        for index in range(entry.sent, len(posts)):
            where = None
            if entry.unsure_of == index:  # an earlier attempt may have posted it: look first
                where = self._find_posted(key, index, posts[index], first, entry.created_at)
            if where is None:
                if not sending.save(unsure_of=index):
                    return BUSY  # taken over: its new holder sends the rest
                try:
                    response = self._post(posts[index], first, key, index)
                except (SlackApiError, SlackClientError, OSError) as error:
                    return failure(error)
                where = (response.get("channel"), response.get("ts"))
            if index == 0:  # later posts marked in_thread reply to the first one
                first = where
            if not sending.save(
                sent=index + 1, unsure_of=None, first_channel=first[0], first_ts=first[1]
            ):
                return BUSY
        return sent(len(posts))

    def _post(self, post: Post, first: Where, key: str, index: int):
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

    def _find_posted(
        self, key: str, index: int, post: Post, first: Where, since: dt.datetime
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

    def _share(self, post: Post, first: Where):
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


_CONVERSATION_ID = re.compile(r"[CGD][A-Z0-9]+")  # names are lowercase
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


def failure(error: Exception) -> Result:
    """A failed Web API call, for the outbox to retry: Slack's error code, never sooner
    than its Retry-After, and whether Slack answered that it did not take the post (as
    opposed to no answer, or a server error, after which it may be in the channel)."""
    code, reason = describe(error)
    refused = isinstance(error, SlackApiError) and error.response.status_code < 500
    return Result("retry", code, reason, retry_after=_retry_after(error), refused=refused)


def describe(error: Exception) -> tuple[str, str]:
    """(code, reason): Slack's error code, or the exception's name, and a sentence."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or "")
        return code, f"Slack answered {error.response.status_code}: {code}"
    return type(error).__name__, f"{type(error).__name__}: {error}"


def _retry_after(error: Exception) -> dt.timedelta:
    if not isinstance(error, SlackApiError) or error.response.status_code != 429:
        return dt.timedelta(0)
    return dt.timedelta(seconds=retry_after_seconds(error.response.headers, default=0))
