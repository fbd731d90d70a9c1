"""What a `/ps` subcommand handler receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.context import AppContext
from commands.catalog import Subcommand


@dataclass(frozen=True)
class Reply:
    """A reply to the caller: ephemeral unless it is meant for the channel."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    in_channel: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "blocks": [block.to_dict() for block in self.blocks] or None,
            "response_type": "in_channel" if self.in_channel else "ephemeral",
            "replace_original": False,
        }


@dataclass
class PsRequest:
    ctx: AppContext
    subcommand: Subcommand
    args: list[str]
    user_id: str
    channel_id: str
    trigger_id: str
    client: WebClient
    bot_user_id: str = ""


Handler = Callable[[PsRequest], Reply | list[Reply] | None]
