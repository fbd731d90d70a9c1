"""`/ps help [TOPIC]` and `/ps` alone."""

from __future__ import annotations

from commands.catalog import BY_NAME, SUBCOMMANDS, closest
from commands.request import PsRequest, Reply
from messages.help_builder import HelpLine, build_help, build_help_topic, build_unknown_topic


def show_help(request: PsRequest) -> Reply:
    """Every command; with a TOPIC (a subcommand's name, `/ps` optional), that one."""
    words = list(request.args)
    if words and words[0].lower() == "/ps":
        words = words[1:]
    if words:
        topic = " ".join(words).lower()
        subcommand = BY_NAME.get(topic)
        if subcommand is None:
            return Reply(build_unknown_topic(topic, [s.name for s in SUBCOMMANDS], closest(topic)))
        return Reply(*build_help_topic(subcommand.usage, subcommand.summary, subcommand.details))
    settings = request.ctx.settings
    lines = [HelpLine(s.usage, s.summary) for s in SUBCOMMANDS]
    text, blocks = build_help(lines, settings.pmo_channel, settings.internal_channel)
    return Reply(text, blocks)
