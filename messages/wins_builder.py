"""ProjectWin and thanks: shout-outs, DMs, the capture modals and the `/ps wins` list."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.core.errors import payload_int
from bot.core.slack_ids import is_user_id
from bot.pmo.wins import TEXT_MAX, Recognition, typed_text
from bot.store.models import Project, Thanks, Win
from messages import ids
from messages.escape import (
    Mrkdwn,
    escape_keeping_mentions,
    escape_mrkdwn,
    link,
    mention,
    one_line_keeping_mentions,
)
from messages.format import SECTION_TEXT_LIMIT, context, pack, sections
from messages.pickers import PickerProject, option_groups, project_option

VALUE = "value"


def _people(slack_ids: Sequence[str]) -> str:
    return ", ".join(mention(i) if is_user_id(i) else escape_mrkdwn(i) for i in slack_ids)


# A post names this many people at most, then counts the rest: it stays far within
# Slack's 50 blocks whoever is named.
MAX_NAMED = 100
QUOTE = "&gt; "
# What a too-long word may be cut between: never inside a mention or an escaped character.
_ATOM = re.compile(r"<[^<>]*>|&\w+;|.", re.DOTALL)


def _named(lead: str, slack_ids: Sequence[str], tail: str = "") -> list[str]:
    """`lead`, the people and `tail`, on as many lines as sections need; beyond
    MAX_NAMED, "…and N more"."""
    names = [_people([slack_id]) for slack_id in slack_ids[:MAX_NAMED]]
    if len(slack_ids) > MAX_NAMED:
        names.append(f"…and {len(slack_ids) - MAX_NAMED} more")
    names[0] = lead + names[0]
    names[-1] += tail
    return pack(names, SECTION_TEXT_LIMIT, ", ")


def _quote(text: str) -> list[str]:
    """User text as mrkdwn quote lines: escaped, each prefixed by the bot, and a line too
    long for one section split, between words where it can be."""
    width = SECTION_TEXT_LIMIT - len(QUOTE)
    lines = []
    for line in text.splitlines() or [""]:
        pieces = []
        for word in re.findall(r"\S+\s*|\s+", escape_keeping_mentions(line)):
            pieces.extend(_ATOM.findall(word) if len(word) > width else [word])
        lines.extend(QUOTE + piece for piece in pack(pieces, width, "") or [""])
    return lines


def _project(project: Project | None) -> Mrkdwn:
    if project is None:
        return Mrkdwn("")
    return Mrkdwn(
        f"*{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}* "
        f"({escape_mrkdwn(project.sow)})"
    )


def _notification(lead: str, text: str) -> Mrkdwn:
    """A post's notification text: `lead` (the bot's words) and the start of the user's."""
    return Mrkdwn(escape_mrkdwn(lead) + one_line_keeping_mentions(text, 200))


def _dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def build_win_post(win: Win, project: Project | None) -> tuple[str, list[dict[str, Any]]]:
    """The #ps-internal shout-out for a ProjectWin (pinned by psbot)."""
    lines = [f":trophy: *ProjectWin* · {_project(project)}", *_quote(win.text)]
    if win.member_ids:
        lines += _named(":raised_hands: Made happen by ", win.member_ids)
    footer = f"Shared by {mention(win.author_id)}"
    if win.source_permalink:
        footer += f" · {link(win.source_permalink, 'original message')}"
    blocks = [*sections(lines), context(footer)]
    title = project.title if project else "a project"
    return _notification(f"ProjectWin for {title}: ", win.text), _dicts(blocks)


def build_thanks_post(thanks: Thanks, project: Project | None) -> tuple[str, list[dict[str, Any]]]:
    """The #ps-internal post for a thanks."""
    about = f" for their work on {_project(project)}" if project else ""
    lead = f":pray: {mention(thanks.giver_id)} thanks "
    blocks = list(sections([*_named(lead, thanks.receiver_ids, about), *_quote(thanks.text)]))
    if thanks.source_permalink:
        blocks.append(context(f"Noticed in {link(thanks.source_permalink, 'this message')}"))
    return _notification("Thanks: ", thanks.text), _dicts(blocks)


