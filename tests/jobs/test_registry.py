"""Job configuration: defaults from SPEC §1 and overrides from the environment."""

import datetime as dt

import pytest

from bot.core.settings import SettingsError, load_settings
from bot.entry.cli import main
from bot.runtime.schedule import BeforeMonthEnd, Every, Weekly
from jobs.registry import JOB_NAMES, configured_jobs
from tests.bot.entry.test_cli import env  # noqa: F401 - the clean-environment fixture


def jobs(**variables):
    return {job.name: job for job in configured_jobs(load_settings(variables, dotenv_path=None))}


def test_defaults_follow_the_spec():
    by_name = jobs()
    assert list(by_name) == list(JOB_NAMES)
    assert by_name["kantata_sync"].schedule == Weekly(0, dt.time(7, 0))  # before the prep
    assert by_name["forecast_prep"].schedule == Weekly(0, dt.time(8, 0))
    assert by_name["forecast_nudge"].schedule == Weekly(0, dt.time(10, 30))
    assert by_name["top_customer_open"].schedule == Weekly(1, dt.time(12, 0))
    assert by_name["top_customer_nudge"].schedule == Weekly(1, dt.time(15, 0))
    assert by_name["top_customer_report"].schedule == Weekly(1, dt.time(16, 0))
    assert by_name["billing_period"].schedule == BeforeMonthEnd(3, dt.time(9, 0))
    posting = [job for job in by_name.values() if job.name != "kantata_incremental"]
    assert all(job.enabled and job.channel == "ps_pmo" for job in posting)
    assert all(job.grace == dt.timedelta(hours=2) for job in posting)
    incremental = by_name["kantata_incremental"]
    assert incremental.schedule == Every(15, dt.time(8, 0), dt.time(18, 0))
    assert incremental.grace == dt.timedelta(minutes=15)
    assert not incremental.enabled  # no KANTATA_API_TOKEN
    assert jobs(KANTATA_API_TOKEN="t")["kantata_incremental"].enabled


def test_the_incremental_sync_can_be_moved_or_switched_off():
    moved = jobs(KANTATA_API_TOKEN="t", PSBOT_JOB_KANTATA_INCREMENTAL="30 07:30-19:00")
    assert moved["kantata_incremental"].schedule == Every(30, dt.time(7, 30), dt.time(19, 0))
    assert moved["kantata_incremental"].grace == dt.timedelta(minutes=30)
    off = jobs(KANTATA_API_TOKEN="t", PSBOT_JOB_KANTATA_INCREMENTAL="off")
    assert not off["kantata_incremental"].enabled
    # Without a token it stays off: there is nothing to sync.
    assert not jobs(PSBOT_JOB_KANTATA_INCREMENTAL="on")["kantata_incremental"].enabled


