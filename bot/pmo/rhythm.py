"""The weekly PMO rhythm (SPEC §1): when each reminder, nudge and report runs, what it
announces and when that is due; and the calendar questions the rest of psbot asks of it
(which week a note is for, when notes are due, when the forecast is due).

Defaults follow the handbook, in PSBOT_TIMEZONE. Each can be changed in the environment,
read once by settings:

- `PSBOT_JOB_<NAME>=off` (or `on`) switches a job;
- `PSBOT_JOB_<NAME>=tue 16:00` moves a weekly job; `PSBOT_JOB_BILLING_PERIOD=3 09:00`
  sets the business days before month end (1 to 15) and the time;
- `PSBOT_JOB_<NAME>_CHANNEL=C0123` posts it somewhere other than PSBOT_PMO_CHANNEL
  (a channel ID or name, checked as PSBOT_PMO_CHANNEL is);
- `PSBOT_JOB_GRACE_MINUTES=120`: how late a missed run may still be posted. A nudge is
  never posted after the deadline it announces (its `deadline` below), whatever the grace.
- `PSBOT_JOB_KANTATA_INCREMENTAL=15 08:00-18:00`: every N minutes (5 to 240) between two
  times on business days; its grace is its interval (the next run does the same work),
  and it is off without KANTATA_API_TOKEN.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today, week_key
from bot.core.settings import Settings, SettingsError, parse_channel
from bot.runtime.schedule import (
    BeforeMonthEnd,
    Daily,
    Every,
    JobTiming,
    MonthStart,
    Schedule,
    Weekly,
    period_at,
    run_time,
)

# The handbook's Monday deadlines: forecast call prep by 10:00, forecast & upside by 11:00.
PREP_DUE = dt.time(10, 0)
FORECAST_DUE = dt.time(11, 0)


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def forecast_due(ctx: AppContext, now: dt.datetime) -> dt.datetime:
    """When the forecast & upside are due on the day of `now`: the handbook's 11:00."""
    tz = ctx.settings.timezone
    return dt.datetime.combine(local_today(now, tz), FORECAST_DUE, tzinfo=tz)


def notes_week(ctx: AppContext, now: dt.datetime) -> str:
    """The week a note written at `now` is for: the calendar week, except on the day a
    holiday moved last week's report into, until that report has run (a Friday report
    moved to Monday still wants last week's notes)."""
    week = job_period(ctx, "top_customer_report", now)
    if now >= job_time(ctx, "top_customer_report", week):
        return week_key(local_today(now, ctx.settings.timezone))
    return week


def notes_due(ctx: AppContext, now: dt.datetime) -> dt.datetime:
    """When the notes of `notes_week` are due: that week's report run, holidays included."""
    return job_time(ctx, "top_customer_report", notes_week(ctx, now))


DEFAULT_TIMINGS: tuple[JobTiming, ...] = (
    JobTiming(
        "kantata_sync",
        "Pull projects, people, bookings and milestones from Kantata (posts nothing)",
        Weekly(0, _t("07:00")),
        posts=False,
    ),
    JobTiming(
        "forecast_prep",
        "Forecast call prep checklist and bookings findings",
        Weekly(0, _t("08:00")),
    ),
    JobTiming(
        "forecast_nudge",
        "DM PMs whose projects still break a bookings rule",
        Weekly(0, _t("10:30")),
        deadline=forecast_due,
    ),
    JobTiming(
        "top_customer_open",
        "Top Customer report is out: PMs and their projects",
        Weekly(1, _t("12:00")),
        deadline=notes_due,
    ),
    JobTiming(
        "top_customer_nudge",
        "DM PMs with notes still missing",
        Weekly(1, _t("15:00")),
        deadline=notes_due,
    ),
    JobTiming(
        "top_customer_report",
        "The compiled Top Customer report and who is missing",
        Weekly(1, _t("16:00")),
    ),
    JobTiming(
        "billing_period",
        "FF milestones without sign-off; T&M timesheets to approve",
        BeforeMonthEnd(3, _t("09:00")),
    ),
    JobTiming(
        "timesheet_nudge",
        "DM PMs of T&M, CB and DE projects to approve the week's hours",
        Weekly(4, _t("14:00")),
    ),
    JobTiming(
        "forecast_snapshot",
        "Store the forecast per project and month, never rewritten (posts nothing)",
        Weekly(0, FORECAST_DUE),
        posts=False,
    ),
    JobTiming(
        "forecast_accuracy",
        "Last month's forecast against actuals, by type, with the targets",
        MonthStart(_t("09:00")),
    ),
    JobTiming(
        "acceptance_cutoff",
        "DM PMs two business days before a sign-off request's last day",
        Daily(_t("09:00")),
    ),
    JobTiming(
        "kantata_incremental",
        "Pull what changed in Kantata since the last sync (posts nothing)",
        Every(15, _t("08:00"), _t("18:00")),
        posts=False,
        needs_kantata=True,
    ),
)
JOB_NAMES = tuple(timing.name for timing in DEFAULT_TIMINGS)

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2}:\d{2})", re.IGNORECASE)
_MONTH_END = re.compile(r"(?:(\d{1,2})\s+)?(\d{1,2}:\d{2})")
# Further back, the "month end" run drifts towards the previous month; 0 is the last
# calendar day itself, a weekend as often as not.
_MONTH_END_DAYS = range(1, 16)
_MONTH_END_EXPECTED = (
    f"{_MONTH_END_DAYS.start} to {_MONTH_END_DAYS.stop - 1} business days before month end"
    " and a time, like '3 09:00'"
)