def build_thanks_dms(
    thanks: Thanks, project: Project | None, permalink: str
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """One DM per person thanked, with the message and a link to the post."""
    about = f" for {_project(project)}" if project else ""
    see = [link(permalink, "See it in the channel")] if permalink else []
    lead = f":pray: {mention(thanks.giver_id)} thanked you{about}:"
    blocks = _dicts(sections([lead, *_quote(thanks.text), *see]))
    return [
        (r, _notification("You were thanked: ", thanks.text), blocks)
        for r in thanks.receiver_ids
        if is_user_id(r)
    ]


def build_recorded(kind: str, permalink: str, problem: str, pin_problem: str = "") -> str:
    """What the author hears back: the link, or plainly what went wrong."""
    if problem:
        return f":floppy_disk: Your {kind} is recorded, but I couldn't post it: {problem}"
    where = link(permalink, "See the post") if permalink else "It's posted."
    note = f"\n:pushpin: I couldn't pin it: {pin_problem}." if pin_problem else ""
    return f":tada: Your {kind} is recorded and shared. {where}{note}"


def build_win_modal(
    *,
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    selected: PickerProject | None,
    text: str,
    members: Sequence[str],
    metadata: str,
) -> View:
    """What happened, for which project, and who made it happen."""
    return View(
        type="modal",
        callback_id=ids.WIN_VIEW,
        title="ProjectWin",
        submit="Share win",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            project_input(mine, others, selected, optional=False),
            text_input("What happened?", text),
            InputBlock(
                block_id="people",
                label="Who made it happen",
                optional=True,
                element=UserMultiSelectElement(
                    action_id=VALUE, initial_users=list(members) or None
                ),
            ),
        ],
    )


def build_thanks_modal(
    *,
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    text: str,
    receivers: Sequence[str],
    metadata: str,
) -> View:
    return View(
        type="modal",
        callback_id=ids.THANKS_VIEW,
        title="Thanks",
        submit="Send thanks",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id="people",
                label="Who are you thanking?",
                element=UserMultiSelectElement(
                    action_id=VALUE, initial_users=list(receivers) or None
                ),
            ),
            text_input("What for?", text),
            project_input(mine, others, None, optional=True),
        ],
    )


def project_input(
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    selected: PickerProject | None,
    *,
    optional: bool,
) -> InputBlock:
    """The capture modals' project picker (block `project`): the caller's projects first."""
    return InputBlock(
        block_id="project",
        label="Project",
        optional=optional,
        element=StaticSelectElement(
            action_id=VALUE,
            placeholder="Choose a project",
            option_groups=option_groups(mine, others, "Other projects"),
            initial_option=project_option(selected) if selected else None,
        ),
    )


def text_input(label: str, text: str) -> InputBlock:
    """The capture modals' free text (block `text`), pre-filled with `text`."""
    return InputBlock(
        block_id="text",
        label=label,
        element=PlainTextInputElement(
            action_id=VALUE, multiline=True, max_length=TEXT_MAX, initial_value=text or None
        ),
    )


def read_capture_form(values: dict[str, Any]) -> dict[str, Any]:
    """The win/thanks modal's state: project id (or None), text and people.

    The text is typed characters, never Slack markup: it is stored as `typed_text`, so
    nothing typed there mentions anyone."""
    project = (values.get("project", {}).get(VALUE, {}) or {}).get("selected_option") or {}
    return {
        "project_id": payload_int(project["value"]) if project.get("value") else None,
        "text": typed_text((values.get("text", {}).get(VALUE, {}) or {}).get("value") or ""),
        "people": (values.get("people", {}).get(VALUE, {}) or {}).get("selected_users") or [],
    }


MAX_LISTED = 40
ICONS = {"win": ":trophy:", "thanks": ":pray:"}  # a lesson shows its label instead


def build_recognitions(title: str, rows: Sequence[Recognition]) -> tuple[str, list[Block]]:
    """Wins, thanks and lessons, newest first; beyond one message, point to the export."""
    if not rows:
        return f"No wins or thanks for {title} yet.", [
            *sections(
                [
                    f"No wins or thanks for {escape_mrkdwn(title)} yet. "
                    "Record one with `/ps win` or `/ps thanks`."
                ]
            )
        ]
    lines = []
    for row in rows[:MAX_LISTED]:
        icon = ICONS.get(row.kind) or f":bulb: `{row.label}`"
        who = mention(row.author_id) if is_user_id(row.author_id) else escape_mrkdwn(row.author_id)
        people = f" → {_people(row.people)}" if row.people else ""
        where = f" · {_project(row.project)}" if row.project else ""
        text = one_line_keeping_mentions(row.text, 300)
        see = f" · {link(row.permalink, 'post')}" if row.permalink else ""
        lines.append(f"{icon} {row.day:%b %-d} {who}{people}{where}: {text}{see}")
    blocks: list[Block] = [HeaderBlock(text=f"Wins and thanks: {title}"[:150]), *sections(lines)]
    count = Counter(r.kind for r in rows)
    footer = f"{count['win']} wins, {count['thanks']} thanks"
    if count["lesson"]:
        footer += f", {count['lesson']} lessons learned and customer stories"
    footer += "."
    if len(rows) > MAX_LISTED:
        footer += f" Showing the newest {MAX_LISTED}; add `--format md` or `--format csv` for all."
    blocks.append(context(footer))
    return escape_mrkdwn(f"Wins and thanks: {title} ({len(rows)})"), blocks
