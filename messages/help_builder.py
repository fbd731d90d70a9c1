"""`/ps help` and the usage error reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from messages.escape import escape_mrkdwn
from messages.templating import render


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str


def build_help(
    lines: Sequence[HelpLine], pmo_channel: str, internal_channel: str
) -> tuple[str, list[Block]]:
    """The help message: what psbot does, then one line per subcommand."""
    text = render("help.md.j2", lines=lines)
    blocks: list[Block] = [
        HeaderBlock(text="psbot — the PMO week in Slack"),
        SectionBlock(
            text=MarkdownTextObject(
                text=render(
                    "help_intro.md.j2", pmo_channel=pmo_channel, internal_channel=internal_channel
                )
            )
        ),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=text)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="PROJECT is a SOW number (SOW-1234) or a unique start of the "
                    "customer or project name. In `/ps win` and `/ps thanks` it is a SOW "
                    "number or a customer/project name written in full; otherwise the words "
                    "are the text. Pick people from Slack's @ autocomplete."
                )
            ]
        ),
    ]
    return "psbot help: " + ", ".join(line.usage.split()[1] for line in lines), blocks


PROBLEM_MAX = 500


def build_usage_error(problem: str, usage: str) -> tuple[str, list[Block]]:
    """A short ephemeral error: what is wrong, then the usage line."""
    # Problems may quote what the user typed, which can be any length.
    if len(problem) > PROBLEM_MAX:
        problem = problem[: PROBLEM_MAX - 1] + "…"
    text = f":warning: {escape_mrkdwn(problem)}\nUsage: `{escape_mrkdwn(usage)}`"
    return text, [SectionBlock(text=MarkdownTextObject(text=text))]
