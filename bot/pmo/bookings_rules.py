"""Forecast money and the bookings rules of SPEC §4, as pure functions.

Inputs are model instances (or anything with the same attributes); nothing here touches
the database or Slack. `today` is always a parameter.

Hours and bill rates have two decimals (the columns are Numeric(…, 2)), so the rules sum
them as whole hundredths in plain integers: exact, and far cheaper than Decimal over tens
of thousands of bookings. A month's share of a week is counted in working days (fifths of
the week) rather than divided out, so monthly sums stay exact integers too. Decimal
appears only at the edge: `Amounts`, `WeekLoad` and `Finding.at_stake`.

A portfolio keeps its bookings as plain tuples and its sums in arrays (`WeekSums`): the
garbage collector does not track those, while named tuples, rows and lists stay tracked,
and tens of thousands of them made each `/ps forecast` pay for full collections.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache, cached_property
from typing import Any, NamedTuple, TypeVar

from bot.core.dates import WORKING_DAYS_PER_WEEK, Month, monday_of
from bot.pmo.week_sums import Filling, MonthSums, WeekSums, working_days_by_month
from bot.store.models import Booking, Milestone, Person, Project

HARD_ACCURACY = "90–95%"
SOFT_ACCURACY = "40%"
MONTHS_AHEAD = 2
KICKOFF_GRACE_DAYS = 14
UNDER_ALLOCATION_WEEKS = 4
ZERO = Decimal(0)

HUNDREDTHS = 100  # hours and bill rates are summed in hundredths (cents for rates)
# Units of the integer sums: a week's hours in hundredths and its money in hundredths ×
# cents; a month's are the same × working days, i.e. in fifths of those.
WEEK_HOURS = HUNDREDTHS
WEEK_MONEY = HUNDREDTHS * HUNDREDTHS
MONTH_HOURS = WEEK_HOURS * WORKING_DAYS_PER_WEEK
MONTH_MONEY = WEEK_MONEY * WORKING_DAYS_PER_WEEK
# The sums, in this order: hard hours, soft hours, forecast money, upside money, and the
# hours (hard or soft) booked without a bill rate, which are in no money sum.
SUM_COUNT = 5
HARD, SOFT, FORECAST, UPSIDE, UNPRICED = range(SUM_COUNT)
K = TypeVar("K", bound=Hashable)


class BookingRow(NamedTuple):
    """A booking as the rules read it: hours and bill rate in whole hundredths.

    A booking without a bill rate (None) earns no money that can be counted: its hours
    are summed as unpriced, so that the forecast can say what its money leaves out.
    """

    project_id: int
    person_id: int
    role: str
    week_start: dt.date
    kind: str
    centihours: int
    rate_cents: int | None


WEEK_START = BookingRow._fields.index("week_start")


class MilestoneDate(NamedTuple):
    """What the rules read of a `Milestone` (the loader fetches only this)."""

    project_id: int
    due_date: dt.date | None
    name: str = ""
    signoff_received: dt.date | None = None


@dataclass(frozen=True)
class Capacity:
    """What each person can work in a week: their weekly hours (40 by default), less the
    holidays among its working days and their time off. `bench` holds the active PS
    people, booked or not: under-allocation covers all of them."""

    holidays: frozenset[dt.date] = frozenset()
    time_off: Mapping[int, Mapping[dt.date, Decimal]] = field(default_factory=dict)
    bench: tuple[int, ...] = ()

    def of(self, person: Person, week_start: dt.date) -> Decimal:
        """`person`'s hours in the week: a holiday takes a fifth of the week, time off its
        hours (on a working day that is not a holiday), never below 0."""
        days = [week_start + dt.timedelta(days=n) for n in range(WORKING_DAYS_PER_WEEK)]
        working = [day for day in days if day not in self.holidays]
        off = self.time_off.get(person.id, {})
        weekly = Decimal(person.weekly_capacity_hours)
        hours = weekly * len(working) / WORKING_DAYS_PER_WEEK - sum(
            (off.get(day, ZERO) for day in working), ZERO
        )
        return max(hours, ZERO).quantize(Decimal("0.01"))


def _hundredths(value: Decimal) -> int:
    return round(value * HUNDREDTHS)


def as_row(booking: Booking | tuple) -> BookingRow:
    """A `Booking`, or a tuple in `BookingRow`'s order, as a `BookingRow`."""
    if isinstance(booking, Booking):
        return BookingRow(
            booking.project_id,
            booking.person_id,
            booking.role,
            booking.week_start,
            booking.kind,
            _hundredths(booking.hours),
            None if booking.bill_rate is None else _hundredths(booking.bill_rate),
        )
    return booking if isinstance(booking, BookingRow) else BookingRow._make(booking)


