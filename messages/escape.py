"""The one escaping function for user text posted to Slack, and a marker for safe mrkdwn."""

from __future__ import annotations

import datetime as dt
import re

from bot.core.slack_ids import is_user_id
from bot.pmo.wins import MENTION, WORD_JOINER


class Mrkdwn(str):
    """Text the bot built itself (mentions, links, formatting): posted as is."""

    __slots__ = ()


# Slack may read these as broadcasts even as plain words in mrkdwn that isn't verbatim.
# Not inside an address: a@channel.com stays as typed.
_BROADCAST = re.compile(r"(?<![\w.+-])@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)


def escape_mrkdwn(text: object) -> Mrkdwn:
    """Escape `&`, `<` and `>` as Slack requires, so user text can never ping or link.

    `<!channel>`, `<@U123>` and `<https://x|label>` typed by a user come out literally,
    and a word joiner after the `@` of `@here`, `@channel` and `@everyone` keeps them
    words. Text already marked `Mrkdwn` is returned unchanged.
    """
    if isinstance(text, Mrkdwn):
        return text
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Mrkdwn(_BROADCAST.sub("@" + WORD_JOINER, value))


def reader_time(moment: dt.datetime, wording: str) -> Mrkdwn:
    """`moment` as Slack shows it to each reader, in their own time zone ("Today 4:00 PM",
    "Dec 8 9:00 AM"), with `wording` (the reporting zone's, "Tue 16:00 ET") as the fallback
    text where Slack cannot format it. Exports keep ISO times with offsets instead."""
    if moment.tzinfo is None:
        raise ValueError("reader_time needs an aware datetime")
    epoch = int(moment.timestamp())
    return Mrkdwn(f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{escape_mrkdwn(wording)}>")


def escape_keeping_mentions(text: str) -> Mrkdwn:
    """Escape user text like `escape_mrkdwn`, but let `<@U123>` mention its person.

    For text that names people the way psbot stores them (wins and thanks, see
    `bot.pmo.wins.MENTION`): a person may be mentioned, while everything else is escaped as
    `escape_mrkdwn` escapes it.
    """
    pieces = MENTION.split(text)  # words, a mentioned id, words, …
    return Mrkdwn("".join(mention(p) if i % 2 else escape_mrkdwn(p) for i, p in enumerate(pieces)))


# What is left of a mention that clipping cut through.
_CUT_MENTION = re.compile(r"<@?[^<>]*…$")


def one_line_keeping_mentions(text: str, limit: int) -> Mrkdwn:
    """`escape_keeping_mentions` of `text` on one line, clipped to `limit` characters with
    "…" (a mention the cut would split is left out whole)."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = _CUT_MENTION.sub("…", line[: limit - 1] + "…")
    return escape_keeping_mentions(line)


def mention(slack_user_id: str) -> Mrkdwn:
    """A real user mention, from an id the bot knows (never from free text)."""
    if not is_user_id(slack_user_id):
        raise ValueError(f"not a Slack user id: {slack_user_id!r}")
    return Mrkdwn(f"<@{slack_user_id}>")


def link(url: str, label: object) -> Mrkdwn:
    """A mrkdwn link; the label is escaped and the URL may not break out of the link."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return Mrkdwn(f"<{safe_url}|{escape_mrkdwn(label)}>")
