"""Forecast pushes (SPEC §4): what moved out since last Monday's snapshot.

This week's forecast — its Monday snapshot once taken (11:00), the forecast as it stands
before that — is set against last Monday's: a project whose hard $ left the current
month or quarter, and a Fixed Fee milestone whose date moved later. The Monday prep post
lists them; the Tuesday notes modal pre-fills its "forecast push" field with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month, Quarter, monday_of
from bot.pmo.bookings_rules import ZERO
from bot.pmo.snapshots import SnapshotRow, current_forecast, load_snapshot, snapshot_days


@dataclass(frozen=True)
class MovedMilestone:
    name: str
    was: dt.date
    now: dt.date | None  # None: no longer forecast in the snapshot's months


@dataclass
class Push:
    """What moved out of one project's forecast since last Monday."""

    project_id: int
    month: Month
    quarter: Quarter
    left_month: Decimal = ZERO  # hard $ no longer in the current month
    left_quarter: Decimal = ZERO  # hard $ no longer in the current quarter
    milestones: list[MovedMilestone] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.left_month or self.left_quarter or self.milestones)


def compare(
    before: Iterable[SnapshotRow], after: Iterable[SnapshotRow], today: dt.date
) -> dict[int, Push]:
    """Per project, what left this month or quarter between two snapshots (pure)."""
    month, quarter = Month.of(today), Quarter.of(today)
    in_quarter = set(quarter.months)
    pushes: dict[int, Push] = {}
    totals: dict[int, dict[str, Decimal]] = {}
    dates: dict[int, dict[str, dict[str, dt.date]]] = {}
    for side, rows in (("before", before), ("after", after)):
        for row in rows:
            sums = totals.setdefault(row.project_id, {})
            if row.month == month:
                sums[f"{side}_month"] = sums.get(f"{side}_month", ZERO) + row.forecast
            if row.month in in_quarter:
                sums[f"{side}_quarter"] = sums.get(f"{side}_quarter", ZERO) + row.forecast
            for name, on, _amount in row.milestones:
                if on:
                    dates.setdefault(row.project_id, {}).setdefault(side, {})[name] = (
                        dt.date.fromisoformat(on)
                    )
    for project_id in set(totals) | set(dates):
        push = Push(project_id, month, quarter)
        sums = totals.get(project_id, {})
        push.left_month = max(sums.get("before_month", ZERO) - sums.get("after_month", ZERO), ZERO)
        push.left_quarter = max(
            sums.get("before_quarter", ZERO) - sums.get("after_quarter", ZERO), ZERO
        )
        moved = dates.get(project_id, {})
        was, now = moved.get("before", {}), moved.get("after", {})
        push.milestones = [
            MovedMilestone(name, day, now.get(name))
            for name, day in sorted(was.items(), key=lambda item: item[1])
            if day >= month.first_day and (now.get(name) is None or now[name] > day)
        ]
        if push:
            pushes[project_id] = push
    return pushes


def week_pushes(session: Session, today: dt.date, calendar: BusinessCalendar) -> dict[int, Push]:
    """This week's pushes: this week's forecast against last week's snapshot (the latest
    taken before this Monday); {} without one."""
    this_monday = monday_of(today)
    days = snapshot_days(session, this_monday - dt.timedelta(days=13), today)
    earlier = [day for day in days if day < this_monday]
    if not earlier:
        return {}
    this_week = [day for day in days if day >= this_monday]
    after = (
        load_snapshot(session, this_week[-1])
        if this_week
        else current_forecast(session, today, calendar)
    )
    return compare(load_snapshot(session, earlier[-1]), after, today)
