"""Time off and delegates: what `/ps away` and `/ps back` answer, the time-off modal and
App Home's time-off sections (one's own, and for admins who is away)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.store.models import Away
from messages import ids
from messages.escape import mention
from messages.format import sections
from messages.wins_builder import VALUE

# Admins see this many people away or about to be; the rest are counted.
MAX_AWAY_SHOWN = 20


def _dates(away: Away) -> str:
    """`Mon Dec 21 – Fri Jan 1` (the year when it isn't the start's)."""
    end = f"{away.ends_on:%a %b %-d}"
    if away.ends_on.year != away.starts_on.year:
        end += f" {away.ends_on.year}"
    return f"{away.starts_on:%a %b %-d} – {end}"


def _covers(away: Away) -> str:
    if away.delegate_id is None:
        return "Nobody covers: your nudges wait until you're back."
    return (
        f"{mention(away.delegate_id)} covers: they get your nudges, are named in the Tuesday "
        "reminder and may write your notes."
    )


def build_away_set(away: Away) -> str:
    """What the person hears once their time off is recorded."""
    return (
        f":palm_tree: You're away {_dates(away)}. {_covers(away)} "
        "`/ps back` ends it early; it lapses by itself after the last day."
    )


def build_back(away: Away, today: dt.date) -> str:
    """What the person hears on `/ps back` (or the "I'm back" button)."""
    if away.starts_on > today:
        return f"Your time off {_dates(away)} is cancelled."
    return ":wave: Welcome back! Nudges come to you again."


def build_away_modal(today: dt.date, current: Away | None) -> View:
    """First day, last day and who covers (optional), filled in from `current`."""
    delegate = UserSelectElement(action_id=VALUE, placeholder="Nobody")
    if current is not None and current.delegate_id:
        delegate.initial_user = current.delegate_id
    start = current.starts_on if current is not None else today
    end = current.ends_on if current is not None else today
    return View(
        type="modal",
        callback_id=ids.AWAY_VIEW,
        title="Time off",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="starts_on",
                label="First day away",
                element=DatePickerElement(action_id=VALUE, initial_date=f"{start:%Y-%m-%d}"),
            ),
            InputBlock(
                block_id="ends_on",
                label="Last day away",
                element=DatePickerElement(action_id=VALUE, initial_date=f"{end:%Y-%m-%d}"),
            ),
            InputBlock(
                block_id="delegate",
                label="Who covers your notes and nudges",
                optional=True,
                element=delegate,
            ),
        ],
    )


def read_away_form(values: dict[str, Any]) -> dict[str, str]:
    """The modal's state as typed: the two dates (YYYY-MM-DD) and the delegate's id."""

    def element(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(VALUE, {}) or {}

    return {
        "starts_on": element("starts_on").get("selected_date") or "",
        "ends_on": element("ends_on").get("selected_date") or "",
        "delegate": element("delegate").get("selected_user") or "",
    }


def time_off_section(own: Away | None, today: dt.date) -> list[Block]:
    """App Home: the viewer's time off (or none), with buttons to plan, change or end it."""
    if own is None:
        line = ":palm_tree: *Time off* — going away? psbot holds your nudges and hands them "
        line += "to whoever covers for you."
        buttons = [ButtonElement(text="Plan time off", action_id=ids.AWAY_OPEN)]
    else:
        now = "You're away" if own.starts_on <= today else "You'll be away"
        line = f":palm_tree: *Time off* — {now} {_dates(own)}. {_covers(own)}"
        back = "I'm back" if own.starts_on <= today else "Cancel it"
        buttons = [
            ButtonElement(text="Change", action_id=ids.AWAY_OPEN),
            ButtonElement(text=back, action_id=ids.AWAY_BACK),
        ]
    return [DividerBlock(), *sections([line]), ActionsBlock(elements=buttons)]


def who_is_away_section(ahead: Sequence[Away], today: dt.date) -> list[Block]:
    """App Home (admins): who is away now or soon, and who covers for each."""
    if not ahead:
        return list(sections(["*Time off*: nobody is away or about to be."]))
    lines = ["*Time off*"]
    for away in ahead[:MAX_AWAY_SHOWN]:
        state = "away" if away.starts_on <= today else "away soon"
        covers = f" · {mention(away.delegate_id)} covers" if away.delegate_id else ""
        lines.append(f"• {mention(away.slack_user_id)} {state}, {_dates(away)}{covers}")
    if len(ahead) > MAX_AWAY_SHOWN:
        lines.append(f"…and {len(ahead) - MAX_AWAY_SHOWN} more.")
    return list(sections(lines))