def plain_row(booking: Booking | tuple) -> tuple:
    """A booking as a plain tuple in `BookingRow`'s order (an exact tuple stays itself)."""
    return tuple(as_row(booking)) if isinstance(booking, Booking) else tuple(booking)


def _decimal(units: int, per_unit: int) -> Decimal:
    if not units:
        return ZERO  # one shared object: most sums of a kept portfolio are 0
    return Decimal(units) / per_unit  # exact: per_unit's only prime factors are 2 and 5


@dataclass(slots=True)
class Amounts:
    """Hours and money for one bucket: hard counts into the forecast, soft is upside.

    `unpriced_hours` are the hard and soft hours without a bill rate: in the hours, not in
    the money.
    """

    hard_hours: Decimal = ZERO
    soft_hours: Decimal = ZERO
    forecast: Decimal = ZERO
    upside: Decimal = ZERO
    unpriced_hours: Decimal = ZERO

    @classmethod
    def of_month(cls, sums: Sequence[int] | None) -> Amounts:
        """The Decimal amounts of integer monthly sums (see the module doc)."""
        if sums is None:
            return cls()
        return cls(
            _decimal(sums[HARD], MONTH_HOURS),
            _decimal(sums[SOFT], MONTH_HOURS),
            _decimal(sums[FORECAST], MONTH_MONEY),
            _decimal(sums[UPSIDE], MONTH_MONEY),
            _decimal(sums[UNPRICED], MONTH_HOURS),
        )

    def times(self, factor: int) -> Amounts:
        return Amounts(
            self.hard_hours * factor,
            self.soft_hours * factor,
            self.forecast * factor,
            self.upside * factor,
            self.unpriced_hours * factor,
        )

    def __iadd__(self, other: Amounts) -> Amounts:
        self.hard_hours += other.hard_hours
        self.soft_hours += other.soft_hours
        self.forecast += other.forecast
        self.upside += other.upside
        self.unpriced_hours += other.unpriced_hours
        return self


def _shared(shared: dict[frozenset, frozenset], items: Iterable[Hashable]) -> frozenset:
    """`items` as a frozenset, the same object for every equal one in `shared`."""
    found = frozenset(items)
    return shared.setdefault(found, found)


@cache
def _role_months(role: str, week_start: dt.date) -> tuple[tuple[str, Month], ...]:
    """(role, month) for each month the week touches; cached, so shared, not reallocated."""
    return tuple((role, month) for month, _days in working_days_by_month(week_start))


def _add_booking(sums: array, at: int, kind: str, hours: int, rate: int | None) -> None:
    """One booking into a group's sums for its week (`at`: where the week's begin)."""
    hard = kind == "hard"
    sums[at + (HARD if hard else SOFT)] += hours
    if rate is None:
        sums[at + UNPRICED] += hours
    else:
        sums[at + (FORECAST if hard else UPSIDE)] += hours * rate


def _weekly_sums(rows: Sequence[BookingRow], key: Callable[[BookingRow], K]) -> dict[K, WeekSums]:
    """Per key, week by week: the sums."""
    if not rows:
        return {}
    weeks = [row.week_start for row in rows]
    filling: Filling[K] = Filling(min(weeks), max(weeks), SUM_COUNT)
    for row in rows:
        sums, at = filling.week_of(key(row), row.week_start)
        _add_booking(sums, at, row.kind, row.centihours, row.rate_cents)
    return filling.done()


def by_project(booking: BookingRow) -> int:
    return booking.project_id


