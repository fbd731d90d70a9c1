import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import Month, Quarter, local_today, monday_of, split_week_by_month, week_key
from bot.core.errors import UserError

NY = ZoneInfo("America/New_York")
M, F = Month, Fraction


@pytest.mark.parametrize(
    ("week_start", "expected"),
    [
        # The SPEC's example: the week of Monday 30 November puts 1/5 in Nov, 4/5 in Dec.
        (dt.date(2026, 11, 30), [(M(2026, 11), F(1, 5)), (M(2026, 12), F(4, 5))]),
        (dt.date(2026, 11, 23), [(M(2026, 11), F(1))]),
        # Year end: Mon 28 Dec 2026 → 4 days in 2026, Fri 1 Jan 2027 in 2027.
        (dt.date(2026, 12, 28), [(M(2026, 12), F(4, 5)), (M(2027, 1), F(1, 5))]),
        # Short February: Mon 27 Feb 2023 → Feb 27-28, Mar 1-3.
        (dt.date(2023, 2, 27), [(M(2023, 2), F(2, 5)), (M(2023, 3), F(3, 5))]),
        # September 2022 ends on a Friday: the week of Sep 26 is all September.
        (dt.date(2022, 9, 26), [(M(2022, 9), F(1))]),
    ],
)
def test_split_week_by_working_days(week_start, expected):
    assert list(split_week_by_month(week_start)) == expected


@given(st.dates(min_value=dt.date(2000, 1, 3), max_value=dt.date(2100, 1, 1)))
def test_split_always_sums_to_one(day):
    assert sum(share for _, share in split_week_by_month(monday_of(day))) == 1


def test_month_arithmetic_across_years():
    assert Month(2026, 11).plus(2) == Month(2027, 1)
    assert Month(2027, 1).plus(-2) == Month(2026, 11)
    assert Month(2026, 2).last_day == dt.date(2026, 2, 28)
    assert Month(2028, 2).last_day == dt.date(2028, 2, 29)
    assert Month(2026, 12).label == "Dec 2026"


@pytest.mark.parametrize("text", ["2026-Q4", "2026q4", " 2026-q4 "])
def test_quarter_parses(text):
    quarter = Quarter.parse(text)
    assert quarter.months == [Month(2026, 10), Month(2026, 11), Month(2026, 12)]


@pytest.mark.parametrize("text", ["2026-Q5", "Q4", "2026-4", "", "2026-Q0", "26-Q1"])
def test_bad_quarter_is_a_user_error(text):
    with pytest.raises(UserError, match="2026-Q4"):
        Quarter.parse(text)


@given(st.integers(0, 9999), st.integers(1, 4))
def test_a_quarter_parses_with_a_calendar_for_every_day_or_is_a_user_error(year, number):
    text = f"{year:04d}-Q{number}"
    try:
        quarter = Quarter.parse(text)
    except UserError as error:
        assert error.message == f"'{text}' is out of range; give a quarter from 2000-Q1 to 2099-Q4."
        return
    first_week, last_day = monday_of(quarter.months[0].first_day), quarter.months[-1].last_day
    assert (quarter.label, last_day.year) == (text, year)
    assert 89 <= (last_day - first_week).days <= 97  # the quarter, and its first week


def test_week_key_uses_iso_weeks():
    assert week_key(dt.date(2026, 11, 24)) == "2026-W48"
    assert week_key(dt.date(2027, 1, 1)) == "2026-W53"
    assert week_key(dt.date(2024, 12, 30)) == "2025-W01"


def test_local_today_is_in_the_reporting_zone():
    late_evening_ny = dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC)
    assert local_today(late_evening_ny, NY) == dt.date(2026, 11, 30)


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_a_month_round_trips_through_its_key(year, month):
    assert Month.parse(Month(year, month).key) == Month(year, month)


@given(st.text(max_size=20))
def test_any_text_is_a_month_or_a_user_error(text):
    try:
        Month.parse(text)
    except UserError as error:
        assert "\n" not in error.message


@pytest.mark.parametrize(
    ("text", "problem"),
    [("2026-13", "has no month 13"), ("Nov 2026", "is not a month"), ("1999-01", "out of range")],
)
def test_bad_months_say_what_is_wrong(text, problem):
    with pytest.raises(UserError, match=problem):
        Month.parse(text)
