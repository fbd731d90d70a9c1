"""Business days: weekdays that are not holidays in the configured calendar.

The calendar comes from the `holidays` package (US federal by default); `None` means no
holidays, only weekends.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from bot.core.settings import Settings


@cache
def _calendar(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=[year]))


class BusinessCalendar:
    """Which days count as business days: Monday to Friday minus the holidays."""

    def __init__(self, country: str | None = "US", subdivision: str | None = None) -> None:
        self.country = country
        self.subdivision = subdivision

    def is_holiday(self, day: dt.date) -> bool:
        if self.country is None:
            return False
        return day in _calendar(self.country, self.subdivision, day.year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def on_or_after(self, day: dt.date) -> dt.date:
        """The first business day on or after `day`."""
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def shift(self, day: dt.date, business_days: int) -> dt.date:
        """Move by a number of business days (negative: backwards), not counting `day`."""
        step = dt.timedelta(days=1 if business_days >= 0 else -1)
        remaining = abs(business_days)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def before_month_end(self, year: int, month: int, business_days: int) -> dt.date:
        """The day `business_days` business days before the month's last calendar day."""
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        return self.shift(last, -business_days)


def calendar_of(settings: Settings) -> BusinessCalendar:
    """The business calendar PSBOT_HOLIDAYS configures (weekends only when it is off)."""
    if settings.holidays is None:
        return BusinessCalendar(None)
    return BusinessCalendar(*settings.holidays)