def monthly_amounts(
    bookings: Iterable[Booking | tuple], key: Callable[[BookingRow], Hashable] = by_project
) -> dict[tuple[Any, Month], Amounts]:
    """Per (key, month) — by default per project — hours and money.

    Weeks that span two months are split by working days. Bookings are first summed per
    (key, week), so the split runs once per week rather than once per booking.
    """
    weekly = _weekly_sums([as_row(booking) for booking in bookings], key)
    return {
        (group, month): Amounts.of_month(sums)
        for group, by_week in weekly.items()
        for month, sums in by_week.months().items()
    }


ROLE_ORDER = ("PM", "PSE", "TA")


class StaffKey(NamedTuple):
    """One person in one role on a project."""

    person_id: int
    role: str

    @classmethod
    def of(cls, booking: BookingRow) -> StaffKey:
        return cls(booking.person_id, booking.role)


def staff_amounts(bookings: Iterable[Booking | tuple]) -> dict[StaffKey, dict[Month, Amounts]]:
    """A project's people, role by role, with their hours and money per month."""
    table: dict[StaffKey, dict[Month, Amounts]] = defaultdict(dict)
    for (key, month), amounts in monthly_amounts(bookings, key=StaffKey.of).items():
        table[key][month] = amounts
    return dict(sorted(table.items(), key=lambda item: ROLE_ORDER.index(item[0].role)))


