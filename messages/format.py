"""Small formatting helpers shared by the builders: money, hours, Block Kit packing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from messages.escape import escape_mrkdwn

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
