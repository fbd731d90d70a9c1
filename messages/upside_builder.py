"""Upside beyond soft bookings: the list, what an author hears, the modal, and the
forecast's section of recorded items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.dates import Month
from bot.pmo.upside import REASON_MAX
from bot.store.models import UpsideItem
from messages import ids
from messages.escape import escape_mrkdwn, mention
from messages.format import cents, context, sections
from messages.pickers import PickerProject
from messages.wins_builder import VALUE, project_input

MAX_LISTED = 60
# Months the modal offers: this one and the next eleven.
MODAL_MONTHS = 12
ADD_USAGE = "/ps upside add PROJECT $AMOUNT YYYY-MM reason"


def upside_line(item: UpsideItem) -> str:
    """`#3` Dec 2026 · $12,000.00 · *Acme — Rollout* (SOW-1): why (by @pam)."""
    project = item.project
    title = f"*{escape_mrkdwn(project.customer)} — {escape_mrkdwn(project.name)}*"
    return (
        f"`#{item.id}` {item.month:%b %Y} · {cents(item.amount)} · {title} "
        f"({escape_mrkdwn(project.sow)}): {escape_mrkdwn(item.reason)} "
        f"(by {mention(item.recorded_by)})"
    )


def build_upside_list(items: Sequence[UpsideItem]) -> tuple[str, list[Block]]:
    """Every item not yet expired, by month; its total; how to add and remove."""
    if not items:
        text = f"No upside recorded beyond soft bookings. Add one: `{ADD_USAGE}`"
        return text, list(sections([text]))
    total = sum((item.amount for item in items), Decimal(0))
    lines = [upside_line(item) for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"…and {len(items) - MAX_LISTED} more.")
    blocks: list[Block] = [
        HeaderBlock(text="Upside beyond soft bookings"),
        *sections(lines),
        context(
            f"{len(items)} items, {cents(total)}. Each counts until the end of its month. "
            f"Add: `{ADD_USAGE}` · remove: `/ps upside remove ID` (who recorded it, or an admin)."
        ),
    ]
    return f"Upside beyond soft bookings: {len(items)} items, {cents(total)}", blocks


def build_upside_added(item: UpsideItem) -> str:
    """What the author hears once an item is recorded."""
    return (
        f":moneybag: Recorded upside {upside_line(item)}. `/ps forecast` shows it under "
        f"upside until the end of {item.month:%B %Y}."
    )


def build_upside_removed(item: UpsideItem) -> str:
    return f":wastebasket: Removed upside {upside_line(item)}."


def recorded_upside_lines(items: Sequence[UpsideItem]) -> list[str]:
    """The forecast's section of items recorded by hand, with their reasons."""
    if not items:
        return []
    total = sum((item.amount for item in items), Decimal(0))
    shown = [f"• {upside_line(item)}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"…and {len(items) - MAX_LISTED} more: `/ps upside` lists them all.")
    return [f"*Upside beyond soft bookings* · {cents(total)} recorded by hand", *shown]


def build_upside_modal(
    *,
    mine: Sequence[PickerProject],
    others: Sequence[PickerProject],
    today: dt.date,
) -> View:
    """Project, amount, month (this one or later) and reason."""
    months = [Month.of(today).plus(i) for i in range(MODAL_MONTHS)]
    options = [Option(value=f"{m.first_day:%Y-%m}", label=m.label) for m in months]
    return View(
        type="modal",
        callback_id=ids.UPSIDE_VIEW,
        title="Upside",
        submit="Record",
        close="Cancel",
        blocks=[
            project_input(mine, others, None, optional=False),
            InputBlock(
                block_id="amount",
                label="Amount",
                hint="Exact, in dollars: $1,250.50 or 1250",
                element=PlainTextInputElement(action_id=VALUE, placeholder="$1,250.50"),
            ),
            InputBlock(
                block_id="month",
                label="Month it is expected in",
                element=StaticSelectElement(
                    action_id=VALUE, placeholder="Choose a month", options=options
                ),
            ),
            InputBlock(
                block_id="reason",
                label="Why it is upside",
                hint="A pending Change Order to complete this quarter, a milestone likely "
                "to move into it…",
                element=PlainTextInputElement(
                    action_id=VALUE, multiline=True, max_length=REASON_MAX
                ),
            ),
        ],
    )


def read_upside_form(values: dict[str, Any]) -> dict[str, Any]:
    """The modal's state: project id (or None), amount and month as typed, reason."""

    def element(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(VALUE, {}) or {}

    project = element("project").get("selected_option") or {}
    return {
        "project_id": int(project["value"]) if project.get("value") else None,
        "amount": element("amount").get("value") or "",
        "month": (element("month").get("selected_option") or {}).get("value") or "",
        "reason": element("reason").get("value") or "",
    }
