"""ProjectWins and thanks: recording (idempotent), listing and exporting for retrospectives
(with the lessons learned and customer stories recorded for the same projects)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.dates import local_today
from bot.core.errors import UserError
from bot.core.slack_ids import USER_ID
from bot.core.spreadsheet import to_csv as spreadsheet_csv
from bot.store.in_lists import padded
from bot.store.models import Lesson, Project, Thanks, Win

TEXT_MAX = 2000

# Stored text names people as Slack mentions, `<@U123>` (older rows may carry a `|label`).
MENTION = re.compile(r"<@(" + USER_ID.pattern + r")(?:\|[^<>]*)?>")
_SLACK_MARKUP = re.compile(r"<([^<>]*)>")
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?://)?", re.IGNORECASE)
# Invisible, and keeps what stands on either side of it from reading as one token.
WORD_JOINER = "\u2060"
_TYPED_MARKUP = re.compile(r"<(?=[@!#])")


def typed_text(text: str) -> str:
    """Characters a person typed, as psbot stores them: a `<` before `@`, `!` or `#` is
    followed by a word joiner, so typed `<@U123>` can never read as a mention."""
    return _TYPED_MARKUP.sub("<" + WORD_JOINER, text)


def plain_text(slack_text: str) -> str:
    """Text as Slack sends it (`/ps` arguments with `should_escape`, a message's text) as
    psbot stores it: readable words, with the people Slack resolved kept as `<@U123>`.

    Channels become `#name`, broadcasts `@here`, groups their handle `@ps-team` (else
    `@team`), dates their fallback text, links `label (url)` (the URL alone when the
    label is the URL), and `&amp;`, `&lt;`, `&gt;` are decoded once. Everything but the
    mentions is then `typed_text`. Posting escapes the text again, people excepted, so
    nothing stored here can ping a channel or make a link.
    """
    pieces = MENTION.split(slack_text)  # words, a mentioned id, words, …
    return "".join(
        f"<@{piece}>" if i % 2 else typed_text(_readable(piece)) for i, piece in enumerate(pieces)
    )


def _readable(slack_text: str) -> str:
    """Slack text without mentions as words: its markup written out, then decoded."""

    def words(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):  # as Slack shows it: a group's handle, a date's fallback
            name = target[1:].split("^")[0]
            if name in ("here", "channel", "everyone"):
                return "@" + name
            return label or ("@team" if name == "subteam" else name)
        if label and label not in (target, _URL_SCHEME.sub("", target)):
            return f"{label} ({target})"
        return label or target

    text = _SLACK_MARKUP.sub(words, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_ids(text: str) -> list[str]:
    """The Slack user ids mentioned in stored text, in order, once each."""
    return list(dict.fromkeys(MENTION.findall(text)))


def with_names(text: str, names: Mapping[str, str], at: str = "@") -> str:
    """Stored text with each mention written as a name, `@Pat`, or `@U123` for someone
    `names` doesn't know (`at=""` for places where `@` means something else)."""
    return MENTION.sub(lambda match: at + names.get(match.group(1), match.group(1)), text)


def clean_text(text: str, what: str = "what happened") -> str:
    """The win or thanks text, or a UserError saying what is wrong."""
    value = (text or "").strip()
    if not value:
        raise UserError(f"Say {what}: the text can't be empty.")
    if len(value) > TEXT_MAX:
        raise UserError(f"Keep it to {TEXT_MAX} characters (yours has {len(value)}).")
    return value


def record_win(
    session: Session,
    *,
    project_id: int,
    text: str,
    author_id: str,
    member_ids: Sequence[str],
    now: dt.datetime,
    source_permalink: str = "",
    request_key: str | None = None,
) -> tuple[Win, bool]:
    """Store a win (before anything is posted); (win, created) — a replay returns the first."""
    if request_key is not None:
        existing = session.scalar(sa.select(Win).where(Win.request_key == request_key))
        if existing is not None:
            return existing, False
    win = Win(
        project_id=project_id,
        text=clean_text(text),
        author_id=author_id,
        member_ids=list(dict.fromkeys(member_ids)),
        source_permalink=source_permalink,
        request_key=request_key,
        created_at=now,
    )
    session.add(win)
    session.flush()
    return win, True


def validate_receivers(giver_id: str, receiver_ids: Sequence[str], bot_user_id: str) -> list[str]:
    """Who is thanked, or a friendly UserError (nobody, yourself, the bot)."""
    receivers = list(dict.fromkeys(receiver_ids))
    if not receivers:
        raise UserError("Who are you thanking? Mention them with @ and pick them from the list.")
    if giver_id in receivers:
        raise UserError(
            "You can't thank yourself, though it was surely deserved. :slightly_smiling_face:"
        )
    if bot_user_id and bot_user_id in receivers:
        raise UserError("psbot appreciates it, but thanks are for teammates. :robot_face:")
    return receivers


def record_thanks(
    session: Session,
    *,
    giver_id: str,
    receiver_ids: Sequence[str],
    project_id: int | None,
    text: str,
    now: dt.datetime,
    bot_user_id: str = "",
    source_permalink: str = "",
    request_key: str | None = None,
) -> tuple[Thanks, bool]:
    """Store a thanks (before anything is posted); (thanks, created)."""
    if request_key is not None:
        existing = session.scalar(sa.select(Thanks).where(Thanks.request_key == request_key))
        if existing is not None:
            return existing, False
    thanks = Thanks(
        giver_id=giver_id,
        receiver_ids=validate_receivers(giver_id, receiver_ids, bot_user_id),
        project_id=project_id,
        text=clean_text(text, "what you are thanking them for"),
        source="message" if source_permalink else "command",
        source_permalink=source_permalink,
        request_key=request_key,
        created_at=now,
    )
    session.add(thanks)
    session.flush()
    return thanks, True


@dataclass(frozen=True)
class Recognition:
    """A win, a thanks or a lesson, as listed and exported."""

    kind: str  # "win", "thanks" or "lesson"
    created_at: dt.datetime
    day: dt.date  # its date in the reporting time zone, as listed, exported and `--since`
    project: Project | None
    author_id: str
    people: tuple[str, ...]
    text: str
    permalink: str
    label: str = ""  # a lesson's handbook label

    @property
    def named_ids(self) -> set[str]:
        """Everyone the row names: its author, its people and those its text mentions."""
        return {self.author_id, *self.people, *mentioned_ids(self.text)}


def recognitions(
    session: Session,
    *,
    tz: ZoneInfo,
    project_id: int | None = None,
    person_id: str | None = None,
    since: dt.date | None = None,
) -> list[Recognition]:
    """Wins, thanks and lessons, newest first, for a project, a person (given, received,
    or recorded), or all; `since` a day and each row's `day` are both in `tz`, the
    reporting time zone."""
    wins_query = sa.select(Win)
    thanks_query = sa.select(Thanks)
    lessons_query = sa.select(Lesson)
    if project_id is not None:
        wins_query = wins_query.where(Win.project_id == project_id)
        thanks_query = thanks_query.where(Thanks.project_id == project_id)
        lessons_query = lessons_query.where(Lesson.project_id == project_id)
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
        wins_query = wins_query.where(Win.created_at >= start)
        thanks_query = thanks_query.where(Thanks.created_at >= start)
        lessons_query = lessons_query.where(Lesson.created_at >= start)
    wins = list(session.scalars(wins_query))
    thanks = list(session.scalars(thanks_query))
    lessons = list(session.scalars(lessons_query))
    ids = {w.project_id for w in wins} | {r.project_id for r in [*thanks, *lessons] if r.project_id}
    projects = {
        p.id: p for p in session.scalars(sa.select(Project).where(Project.id.in_(padded(ids))))
    }
    rows = (
        [
            Recognition(
                "win",
                w.created_at,
                local_today(w.created_at, tz),
                projects.get(w.project_id),
                w.author_id,
                tuple(w.member_ids),
                w.text,
                w.permalink,
            )
            for w in wins
        ]
        + [
            Recognition(
                "thanks",
                t.created_at,
                local_today(t.created_at, tz),
                projects.get(t.project_id) if t.project_id else None,
                t.giver_id,
                tuple(t.receiver_ids),
                t.text,
                t.permalink,
            )
            for t in thanks
        ]
        + [
            Recognition(
                "lesson",
                lesson.created_at,
                local_today(lesson.created_at, tz),
                projects.get(lesson.project_id) if lesson.project_id else None,
                lesson.author_id,
                (),
                lesson.text,
                lesson.source_permalink,
                lesson.label,
            )
            for lesson in lessons
        ]
    )
    if person_id is not None:
        rows = [r for r in rows if r.author_id == person_id or person_id in r.people]
    return sorted(rows, key=lambda r: r.created_at, reverse=True)


EXPORT_COLUMNS = ("date", "kind", "sow", "project", "from", "people", "text", "link")


def export_rows(rows: Sequence[Recognition], names: dict[str, str]) -> list[dict[str, str]]:
    """Plain rows for an export; `names` maps Slack ids to display names."""

    def name(slack_id: str) -> str:
        return names.get(slack_id, slack_id)

    return [
        {
            "date": r.day.isoformat(),
            # A lesson is exported under its handbook label (llProduct, CustomerStory, …).
            "kind": {"win": "ProjectWin", "thanks": "Thanks"}.get(r.kind, r.label),
            "sow": r.project.sow if r.project else "",
            "project": f"{r.project.customer} — {r.project.name}" if r.project else "",
            "from": name(r.author_id),
            "people": ", ".join(name(p) for p in r.people),
            "text": with_names(r.text, names),
            "link": r.permalink,
        }
        for r in rows
    ]


def to_csv(rows: Sequence[dict[str, str]]) -> str:
    return spreadsheet_csv(rows, EXPORT_COLUMNS)


def to_markdown(title: str, rows: Sequence[dict[str, str]]) -> str:
    """A Markdown list, one item per row; the text keeps its line breaks inside its item."""
    lines = [f"# {_one_line(title)}", ""]
    for row in rows:
        project = f" — {row['project']} ({row['sow']})" if row["sow"] else ""
        people = f" · {row['people']}" if row["people"] else ""
        link = f" ([Slack]({row['link']}))" if row["link"] else ""
        head = _one_line(f"**{row['kind']}** {row['date']}{project}")
        tail = " — " + _one_line(f"from {row['from']}{people}{link}")
        said = _markdown_lines(row["text"].strip())
        said[-1] += tail
        lines.append(f"- {head}: {said[0]}")
        # Indented by the width of "- ", the rest of the text stays in this list item.
        lines.extend(f"  {line}" if line else "" for line in said[1:])
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Markdown's line endings; other characters (U+2028, form feed) it reads as text.
_LINE_END = re.compile(r"\r\n|\r|\n")
# What makes a line open a block of its own (CommonMark): a heading, quote, list item,
# thematic break or setext underline, code fence, HTML block. `(?=…)` keeps the escape
# point: the character a backslash goes before (a list number's `.` or `)`).
_BLOCK_START = re.compile(
    r"""(?:
        (?=\#{1,6}(?:[ \t]|$)) | (?=>) | (?=[-+*](?:[ \t]|$))
      | \d{1,9}(?=[.)](?:[ \t]|$))
      | (?=(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|[-=]+[ \t]*)$)
      | (?=```|~~~) | (?=<[A-Za-z/!?])
    )""",
    re.VERBOSE,
)


def _markdown_lines(text: str) -> list[str]:
    """The text's lines for a Markdown list item: each line still a line of its own (a
    hard break, `\\` at the end), and none opening a block (its marker escaped)."""
    # Markdown ignores a line's leading spaces, or after a blank line makes code of them.
    lines = [line.strip(" \t") if line.strip() else "" for line in _LINE_END.split(text)]
    out = []
    for i, line in enumerate(lines):
        if i and line:
            start = _BLOCK_START.match(line)
            if start is not None:
                line = line[: start.end()] + "\\" + line[start.end() :]
            elif line.startswith("[") and not lines[i - 1]:  # `[x]: url` would define a link
                line = "\\" + line
        if line and i + 1 < len(lines) and lines[i + 1]:
            # A backslash ending the line would escape the break's: pair it first.
            odd = (len(line) - len(line.rstrip("\\"))) % 2
            line += "\\" * odd + "\\"
        out.append(line)
    return out
