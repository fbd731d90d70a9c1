"""Kantata time entries → actuals: a fetch and a mapping of their own, beside the sync's.

`GET /time_entries` (Kantata OX) lists each entry with `date_performed` (YYYY-MM-DD),
`time_in_minutes` (there is no hours field), `user_id`, `workspace_id`, `approved` (on an
approved timesheet, or in a project that needs no approval), `billable` and
`rate_in_cents` (the hourly bill rate). `approved=false` cannot be asked for (Kantata
treats the filter as true), so every entry in the window is fetched and its `approved`
read. The window is `date_performed_between=FIRST:LAST`: from the first day of the
previous quarter to today, so a sync reads the closed months accuracy looks at, and an
entry of an older month is left as it was.

Each entry keeps its Kantata id; a non-billable entry earns nothing (rate 0); one without
a rate is priced from its week's booking, as a CSV row is. An entry of a workspace that
is not synced is ignored; one dated in the future, or of more than 24 hours, is skipped
and reported, and its project's entries are then not pruned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from bot.core.dates import Month
from bot.core.fields import FieldError, parse_day_hours, parse_email
from bot.integrations.importing.formats import ActualRecord
from bot.integrations.kantata.client import KantataClient, Listing
from bot.integrations.kantata.endpoints import UPDATED_AFTER
from bot.integrations.kantata.mapping import Graph

TIME_ENTRIES_INCLUDE = ("user", "workspace")
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class KantataActual:
    """A time entry as psbot stores it: the CSV's record and Kantata's bill rate."""

    record: ActualRecord
    bill_rate: Decimal | None


@dataclass
class ActualsPlan:
    entries: dict[str, KantataActual] = field(default_factory=dict)  # by Kantata id
    skipped: list[str] = field(default_factory=list)
    keep_sows: set[str] = field(default_factory=set)  # some entries skipped: prune nothing

    @property
    def emails(self) -> set[str]:
        return {entry.record.person_email for entry in self.entries.values()}


def actuals_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """From the first day of the previous quarter to `today`."""
    this_quarter = Month(today.year, (today.month - 1) // 3 * 3 + 1)
    return this_quarter.plus(-3).first_day, today


def fetch_time_entries(
    client: KantataClient,
    window: tuple[dt.date, dt.date],
    changed_since: dt.datetime | None = None,
) -> Listing:
    """Every time entry performed in `window`, with its user and workspace; only those
    changed since `changed_since` when given (an incremental sync)."""
    first, last = window
    params = {"date_performed_between": f"{first.isoformat()}:{last.isoformat()}"}
    if changed_since is not None:
        params[UPDATED_AFTER] = changed_since.astimezone(dt.UTC).isoformat(timespec="seconds")
    return client.list("time_entries", include=TIME_ENTRIES_INCLUDE, params=params)


def plan_actuals(listing: Listing, sows: Mapping[str, str], today: dt.date) -> ActualsPlan:
    """The time entries of the synced workspaces (`sows`: workspace id → SOW) to store.

    Raises KantataPayloadError when an entry lacks what Kantata documents."""
    graph = Graph(listing.objects)
    plan = ActualsPlan()
    for entry_id in listing.ids:
        entry = graph.get("time_entries", entry_id)
        sow = sows.get(entry.ref("workspace_id") or "")
        if sow is None:  # a workspace not synced (skipped and reported, or internal)
            continue
        day = entry.date("date_performed")
        minutes = entry.whole("time_in_minutes")
        approved = entry.flag("approved", required=False)
        user_id = entry.ref("user_id")
        assert day is not None and user_id is not None
        hours = (Decimal(minutes) / 60).quantize(CENTS, rounding=ROUND_HALF_UP)
        what = f"time entry {entry.id} of {sow} on {day}"
        try:
            email = parse_email(graph.get("users", user_id, entry).text("email_address") or "")
            parse_day_hours(str(hours))
        except FieldError as error:
            plan.skipped.append(f"{what}: {error}")
            plan.keep_sows.add(sow)
            continue
        if day > today:
            plan.skipped.append(f"{what}: the day is in the future (today is {today})")
            plan.keep_sows.add(sow)
            continue
        record = ActualRecord(sow, email, day, hours, approved)
        plan.entries[entry.id] = KantataActual(record, _rate(entry.data))
    return plan


def _rate(data: Mapping[str, object]) -> Decimal | None:
    """The entry's hourly bill rate: 0 when not billable, None when Kantata sends none."""
    if data.get("billable") is False:
        return Decimal(0)
    cents = data.get("rate_in_cents")
    if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
        return None
    return Decimal(cents) / 100
