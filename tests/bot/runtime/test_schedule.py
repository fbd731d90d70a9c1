import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.business_days import BusinessCalendar
from bot.runtime.schedule import (
    BeforeMonthEnd,
    Every,
    Weekly,
    last_run,
    next_run,
    period_at,
    run_time,
    runs_between,
)
from bot.runtime.scheduler import ScheduleTrigger

NY = ZoneInfo("America/New_York")
US = BusinessCalendar("US")
MONDAY_8 = Weekly(0, dt.time(8, 0))
TUESDAY_16 = Weekly(1, dt.time(16, 0))
BILLING = BeforeMonthEnd(3, dt.time(9, 0))


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("period", "expected_utc"),
    [
        ("2026-W10", utc(2026, 3, 2, 13, 0)),  # before DST starts (Mar 8): EST, UTC-5
        ("2026-W11", utc(2026, 3, 9, 12, 0)),  # after: EDT, UTC-4, still 08:00 local
        ("2026-W44", utc(2026, 10, 26, 12, 0)),  # before DST ends (Nov 1)
        ("2026-W45", utc(2026, 11, 2, 13, 0)),  # after
    ],
)
def test_monday_reminder_keeps_its_wall_clock_time_across_dst(period, expected_utc):
    when = run_time(MONDAY_8, period, US, NY)
    assert when == expected_utc
    assert when.astimezone(NY).hour == 8


def test_a_monday_holiday_moves_the_reminder_to_tuesday():
    when = run_time(MONDAY_8, "2027-W03", US, NY)
    assert when.astimezone(NY) == dt.datetime(2027, 1, 19, 8, 0, tzinfo=NY)


def test_thanksgiving_week_tuesday_is_unaffected_and_billing_moves_before_it():
    assert run_time(TUESDAY_16, "2026-W48", US, NY).astimezone(NY).date() == dt.date(2026, 11, 24)
    assert run_time(BILLING, "2026-11", US, NY).astimezone(NY) == dt.datetime(
        2026, 11, 24, 9, 0, tzinfo=NY
    )


def test_next_and_last_run():
    just_after = utc(2026, 11, 24, 21, 0, 1)  # Tue 16:00:01 New York
    assert next_run(TUESDAY_16, just_after, US, NY) == ("2026-W49", utc(2026, 12, 1, 21, 0))
    assert last_run(TUESDAY_16, just_after, US, NY) == ("2026-W48", utc(2026, 11, 24, 21, 0))
    assert last_run(TUESDAY_16, utc(2026, 11, 24, 20, 59), US, NY)[0] == "2026-W47"


def test_next_monthly_run_crosses_the_year():
    after_december = utc(2026, 12, 28, 15, 0)  # Dec 28 10:00 New York, after its 09:00 run
    period, when = next_run(BILLING, after_december, US, NY)
    assert period == "2027-01"
    assert when.astimezone(NY) == dt.datetime(2027, 1, 27, 9, 0, tzinfo=NY)


def test_apscheduler_trigger_fires_at_the_schedule_times():
    trigger = ScheduleTrigger(MONDAY_8, US, NY)
    now = dt.datetime(2027, 1, 11, 9, 0, tzinfo=NY)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first)
    assert first == dt.datetime(2027, 1, 19, 8, 0, tzinfo=NY)  # MLK Monday → Tuesday
    assert second == dt.datetime(2027, 1, 25, 8, 0, tzinfo=NY)


def test_a_run_a_holiday_moves_into_next_week_belongs_to_its_own_week():
    fridays = Weekly(4, dt.time(12, 0))
    # Christmas, Friday 25 December 2026: 2026-W52's run is on Monday 28 December.
    assert run_time(fridays, "2026-W52", US, NY).date() == dt.date(2026, 12, 28)
    assert period_at(fridays, dt.datetime(2026, 12, 28, 12, 0, tzinfo=NY), US, NY) == "2026-W52"
    assert period_at(fridays, dt.datetime(2026, 12, 29, 12, 0, tzinfo=NY), US, NY) == "2026-W53"
    sundays = Weekly(6, dt.time(8, 0))  # never a business day: every run is the next Monday
    assert period_at(sundays, dt.datetime(2026, 12, 7, 8, 0, tzinfo=NY), US, NY) == "2026-W49"


def test_describe_in_words():
    assert MONDAY_8.describe() == "Mondays 08:00, next business day if a holiday"
    assert BILLING.describe() == "3 business days before month end, 09:00"
    assert Weekly(6, dt.time(8, 0)).describe() == "Sundays 08:00, posted the next business day"


# --- every few minutes in business hours ----------------------------------------------------

EVERY_15 = Every(15, dt.time(8, 0), dt.time(18, 0))


def ny(*args):
    return dt.datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (ny(2026, 11, 30, 9, 7), ("2026-11-30T09:00", ny(2026, 11, 30, 9, 0))),
        (ny(2026, 11, 30, 9, 15), ("2026-11-30T09:15", ny(2026, 11, 30, 9, 15))),
        # Before the first slot: the previous business day's last one.
        (ny(2026, 11, 30, 7, 59), ("2026-11-27T18:00", ny(2026, 11, 27, 18, 0))),
        # Thanksgiving (Thursday 26 November) has no slots.
        (ny(2026, 11, 26, 12, 0), ("2026-11-25T18:00", ny(2026, 11, 25, 18, 0))),
    ],
)
def test_the_last_slot_is_the_one_at_or_before_now_on_a_business_day(now, expected):
    assert last_run(EVERY_15, now, US, NY) == expected


def test_the_next_slot_skips_nights_weekends_and_holidays():
    assert next_run(EVERY_15, ny(2026, 11, 30, 9, 0), US, NY)[1] == ny(2026, 11, 30, 9, 15)
    assert next_run(EVERY_15, ny(2026, 11, 27, 18, 0), US, NY)[1] == ny(2026, 11, 30, 8, 0)
    assert next_run(EVERY_15, ny(2026, 11, 25, 18, 0), US, NY)[1] == ny(2026, 11, 27, 8, 0)


def test_a_slot_keeps_its_wall_clock_time_across_dst_and_names_its_period():
    assert run_time(EVERY_15, "2026-11-02T08:00", US, NY) == utc(2026, 11, 2, 13, 0)
    assert run_time(EVERY_15, "2026-10-26T08:00", US, NY) == utc(2026, 10, 26, 12, 0)
    assert period_at(EVERY_15, ny(2026, 11, 30, 9, 29), US, NY) == "2026-11-30T09:15"
    assert period_at(EVERY_15, ny(2026, 11, 30, 6, 0), US, NY) == "2026-11-30T08:00"
    assert [
        p
        for p, _ in runs_between(EVERY_15, ny(2026, 11, 30, 17, 20), ny(2026, 12, 1, 8, 0), US, NY)
    ] == [
        "2026-11-30T17:30",
        "2026-11-30T17:45",
        "2026-11-30T18:00",
        "2026-12-01T08:00",
    ]
    assert EVERY_15.describe() == "every 15 min, 08:00–18:00 business days"
