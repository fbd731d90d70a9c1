"""Forecast money and the bookings rules of SPEC §4, as pure functions.

Inputs are model instances (or anything with the same attributes); nothing here touches
the database or Slack. `today` is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple

from bot.dates import Month, monday_of, split_week_by_month
from bot.models import Booking, Milestone, Person, Project

HARD_ACCURACY = "90–95%"
SOFT_ACCURACY = "40%"
MONTHS_AHEAD = 2
KICKOFF_GRACE_DAYS = 14
UNDER_ALLOCATION_WEEKS = 4
ZERO = Decimal(0)


@dataclass
class Amounts:
    """Hours and money for one bucket: hard counts into the forecast, soft is upside."""

    hard_hours: Decimal = ZERO
    soft_hours: Decimal = ZERO
    forecast: Decimal = ZERO
    upside: Decimal = ZERO

    def scaled(self, share: Decimal) -> Amounts:
        return Amounts(
            self.hard_hours * share,
            self.soft_hours * share,
            self.forecast * share,
            self.upside * share,
        )

    def __iadd__(self, other: Amounts) -> Amounts:
        self.hard_hours += other.hard_hours
        self.soft_hours += other.soft_hours
        self.forecast += other.forecast
        self.upside += other.upside
        return self


@cache
def _decimal_shares(week_start: dt.date) -> tuple[tuple[Month, Decimal], ...]:
    return tuple(
        (month, Decimal(share.numerator) / Decimal(share.denominator))
        for month, share in split_week_by_month(week_start)
    )


def by_project(booking: Booking) -> Hashable:
    return booking.project_id


def monthly_amounts(
    bookings: Iterable[Booking], key: Callable[[Booking], Hashable] = by_project
) -> dict[tuple[Any, Month], Amounts]:
    """Per (key, month) — by default per project — hours and money.

    Weeks that span two months are split by working days. Bookings are first summed per
    (key, week), so the split runs once per week rather than once per booking.
    """
    weekly: dict[tuple[Any, dt.date], Amounts] = defaultdict(Amounts)
    for booking in bookings:
        slot = weekly[key(booking), booking.week_start]
        money = booking.hours * (booking.bill_rate or ZERO)
        if booking.kind == "hard":
            slot.hard_hours += booking.hours
            slot.forecast += money
        else:
            slot.soft_hours += booking.hours
            slot.upside += money
    totals: dict[tuple[Any, Month], Amounts] = defaultdict(Amounts)
    for (group, week_start), week in weekly.items():
        for month, share in _decimal_shares(week_start):
            totals[group, month] += week.scaled(share)
    return totals


ROLE_ORDER = ("PM", "PSE", "TA")


class StaffKey(NamedTuple):
    """One person in one role on a project."""

    person_id: int
    role: str

    @classmethod
    def of(cls, booking: Booking) -> StaffKey:
        return cls(booking.person_id, booking.role)


def staff_amounts(bookings: Iterable[Booking]) -> dict[StaffKey, dict[Month, Amounts]]:
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


@dataclass(frozen=True)
class Finding:
    """One broken rule: what is wrong, the next step, and the money it puts at stake."""

    rule: Rule
    problem: str
    next_step: str
    at_stake: Decimal = ZERO
    project_id: int | None = None
    person_id: int | None = None


@dataclass
class Portfolio:
    """What the rules look at, loaded once (see `bot.portfolio_loading`)."""

    today: dt.date
    projects: Sequence[Project]
    people: dict[int, Person]
    bookings: Sequence[Booking]
    milestones: Sequence[Milestone]
    _by_project: dict[int, list[Booking]] = field(init=False, repr=False)
    _by_person: dict[int, list[Booking]] = field(init=False, repr=False)
    _milestones: dict[int, list[Milestone]] = field(init=False, repr=False)
    _amounts: dict[tuple[int, Month], Amounts] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_project = defaultdict(list)
        self._by_person = defaultdict(list)
        self._milestones = defaultdict(list)
        for booking in self.bookings:
            self._by_project[booking.project_id].append(booking)
            self._by_person[booking.person_id].append(booking)
        for milestone in self.milestones:
            self._milestones[milestone.project_id].append(milestone)
        self._amounts = None  # computed on first use: many portfolios never need money

    @property
    def this_month(self) -> Month:
        return Month.of(self.today)

    def bookings_of(self, project_id: int) -> list[Booking]:
        return self._by_project.get(project_id, [])

    def bookings_for(self, person_id: int) -> list[Booking]:
        return self._by_person.get(person_id, [])

    def booked_person_ids(self) -> list[int]:
        return sorted(self._by_person)

    def milestones_of(self, project_id: int) -> list[Milestone]:
        return self._milestones.get(project_id, [])

    def amounts(self, project_id: int, month: Month) -> Amounts:
        if self._amounts is None:
            self._amounts = monthly_amounts(self.bookings)
        return self._amounts.get((project_id, month), Amounts())


def check_portfolio(portfolio: Portfolio) -> list[Finding]:
    """Every rule break in the portfolio, most money at stake first."""
    findings: list[Finding] = []
    for project in portfolio.projects:
        if project.status == "active":
            findings.extend(check_project(portfolio, project))
    findings.extend(under_allocated(portfolio))
    return sorted(findings, key=lambda f: (-f.at_stake, f.rule, f.problem))


def check_project(portfolio: Portfolio, project: Project) -> list[Finding]:
    """The project rules for one active project."""
    findings = []
    no_hard = _no_hard_after_kickoff(portfolio, project)
    if no_hard:
        findings.append(no_hard)
    else:
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


def _no_hard_after_kickoff(portfolio: Portfolio, project: Project) -> Finding | None:
    kickoff = project.kickoff_date
    if kickoff is None or kickoff > portfolio.today:
        return None
    since = monday_of(kickoff)
    later = [b for b in portfolio.bookings_of(project.id) if b.week_start >= since]
    if any(b.kind == "hard" and b.hours > 0 for b in later):
        return None
    upside = sum((b.hours * (b.bill_rate or ZERO) for b in later), ZERO)
    return Finding(
        Rule.NO_HARD_AFTER_KICKOFF,
        f"{project.title} kicked off {kickoff:%b %-d} but has no hard bookings since.",
        "Hard-book the team in Kantata (ask your PC to approve the allocations).",
        upside,
        project_id=project.id,
    )


def _not_hard_booked_ahead(portfolio: Portfolio, project: Project) -> list[Finding]:
    bookings = portfolio.bookings_of(project.id)
    staffed_roles = sorted({b.role for b in bookings}, key=ROLE_ORDER.index)
    hard_by_role_month: set[tuple[str, Month]] = set()
    for booking in bookings:
        if booking.kind == "hard" and booking.hours > 0:
            for month, _share in split_week_by_month(booking.week_start):
                hard_by_role_month.add((booking.role, month))
    gaps = [
        (role, month)
        for month in horizon(portfolio.today)
        if _runs_in(project, month)
        for role in staffed_roles
        if (role, month) not in hard_by_role_month
    ]
    if not gaps:
        return []
    missing = ", ".join(f"{role} in {month.label}" for role, month in gaps)
    at_stake = sum(
        (portfolio.amounts(project.id, month).upside for month in {m for _, m in gaps}), ZERO
    )
    return [
        Finding(
            Rule.NOT_HARD_BOOKED_AHEAD,
            f"{project.title} is not hard-booked {MONTHS_AHEAD} months out: {missing}.",
            "Hard-book these roles in Kantata; if you can't forecast them confidently, "
            "soft-book them so they count as upside.",
            at_stake,
            project_id=project.id,
        )
    ]


def _just_kicked_off(project: Project, today: dt.date) -> bool:
    kickoff = project.kickoff_date
    return kickoff is not None and 0 <= (today - kickoff).days <= KICKOFF_GRACE_DAYS


def _soft_this_month(portfolio: Portfolio, project: Project) -> list[Finding]:
    amounts = portfolio.amounts(project.id, portfolio.this_month)
    if amounts.soft_hours <= 0 or _just_kicked_off(project, portfolio.today):
        return []
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
    at_stake = sum((portfolio.amounts(project.id, m).forecast for m in months), ZERO)
    return [
        Finding(
            Rule.FF_NO_MILESTONE,
            f"{project.title} is Fixed Fee with no milestone dates in "
            f"{months[0].label}–{months[-1].label}.",
            "Update the milestone dates in Kantata (Task Tracker → milestones) so the "
            "forecast reflects them.",
            at_stake,
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
    hard: dict[dt.date, Decimal] = defaultdict(Decimal)
    soft: dict[dt.date, Decimal] = defaultdict(Decimal)
    for booking in portfolio.bookings_for(person.id):
        (hard if booking.kind == "hard" else soft)[booking.week_start] += booking.hours
    starts = [first_week + dt.timedelta(weeks=n) for n in range(weeks)]
    return [WeekLoad(w, hard[w], soft[w], person.weekly_capacity_hours) for w in starts]


def under_allocated(portfolio: Portfolio) -> list[Finding]:
    """Booked people with fewer hours than their capacity in the next four weeks."""
    first_week = monday_of(portfolio.today)
    findings = []
    for person_id in portfolio.booked_person_ids():
        person = portfolio.people[person_id]
        short = [
            load
            for load in person_weeks(portfolio, person, first_week, UNDER_ALLOCATION_WEEKS)
            if load.under
        ]
        if not short:
            continue
        weeks = ", ".join(
            f"{load.booked:.0f}/{load.capacity:.0f} h week of {load.week_start:%b %-d}"
            for load in short
        )
        rate = _typical_rate(portfolio, person_id)
        at_stake = sum((load.capacity - load.booked for load in short), ZERO) * rate
        findings.append(
            Finding(
                Rule.UNDER_ALLOCATED,
                f"{person.label} is under-allocated: {weeks}.",
                "Help find them work.",
                at_stake,
                person_id=person_id,
            )
        )
    return findings


def _typical_rate(portfolio: Portfolio, person_id: int) -> Decimal:
    rates = [b.bill_rate for b in portfolio.bookings_for(person_id) if b.bill_rate]
    return max(rates) if rates else ZERO