class Rule(StrEnum):
    NO_HARD_AFTER_KICKOFF = "no_hard_after_kickoff"
    NOT_HARD_BOOKED_AHEAD = "not_hard_booked_ahead"
    SOFT_THIS_MONTH = "soft_this_month"
    FF_NO_MILESTONE = "ff_no_milestone"
    UNDER_ALLOCATED = "under_allocated"


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule: what is wrong, the next step, and the money it puts at stake.
    `bench`: an under-allocated person with no bookings at all (listed first)."""

    rule: Rule
    problem: str
    next_step: str
    at_stake: Decimal = ZERO
    project_id: int | None = None
    person_id: int | None = None
    bench: bool = False


@dataclass
class Ledger:
    """The integer sums the rules read, from one pass over a portfolio's bookings. Kept
    for the whole portfolio, so compact: sums in `WeekSums`, and the sets of roles and
    (role, month)s shared between the projects that have the same."""

    project_weeks: dict[int, WeekSums]  # the sums per project, week by week
    person_weeks: dict[int, WeekSums]  # hard and soft hours per person, week by week
    roles: dict[int, frozenset[str]]  # the roles booked on each project
    hard_role_months: dict[int, frozenset[tuple[str, Month]]]  # (role, month)s with hard hours
    top_rates: dict[int, int]  # each person's highest bill rate, in cents (0: none)
    staff: dict[int, tuple[int, ...]]  # the people booked on each project

    @classmethod
    def of(cls, rows: Iterable[tuple], window: tuple[dt.date, dt.date] | None = None) -> Ledger:
        """The sums of `rows` (tuples in `BookingRow`'s order), whose weeks are in `window`
        (None: a list of rows, whatever their weeks)."""
        if window is None:
            rows = list(rows)
            weeks = [row[WEEK_START] for row in rows] or [dt.date.min]
            window = min(weeks), max(weeks)
        projects: Filling[int] = Filling(*window, SUM_COUNT)
        persons: Filling[int] = Filling(*window, 2)  # hard and soft hours
        roles: dict[int, set[str]] = defaultdict(set)
        hard_role_months: dict[int, set[tuple[str, Month]]] = defaultdict(set)
        staff: dict[int, set[int]] = defaultdict(set)
        top_rates: dict[int, int] = {}
        # One loop, written out: it runs once per booking, tens of thousands of times.
        for project_id, person_id, role, week_start, kind, hours, rate in rows:
            sums, at = projects.week_of(project_id, week_start)
            _add_booking(sums, at, kind, hours, rate)
            loads, at = persons.week_of(person_id, week_start)
            loads[at + (HARD if kind == "hard" else SOFT)] += hours
            roles[project_id].add(role)
            staff[project_id].add(person_id)
            if rate is not None and rate > top_rates.get(person_id, 0):
                top_rates[person_id] = rate
            if kind == "hard" and hours > 0:
                hard_role_months[project_id].update(_role_months(role, week_start))
        shared: dict[frozenset, frozenset] = {}
        return cls(
            projects.done(),
            persons.done(),
            {p: _shared(shared, found) for p, found in roles.items()},
            {p: _shared(shared, hard_role_months.get(p, ())) for p in roles},
            top_rates,
            {p: tuple(sorted(people)) for p, people in staff.items()},
        )

    def staff_of(self, project_ids: Iterable[int]) -> set[int]:
        """The people booked on any of these projects."""
        return {person for p in project_ids for person in self.staff.get(p, ())}

    def replacing(
        self,
        project_ids: Collection[int],
        projects: Ledger,
        people: Collection[int],
        persons: Ledger,
    ) -> Ledger:
        """This ledger with the sums of `project_ids` taken from `projects` (their bookings
        now) and those of `people` from `persons` (every booking of theirs now). A new
        ledger: this one, which others may be reading, is not changed."""

        def by_project(mine: dict[int, Any], theirs: dict[int, Any]) -> dict[int, Any]:
            kept = {key: value for key, value in mine.items() if key not in project_ids}
            return kept | theirs

        def by_person(mine: dict[int, Any], theirs: dict[int, Any]) -> dict[int, Any]:
            kept = {key: value for key, value in mine.items() if key not in people}
            return kept | {key: theirs[key] for key in people if key in theirs}

        return Ledger(
            by_project(self.project_weeks, projects.project_weeks),
            by_person(self.person_weeks, persons.person_weeks),
            by_project(self.roles, projects.roles),
            by_project(self.hard_role_months, projects.hard_role_months),
            by_person(self.top_rates, persons.top_rates),
            by_project(self.staff, projects.staff),
        )


class Portfolio:
    """What the rules look at, loaded once (see `bot.pmo.portfolio_loading`).

    `bookings` are `Booking`s, or tuples in `BookingRow`'s order (`BookingRow`s, or the
    plain tuples the loader passes); they are kept as plain tuples (see the module doc)
    and summed on first use. `window`, where known, is the weeks they were loaded for.
    A portfolio made by `of_sums` keeps only the sums (the loader's `keep_bookings=False`).
    """

    def __init__(
        self,
        today: dt.date,
        projects: Sequence[Project],
        people: dict[int, Person],
        bookings: Iterable[Booking | tuple],
        milestones: Sequence[Milestone | MilestoneDate],
        *,
        window: tuple[dt.date, dt.date] | None = None,
        capacity: Capacity | None = None,
    ) -> None:
        self.today = today
        self.projects = projects
        self.people = people
        self.rows: list[tuple] | None = [plain_row(booking) for booking in bookings]
        self.milestones = milestones
        self.window = window
        self.capacity = capacity or Capacity()
        self._milestones: dict[int, list[Milestone | MilestoneDate]] = defaultdict(list)
        for milestone in milestones:
            self._milestones[milestone.project_id].append(milestone)

    @classmethod
    def of_sums(
        cls,
        today: dt.date,
        projects: Sequence[Project],
        people: dict[int, Person],
        ledger: Ledger,
        milestones: Sequence[Milestone | MilestoneDate],
        *,
        window: tuple[dt.date, dt.date],
        capacity: Capacity | None = None,
    ) -> Portfolio:
        """A portfolio of the bookings in `window` that keeps only their sums."""
        portfolio = cls(today, projects, people, (), milestones, window=window, capacity=capacity)
        portfolio.rows = None
        portfolio.ledger = ledger
        return portfolio

    def updated(
        self,
        project_ids: Collection[int],
        projects: Sequence[Project],
        milestones: Sequence[Milestone | MilestoneDate],
        ledger: Ledger,
        people: Mapping[int, Person],
        capacity: Capacity,
    ) -> Portfolio:
        """This portfolio of sums with the projects `project_ids` as they are now: the
        whole portfolio's `projects` in order, `milestones` and `ledger` made with theirs
        (see `Ledger.replacing`), the `people` it now names, and `capacity`. A new
        portfolio: this one, which others may be reading, is not changed."""
        assert self.rows is None and self.window is not None, "a portfolio of sums"
        kept = [m for m in self.milestones if m.project_id not in project_ids]
        portfolio = Portfolio.of_sums(
            self.today,
            projects,
            dict(people),
            ledger,
            [*kept, *milestones],
            window=self.window,
            capacity=capacity,
        )
        return portfolio

    def _kept_rows(self) -> list[tuple]:
        if self.rows is None:
            raise ValueError("this portfolio kept only the sums of its bookings")
        return self.rows

    @cached_property
    def bookings(self) -> list[BookingRow]:
        return [BookingRow._make(row) for row in self._kept_rows()]

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger.of(self._kept_rows(), self.window)

    @property
    def this_month(self) -> Month:
        return Month.of(self.today)

    @property
    def first_week_loaded(self) -> dt.date | None:
        """The first week whose bookings, and every later week's, are all here (None: every
        week's are): the first Monday in the window, which holds the weeks starting in it."""
        if self.window is None:
            return None
        return monday_of(self.window[0] + dt.timedelta(days=6))

    def within(self, first: dt.date, last: dt.date) -> Portfolio:
        """The bookings whose week starts in first…last; this portfolio if it has no others."""
        if self.window is not None and first <= self.window[0] and self.window[1] <= last:
            return self
        rows = [row for row in self._kept_rows() if first <= row[WEEK_START] <= last]
        if len(rows) == len(self._kept_rows()):
            return self
        if self.window is not None:
            first, last = max(first, self.window[0]), min(last, self.window[1])
        window = (first, last)
        return Portfolio(
            self.today,
            self.projects,
            self.people,
            rows,
            self.milestones,
            window=window,
            capacity=self.capacity,
        )

    def milestones_of(self, project_id: int) -> list[Milestone | MilestoneDate]:
        return self._milestones.get(project_id, [])

    def amounts(self, project_id: int, month: Month) -> Amounts:
        return Amounts.of_month(self.month_sums(project_id, month))

    def month_sums(self, project_id: int, month: Month) -> MonthSums | None:
        """The project's integer sums for the month (see the module doc); None: no bookings."""
        sums = self.ledger.project_weeks.get(project_id)
        return None if sums is None else sums.month(month)

    def booked_person_ids(self) -> list[int]:
        return sorted(self.ledger.person_weeks)


def check_portfolio(portfolio: Portfolio) -> list[Finding]:
    """Every rule break in the portfolio, most money at stake first."""
    return most_at_stake_first([*check_projects(portfolio), *under_allocated(portfolio)])


def most_at_stake_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.at_stake, f.rule, f.problem))


