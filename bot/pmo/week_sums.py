"""A group's integer sums week by week (a project's, a person's), compact and read-only.

A kept portfolio holds them for every project and person. As dicts of week → int, five
per project, they were a fifth of `psbot run`'s memory at 10,000 projects; here each
group's are one array of `width` integers per week, from its first booked week to its
last, and one byte per week saying whether anything was booked in it (a booking of 0
hours counts: the rules tell "booked at 0" from "not booked").

`Filling` sums rows into dense arrays over a known run of weeks, one array per group, and
trims each to its booked weeks when done: memory stays near the trimmed size throughout.
Weeks are Mondays (the bookings table holds no other); units are the caller's.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Hashable, Iterator, Sequence
from functools import cache
from typing import Generic, TypeVar

from bot.core.dates import WORKING_DAYS_PER_WEEK, Month, monday_of, split_week_by_month

K = TypeVar("K", bound=Hashable)
MonthSums = tuple[int, ...]  # the sums of one month
WEEK = dt.timedelta(weeks=1)


@cache
def working_days_by_month(week_start: dt.date) -> tuple[tuple[Month, int], ...]:
    """Each month the week's working days fall in, with how many of them (1–5)."""
    return tuple(
        (month, int(share * WORKING_DAYS_PER_WEEK))
        for month, share in split_week_by_month(week_start)
    )


@cache
def weeks_of_month(month: Month) -> tuple[tuple[dt.date, int], ...]:
    """Each week with working days in the month, with how many of them (1–5)."""
    week, found = monday_of(month.first_day), []
    while week <= month.last_day:
        found.extend(
            (week, days) for touched, days in working_days_by_month(week) if touched == month
        )
        week += WEEK
    return tuple(found)


class WeekSums:
    """`width` sums per week for the weeks from `first`, `booked[n]` 1 when anything was
    booked in week n; and the same per month (each week's counted for its working days in
    the month, so in fifths of the weekly units), summed when asked from the six weeks at
    most that touch the month: kept, monthly tables were one more array per project."""

    __slots__ = ("booked", "first", "values", "width")

    def __init__(self, first: dt.date, width: int, values: array, booked: bytes) -> None:
        self.first = first
        self.width = width
        self.values = values
        self.booked = booked

    def weeks(self, since: dt.date | None = None) -> Iterator[tuple[dt.date, Sequence[int]]]:
        """Each booked week (from `since` on), first to last, with its sums."""
        width, values = self.width, self.values
        start = 0 if since is None else max(0, -(-(since - self.first).days // 7))
        for offset in range(start, len(self.booked)):
            if self.booked[offset]:
                at = offset * width
                yield self.first + offset * WEEK, values[at : at + width]

    def at(self, week: dt.date) -> Sequence[int]:
        """The week's sums: zeros when nothing was booked in it."""
        offset, rest = divmod((week - self.first).days, 7)
        if rest or not 0 <= offset < len(self.booked):
            return (0,) * self.width
        return self.values[offset * self.width : (offset + 1) * self.width]

    def month(self, month: Month) -> MonthSums | None:
        """The month's sums; None when no booked week has working days in it."""
        width, values, booked = self.width, self.values, self.booked
        sums, found = [0] * width, False
        for week, days in weeks_of_month(month):
            offset = (week - self.first).days // 7
            if 0 <= offset < len(booked) and booked[offset]:
                found = True
                at = offset * width
                for position in range(width):
                    sums[position] += values[at + position] * days
        return tuple(sums) if found else None

    def months(self) -> dict[Month, MonthSums]:
        """Every month's sums that has any (see `month`)."""
        touched = {month for week, _ in self.weeks() for month, _ in working_days_by_month(week)}
        return {month: self.month(month) for month in sorted(touched)}  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WeekSums):
            return NotImplemented
        return (self.first, self.width, self.values, self.booked) == (
            other.first,
            other.width,
            other.values,
            other.booked,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        weeks = ", ".join(f"{week}: {list(values)}" for week, values in self.weeks())
        return f"WeekSums({{{weeks}}})"


class Filling(Generic[K]):
    """Sums added week by week into one dense array per group over the weeks whose Monday
    falls in first…last; `done` trims each group's to its booked weeks."""

    def __init__(self, first: dt.date, last: dt.date, width: int) -> None:
        self.first = monday_of(first + dt.timedelta(days=6))  # the first Monday in the run
        self.count = max(0, (monday_of(last) - self.first).days // 7 + 1)
        self.width = width
        self.values: dict[K, array] = {}
        self.booked: dict[K, bytearray] = {}
        self._offsets: dict[dt.date, int] = {}
        self._mondays = [self.first + n * WEEK for n in range(self.count)]  # shared by all

    def offset(self, week: dt.date) -> int:
        """The week's index in the run (a ValueError for a week outside it or not a
        Monday); remembered, as a portfolio has thousands of rows but few weeks."""
        found = self._offsets.get(week)
        if found is None:
            found, rest = divmod((week - self.first).days, 7)
            if rest or not 0 <= found < self.count:
                raise ValueError(f"week {week} is not a Monday from {self.first} to the run's end")
            self._offsets[week] = found
        return found

    def week_of(self, key: K, week: dt.date) -> tuple[array, int]:
        """The group's dense sums (made on first use) and where the week's begin in them;
        the week is marked booked."""
        offset = self.offset(week)
        values = self.values.get(key)
        if values is None:
            values = self.values[key] = array("q", bytes(8 * self.width * self.count))
            self.booked[key] = bytearray(self.count)
        self.booked[key][offset] = 1
        return values, offset * self.width

    def done(self) -> dict[K, WeekSums]:
        """Each group's sums, trimmed to its booked weeks (the dense arrays are let go)."""
        width, trimmed = self.width, {}
        for key in list(self.values):
            values, booked = self.values.pop(key), self.booked.pop(key)
            start, end = booked.index(1), booked.rindex(1) + 1
            trimmed[key] = WeekSums(
                self._mondays[start],
                width,
                values[start * width : end * width],
                bytes(booked[start:end]),
            )
        return trimmed
