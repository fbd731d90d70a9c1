"""What a scheduled job wants posted; the runner delivers it exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Post:
    """One chat.postMessage: a channel (ID or name) or a user ID for a DM."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    # Continue in the thread of this run's first post (long reports).
    in_thread: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "text": self.text,
            "blocks": self.blocks,
            "in_thread": self.in_thread,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Post:
        return cls(data["channel"], data["text"], data.get("blocks") or [], data["in_thread"])
