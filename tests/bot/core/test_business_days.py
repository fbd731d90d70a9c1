import datetime as dt

import pytest

from bot.core.business_days import BusinessCalendar

US = BusinessCalendar("US")
D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 26), False),  # Thanksgiving
        (D(2026, 11, 27), True),  # the Friday after is not a federal holiday
        (D(2026, 11, 28), False),  # Saturday
        (D(2027, 1, 18), False),  # Martin Luther King Jr. Day
        (D(2026, 7, 3), False),  # Independence Day observed on Friday
    ],
)
def test_us_business_days(day, expected):
    assert US.is_business_day(day) is expected


def test_weekends_only_calendar_has_no_holidays():
    assert BusinessCalendar(None).is_business_day(D(2026, 11, 26))


def test_subdivision_holidays_are_configurable():
    # Lincoln's Birthday is a New York state holiday, not a federal one.
    assert US.is_business_day(D(2027, 2, 12))
    assert not BusinessCalendar("US", "NY").is_business_day(D(2027, 2, 12))


def test_on_or_after_moves_a_holiday_to_the_next_business_day():
    assert US.on_or_after(D(2027, 1, 18)) == D(2027, 1, 19)
    assert US.on_or_after(D(2026, 12, 25)) == D(2026, 12, 28)
    assert US.on_or_after(D(2026, 11, 24)) == D(2026, 11, 24)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day, then a weekend
        (D(2026, 11, 25), 1, D(2026, 11, 27)),  # over Thanksgiving
        (D(2026, 11, 30), -3, D(2026, 11, 24)),
        (D(2026, 11, 24), 0, D(2026, 11, 24)),
    ],
)
def test_shift_by_business_days(start, days, expected):
    assert US.shift(start, days) == expected


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 11, D(2026, 11, 24)),  # ends Mon 30; Thanksgiving on the way back
        (2026, 10, D(2026, 10, 28)),  # ends on a Saturday
        (2027, 1, D(2027, 1, 27)),  # ends on a Sunday
        (2026, 12, D(2026, 12, 28)),  # year end
        (2027, 2, D(2027, 2, 24)),  # short month, ends on a Sunday
    ],
)
def test_three_business_days_before_month_end(year, month, expected):
    assert US.before_month_end(year, month, 3) == expected