def check_projects(portfolio: Portfolio) -> list[Finding]:
    """The project rules for every active project in the portfolio (no people's)."""
    findings: list[Finding] = []
    for project in portfolio.projects:
        if project.status == "active":
            findings.extend(check_project(portfolio, project))
    return findings


def check_project(portfolio: Portfolio, project: Project) -> list[Finding]:
    """The project rules for one active project."""
    findings = []
    no_hard = _no_hard_after_kickoff(portfolio, project)
    if no_hard:
        findings.append(no_hard)
    else:  # the horizon check is folded into "no hard bookings": one clear step for the PM
        findings.extend(_not_hard_booked_ahead(portfolio, project))
    findings.extend(_soft_this_month(portfolio, project))
    findings.extend(_ff_without_milestone(portfolio, project))
    return findings


def horizon(today: dt.date) -> list[Month]:
    """The months that must be hard-booked: the next two after the current one."""
    this_month = Month.of(today)
    return [this_month.plus(n) for n in range(1, MONTHS_AHEAD + 1)]


def _runs_in(project: Project, month: Month) -> bool:
    starts_in_time = project.start_date is None or project.start_date <= month.last_day
    still_running = project.end_date is None or project.end_date >= month.first_day
    return starts_in_time and still_running


def _month_money(
    portfolio: Portfolio, project_id: int, months: Iterable[Month], kind: int
) -> Decimal:
    """The project's forecast or upside money (`kind`) over `months`."""
    units = 0
    for month in months:
        sums = portfolio.month_sums(project_id, month)
        if sums is not None:
            units += sums[kind]
    return _decimal(units, MONTH_MONEY)


