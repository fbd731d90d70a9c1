"""`/ps help` and `/ps` alone."""

from __future__ import annotations

from commands.catalog import SUBCOMMANDS
from commands.request import PsRequest, Reply
from messages.help_builder import HelpLine, build_help


def show_help(request: PsRequest) -> Reply:
    settings = request.ctx.settings
    lines = [HelpLine(s.usage, s.summary) for s in SUBCOMMANDS]
    text, blocks = build_help(lines, settings.pmo_channel, settings.internal_channel)
    return Reply(text, blocks)
