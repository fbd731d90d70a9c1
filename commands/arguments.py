"""Parsing `/ps` arguments as Slack sends them (`should_escape: true`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.errors import UserError
from bot.core.slack_ids import USER_ID

_TOKEN = re.compile(r"<[^<>]*>|\"[^\"]*\"|\S+")
_USER = re.compile(r"<@(" + USER_ID.pattern + r")(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|[^<>]*)?>")


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping Slack escapes (`<@U1|a b>`) and "quoted text" whole."""
    return [token for token, _ in _tokens(text)]


def text_after_tokens(text: str, count: int) -> str:
    """`text` after its first `count` tokens, exactly as written (quotes, line breaks);
    "" when no token follows them (only spaces or an empty "")."""
    spans = [end for _, end in _tokens(text)]
    if count >= len(spans):
        return ""
    return text[spans[count - 1] :].strip() if count else text.strip()


def _tokens(text: str) -> list[tuple[str, int]]:
    """Each token of `tokenize` with where it ends in `text` (an empty "" is no token)."""
    tokens = []
    for match in _TOKEN.finditer(text or ""):
        token = match.group()
        if len(token) >= 2 and token[0] == token[-1] == '"':
            token = token[1:-1]
        if token:
            tokens.append((token, match.end()))
    return tokens


def user_id_of(token: str) -> str | None:
    """The Slack user id in an escaped mention, or None."""
    match = _USER.fullmatch(token)
    return match.group(1) if match else None


def channel_id_of(token: str) -> str | None:
    match = _CHANNEL.fullmatch(token)
    return match.group(1) if match else None


def is_unresolved_mention(token: str) -> bool:
    """A bare `@name` that Slack did not turn into a mention."""
    return len(token) > 1 and token.startswith("@")


def unresolved_mention_error(token: str, usage: str) -> UserError:
    return UserError(
        f"I couldn't tell who {token} is. Type @ and pick the person from Slack's "
        "autocomplete so the name turns into a mention.",
        usage,
    )


@dataclass
class ParsedArgs:
    """Positional words and `--flag value` / `--switch` options."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str | bool] = field(default_factory=dict)


def parse_options(
    tokens: list[str], *, valued: set[str], switches: set[str], usage: str
) -> ParsedArgs:
    """Separate options from words; unknown options and missing values are user errors."""
    parsed = ParsedArgs()
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token.startswith("--") and len(token) > 2:
            name, _, inline = token[2:].partition("=")
            name = name.lower()
            if name in switches and not inline:
                parsed.options[name] = True
            elif name in valued:
                if not inline:
                    position += 1
                    if position >= len(tokens) or tokens[position].startswith("--"):
                        raise UserError(f"--{name} needs a value.", usage)
                    inline = tokens[position]
                parsed.options[name] = inline
            else:
                raise UserError(f"Unknown option {token}.", usage)
        else:
            parsed.words.append(token)
        position += 1
    return parsed
