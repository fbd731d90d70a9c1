"""Block Kit and mrkdwn as terminal text: what a Slack client would show, in plain lines.

Pure functions over the dicts the app sends to the Web API. Mentions and channels are
named through a `Names` lookup, buttons and selects are numbered through a callback (the
shell remembers what each number presses), and ANSI styling is applied only when the
`Style` says the terminal can show it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

EMOJI = {
    "red_circle": "🔴",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "large_blue_circle": "🔵",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "warning": "⚠️",
    "x": "❌",
    "tada": "🎉",
    "pray": "🙏",
    "lock": "🔒",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "trophy": "🏆",
    "star": "⭐",
    "page_facing_up": "📄",
    "white_large_square": "⬜",
    "wave": "👋",
    "thread": "🧵",
    "spiral_calendar_pad": "🗓️",
    "calendar": "📆",
    "date": "📅",
    "slightly_smiling_face": "🙂",
    "rotating_light": "🚨",
    "robot_face": "🤖",
    "raised_hands": "🙌",
    "pushpin": "📌",
    "no_entry": "⛔",
    "memo": "📝",
    "mag": "🔍",
    "heavy_minus_sign": "➖",
    "floppy_disk": "💾",
    "fast_forward": "⏩",
    "construction": "🚧",
    "checkered_flag": "🏁",
    "boom": "💥",
    "arrows_counterclockwise": "🔄",
    "alarm_clock": "⏰",
    "bell": "🔔",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "moneybag": "💰",
    "money_with_wings": "💸",
    "bulb": "💡",
    "eyes": "👀",
    "fire": "🔥",
    "rocket": "🚀",
    "sparkles": "✨",
    "thumbsup": "👍",
    "+1": "👍",
    "clap": "👏",
    "point_right": "👉",
    "information_source": "ℹ️",
    "question": "❓",
    "exclamation": "❗",
    "arrow_right": "➡️",
    "arrow_upper_right": "↗️",
    "arrow_lower_right": "↘️",
    "link": "🔗",
    "clipboard": "📋",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "busts_in_silhouette": "👥",
    "bust_in_silhouette": "👤",
    "handshake": "🤝",
    "calendar_spiral": "🗓️",
}
_EMOJI = re.compile(
    ":(" + "|".join(re.escape(name) for name in sorted(EMOJI, key=len, reverse=True)) + "):"
)
# Slack's special tokens: <@U1>, <#C1|name>, <!here>, <https://x|label>; their content
# never holds a raw < or > (Slack escapes those in text).
_TOKEN = re.compile(r"<([^<>\n]*)>")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
# A formatting marker opens after a boundary and before a non-space, and closes after a
# non-space and before a boundary, as Slack parses *bold*, _italic_ and ~strike~.
_OPEN = r"(?<![0-9A-Za-z{m}])"
_CLOSE = r"(?![0-9A-Za-z{m}])"


def _marker(char: str) -> re.Pattern[str]:
    m = re.escape(char)
    return re.compile(
        _OPEN.format(m=m) + m + rf"(?=[^\s{m}])([^{m}\n]*?[^\s{m}])" + m + _CLOSE.format(m=m)
    )


_BOLD, _ITALIC, _STRIKE = _marker("*"), _marker("_"), _marker("~")
_CODE = re.compile(r"`([^`\n]+)`")


class Names(Protocol):
    """Display names for the ids in mrkdwn."""

    def user_label(self, user_id: str, fallback: str = "") -> str: ...

    def channel_label(self, channel_id: str, fallback: str = "") -> str: ...


@dataclass(frozen=True)
class Style:
    """How to decorate text: ANSI when the terminal has colours, else nothing.

    `unicode` picks box-drawing characters; without it, ASCII stand-ins.
    """

    color: bool = False
    unicode: bool = True

    def _sgr(self, text: str, on: str, off: str) -> str:
        return f"\x1b[{on}m{text}\x1b[{off}m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._sgr(text, "1", "22")

    def italic(self, text: str) -> str:
        return self._sgr(text, "3", "23")

    def strike(self, text: str) -> str:
        return self._sgr(text, "9", "29")

    def dim(self, text: str) -> str:
        return self._sgr(text, "2", "22")

    def code(self, text: str) -> str:
        return self._sgr(text, "36", "39")

    def accent(self, text: str) -> str:
        return self._sgr(text, "1;36", "22;39")

    def good(self, text: str) -> str:
        return self._sgr(text, "32", "39")

    def bad(self, text: str) -> str:
        return self._sgr(text, "31", "39")

    def rule(self, width: int = 40) -> str:
        return ("─" if self.unicode else "-") * width

    @property
    def quote_bar(self) -> str:
        return "│ " if self.unicode else "| "


PLAIN = Style()


class PlainNames:
    """Names when nothing better is known: the label Slack sent, else the id."""

    def user_label(self, user_id: str, fallback: str = "") -> str:
        return fallback or user_id

    def channel_label(self, channel_id: str, fallback: str = "") -> str:
        return fallback or channel_id


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide characters (most emoji) count two."""
    width = 0
    for char in _strip_ansi(text):
        if unicodedata.combining(char) or char in "\ufe0f\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def emojize(text: str) -> str:
    """Known :emoji: codes as the emoji; unknown ones (and times like 10:00:) stay."""
    return _EMOJI.sub(lambda m: EMOJI[m.group(1)], text)


def unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def plain_text(obj: Mapping[str, Any] | str | None, emoji: bool = True) -> str:
    """A Block Kit text object's text: plain_text as is (emoji codes shown as emoji)."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return emojize(obj) if emoji else obj
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(text)
    return emojize(text) if obj.get("emoji", True) else text


def mrkdwn_to_text(text: str, names: Names | None = None, style: Style = PLAIN) -> str:
    """Slack mrkdwn as a terminal shows it.

    `<@U1>` → @name, `<#C1|x>` → #x, `<url|label>` → label (url), `&lt;` → `<`, emoji codes
    → emoji, *bold* _italic_ ~strike~ `code` styled (or just unmarked without colours),
    `&gt; ` quotes → a bar. Escaped user text stays literal: `&lt;@U1&gt;` is `<@U1>`.
    """
    names = names or PlainNames()
    tokens: list[str] = []

    def stash(match: re.Match[str]) -> str:
        tokens.append(_token(match.group(1), names, style))
        return f"\ue000{len(tokens) - 1}\ue001"

    stashed = _TOKEN.sub(stash, text)
    parts = stashed.split("```")
    rendered = []
    for index, part in enumerate(parts):
        if index % 2 and index < len(parts) - 1:
            rendered.append(style.code(unescape(part.strip("\n"))))
        else:
            rendered.append("\n".join(_line(line, style) for line in part.split("\n")))
    result = "".join(rendered)
    return _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1))], result)


def _line(line: str, style: Style) -> str:
    quote = ""
    if line.startswith("&gt;"):
        quote, line = style.quote_bar, line[4:].removeprefix(" ")
    pieces = _CODE.split(line)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(style.code(unescape(piece)))
            continue
        piece = _BOLD.sub(lambda m: style.bold(m.group(1)), piece)
        piece = _ITALIC.sub(lambda m: style.italic(m.group(1)), piece)
        piece = _STRIKE.sub(lambda m: style.strike(m.group(1)), piece)
        out.append(unescape(emojize(piece)))
    return quote + "".join(out)


def _token(content: str, names: Names, style: Style) -> str:
    body, _, label = content.partition("|")
    if body.startswith("@"):
        return "@" + names.user_label(body[1:], label.removeprefix("@"))
    if body.startswith("#"):
        return "#" + names.channel_label(body[1:], label.removeprefix("#"))
    if body.startswith("!"):
        special = body[1:]
        if special in ("here", "channel", "everyone"):
            return "@" + special
        if special.startswith("subteam^"):
            return unescape(label) or "@team"
        return unescape(label) or special
    url = unescape(body)
    shown = unescape(label)
    if url.startswith("mailto:") and shown in ("", url.removeprefix("mailto:")):
        return url.removeprefix("mailto:")
    if not shown or shown == url:
        return url
    return f"{shown} {style.dim('(' + url + ')')}"


# --- blocks --------------------------------------------------------------------------

# Given an interactive element and its block, the number the shell shows for it.
NumberAction = Callable[[Mapping[str, Any], Mapping[str, Any]], int]

INTERACTIVE = {
    "button",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "overflow",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
}


class Renderer:
    """Renders messages and views as lines of text."""

    def __init__(
        self,
        names: Names | None = None,
        style: Style = PLAIN,
        number_action: NumberAction | None = None,
    ) -> None:
        self.names = names or PlainNames()
        self.style = style
        self._counter = 0
        self.number_action = number_action or self._next_number

    def _next_number(self, element: Mapping[str, Any], block: Mapping[str, Any]) -> int:
        self._counter += 1
        return self._counter

    def mrkdwn(self, text: str) -> str:
        return mrkdwn_to_text(text, self.names, self.style)

    def text(self, obj: Mapping[str, Any] | str | None) -> str:
        """Any text object: mrkdwn parsed, plain_text shown as is."""
        if obj is None:
            return ""
        if isinstance(obj, str):
            return self.mrkdwn(obj)
        if obj.get("type") == "mrkdwn":
            return self.mrkdwn(str(obj.get("text", "")))
        return plain_text(obj)

    def message(
        self,
        text: str,
        blocks: Sequence[Mapping[str, Any]] | None,
        attachments: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """A message: its blocks, or its fallback text when it has none."""
        lines = self.blocks(blocks) if blocks else self.mrkdwn(text or "").split("\n")
        for attachment in attachments or ():
            inner = self.blocks(attachment.get("blocks") or []) or self.mrkdwn(
                str(attachment.get("text") or attachment.get("fallback") or "")
            ).split("\n")
            lines.extend(self.style.quote_bar + line for line in inner)
        return lines

    def blocks(self, blocks: Iterable[Mapping[str, Any]], *, form: bool = False) -> list[str]:
        """Blocks as lines; in a form (a modal being filled in) inputs show their label only."""
        lines: list[str] = []
        for block in blocks:
            lines.extend(self.block(block, form=form))
        return lines

    def block(self, block: Mapping[str, Any], *, form: bool = False) -> list[str]:
        kind = block.get("type")
        style = self.style
        if kind == "header":
            title = plain_text(block.get("text"))
            underline = ("━" if style.unicode else "=") * max(display_width(title), 3)
            return [style.bold(title), style.dim(underline)]
        if kind == "section":
            lines = []
            if block.get("text"):
                lines.extend(self.text(block["text"]).split("\n"))
            for field in block.get("fields") or ():
                lines.extend(self.text(field).split("\n"))
            accessory = block.get("accessory")
            if accessory:
                lines.append("  " + self.element(accessory, block))
            return lines
        if kind == "divider":
            return [style.dim(style.rule())]
        if kind == "context":
            parts = [self._context_part(e) for e in block.get("elements") or ()]
            text = "  ".join(p for p in parts if p)
            return [style.dim("  " + line) for line in text.split("\n")]
        if kind == "actions":
            return ["   ".join(self.element(e, block) for e in block.get("elements") or ())]
        if kind == "input":
            label = plain_text(block.get("label"))
            if form:
                return []
            return [f"{label}: {self.current_value(block.get('element') or {})}"]
        if kind == "image":
            title = plain_text(block.get("title")) or block.get("alt_text", "")
            return [f"[image: {title}]"]
        if kind == "rich_text":
            return self.rich_text(block).split("\n")
        if kind in ("file", "video", "call"):
            title = plain_text(block.get("title")) or block.get("external_id", "")
            return [f"[{kind}{': ' + title if title else ''}]"]
        if kind == "markdown":
            return str(block.get("text", "")).split("\n")
        return [style.dim(f"[{kind} block]")]

    def _context_part(self, element: Mapping[str, Any]) -> str:
        if element.get("type") == "image":
            return f"[{element.get('alt_text', 'image')}]"
        return self.text(element)

    def element(self, element: Mapping[str, Any], block: Mapping[str, Any]) -> str:
        """An interactive element as a numbered action, e.g. `[3] Update notes`."""
        kind = element.get("type")
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind not in INTERACTIVE:
            return self.text(element)
        number = self.number_action(element, block)
        return self.style.accent(f"[{number}]") + " " + self.describe(element)

    def describe(self, element: Mapping[str, Any]) -> str:
        """What an interactive element shows: a button's text, a select's choice."""
        kind = element.get("type")
        style = self.style
        if kind == "button":
            label = plain_text(element.get("text"))
            if element.get("style") == "primary":
                label = style.good(label)
            elif element.get("style") == "danger":
                label = style.bad(label)
            if element.get("url"):
                label += " " + style.dim(f"(opens {element['url']})")
            return label
        if kind == "overflow":
            return "⋯ more" if style.unicode else "... more"
        value = self.current_value(element)
        placeholder = plain_text(element.get("placeholder"))
        shown = value if value != "—" else (placeholder or "choose")
        icon = {"datepicker": "📅 ", "timepicker": "🕒 ", "datetimepicker": "📅 "}.get(
            str(kind), "▾ " if style.unicode else "v "
        )
        return icon + shown

    def current_value(self, element: Mapping[str, Any]) -> str:
        """An element's initial (current) value as text; `—` when empty."""
        kind = element.get("type")
        if "initial_value" in element:
            value = str(element.get("initial_value") or "")
        elif element.get("initial_option"):
            value = plain_text(element["initial_option"].get("text"))
        elif element.get("initial_options"):
            value = ", ".join(plain_text(o.get("text")) for o in element["initial_options"])
        elif element.get("initial_users") or element.get("initial_user"):
            ids = element.get("initial_users") or [element["initial_user"]]
            value = ", ".join("@" + self.names.user_label(i) for i in ids)
        elif element.get("initial_date"):
            value = str(element["initial_date"])
        elif element.get("initial_time"):
            value = str(element["initial_time"])
        elif kind in ("channels_select", "conversations_select") and element.get("initial_channel"):
            value = "#" + self.names.channel_label(element["initial_channel"])
        else:
            value = ""
        return value or "—"

    def view(self, view: Mapping[str, Any], *, form: bool = False) -> list[str]:
        """A modal or App Home: its title, blocks and (for modals) its buttons."""
        lines = []
        title = plain_text(view.get("title"))
        if title:
            lines.append(self.style.bold(title))
            lines.append(
                self.style.dim(("═" if self.style.unicode else "=") * display_width(title))
            )
        lines.extend(self.blocks(view.get("blocks") or (), form=form))
        return lines

    def rich_text(self, block: Mapping[str, Any]) -> str:
        out = []
        for element in block.get("elements") or ():
            kind = element.get("type")
            inner = "".join(self._rich(e) for e in element.get("elements") or ())
            if kind == "rich_text_list":
                bullet = "• " if self.style.unicode else "* "
                for item in element.get("elements") or ():
                    out.append(bullet + "".join(self._rich(e) for e in item.get("elements") or ()))
            elif kind == "rich_text_quote":
                out.extend(self.style.quote_bar + line for line in inner.split("\n"))
            elif kind == "rich_text_preformatted":
                out.append(self.style.code(inner))
            else:
                out.append(inner)
        return "\n".join(out)

    def _rich(self, element: Mapping[str, Any]) -> str:
        kind = element.get("type")
        if kind == "text":
            text = str(element.get("text", ""))
            marks = element.get("style") or {}
            if marks.get("bold"):
                text = self.style.bold(text)
            if marks.get("italic"):
                text = self.style.italic(text)
            if marks.get("code"):
                text = self.style.code(text)
            return text
        if kind == "link":
            url, label = element.get("url", ""), element.get("text") or ""
            return f"{label} ({url})" if label and label != url else url
        if kind == "user":
            return "@" + self.names.user_label(element.get("user_id", ""))
        if kind == "channel":
            return "#" + self.names.channel_label(element.get("channel_id", ""))
        if kind == "emoji":
            name = element.get("name", "")
            return EMOJI.get(name, f":{name}:")
        if kind == "broadcast":
            return "@" + element.get("range", "here")
        return "".join(self._rich(e) for e in element.get("elements") or ())


def options_of(element: Mapping[str, Any]) -> list[tuple[str | None, Mapping[str, Any]]]:
    """A select's options in order, each with its group's label (None outside groups)."""
    if element.get("option_groups"):
        return [
            (plain_text(group.get("label")), option)
            for group in element["option_groups"]
            for option in group.get("options") or ()
        ]
    return [(None, option) for option in element.get("options") or ()]
