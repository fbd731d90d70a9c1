"""When a job runs: weekly at a local time, N business days before month end, on the
first business day of the month, daily, or every few minutes in business hours.

Each run belongs to a period (an ISO week, a month, a day, or a slot such as
2026-11-30T09:15);
the period names the run in the exactly-once table. Times are wall-clock times in the
reporting time zone, so a Monday 08:00 reminder stays at 08:00 across DST changes; a
holiday moves a weekly run to the next business day, and has no business-hours slots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from zoneinfo import ZoneInfo

from bot.core.business_days import BusinessCalendar
from bot.core.context import AppContext
from bot.core.dates import Month, week_key
from bot.runtime.outbox import Post

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _OncePerPeriod:
    """A schedule with one run per period, at `at` on the period's run date."""

    at: dt.time
    catch_up = True  # runs missed while psbot was down are recorded, and posted if useful

    def period_of(self, day: dt.date) -> str:
        raise NotImplementedError

    def periods_near(self, day: dt.date) -> list[str]:
        raise NotImplementedError

    def run_date(self, period: str, calendar: BusinessCalendar) -> dt.date:
        raise NotImplementedError

    def run_at(self, period: str, calendar: BusinessCalendar, tz: ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(self.run_date(period, calendar), self.at, tzinfo=tz)

    def runs_near(
        self, day: dt.date, calendar: BusinessCalendar, tz: ZoneInfo
    ) -> list[tuple[str, dt.datetime]]:
        return [(p, self.run_at(p, calendar, tz)) for p in self.periods_near(day)]

    def period_at(self, moment: dt.datetime, calendar: BusinessCalendar) -> str:
        """The period whose run day `moment` is on, else the one of its day (a holiday can
        move a Friday run into the next week; it still belongs to its own week)."""
        day = moment.date()
        for period in self.periods_near(day):
            if self.run_date(period, calendar) == day:
                return period
        return self.period_of(day)


@dataclass(frozen=True)
class Weekly(_OncePerPeriod):
    weekday: int  # 0 = Monday
    at: dt.time

    def describe(self) -> str:
        day = f"{DAY_NAMES[self.weekday]}s {self.at:%H:%M}"
        if self.weekday >= 5:  # never a business day: it always moves
            return f"{day}, posted the next business day"
        return f"{day}, next business day if a holiday"

    def period_of(self, day: dt.date) -> str:
        return week_key(day)

    def periods_near(self, day: dt.date) -> list[str]:
        return [week_key(day + dt.timedelta(weeks=n)) for n in (-2, -1, 0, 1)]

    def run_date(self, period: str, calendar: BusinessCalendar) -> dt.date:
        year, week = (int(part) for part in period.split("-W"))
        nominal = dt.date.fromisocalendar(year, week, 1) + dt.timedelta(days=self.weekday)
        return calendar.on_or_after(nominal)


class _Monthly(_OncePerPeriod):
    """A schedule with one run a month; the period is the month, `2026-11`."""

    def period_of(self, day: dt.date) -> str:
        return f"{day:%Y-%m}"

    def periods_near(self, day: dt.date) -> list[str]:
        month = Month.of(day)
        return [f"{m.year}-{m.month:02d}" for m in (month.plus(-1), month, month.plus(1))]


@dataclass(frozen=True)
class BeforeMonthEnd(_Monthly):
    business_days: int
    at: dt.time

    def describe(self) -> str:
        return f"{self.business_days} business days before month end, {self.at:%H:%M}"

    def run_date(self, period: str, calendar: BusinessCalendar) -> dt.date:
        year, month = (int(part) for part in period.split("-"))
        return calendar.before_month_end(year, month, self.business_days)


@dataclass(frozen=True)
class MonthStart(_Monthly):
    """The first business day of each month (the accuracy of the month just closed)."""

    at: dt.time

    def describe(self) -> str:
        return f"first business day of the month, {self.at:%H:%M}"

    def run_date(self, period: str, calendar: BusinessCalendar) -> dt.date:
        year, month = (int(part) for part in period.split("-"))
        return calendar.on_or_after(dt.date(year, month, 1))


@dataclass(frozen=True)
class Daily(_OncePerPeriod):
    """Every day at a time. A job that only matters on business days checks the day
    itself: a period per calendar day keeps every run date distinct."""

    at: dt.time

    def describe(self) -> str:
        return f"daily {self.at:%H:%M}"

    def period_of(self, day: dt.date) -> str:
        return day.isoformat()

    def periods_near(self, day: dt.date) -> list[str]:
        return [(day + dt.timedelta(days=n)).isoformat() for n in (-2, -1, 0, 1)]

    def run_date(self, period: str, calendar: BusinessCalendar) -> dt.date:
        return dt.date.fromisoformat(period)


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes from `start` to `end` (both included) on business days:
    the incremental Kantata sync. Each slot is its own period ("2026-11-30T09:15"). A slot
    missed is not caught up: the next one does the same work."""

    minutes: int
    start: dt.time
    end: dt.time
    catch_up = False

    def describe(self) -> str:
        return f"every {self.minutes} min, {self.start:%H:%M}–{self.end:%H:%M} business days"

    def _slots(self, day: dt.date) -> list[dt.datetime]:
        """The day's slots, as naive local times."""
        slot, last = dt.datetime.combine(day, self.start), dt.datetime.combine(day, self.end)
        slots = []
        while slot <= last:
            slots.append(slot)
            slot += dt.timedelta(minutes=self.minutes)
        return slots

    def run_at(self, period: str, calendar: BusinessCalendar, tz: ZoneInfo) -> dt.datetime:
        return dt.datetime.fromisoformat(period).replace(tzinfo=tz)

    def runs_near(
        self, day: dt.date, calendar: BusinessCalendar, tz: ZoneInfo
    ) -> list[tuple[str, dt.datetime]]:
        """The slots of the business days just before, on and just after `day`."""
        before = day - dt.timedelta(days=1)
        while not calendar.is_business_day(before):
            before -= dt.timedelta(days=1)
        after = calendar.on_or_after(day + dt.timedelta(days=1))
        days = [before, *([day] if calendar.is_business_day(day) else []), after]
        return [
            (f"{slot:%Y-%m-%dT%H:%M}", slot.replace(tzinfo=tz))
            for d in days
            for slot in self._slots(d)
        ]

    def period_at(self, moment: dt.datetime, calendar: BusinessCalendar) -> str:
        """The slot at or before `moment` (naive local) on its day, else the day's first."""
        slots = self._slots(moment.date())
        earlier = [slot for slot in slots if slot <= moment]
        return f"{(earlier[-1] if earlier else slots[0]):%Y-%m-%dT%H:%M}"


Schedule = Weekly | BeforeMonthEnd | MonthStart | Daily | Every


def run_time(schedule: Schedule, period: str, calendar: BusinessCalendar, tz: ZoneInfo):
    """The aware datetime of the period's run."""
    return schedule.run_at(period, calendar, tz)


def runs_near(
    schedule: Schedule, now: dt.datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> list[tuple[str, dt.datetime]]:
    """(period, run time) of the periods around `now`, in time order."""
    day = now.astimezone(tz).date()
    return sorted(schedule.runs_near(day, calendar, tz), key=lambda run: run[1])


def period_at(
    schedule: Schedule, moment: dt.datetime, calendar: BusinessCalendar, tz: ZoneInfo
) -> str:
    """The period a run at `moment` is for (see each schedule's `period_at`)."""
    return schedule.period_at(moment.astimezone(tz).replace(tzinfo=None), calendar)


def last_run(schedule: Schedule, now: dt.datetime, calendar: BusinessCalendar, tz: ZoneInfo):
    """The latest (period, run time) at or before `now`."""
    past = [run for run in runs_near(schedule, now, calendar, tz) if run[1] <= now]
    return past[-1] if past else None


def next_run(schedule: Schedule, now: dt.datetime, calendar: BusinessCalendar, tz: ZoneInfo):
    """The first (period, run time) after `now`."""
    probe = now
    for _ in range(3):
        future = [run for run in runs_near(schedule, probe, calendar, tz) if run[1] > now]
        if future:
            return future[0]
        probe += dt.timedelta(weeks=2)
    raise RuntimeError("no run found in the coming weeks")  # cannot happen for our schedules


def runs_between(
    schedule: Schedule,
    after: dt.datetime,
    until: dt.datetime,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> list[tuple[str, dt.datetime]]:
    """(period, run time) of the runs after `after` up to and including `until`, in order."""
    runs = []
    while (run := next_run(schedule, after, calendar, tz))[1] <= until:
        runs.append(run)
        after = run[1]
    return runs


JobFunction = Callable[[AppContext, dt.datetime], list[Post]]
# When what a run announces is due (e.g. the notes deadline), given the run's time.
Deadline = Callable[[AppContext, dt.datetime], dt.datetime]


@dataclass(frozen=True)
class JobTiming:
    """When a scheduled job runs, where it posts and how late it is still worth running;
    the PMO rhythm (`bot.pmo.rhythm`) declares one per job."""

    name: str
    summary: str
    schedule: Schedule
    channel: str = ""
    enabled: bool = True
    grace: dt.timedelta = dt.timedelta(hours=2)
    deadline: Deadline | None = None
    posts: bool = True  # False: the job only does its work (kantata_sync) and posts nothing
    needs_kantata: bool = False  # off, whatever its setting, without KANTATA_API_TOKEN

    def describe(self) -> str:
        return self.schedule.describe()

    def useful_until(self, ctx: AppContext, scheduled_at: dt.datetime) -> dt.datetime:
        """How late the run at `scheduled_at` may still be posted: its grace window, cut
        short by the deadline it announces (a nudge for 11:00 is no use at 11:05)."""
        window_end = scheduled_at + self.grace
        if self.deadline is None:
            return window_end
        due = self.deadline(ctx, scheduled_at)
        # A deadline at or before the run itself (an odd schedule) must not stop it.
        return min(window_end, due) if due > scheduled_at else window_end


@dataclass(frozen=True)
class JobSpec(JobTiming):
    """A scheduled job: its timing, and `run`, which returns what to post; the runner
    delivers it once."""

    run: JobFunction = field(kw_only=True)

    @classmethod
    def of(cls, timing: JobTiming, run: JobFunction) -> JobSpec:
        return cls(**{f.name: getattr(timing, f.name) for f in fields(timing)}, run=run)