def _no_hard_after_kickoff(portfolio: Portfolio, project: Project) -> Finding | None:
    kickoff = project.kickoff_date
    if kickoff is None or kickoff > portfolio.today:
        return None
    # Bookings from before the portfolio's window were not loaded: claim only what was seen.
    kickoff_week = monday_of(kickoff)
    since = max(kickoff_week, portfolio.first_week_loaded or kickoff_week)
    by_week = portfolio.ledger.project_weeks.get(project.id)
    weeks = [sums for _week, sums in by_week.weeks(since)] if by_week else []
    if any(sums[HARD] > 0 for sums in weeks):
        return None
    upside = sum(sums[FORECAST] + sums[UPSIDE] for sums in weeks)
    seen = "since" if since == kickoff_week else f"since the week of {since:%b %-d}"
    return Finding(
        Rule.NO_HARD_AFTER_KICKOFF,
        f"{project.title} kicked off {kickoff:%b %-d} but has no hard bookings {seen}.",
        "Hard-book the team in Kantata (ask your PC to approve the allocations).",
        _decimal(upside, WEEK_MONEY),
        project_id=project.id,
    )


# The project types whose PM hard-books the PM, PSE and TA time two months out (handbook).
BOOKED_AHEAD_TYPES = ("T&M", "FF")


def _not_hard_booked_ahead(portfolio: Portfolio, project: Project) -> list[Finding]:
    """Roles staffed on the project without hard hours in a horizon month; for T&M and
    Fixed Fee, also the months it runs with nobody booked at all, and (Fixed Fee) its open
    milestones without a date."""
    staffed_roles = sorted(portfolio.ledger.roles.get(project.id, ()), key=ROLE_ORDER.index)
    hard_role_months = portfolio.ledger.hard_role_months.get(project.id, frozenset())
    months = [month for month in horizon(portfolio.today) if _runs_in(project, month)]
    gaps = [
        (role, month)
        for month in months
        for role in staffed_roles
        if (role, month) not in hard_role_months
    ]
    missing = [f"{role} in {month.label}" for role, month in gaps]
    if project.type in BOOKED_AHEAD_TYPES:
        empty = [month for month in months if not _booked_in(portfolio, project.id, month)]
        if empty:
            labels = ", ".join(month.label for month in empty)
            missing.append(f"no PM, PSE or TA booked at all in {labels}")
    if project.type == "FF":
        undated = [m.name for m in _open_milestones(portfolio, project.id) if m.due_date is None]
        if undated:
            names = ", ".join(repr(name) for name in undated[:3])
            more = f" and {len(undated) - 3} more" if len(undated) > 3 else ""
            missing.append(f"milestone {names}{more} without a date")
    if not missing:
        return []
    at_stake = _month_money(portfolio, project.id, {m for _, m in gaps}, UPSIDE)
    return [
        Finding(
            Rule.NOT_HARD_BOOKED_AHEAD,
            f"{project.title} is not hard-booked {MONTHS_AHEAD} months out: {'; '.join(missing)}.",
            "Hard-book these roles in Kantata (and date the milestones); if you can't "
            "forecast them confidently, soft-book them so they count as upside.",
            at_stake,
            project_id=project.id,
        )
    ]


def _booked_in(portfolio: Portfolio, project_id: int, month: Month) -> bool:
    """Whether the project has any hours, hard or soft, in the month."""
    sums = portfolio.month_sums(project_id, month)
    return sums is not None and sums[HARD] + sums[SOFT] > 0


def _open_milestones(portfolio: Portfolio, project_id: int) -> list[Milestone | MilestoneDate]:
    """The project's milestones not accepted yet (no sign-off received)."""
    return [m for m in portfolio.milestones_of(project_id) if m.signoff_received is None]


def _just_kicked_off(project: Project, today: dt.date) -> bool:
    kickoff = project.kickoff_date
    return kickoff is not None and 0 <= (today - kickoff).days <= KICKOFF_GRACE_DAYS


def _soft_this_month(portfolio: Portfolio, project: Project) -> list[Finding]:
    sums = portfolio.month_sums(project.id, portfolio.this_month)
    if sums is None or sums[SOFT] <= 0 or _just_kicked_off(project, portfolio.today):
        return []
    amounts = Amounts.of_month(sums)
    return [
        Finding(
            Rule.SOFT_THIS_MONTH,
            f"{project.title} has {amounts.soft_hours:.0f} h soft-booked in "
            f"{portfolio.this_month.label}.",
            "Convert them to hard bookings or remove them: no soft allocations in the "
            "current month unless the project just kicked off.",
            amounts.upside,
            project_id=project.id,
        )
    ]


