"""A job's time as an admin types it in Slack, read by the environment's parser."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.settings import SettingsError
from bot.pmo.rhythm import JOB_NAMES, parse_job_time, schedule_text
from bot.runtime.schedule import BeforeMonthEnd, Weekly

times = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))


@given(st.integers(0, 4), times)
def test_a_weekly_time_reads_back_as_written(weekday, at):
    schedule = Weekly(weekday, at)
    assert parse_job_time("top_customer_report", schedule_text(schedule)) == schedule


@given(st.integers(1, 15), times)
def test_a_month_end_time_reads_back_as_written(days, at):
    schedule = BeforeMonthEnd(days, at)
    assert parse_job_time("billing_period", schedule_text(schedule)) == schedule


@given(st.sampled_from(JOB_NAMES), st.text(max_size=30))
def test_anything_typed_is_a_schedule_or_one_line_saying_why(name, typed):
    try:
        schedule = parse_job_time(name, typed)
    except SettingsError as error:
        assert str(error).startswith("The time must be ") and "\n" not in str(error)
    else:
        assert parse_job_time(name, schedule_text(schedule)) == schedule


@pytest.mark.parametrize("typed", ["sat 10:00", "sunday 09:00"])
def test_a_weekend_time_is_refused(typed):
    with pytest.raises(SettingsError, match="must be on a business day"):
        parse_job_time("top_customer_nudge", typed)
