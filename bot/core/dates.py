"""Calendar arithmetic the PMO lives by: weeks, months, quarters, working days."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.core.errors import UserError

WORKING_DAYS_PER_WEEK = 5


class Month(NamedTuple):
    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.plus(1).first_day - dt.timedelta(days=1)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def label(self) -> str:
        return self.first_day.strftime("%b %Y")

    @property
    def key(self) -> str:
        """`2026-11`."""
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> Month:
        """A month the user typed (`2026-11`), or say what is wrong."""
        match = _MONTH.fullmatch(text.strip())
        if not match:
            shown = " ".join(text.split())[:40]  # one line, however it was typed
            raise UserError(f"'{shown}' is not a month; write it like 2026-11.")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise UserError(f"'{text.strip()}' has no month {month}; months run 01 to 12.")
        if year not in QUARTER_YEARS:
            first, last = QUARTER_YEARS[0], QUARTER_YEARS[-1]
            raise UserError(
                f"'{text.strip()}' is out of range; give a month from {first} to {last}."
            )
        return cls(year, month)


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def local_today(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The calendar date at `now` in the reporting time zone."""
    return now.astimezone(tz).date()


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_key(day: dt.date) -> str:
    """ISO week key, e.g. `2026-W48`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


def parse_week(text: str) -> str:
    """Normalise a week key the user typed (`2026-w48`, `2026W48`) or say what is wrong."""
    match = _WEEK.fullmatch(text.strip())
    if match:
        try:
            return week_key(dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1))
        except ValueError:
            raise UserError(f"{text} has no such ISO week.") from None
    raise UserError(f"'{text}' is not a week; write it like 2026-W48.")


def previous_week(week: str) -> str:
    year, number = (int(part) for part in week.split("-W"))
    return week_key(dt.date.fromisocalendar(year, number, 1) - dt.timedelta(weeks=1))


@cache
def split_week_by_month(week_start: dt.date) -> tuple[tuple[Month, Fraction], ...]:
    """Share of a Monday-to-Friday week falling in each month, by working days.

    The week of Monday 30 November 2026 gives 1/5 to November and 4/5 to December.
    Cached: a portfolio has thousands of bookings but only a few dozen distinct weeks.
    """
    shares: dict[Month, int] = {}
    for offset in range(WORKING_DAYS_PER_WEEK):
        month = Month.of(week_start + dt.timedelta(days=offset))
        shares[month] = shares.get(month, 0) + 1
    return tuple((month, Fraction(days, WORKING_DAYS_PER_WEEK)) for month, days in shares.items())


_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
# Quarters a forecast can be asked for. Anything outside this century is a typo, and the
# calendar ends in 9999, before 9999-Q4's bookings would.
QUARTER_YEARS = range(2000, 2100)


class Quarter(NamedTuple):
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.fullmatch(text.strip())
        if not match:
            raise UserError(f"'{text}' is not a quarter; write it like 2026-Q4.")
        year = int(match.group(1))
        if year not in QUARTER_YEARS:
            first, last = QUARTER_YEARS[0], QUARTER_YEARS[-1]
            raise UserError(
                f"'{text.strip()}' is out of range; give a quarter from {first}-Q1 to {last}-Q4."
            )
        return cls(year, int(match.group(2)))

    @property
    def months(self) -> list[Month]:
        first = Month(self.year, (self.number - 1) * 3 + 1)
        return [first.plus(i) for i in range(3)]

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"
