"""The weekly Top Customer report (R-Y-G notes) and the note confirmation a PM gets.

One rendering of a note (`note_lines`) serves both. Everything a user typed goes through
`escape_mrkdwn`; only ids become mentions and only URLs become links. Long reports are
split over several messages rather than truncated, and an over-long note is shortened
field by field (longest first) so its section stays within Slack's limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.slack_ids import is_user_id
from bot.core.spreadsheet import to_csv
from bot.pmo.notes import NoteFields, ReportRow, Temperature, Trend
from bot.store.models import Away
from messages import ids
from messages.escape import Mrkdwn, escape_mrkdwn, link, mention
from messages.format import (
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    context,
    continued_messages,
    pack,
    sections,
)
from messages.reminders_builder import Owner

# Slack allows 50 blocks per message; staying under leaves room for a footer later.
MAX_BLOCKS_PER_MESSAGE = 45
HEADER_TEXT_LIMIT = 150
# A rendered link longer than this is not shown, so the five a note may carry (RAID,
# epic, Work Exception, Change Order, Work at Risk) always fit in one section.
MAX_LINK_LENGTH = 400
# A project's line in a report's digest is at most this long, so many fit one message.
DIGEST_LINE_LIMIT = 300
REPORT_FILE_COLUMNS = (
    "group",
    "sow",
    "customer",
    "project",
    "pm",
    "internal",
    "customer_health",
    "trend",
    "escalated",
    "note_saved_at",
    "progress",
    "issue",
    "assistance",
    "dri",
    "raid",
    "epic",
    "work_exception",
    "change_order",
    "work_at_risk",
    "forecast_push",
    "upside",
)
# Beyond this many DRI/contributors the rest are counted, not mentioned.
MAX_MENTIONS = 20

EMOJI = {
    Temperature.RED: ":red_circle:",
    Temperature.YELLOW: ":large_yellow_circle:",
    Temperature.GREEN: ":large_green_circle:",
}
ARROW = {Trend.WORSE: " ↘", Trend.BETTER: " ↗"}
ESCALATED = " · :rotating_light: *Escalated*"

# Free-text values a section is built from, keyed by name: these may be shortened to fit.
Texts = Mapping[str, str]
# Returns the escaped (possibly shortened) text of one of those values.
Text = Callable[[str], Mrkdwn]


def note_lines(row: ReportRow, *, with_forecast: bool = False) -> list[str]:
    """One project's note as mrkdwn lines, shortened if needed to fit one section.

    `with_forecast` adds the forecast push and upside, which the report gathers in a
    section of their own.
    """

    def render(text: Text) -> list[str]:
        lines = _note_body(row, text)
        if with_forecast and row.note is not None:
            lines.extend(_forecast_details(row.note, text))
        return lines

    return _fit(render, _texts(row))


def build_top_customer_report(
    week: str,
    rows: Sequence[ReportRow],
    scope: str = "Top Customer",
    away: Mapping[str, Away] | None = None,
) -> list[tuple[str, list[Block]]]:
    """The week's report as one or more messages: (fallback text, blocks) each.

    Escalated and Yellow/Red first (escalated first, then worst first; a Red one has an
    Escalate button, an escalated one Un-escalate, for admins), then Green compactly,
    forecast pushes and upside, and who is missing. Long reports continue in further
    messages, never truncated. A missing note's PM who is `away` (by Slack id) is named,
    not pinged, and whoever covers for them is @-mentioned.
    """
    title = f"{scope} report — {week}"
    noted, missing, attention, green = _grouped(rows)
    head, summary = _head(title, week, scope, rows)
    units: list[list[Block]] = []
    if noted:
        units.extend(_attention_units(attention))
        units.extend(_group(sections(_green_items(green))))
        units.extend(_group(sections(_forecast_items(noted))))
    units.extend(_group(sections(_missing_items(missing, away or {}))))

    return continued_messages(title, summary, _paginate(head, units))


def build_report_digest(
    week: str, rows: Sequence[ReportRow], scope: str, filename: str
) -> tuple[str, list[Block]]:
    """A report too long for one message, in one: Yellow/Red and who is missing, a line
    each (as many as Slack's 50 blocks hold), pointing to `filename`, the whole report."""
    title = f"{scope} report — {week}"
    _, missing, attention, _ = _grouped(rows)
    head, summary = _head(title, week, scope, rows)
    footer = context(
        f":page_facing_up: The whole report, all {len(rows)} projects with their notes, "
        f"is in `{escape_mrkdwn(filename)}`, sent to you in a DM."
    )
    groups = [
        _attention_lines(attention),
        _missing_items(missing, {}, DIGEST_LINE_LIMIT),  # ephemeral: mentions ping no one
    ]
    body = _within(MESSAGE_BLOCK_LIMIT - len(head) - 1, [g for g in groups if g])
    return escape_mrkdwn(summary), [*head, *body, footer]


def build_report_file(rows: Sequence[ReportRow], tz: ZoneInfo) -> str:
    """The whole report as CSV, a row per project in the report's order (Yellow/Red,
    Green, missing); when a note was saved is an ISO time with its offset in `tz`."""
    _, missing, attention, green = _grouped(rows)

    def cells(row: ReportRow) -> dict[str, str]:
        project, note = row.project, row.note
        group = "missing" if note is None else "yellow/red" if _needs_attention(row) else "green"
        cells = {
            "group": group,
            "sow": project.sow or "",
            "customer": project.customer or "",
            "project": project.name or "",
            "pm": row.pm_name or "",
            "escalated": "yes" if row.escalated else "no",
            "trend": row.trend.value if row.trend else "",
            "note_saved_at": (
                row.noted_at.astimezone(tz).isoformat(timespec="seconds") if row.noted_at else ""
            ),
            "raid": (note.raid_url if note else "") or project.raid_url or "",
            "epic": (note.epic_url if note else "") or project.epic_url or "",
        }
        if note is not None:
            cells.update(
                internal=note.internal.value,
                customer_health=note.customer.value,
                progress=note.progress,
                issue=note.issue,
                assistance=note.assistance,
                dri=", ".join(note.dri_ids),
                work_exception=note.work_exception_url,
                change_order=note.change_order_url,
                work_at_risk=note.work_at_risk_url,
                forecast_push=note.forecast_push,
                upside=note.upside,
            )
        return cells

    return to_csv((cells(row) for row in [*attention, *green, *missing]), REPORT_FILE_COLUMNS)


def build_note_confirmation(
    week: str, row: ReportRow, edit_action_id: str, edit_value: str
) -> tuple[str, list[Block]]:
    """What the PM saved, as the report will show it, with a button to edit it."""
    if row.note is None:
        raise ValueError("a confirmation needs the saved note")
    project = row.project
    blocks: list[Block] = [
        _section(note_lines(row, with_forecast=True)),
        context(
            f"Saved for {escape_mrkdwn(week)}. You can edit it until the week ends.",
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Edit", action_id=edit_action_id, value=edit_value)]
        ),
    ]
    text = f"Note saved for {project.customer} — {project.name} ({project.sow}), {week}"
    return escape_mrkdwn(text), blocks


# --- one project ------------------------------------------------------------------------


def _texts(row: ReportRow) -> dict[str, str]:
    project, note = row.project, row.note
    texts = {
        "customer": project.customer or "",
        "name": project.name or "",
        "sow": project.sow or "",
    }
    if note is not None:
        texts.update(
            progress=note.progress,
            issue=note.issue,
            assistance=note.assistance,
            forecast_push=note.forecast_push,
            upside=note.upside,
        )
    return texts


def _arrow(trend: Trend | None) -> str:
    return ARROW.get(trend, "") if trend is not None else ""


def _title(text: Text) -> str:
    return f"*{text('customer')} — {text('name')}* ({text('sow')})"


def _note_body(row: ReportRow, text: Text) -> list[str]:
    note = row.note
    if note is None:
        return [_title(text), "_No note for this week yet._"]
    trend = _arrow(row.trend)
    lines = [
        f"{_title(text)} {EMOJI[note.internal]} internal · {EMOJI[note.customer]} customer{trend}"
        + (ESCALATED if row.escalated else "")
    ]
    if note.progress.strip():
        lines.append(text("progress"))
    # Yellow/Red notes always show these, so a missing issue or DRI stands out.
    if note.issue.strip() or note.needs_links:
        lines.append(f"*Issue / action / timing:* {text('issue') or '_not given_'}")
    if note.assistance.strip():
        lines.append(f"*Assistance needed:* {text('assistance')}")
    if note.dri_ids or note.needs_links:
        lines.append(f"*DRI &amp; contributors:* {_people(note.dri_ids) or '_none listed_'}")
    links = _links(row)
    if links:
        lines.append(links)
    elif note.needs_links:
        lines.append(":warning: _No RAID or epic link._")
    return lines


def _forecast_details(note: NoteFields, text: Text) -> list[str]:
    lines = []
    if note.forecast_push.strip():
        lines.append(f"*Forecast push:* {text('forecast_push')}")
    if note.upside.strip():
        lines.append(f"*Upside:* {text('upside')}")
    return lines


def _people(slack_ids: Sequence[str]) -> str:
    given = [slack_id for slack_id in slack_ids if slack_id.strip()]
    shown = [
        mention(slack_id) if is_user_id(slack_id) else escape_mrkdwn(slack_id)
        for slack_id in given[:MAX_MENTIONS]
    ]
    more = len(given) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _pm(slack_id: str | None, name: str) -> Mrkdwn:
    """Who owns a project: PM and a mention when the id is a real Slack id, else PM and the
    name as plain text; with neither, that no PM is set (the one place wording it)."""
    if slack_id and is_user_id(slack_id):
        return Mrkdwn(f"PM {mention(slack_id)}")
    return Mrkdwn(f"PM {escape_mrkdwn(name)}") if name.strip() else Mrkdwn("_no PM set_")


def _links(row: ReportRow) -> str:
    """The RAID and epic links, then beside them the open Work Exception, Change Order
    and Work at Risk (the handbook: "Link to RAID & Internal Customer Epic if Y/R (to
    review WE, CO, WaR)")."""
    note, project = row.note, row.project
    links = [
        ("RAID", (note.raid_url if note else "").strip() or (project.raid_url or "").strip()),
        ("Epic", (note.epic_url if note else "").strip() or (project.epic_url or "").strip()),
        *(note.open_exceptions if note else []),
    ]
    parts = []
    for label, given in links:
        url = given.strip()
        if not url:
            continue
        rendered = link(url, label)
        parts.append(rendered if len(rendered) <= MAX_LINK_LENGTH else f"{label}: _link too long_")
    return " · ".join(parts)


def _fit(
    render: Callable[[Text], list[str]], texts: Texts, limit: int = SECTION_TEXT_LIMIT
) -> list[str]:
    """Render; if too long, cap every free-text value at the largest length that fits.

    Capping at one length shortens only the longest values (water-filling), and the
    non-free-text parts are bounded, so a cap of 1 always fits.
    """

    def at(cap: int | None) -> list[str]:
        return render(lambda key: _clip(texts.get(key, ""), cap))

    lines = at(None)
    if _size(lines) <= limit:
        return lines
    low, high = 1, max(len(escape_mrkdwn(value)) for value in texts.values())
    best = at(1)
    while low <= high:
        middle = (low + high) // 2
        candidate = at(middle)
        if _size(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _clip(value: str, room: int | None) -> Mrkdwn:
    """Escape `value`, shortened with "…" so the escaped text is at most `room` long."""
    escaped = escape_mrkdwn(value)
    if room is None or len(escaped) <= room:
        return escaped
    used, cut = 1, 0  # the ellipsis takes one
    for char in value:
        size = len(escape_mrkdwn(char))
        if used + size > room:
            break
        used, cut = used + size, cut + 1
    return Mrkdwn(escape_mrkdwn(value[:cut].rstrip()) + "…")


def _clip_plain(value: str, room: int) -> str:
    return value if len(value) <= room else value[: room - 1] + "…"


def _size(lines: Sequence[str]) -> int:
    return len("\n".join(lines))


def _one_line(text: Text) -> Text:
    """Free text on a compact line: newlines would break the one-line-per-project list."""
    return lambda key: Mrkdwn(" ".join(text(key).split()))


# --- the report's groups ---------------------------------------------------------------


def _grouped(
    rows: Sequence[ReportRow],
) -> tuple[list[ReportRow], list[ReportRow], list[ReportRow], list[ReportRow]]:
    """(noted, missing, Yellow/Red worst first, Green by name)."""
    noted = [row for row in rows if row.note is not None]
    missing = sorted((row for row in rows if row.note is None), key=_by_name)
    attention = sorted((row for row in noted if _needs_attention(row)), key=_by_worst)
    green = sorted((row for row in noted if not _needs_attention(row)), key=_by_name)
    return noted, missing, attention, green


def _head(title: str, week: str, scope: str, rows: Sequence[ReportRow]) -> tuple[list[Block], str]:
    """The report's header and counts, and its summary (the fallback text)."""
    noted, missing, _, _ = _grouped(rows)
    head: list[Block] = [HeaderBlock(text=_clip_plain(title, HEADER_TEXT_LIMIT))]
    if not noted:
        head.extend(sections([f"No notes yet for {escape_mrkdwn(week)}."]))
        if not rows:
            head.append(context(escape_mrkdwn(f"There are no {scope} projects to report on.")))
            return head, f"{title}: no notes yet, no projects to report on"
        head.append(context(f"{len(missing)} missing"))
        return head, f"{title}: no notes yet, {len(missing)} missing"
    head.append(context(_counts_line(noted, len(missing))))
    worst = [_worst(row) for row in noted]
    summary = (
        f"{title}: {worst.count(Temperature.RED)} red, "
        f"{worst.count(Temperature.YELLOW)} yellow, "
        f"{worst.count(Temperature.GREEN)} green, {len(missing)} missing"
    )
    return head, summary


def _worst(row: ReportRow) -> Temperature:
    assert row.note is not None
    return max(row.note.internal, row.note.customer, key=lambda t: t.severity)


def _by_name(row: ReportRow) -> tuple[str, str, str]:
    project = row.project
    return ((project.customer or "").casefold(), (project.name or "").casefold(), project.sow or "")


def _needs_attention(row: ReportRow) -> bool:
    """Yellow or Red, or escalated (an admin said so: it stays on top until un-escalated)."""
    return row.escalated or _worst(row) != Temperature.GREEN


def _by_worst(row: ReportRow) -> tuple[bool, int, tuple[str, str, str]]:
    assert row.note is not None
    return (not row.escalated, -row.note.severity, _by_name(row))


def _counts_line(noted: Sequence[ReportRow], missing: int) -> str:
    def counts(temperatures: list[Temperature]) -> str:
        return " ".join(f"{EMOJI[t]} {temperatures.count(t)}" for t in EMOJI)

    internal = counts([row.note.internal for row in noted if row.note])
    customer = counts([row.note.customer for row in noted if row.note])
    return f"internal {internal} · customer {customer} · {missing} missing"


def _attention_units(rows: Sequence[ReportRow]) -> list[list[Block]]:
    """Yellow/Red: one section per project, under a heading kept with the first one."""
    if not rows:
        return []
    order = "escalated first, then worst" if rows[0].escalated else "worst first"
    heading = context(f":rotating_light: *Yellow / Red* · {len(rows)} · {order}")
    units = [[_section(note_lines(row), _escalation_button(row))] for row in rows]
    units[0] = [DividerBlock(), heading, *units[0]]
    return units


def _green_items(rows: Sequence[ReportRow]) -> list[str]:
    if not rows:
        return []
    items = [f":large_green_circle: *Green* · {len(rows)}"]
    for row in rows:
        note = row.note
        assert note is not None
        trend = _arrow(row.trend)

        def render(text: Text, note: NoteFields = note, trend: str = trend) -> list[str]:
            flat = _one_line(text)
            line = f"{EMOJI[note.internal]}{EMOJI[note.customer]} {_title(flat)}: "
            line += f"{flat('progress')}{trend}"
            if note.issue.strip():
                line += f" · *Issue:* {flat('issue')}"
            if note.assistance.strip():
                line += f" · *Assistance needed:* {flat('assistance')}"
            # A note field like the others (handbook); mentions are bounded by MAX_MENTIONS.
            people = _people(note.dri_ids)
            if people:
                line += f" · *DRI &amp; contributors:* {people}"
            return [line]

        items.append(_fit(render, _texts(row))[0])
    return items


def _forecast_items(rows: Sequence[ReportRow]) -> list[str]:
    items = []
    for row in rows:
        note = row.note
        if note is None or not (note.forecast_push.strip() or note.upside.strip()):
            continue

        def render(text: Text, note: NoteFields = note) -> list[str]:
            return [_title(text), *_forecast_details(note, text)]

        items.append("\n".join(_fit(render, _texts(row))))
    return ["*Forecast pushes &amp; upside*", *items] if items else []


def _attention_lines(rows: Sequence[ReportRow]) -> list[str]:
    """Yellow/Red in short: a line each with the PM and the issue, for the digest."""
    if not rows:
        return []
    order = "escalated first, then worst" if rows[0].escalated else "worst first"
    items = [f":rotating_light: *Yellow / Red* · {len(rows)} · {order}"]
    for row in rows:
        note = row.note
        assert note is not None

        def render(text: Text, row: ReportRow = row, note: NoteFields = note) -> list[str]:
            flat = _one_line(text)
            line = f"{EMOJI[note.internal]}{EMOJI[note.customer]} {_title(flat)}"
            line += f"{_arrow(row.trend)}{ESCALATED if row.escalated else ''}"
            line += f" · {_pm(row.pm_slack_id, flat('pm_name'))}"
            if note.issue.strip():
                line += f" · *Issue:* {flat('issue')}"
            return [line]

        texts = {**_texts(row), "pm_name": row.pm_name or ""}
        items.append(_fit(render, texts, DIGEST_LINE_LIMIT)[0])
    return items


def _within(room: int, groups: Sequence[Sequence[str]]) -> list[Block]:
    """Each group (a heading line, then a line per project) after a divider, in at most
    `room` blocks: a group cut short ends saying how many more the file has. Groups that
    all fit take what they need; otherwise the room is shared."""
    needs = [1 + len(pack(lines, SECTION_TEXT_LIMIT, "\n")) for lines in groups]
    shares = dict(enumerate(needs))
    if sum(needs) > room:  # the smaller groups first take up to an even share each
        left = room
        by_need = sorted(shares, key=needs.__getitem__)
        for taken, index in enumerate(by_need):
            shares[index] = min(needs[index], left // (len(by_need) - taken))
            left -= shares[index]
    blocks: list[Block] = []
    for lines, share in zip(groups, shares.values(), strict=True):
        blocks.append(DividerBlock())
        blocks.extend(sections(_cut(lines, share - 1)))
    return blocks


def _cut(lines: Sequence[str], sections_room: int) -> list[str]:
    """`lines` (a heading, then items) packed in at most `sections_room` sections: as many
    items as fit, then how many more are in the file."""
    if len(pack(lines, SECTION_TEXT_LIMIT, "\n")) <= sections_room:
        return list(lines)

    def shown(count: int) -> list[str]:
        more = len(lines) - 1 - count
        return [*lines[: 1 + count], f"_… and {more} more: see the file._"]

    low, high = 0, len(lines) - 1
    while low < high:  # the most items that still fit
        middle = (low + high + 1) // 2
        if len(pack(shown(middle), SECTION_TEXT_LIMIT, "\n")) <= sections_room:
            low = middle
        else:
            high = middle - 1
    return shown(low)


def _missing_items(
    rows: Sequence[ReportRow], away: Mapping[str, Away], limit: int = SECTION_TEXT_LIMIT
) -> list[str]:
    if not rows:
        return []
    items = [f":hourglass: *Missing notes* · {len(rows)}"]
    for row in rows:

        def render(text: Text, row: ReportRow = row) -> list[str]:
            flat = _one_line(text)
            escalated = ESCALATED if row.escalated else ""
            off = away.get(row.pm_slack_id or "")
            pm = f"PM {Owner(row.pm_slack_id, row.pm_name or '', off).mrkdwn}" if off else None
            return [f"• {_title(flat)} · {pm or _pm(row.pm_slack_id, flat('pm_name'))}{escalated}"]

        items.append(_fit(render, {**_texts(row), "pm_name": row.pm_name or ""}, limit)[0])
    return items


def _group(blocks: Sequence[Block]) -> list[list[Block]]:
    """A group's blocks as units; the first carries the divider that opens the group."""
    units = [[block] for block in blocks]
    if units:
        units[0].insert(0, DividerBlock())
    return units


def _paginate(head: list[Block], units: Sequence[list[Block]]) -> list[list[Block]]:
    """Pack units into messages of at most MAX_BLOCKS_PER_MESSAGE blocks.

    Continued messages get one extra block (their context line) added by the caller.
    """
    pages: list[list[Block]] = [list(head)]
    for unit in units:
        room = MAX_BLOCKS_PER_MESSAGE - (0 if len(pages) == 1 else 1)
        if len(pages[-1]) + len(unit) > room:
            pages.append([])
        page = pages[-1]
        # A divider is pointless at the top of a continued message.
        page.extend(unit[1:] if not page and isinstance(unit[0], DividerBlock) else unit)
    return pages


def _escalation_button(row: ReportRow) -> ButtonElement | None:
    """Un-escalate on an escalated project, Escalate on a Red one (admins only: the
    click is refused for others), none otherwise."""
    value = str(row.project.id)
    if row.escalated:
        return ButtonElement(text="Un-escalate", action_id=ids.UNESCALATE, value=value)
    if row.note is not None and Temperature.RED in (row.note.internal, row.note.customer):
        return ButtonElement(text="Escalate", action_id=ids.ESCALATE, value=value, style="danger")
    return None


def _section(lines: Sequence[str], accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)), accessory=accessory)
