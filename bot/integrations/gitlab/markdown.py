"""The GitLab notes psbot writes, as GitLab Flavored Markdown built from stored records.

User text is made inert before it reaches GitLab: it can't @-mention (which would notify
people or whole groups), run a quick action (`/close` on a line of its own), or inject
HTML such as a fake delivery marker. Win and thanks text is stored plain already
(`bot.pmo.wins.plain_text`); only the people it mentions are written here, by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.pmo.notes import NoteFields
from bot.pmo.wins import with_names

WIN_LABEL = "ProjectWin"
ZERO_WIDTH_SPACE = "\u200b"

_EMOJI = {"red": ":red_circle:", "yellow": ":yellow_circle:", "green": ":green_circle:"}


def marker_of(token: str) -> str:
    """The invisible line that lets a retry find a note an earlier attempt already added."""
    return f"<!-- psbot:{token} -->"


def inert(text: str) -> str:
    """User text that GitLab shows as written but that can't ping, act or inject HTML."""
    value = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # GitLab resolves @name, @group and @all inside text; a zero-width space breaks that.
    return value.replace("@", "@" + ZERO_WIDTH_SPACE)


def inline(text: str) -> str:
    """One line of user text (newlines folded, so nothing can start a quick-action line)."""
    return inert(" ".join(text.split()))


def quoted(text: str) -> str:
    """User text as a blockquote: every line starts `> `, never `/`."""
    lines = inert(text.strip()).splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def _people(ids: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(f"**{inline(names.get(i, i))}**" for i in ids)


def _link(label: str, url: str) -> str:
    safe = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{label}]({safe})"


def _closing(lines: list[str], marker: str) -> str:
    return "\n".join([*lines, "", marker]) + "\n"


def build_win_note(
    *,
    text: str,
    author_id: str,
    member_ids: Sequence[str],
    names: Mapping[str, str],
    shoutout_url: str,
    source_url: str,
    marker: str,
) -> str:
    """The journal issue note for a ProjectWin: who, what, and the Slack shout-out."""
    lines = [
        f":trophy: **{WIN_LABEL}** shared in Slack by {_people([author_id], names)}",
        "",
        quoted(with_names(text, names, at="")),
        "",
    ]
    if member_ids:
        lines.append(f"Made happen by {_people(member_ids, names)}")
    links = []
    if shoutout_url:
        links.append(_link("Slack shout-out", shoutout_url))
    if source_url:
        links.append(_link("original message", source_url))
    if links:
        lines.append(" · ".join(links))
    return _closing(lines, marker)


def build_thanks_note(
    *,
    text: str,
    giver_id: str,
    receiver_ids: Sequence[str],
    names: Mapping[str, str],
    post_url: str,
    source_url: str,
    marker: str,
) -> str:
    """The journal issue note for a thanks given in Slack for the project."""
    lines = [
        f":pray: **Thanks** from {_people([giver_id], names)} to {_people(receiver_ids, names)}",
        "",
        quoted(with_names(text, names, at="")),
        "",
    ]
    links = []
    if post_url:
        links.append(_link("Slack post", post_url))
    if source_url:
        links.append(_link("original message", source_url))
    if links:
        lines.append(" · ".join(links))
    return _closing(lines, marker)


def build_lesson_note(
    *,
    label: str,
    text: str,
    author_id: str,
    names: Mapping[str, str],
    source_url: str,
    marker: str,
) -> str:
    """The journal issue note for a lesson learned or customer story (the issue gets the
    lesson's label, as the handbook's retrospective reports filter on it)."""
    what = (
        ":books: **Customer story**"
        if label == "CustomerStory"
        else (f":bulb: **Lesson learned** `{label}`")
    )
    lines = [
        f"{what} shared in Slack by {_people([author_id], names)}",
        "",
        quoted(with_names(text, names, at="")),
    ]
    if source_url:
        lines += ["", _link("original message", source_url)]
    return _closing(lines, marker)


@dataclass(frozen=True)
class EpicNote:
    """A Y/R weekly note for the Internal Customer Epic: a headline, and the details whose
    change (not a mere re-save) is worth another note."""

    headline: str
    details: str


def _temperatures(fields: NoteFields) -> str:
    return (
        f"{_EMOJI[fields.internal.value]} internal **{fields.internal.value.title()}** · "
        f"{_EMOJI[fields.customer.value]} customer **{fields.customer.value.title()}**"
    )


def build_epic_note(
    *,
    project_title: str,
    week: str,
    fields: NoteFields,
    author_name: str,
    names: Mapping[str, str],
    updated: bool,
) -> EpicNote:
    """The Internal Customer Epic's note for a Yellow or Red weekly note: every SPEC §2
    field the report shows, internal assessments included (the epic is private)."""
    worst = max((fields.internal, fields.customer), key=lambda t: t.severity)
    what = "Updated weekly note" if updated else "Weekly note"
    headline = f"{_EMOJI[worst.value]} **{what} {week}** for {inline(project_title)}"
    details = [_temperatures(fields), "", f"**Progress:** {inline(fields.progress)}"]
    if fields.issue:
        details += ["", "**Issue, proposed action and timing:**", quoted(fields.issue)]
    if fields.assistance:
        details += ["", "**Assistance needed:**", quoted(fields.assistance)]
    if fields.dri_ids:
        details += ["", f"**DRI & contributors:** {_people(fields.dri_ids, names)}"]
    if fields.forecast_push:
        details += ["", f"**Forecast push:** {inline(fields.forecast_push)}"]
    links = [("RAID issue", fields.raid_url), *fields.open_exceptions]
    if shown := [_link(label, url) for label, url in links if url]:
        details += ["", " · ".join(shown)]
    details += ["", f"_From the Top Customer notes in Slack, written by {inline(author_name)}._"]
    return EpicNote(headline, "\n".join(details))


def epic_body(note: EpicNote, marker: str) -> str:
    return _closing([note.headline, "", note.details], marker)


def build_epic_green_note(
    *,
    project_title: str,
    week: str,
    fields: NoteFields,
    author_name: str,
    marker: str,
) -> str:
    """The Internal Customer Epic's note, said once, when a Yellow/Red project is Green again."""
    lines = [
        f"{_EMOJI['green']} **Back to Green in {week}** for {inline(project_title)}",
        "",
        _temperatures(fields),
        "",
        f"**Progress:** {inline(fields.progress)}",
        "",
        f"_From the Top Customer notes in Slack, written by {inline(author_name)}._",
    ]
    return _closing(lines, marker)


def build_raid_update(
    *, project_title: str, week: str, progress: str, issue: str, updated: bool, marker: str
) -> str:
    """The RAID issue's optional update: customer-safe words only.

    It takes only the one-line progress update and the issue/action/timing text, so
    nothing internal (temperatures, assistance, DRIs, money, forecast pushes) can reach
    the customer's collaboration project through it.
    """
    what = "Updated project update" if updated else "Project update"
    lines = [
        f"**{what} {week}** for {inline(project_title)}",
        "",
        f"**Progress:** {inline(progress)}",
    ]
    if issue:
        lines += ["", "**Issue, proposed action and timing:**", quoted(issue)]
    return _closing(lines, marker)