def test_overrides():
    by_name = jobs(
        PSBOT_JOB_TOP_CUSTOMER_REPORT="wed 08:00",  # the older handbook's deadline
        PSBOT_JOB_FORECAST_NUDGE="off",
        PSBOT_JOB_BILLING_PERIOD="5 10:15",
        PSBOT_JOB_FORECAST_PREP_CHANNEL="#forecast",
        PSBOT_JOB_GRACE_MINUTES="30",
        PSBOT_PMO_CHANNEL="C0PMO",
    )
    assert by_name["top_customer_report"].schedule == Weekly(2, dt.time(8, 0))
    assert by_name["forecast_nudge"].enabled is False
    assert by_name["billing_period"].schedule == BeforeMonthEnd(5, dt.time(10, 15))
    assert by_name["forecast_prep"].channel == "forecast"
    assert by_name["top_customer_open"].channel == "C0PMO"
    assert by_name["forecast_prep"].grace == dt.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "PSBOT_JOB_FORECAST_PREP",
            "sometimes",
            "PSBOT_JOB_FORECAST_PREP must be off, on or a time",
        ),
        ("PSBOT_JOB_FORECAST_PREP", "mon 25:00", "like 'tue 16:00'"),
        ("PSBOT_JOB_TOP_CUSTOMER_OPEN", "sun 22:50", "must be on a business day, mon to fri"),
        ("PSBOT_JOB_TOP_CUSTOMER_OPEN", "Saturday 09:00", "must be on a business day"),
        ("PSBOT_JOB_BILLING_PERIOD", "tue 09:00", "like '3 09:00'"),
        ("PSBOT_JOB_BILLING_PERIOD", "99 09:00", "or 1 to 15 business days before month end"),
        ("PSBOT_JOB_BILLING_PERIOD", "16 09:00", "or 1 to 15 business days before month end"),
        ("PSBOT_JOB_BILLING_PERIOD", "0 09:00", "or 1 to 15 business days before month end"),
        ("PSBOT_JOB_FORCAST_PREP", "off", "PSBOT_JOB_FORCAST_PREP is not a job setting"),
        ("PSBOT_JOB_KANTATA_INCREMENTAL", "mon 09:00", "like '15 08:00-18:00'"),
        ("PSBOT_JOB_KANTATA_INCREMENTAL", "1 08:00-18:00", r"every N minutes \(5 to 240\)"),
        ("PSBOT_JOB_KANTATA_INCREMENTAL", "15 18:00-08:00", "between two times"),
        ("PSBOT_JOB_KANTATA_INCREMENTAL", "15 08:00-25:00", "like '15 08:00-18:00'"),
        ("PSBOT_JOB_GRACE_MINUTES", "soon", "PSBOT_JOB_GRACE_MINUTES must be a whole number"),
    ],
)
def test_bad_overrides_name_the_variable(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        jobs(**{variable: value})


@pytest.mark.parametrize(("value", "days"), [("1 09:00", 1), ("15 09:00", 15)])
def test_billing_accepts_1_to_15_business_days_before_month_end(value, days):
    assert jobs(PSBOT_JOB_BILLING_PERIOD=value)["billing_period"].schedule.business_days == days


@pytest.mark.parametrize("day", ["mon", "tue", "wed", "thu", "fri"])
def test_every_business_day_is_a_weekly_time(day):
    assert jobs(PSBOT_JOB_TOP_CUSTOMER_OPEN=f"{day} 22:50")["top_customer_open"].schedule == (
        Weekly(("mon", "tue", "wed", "thu", "fri").index(day), dt.time(22, 50))
    )


def test_a_weekend_time_stops_psbot_with_one_line_naming_the_variable(env, capsys):  # noqa: F811
    env.setenv("PSBOT_JOB_TOP_CUSTOMER_OPEN", "sun 22:50")
    assert main(["jobs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("psbot: PSBOT_JOB_TOP_CUSTOMER_OPEN must be on a business day")
    assert err.count("\n") == 1


def test_a_billing_day_count_out_of_range_stops_the_cli_with_one_line(env, capsys):  # noqa: F811
    env.setenv("PSBOT_JOB_BILLING_PERIOD", "99 09:00")
    assert main(["jobs", "list"]) != 0
    err = capsys.readouterr().err
    assert err == (
        "psbot: PSBOT_JOB_BILLING_PERIOD must be off, on or 1 to 15 business days before month"
        " end and a time, like '3 09:00', got '99 09:00'\n"
    )


@pytest.mark.parametrize("value", ["#foo bar", "foo bar", "#", "ps\tpmo"])
def test_a_bad_job_channel_is_refused_as_a_bad_pmo_channel_is(value):
    with pytest.raises(SettingsError) as job_error:
        jobs(PSBOT_JOB_FORECAST_PREP_CHANNEL=value)
    with pytest.raises(SettingsError) as pmo_error:
        jobs(PSBOT_PMO_CHANNEL=value)
    message = str(job_error.value)
    assert message.startswith("PSBOT_JOB_FORECAST_PREP_CHANNEL must be one channel, by ID or by")
    assert "\n" not in message
    assert message == str(pmo_error.value).replace(
        "PSBOT_PMO_CHANNEL", "PSBOT_JOB_FORECAST_PREP_CHANNEL"
    )


def test_an_empty_job_channel_means_the_pmo_channel():
    assert jobs(PSBOT_JOB_FORECAST_PREP_CHANNEL="")["forecast_prep"].channel == "ps_pmo"