def _ff_without_milestone(portfolio: Portfolio, project: Project) -> list[Finding]:
    if project.type != "FF":
        return []
    months = [portfolio.this_month, *horizon(portfolio.today)]
    first, last = months[0].first_day, months[-1].last_day
    has_dates = any(
        m.due_date is not None and first <= m.due_date <= last
        for m in portfolio.milestones_of(project.id)
    )
    if has_dates:
        return []
    return [
        Finding(
            Rule.FF_NO_MILESTONE,
            f"{project.title} is Fixed Fee with no milestone dates in "
            f"{months[0].label}–{months[-1].label}.",
            "Update the milestone dates in Kantata (Task Tracker → milestones) so the "
            "forecast reflects them.",
            _month_money(portfolio, project.id, months, FORECAST),
            project_id=project.id,
        )
    ]


@dataclass(frozen=True)
class WeekLoad:
    week_start: dt.date
    hard: Decimal
    soft: Decimal
    capacity: Decimal

    @property
    def booked(self) -> Decimal:
        return self.hard + self.soft

    @property
    def under(self) -> bool:
        return self.booked < self.capacity


def person_weeks(
    portfolio: Portfolio, person: Person, first_week: dt.date, weeks: int
) -> list[WeekLoad]:
    """A person's hard and soft hours per week against their capacity."""
    loads = portfolio.ledger.person_weeks.get(person.id)
    starts = [first_week + dt.timedelta(weeks=n) for n in range(weeks)]
    return [
        WeekLoad(
            week,
            *(_decimal(hours, WEEK_HOURS) for hours in (loads.at(week) if loads else (0, 0))),
            portfolio.capacity.of(person, week),
        )
        for week in starts
    ]


def _exact(hours: Decimal) -> str:
    """`40`, `39.6`, `39.96`: hours as booked, never rounded up to the capacity."""
    return f"{hours.normalize():f}"


def under_allocated(portfolio: Portfolio) -> list[Finding]:
    """Active people with fewer hours than their capacity in the next four weeks: everyone
    booked, and every active PS person (`Capacity.bench`), booked or not. Those with no
    bookings at all (the bench) come first."""
    found = (under_allocation(portfolio, person_id) for person_id in allocations_checked(portfolio))
    return [finding for finding in found if finding is not None]


def allocations_checked(portfolio: Portfolio) -> list[int]:
    """Whom `under_allocated` checks: everyone booked, and the bench."""
    return sorted(set(portfolio.booked_person_ids()) | set(portfolio.capacity.bench))


def under_allocation(portfolio: Portfolio, person_id: int) -> Finding | None:
    """The person's under-allocation in the next four weeks, if they are active and
    under-allocated."""
    person = portfolio.people[person_id]
    if person.active is False:
        return None
    first_week = monday_of(portfolio.today)
    loads = person_weeks(portfolio, person, first_week, UNDER_ALLOCATION_WEEKS)
    short = [load for load in loads if load.under]
    if not short:
        return None
    rate = _decimal(portfolio.ledger.top_rates.get(person_id, 0), HUNDREDTHS)
    at_stake = sum((load.capacity - load.booked for load in short), ZERO) * rate
    bench = all(load.booked == 0 for load in loads)
    if bench:
        capacity = ", ".join(
            f"{_exact(load.capacity)} h week of {load.week_start:%b %-d}" for load in short
        )
        problem = (
            f"{person.label} is on the bench: no bookings in the next "
            f"{UNDER_ALLOCATION_WEEKS} weeks ({capacity} free)."
        )
    else:
        weeks = ", ".join(
            f"{_exact(load.booked)}/{_exact(load.capacity)} h week of {load.week_start:%b %-d}"
            for load in short
        )
        problem = f"{person.label} is under-allocated: {weeks}."
    return Finding(
        Rule.UNDER_ALLOCATED,
        problem,
        "Help find them work.",
        at_stake,
        person_id=person_id,
        bench=bench,
    )


def bench_first(findings: Iterable[Finding]) -> list[Finding]:
    """The findings with the bench's first, each group in its own order."""
    findings = list(findings)
    return [f for f in findings if f.bench] + [f for f in findings if not f.bench]
