"""What a `/ps` subcommand handler receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.core.context import AppContext
from commands.arguments import text_after_tokens
from commands.catalog import Subcommand


@dataclass(frozen=True)
class Reply:
    """A reply to the caller: ephemeral unless it is meant for the channel."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    in_channel: bool = False
    # Slow work to do once this reply is out (a chart); what it returns is answered too.
    then: Callable[[], Reply | None] | None = field(default=None, compare=False)

    def as_kwargs(self, *, replace_original: bool = False) -> dict[str, Any]:
        """Arguments for `respond`; `replace_original` replaces the command's first
        answer (its "Working on it…")."""
        return {
            "text": self.text,
            "blocks": [block.to_dict() for block in self.blocks] or None,
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "replace_original": replace_original,
        }


@dataclass
class PsRequest:
    ctx: AppContext
    subcommand: Subcommand
    args: list[str]  # the command's text after the subcommand, tokenized
    user_id: str
    channel_id: str
    trigger_id: str
    client: WebClient
    text: str  # the command's text as Slack sent it
    bot_user_id: str = ""
    # Says "Working on it…" to the caller at once; a slow handler calls it once its
    # arguments are known to be good, and its answer replaces it.
    working_on_it: Callable[[], None] = field(default=lambda: None, compare=False)

    def text_after(self, consumed: int) -> str:
        """The text after the subcommand and its first `consumed` arguments, exactly as
        Slack sent it (quotes, line breaks, punctuation), for free text such as a win's."""
        return text_after_tokens(self.text, consumed + 1)  # the subcommand is a token too

    def send_file(self, content: str | bytes, filename: str, title: str, comment: str = "") -> None:
        """Share a file in the caller's DM with psbot (an ephemeral answer can't hold one),
        by Slack's upload flow (files.getUploadURLExternal, the bytes,
        files.completeUploadExternal)."""
        channel = self.client.conversations_open(users=self.user_id)["channel"]["id"]
        self.client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=comment or None,
        )


Handler = Callable[[PsRequest], Reply | None]
