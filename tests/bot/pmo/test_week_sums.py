"""The compact week-by-week sums against plain dicts summed by hand."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import Month
from bot.pmo.week_sums import Filling

MONDAY = dt.date(2026, 8, 31)  # weeks from here cross month ends in several ways
WIDTH = 3

additions = st.lists(
    st.tuples(
        st.sampled_from("abc"),  # the group
        st.integers(0, 30),  # the week, counted from MONDAY
        st.integers(0, WIDTH - 1),  # the position
        st.integers(-(10**12), 10**12),  # the value (money is large; 0 still books a week)
    ),
    max_size=60,
)


def _oracle(rows):
    """Per group: week → sums, and month → sums with each week counted once per working
    day (Monday to Friday) it has in the month."""
    weeks: dict[str, dict[dt.date, list[int]]] = {}
    for group, week, position, value in rows:
        day = MONDAY + dt.timedelta(weeks=week)
        weeks.setdefault(group, {}).setdefault(day, [0] * WIDTH)[position] += value
    months: dict[str, dict[Month, list[int]]] = {}
    for group, by_week in weeks.items():
        for week, sums in by_week.items():
            for n in range(5):
                month = Month.of(week + dt.timedelta(days=n))
                into = months.setdefault(group, {}).setdefault(month, [0] * WIDTH)
                for position, value in enumerate(sums):
                    into[position] += value
    return weeks, months


@given(additions)
def test_filled_sums_are_the_sums_week_by_week_and_month_by_month(rows):
    filling = Filling(MONDAY - dt.timedelta(days=3), MONDAY + dt.timedelta(weeks=30), WIDTH)
    for group, week, position, value in rows:
        sums, at = filling.week_of(group, MONDAY + dt.timedelta(weeks=week))
        sums[at + position] += value
    found = filling.done()
    weeks, months = _oracle(rows)

    assert set(found) == set(weeks)
    for group, sums in found.items():
        assert {week: list(values) for week, values in sums.weeks()} == weeks[group]
        assert sums.months() == {m: tuple(v) for m, v in months[group].items()}
        for n in range(-2, 33):
            week = MONDAY + dt.timedelta(weeks=n)
            assert list(sums.at(week)) == weeks[group].get(week, [0] * WIDTH)
            since = [(w, list(v)) for w, v in sums.weeks(week - dt.timedelta(days=2))]
            assert since == sorted((w, v) for w, v in weeks[group].items() if w >= week)
        for month in (Month(2026, 7), *months[group], Month(2027, 6)):
            expected = months[group].get(month)
            assert sums.month(month) == (None if expected is None else tuple(expected))


def test_a_week_booked_at_zero_is_booked_and_an_empty_month_is_none():
    filling = Filling(MONDAY, MONDAY + dt.timedelta(weeks=8), WIDTH)
    filling.week_of("a", MONDAY + dt.timedelta(weeks=5))  # nothing added: 0 hours
    sums = filling.done()["a"]
    assert sums.month(Month(2026, 10)) == (0, 0, 0)
    assert sums.month(Month(2026, 9)) is None
    assert [week for week, _ in sums.weeks()] == [dt.date(2026, 10, 5)]


@pytest.mark.parametrize(
    "week",
    [MONDAY - dt.timedelta(weeks=1), MONDAY + dt.timedelta(weeks=9), MONDAY + dt.timedelta(days=1)],
)
def test_a_week_outside_the_run_or_not_a_monday_is_refused(week):
    filling = Filling(MONDAY, MONDAY + dt.timedelta(weeks=8), WIDTH)
    with pytest.raises(ValueError, match="is not a Monday from 2026-08-31"):
        filling.week_of("a", week)