def configured_timings(settings: Settings) -> list[JobTiming]:
    """Every job's timing with this deployment's overrides; bad values raise SettingsError."""
    known = {f"PSBOT_JOB_{timing.name.upper()}" for timing in DEFAULT_TIMINGS}
    known |= {f"{name}_CHANNEL" for name in known}
    unknown = sorted(set(settings.job_overrides) - known)
    if unknown:
        raise SettingsError(f"{unknown[0]} is not a job setting; jobs are: {', '.join(JOB_NAMES)}")
    grace = dt.timedelta(minutes=settings.job_grace_minutes)
    return [_configure(timing, settings, grace) for timing in DEFAULT_TIMINGS]


def _configure(timing: JobTiming, settings: Settings, grace: dt.timedelta) -> JobTiming:
    variable = f"PSBOT_JOB_{timing.name.upper()}"
    value = settings.job_overrides.get(variable, "").strip()
    channel = settings.job_overrides.get(f"{variable}_CHANNEL", "").strip()
    if channel:
        channel = parse_channel(f"{variable}_CHANNEL", channel)
    timing = replace(timing, grace=grace, channel=channel or settings.pmo_channel)
    if value and value.lower() not in ("on", "off"):
        timing = replace(timing, schedule=_parse_schedule(variable, value, timing.schedule))
    if isinstance(timing.schedule, Every):
        # A run later than its interval overlaps the next one, which does the same work.
        timing = replace(timing, grace=dt.timedelta(minutes=timing.schedule.minutes))
    if value.lower() == "off" or (timing.needs_kantata and not settings.kantata_api_token):
        timing = replace(timing, enabled=False)
    return timing


def _parse_schedule(variable: str, value: str, default: Schedule) -> Schedule:
    parse: Callable[[str], Schedule | None]
    if isinstance(default, Weekly):
        parse, expected = _weekly, "a time like 'tue 16:00'"
    elif isinstance(default, BeforeMonthEnd):
        parse, expected = partial(_month_end, default=default), _MONTH_END_EXPECTED
    elif isinstance(default, Every):
        parse, expected = _every, _EVERY_EXPECTED
    else:  # the first business day of the month, or every day: only the time moves
        parse, expected = partial(_time_of_day, default=default), "a time like '09:00'"
    try:
        schedule = parse(value)
    except ValueError:  # e.g. 25:00
        schedule = None
    if schedule is None:
        raise SettingsError(f"{variable} must be off, on or {expected}, got {value!r}")
    if isinstance(schedule, Weekly) and schedule.weekday >= 5:
        # Reminders go out on business days: a weekend time would quietly run on Monday.
        raise SettingsError(
            f"{variable} must be on a business day, mon to fri (a weekend run would wait "
            f"for Monday), got {value!r}"
        )
    return schedule


def _time_of_day(value: str, default: MonthStart | Daily) -> MonthStart | Daily | None:
    if not re.fullmatch(r"\d{1,2}:\d{2}", value):
        return None
    return replace(default, at=_t(value.zfill(5)))


_EVERY = re.compile(r"(\d{1,3})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")
_EVERY_MINUTES = range(5, 241)
_EVERY_EXPECTED = (
    f"every N minutes ({_EVERY_MINUTES.start} to {_EVERY_MINUTES.stop - 1}) between two "
    "times, like '15 08:00-18:00'"
)


def _every(value: str) -> Every | None:
    match = _EVERY.fullmatch(value.strip())
    if match is None or int(match.group(1)) not in _EVERY_MINUTES:
        return None
    start, end = (_t(match.group(n).zfill(5)) for n in (2, 3))
    return Every(int(match.group(1)), start, end) if start <= end else None


def _weekly(value: str) -> Weekly | None:
    match = _WEEKLY.fullmatch(value)
    if match is None:
        return None
    return Weekly(_WEEKDAYS.index(match.group(1).lower()), _t(match.group(2).zfill(5)))


def _month_end(value: str, default: BeforeMonthEnd) -> BeforeMonthEnd | None:
    match = _MONTH_END.fullmatch(value)
    if match is None:
        return None
    days = int(match.group(1)) if match.group(1) else default.business_days
    if days not in _MONTH_END_DAYS:
        return None
    return BeforeMonthEnd(days, _t(match.group(2).zfill(5)))


def job_period(ctx: AppContext, name: str, now: dt.datetime) -> str:
    """The period job `name`'s run at `now` is for (a holiday may move it into the next week)."""
    timing = _configured(ctx, name)
    return period_at(timing.schedule, now, calendar_of(ctx.settings), ctx.settings.timezone)


def job_time(ctx: AppContext, name: str, period: str) -> dt.datetime:
    """When job `name` runs for `period`, holidays included."""
    timing = _configured(ctx, name)
    return run_time(timing.schedule, period, calendar_of(ctx.settings), ctx.settings.timezone)


def _configured(ctx: AppContext, name: str) -> JobTiming:
    return next(timing for timing in configured_timings(ctx.settings) if timing.name == name)
