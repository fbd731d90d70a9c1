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

An admin may also change a job's time, channel or on/off in Slack (App Home): stored in
`job_settings`, it wins over the environment, which stays the default (`JobSetting`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

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
from bot.store.models import JobSetting

logger = logging.getLogger(__name__)

# Job settings set in Slack, by (job name, "time" | "channel" | "switch").
SlackSettings = Mapping[tuple[str, str], JobSetting]

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


def slack_settings(session: Session) -> dict[tuple[str, str], JobSetting]:
    """The job settings admins set in Slack, by (job, setting)."""
    return {(row.job, row.setting): row for row in session.scalars(sa.select(JobSetting))}


def configured_timings(settings: Settings, slack: SlackSettings | None = None) -> list[JobTiming]:
    """Every job's timing with this deployment's overrides: those set in Slack (`slack`),
    else the environment's, else the handbook's; bad values raise SettingsError."""
    known = {f"PSBOT_JOB_{timing.name.upper()}" for timing in DEFAULT_TIMINGS}
    known |= {f"{name}_CHANNEL" for name in known}
    unknown = sorted(set(settings.job_overrides) - known)
    if unknown:
        raise SettingsError(f"{unknown[0]} is not a job setting; jobs are: {', '.join(JOB_NAMES)}")
    grace = dt.timedelta(minutes=settings.job_grace_minutes)
    return [_configure(timing, settings, grace, slack or {}) for timing in DEFAULT_TIMINGS]


@dataclass(frozen=True)
class Source:
    """Where a job's setting comes from: "slack" (with who and when), "env" (the
    variable) or "default"."""

    kind: str
    variable: str = ""
    by: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class RawSettings:
    """A job's time, channel and on/off as written where they come from ("" = not set)."""

    time: tuple[str, Source]
    channel: tuple[str, Source]
    switch: tuple[str, Source]


def raw_settings(name: str, settings: Settings, slack: SlackSettings) -> RawSettings:
    """Job `name`'s settings as set in Slack, else in the environment, and where from."""
    variable = f"PSBOT_JOB_{name.upper()}"
    env = settings.job_overrides.get(variable, "").strip()
    env_switch = env.lower() if env.lower() in ("on", "off") else ""
    env_values = {
        "time": (env if not env_switch else "", variable),
        "channel": (
            settings.job_overrides.get(f"{variable}_CHANNEL", "").strip(),
            f"{variable}_CHANNEL",
        ),
        "switch": (env_switch, variable),
    }
    found: dict[str, tuple[str, Source]] = {}
    for setting, (value, env_variable) in env_values.items():
        row = slack.get((name, setting))
        if row is not None:
            found[setting] = (row.value, Source("slack", by=row.changed_by, at=row.changed_at))
        elif value:
            found[setting] = (value, Source("env", variable=env_variable))
        else:
            found[setting] = ("", Source("default"))
    return RawSettings(**found)


def _configure(
    timing: JobTiming, settings: Settings, grace: dt.timedelta, slack: SlackSettings
) -> JobTiming:
    raw = raw_settings(timing.name, settings, slack)
    (value, time_from), (channel, channel_from), (switch, _) = raw.time, raw.channel, raw.switch
    if channel:
        channel = parse_channel(channel_from.variable or "The channel set in Slack", channel)
    timing = replace(timing, grace=grace, channel=channel or settings.pmo_channel)
    if value:
        name = time_from.variable or "The time set in Slack"
        timing = replace(timing, schedule=_parse_schedule(name, value, timing.schedule))
    if isinstance(timing.schedule, Every):
        # A run later than its interval overlaps the next one, which does the same work.
        timing = replace(timing, grace=dt.timedelta(minutes=timing.schedule.minutes))
    if switch == "off" or (timing.needs_kantata and not settings.kantata_api_token):
        timing = replace(timing, enabled=False)
    return timing


def parse_job_time(name: str, value: str) -> Schedule:
    """Job `name`'s time as an admin types it in Slack, read as PSBOT_JOB_<NAME> is
    (`tue 16:00`, `3 09:00`, `09:00`, `15 08:00-18:00`); SettingsError when it can't be."""
    default = next(timing for timing in DEFAULT_TIMINGS if timing.name == name).schedule
    return _parse_schedule("The time", value.strip(), default, switch_allowed=False)


def schedule_text(schedule: Schedule) -> str:
    """A schedule as its setting is written (`tue 16:00`): what `parse_job_time` reads."""
    if isinstance(schedule, Weekly):
        return f"{_WEEKDAYS[schedule.weekday]} {schedule.at:%H:%M}"
    if isinstance(schedule, BeforeMonthEnd):
        return f"{schedule.business_days} {schedule.at:%H:%M}"
    if isinstance(schedule, Every):
        return f"{schedule.minutes} {schedule.start:%H:%M}-{schedule.end:%H:%M}"
    return f"{schedule.at:%H:%M}"


def _parse_schedule(
    variable: str, value: str, default: Schedule, *, switch_allowed: bool = True
) -> Schedule:
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
        either = "off, on or " if switch_allowed else ""
        raise SettingsError(f"{variable} must be {either}{expected}, got {value!r}")
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
    """Job `name`'s timing now: with what admins set in Slack, read afresh each time;
    while the database can't answer, the environment's (a note still gets its week)."""
    slack: SlackSettings = {}
    try:
        with ctx.session_factory() as session:
            slack = slack_settings(session)
    except OperationalError as error:
        logger.warning("job settings set in Slack not read, the environment's apply: %s", error)
    return next(t for t in configured_timings(ctx.settings, slack) if t.name == name)
