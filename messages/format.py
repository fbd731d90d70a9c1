"""Small formatting helpers shared by the builders: money, hours, Block Kit packing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.pmo.freshness import DataAsOf
from messages.escape import escape_mrkdwn, reader_time

SECTION_TEXT_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50


def money(amount: Decimal) -> str:
    """`$12,400` — whole dollars, as the PMO reads forecasts."""
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"-${-whole:,}" if whole < 0 else f"${whole:,}"


def cents(amount: Decimal) -> str:
    """`$1,250.50` — exact to the cent, for an amount someone typed."""
    exact = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"-${-exact:,.2f}" if exact < 0 else f"${exact:,.2f}"


def hours(amount: Decimal) -> str:
    """`32 h`, `7.5 h`, `1,469.6 h`."""
    rounded = amount.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
    return f"{rounded:,f} h"


def sections(lines: Iterable[str], limit: int = SECTION_TEXT_LIMIT) -> list[SectionBlock]:
    """Pack mrkdwn lines into as few sections as Slack's 3,000-character limit allows."""
    return [SectionBlock(text=MarkdownTextObject(text=text)) for text in pack(lines, limit, "\n")]


def pack(pieces: Iterable[str], limit: int, separator: str) -> list[str]:
    """`pieces`, in order, joined by `separator` into as few texts of at most `limit`
    characters as they fit in (a piece longer than `limit` is cut, ending "…")."""
    packed: list[str] = []
    for piece in pieces:
        piece = piece[: limit - 1] + "…" if len(piece) > limit else piece
        if packed and len(packed[-1]) + len(separator) + len(piece) <= limit:
            packed[-1] += separator + piece
        else:
            packed.append(piece)
    return packed


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def continued_messages(
    title: str, summary: str, pages: Sequence[list[Block]]
) -> list[tuple[str, list[Block]]]:
    """Pages as messages: the first with `summary` as fallback text, the rest marked
    "(continued, 2/3)" so each reads on its own in a thread."""
    messages = [(escape_mrkdwn(summary), list(pages[0]))]
    for number, page in enumerate(pages[1:], start=2):
        text = escape_mrkdwn(f"{title} (continued, {number}/{len(pages)})")
        messages.append((text, [context(text), *page]))
    return messages


def zone_abbreviation(moment: dt.datetime) -> str:
    """US zones read better as ET/CT/MT/PT than EST/EDT."""
    name = moment.tzname() or ""
    return {
        "EST": "ET",
        "EDT": "ET",
        "CST": "CT",
        "CDT": "CT",
        "MST": "MT",
        "MDT": "MT",
        "PST": "PT",
        "PDT": "PT",
    }.get(name, name)


def data_as_of(as_of: DataAsOf) -> str:
    """ ":clock3: Kantata data as of 09:12 ET" (with the day, when not that of the check),
    and, when a re-sync just before failed, that the data is older than it should be."""
    if as_of.at is None:
        when = "Kantata data: none synced or imported yet"
    else:
        day = "" if as_of.at.date() == as_of.checked.date() else f"{as_of.at:%a %b %-d} "
        wording = f"{day}{as_of.at:%H:%M} {zone_abbreviation(as_of.at)}"
        when = f"Kantata data as of {reader_time(as_of.at, wording)}"
    if not as_of.unreachable:
        return f":clock3: {when}"
    reason = escape_mrkdwn(as_of.unreachable[:200])
    return (
        f":warning: Kantata could not be reached just now ({reason}), so this uses what "
        f"psbot has. {when}."
    )


def data_as_of_block(as_of: DataAsOf | None) -> list[Block]:
    """The "data as of" line as a context block (none when `as_of` is None)."""
    return [] if as_of is None else [context(data_as_of(as_of))]


def dated(message: tuple[str, list[Block]], as_of: DataAsOf) -> tuple[str, list[Block]]:
    """A reply built from Kantata data, with its "data as of" line at the end."""
    text, blocks = message
    return text, [*blocks, *data_as_of_block(as_of)]
