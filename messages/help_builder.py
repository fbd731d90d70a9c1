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


TOPIC_SHOWN = 40  # characters of an unknown topic quoted back


def build_help_topic(usage: str, summary: str, details: str) -> tuple[str, list[Block]]:
    """`/ps help TOPIC`: one command's usage, what it does, and examples."""
    lines = [f"`{escape_mrkdwn(usage)}` — {escape_mrkdwn(summary)}"]
    if details:
        lines.append(escape_mrkdwn(details))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
        ContextBlock(elements=[MarkdownTextObject(text="`/ps help` lists every command.")]),
    ]
    return f"{usage} — {summary}", blocks


def build_unknown_topic(topic: str, topics: Sequence[str], close: str | None) -> str:
    """One line: no such topic (the closest one, if any), and the topics there are."""
    topic = " ".join(topic.split())
    shown = topic if len(topic) <= TOPIC_SHOWN else topic[: TOPIC_SHOWN - 1] + "…"
    hint = f" Did you mean `{close}`?" if close else ""
    return f":warning: No help on '{escape_mrkdwn(shown)}'.{hint} Topics: " + ", ".join(
        f"`{name}`" for name in topics
    )


PROBLEM_MAX = 500


def build_usage_error(problem: str, usage: str) -> tuple[str, list[Block]]:
    """A short ephemeral error: what is wrong, then the usage line."""
    # Problems may quote what the user typed, which can be any length.
    if len(problem) > PROBLEM_MAX:
        problem = problem[: PROBLEM_MAX - 1] + "…"
    text = f":warning: {escape_mrkdwn(problem)}\nUsage: `{escape_mrkdwn(usage)}`"
    return text, [SectionBlock(text=MarkdownTextObject(text=text))]
