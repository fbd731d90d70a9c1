"""The whole portfolio's sums and rule findings (and the projects' order in `/ps projects`),
computed once per data version and day.

`/ps forecast`, the App Home's counts and the Monday prep all read the same
portfolio-wide computation (tens of thousands of bookings summed, every project's
rules checked). Each process keeps it in its `SharedResults` under the data's version
(`bot.store.data_versions`, bumped by every write to the data, on any replica) and the
business date, so a kept result is never out of date: a write, or the day rolling over,
makes a new key. Requests asking at the same time share one computation.

A new data version seldom changes much: an incremental Kantata sync or a checklist tick
names the projects it changed (`data_versions.touching_projects`). The portfolio of the
last version is then brought up to date for those projects alone (`Checked.updated`,
`reload_projects`, `Revenue.updated`): their bookings and those of the people booked on
them are read again, not the whole portfolio's, and the result is the same as computing
it whole (a property test holds them equal). A write that names no project (an import, a
people change), a new day, or more than `MOST_CHANGED` projects compute it whole.

What is kept is read-only: its projects and people are records (`bot.store.records`),
not ORM instances, so no request can change them or expire them by a rollback. The
computation runs in a session of its own on the request's connection (`_apart`): what it
loads stays out of the request's identity map, and no extra connection is taken from the
pool while others wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Quarter
from bot.core.shared_results import SharedResults
from bot.pmo.bookings_rules import (
    Finding,
    Portfolio,
    allocations_checked,
    check_portfolio,
    check_project,
    most_at_stake_first,
    under_allocation,
)
from bot.pmo.forecast import ForecastSummary, RevenueTotals
from bot.pmo.portfolio_loading import (
    forecast_window,
    load_portfolio,
    reload_projects,
    restrict,
    rules_window,
)
from bot.pmo.revenue import Revenue, load_revenue
from bot.store import data_versions
from bot.store.in_lists import padded
from bot.store.models import Person, Project
from bot.store.records import select_records

# Beyond this many changed projects, computing the whole portfolio again is simpler.
MOST_CHANGED = 1000


@dataclass(frozen=True)
class Checked:
    """The whole portfolio over the rules' window, summed, and its findings (most money
    at stake first): each active project's, and each person's under-allocation."""

    portfolio: Portfolio
    findings: list[Finding]
    by_project: dict[int, list[Finding]]
    by_person: dict[int, Finding]

    @property
    def today(self) -> dt.date:
        return self.portfolio.today

    @classmethod
    def of(cls, portfolio: Portfolio) -> Checked:
        by_project = {
            p.id: check_project(portfolio, p) for p in portfolio.projects if p.status == "active"
        }
        return cls._of(
            portfolio, by_project, _allocations(portfolio, allocations_checked(portfolio))
        )

    @classmethod
    def _of(
        cls,
        portfolio: Portfolio,
        by_project: dict[int, list[Finding]],
        by_person: dict[int, Finding],
    ) -> Checked:
        every = [f for found in by_project.values() for f in found]
        return cls(
            portfolio, most_at_stake_first([*every, *by_person.values()]), by_project, by_person
        )

    def updated(self, portfolio: Portfolio, project_ids: frozenset[int]) -> Checked:
        """The findings of `portfolio`, this one's with `project_ids` loaded again
        (`reload_projects`): only theirs, and those of the people booked on them before or
        now, are checked again."""
        by_project = {k: v for k, v in self.by_project.items() if k not in project_ids}
        for project in portfolio.projects:
            if project.id in project_ids and project.status == "active":
                by_project[project.id] = check_project(portfolio, project)
        staff = self.portfolio.ledger.staff_of(project_ids) | portfolio.ledger.staff_of(project_ids)
        checked = set(portfolio.booked_person_ids()) | set(portfolio.capacity.bench)
        by_person = {k: v for k, v in self.by_person.items() if k not in staff}
        by_person.update(_allocations(portfolio, sorted(staff & checked)))
        return Checked._of(portfolio, by_project, by_person)


def _allocations(portfolio: Portfolio, person_ids: list[int]) -> dict[int, Finding]:
    found = ((p, under_allocation(portfolio, p)) for p in person_ids)
    return {person_id: finding for person_id, finding in found if finding is not None}


@dataclass(frozen=True)
class QuarterFigures:
    """What `/ps forecast` computes from the portfolio for one quarter."""

    revenue: Revenue
    totals: RevenueTotals  # what the summary adds up, brought up to date with the revenue
    summary: ForecastSummary
    findings: list[Finding]

    @property
    def today(self) -> dt.date:
        return self.revenue.today


def checked_portfolio(
    results: SharedResults, session: Session, today: dt.date, calendar: BusinessCalendar
) -> Checked:
    version = data_versions.current(session)
    return _checked(results, session, today, calendar, version)


def _start_from(
    results: SharedResults, session: Session, family: tuple, version: int, today: dt.date
) -> tuple[Any, frozenset[int]] | None:
    """`family`'s newest result and the projects changed since its version, when bringing
    it up to date is worth it (same day, few projects changed); else None."""
    latest = results.latest(family)
    if latest is None:
        return None
    since, result = latest
    if since > version:  # a request that began before it: it computes its own
        return None
    changed = data_versions.changed_projects(session, since, version)
    if result.today != today or changed is None or len(changed) > MOST_CHANGED:
        results.forget(family)  # let it go before the whole portfolio is computed again
        return None
    return result, changed


def _checked(
    results: SharedResults,
    session: Session,
    today: dt.date,
    calendar: BusinessCalendar,
    version: int,
) -> Checked:
    family = ("checked",)

    def compute() -> Checked:
        start = _start_from(results, session, family, version, today)
        with _apart(session) as apart:
            if start is not None:
                checked, changed = start
                portfolio = reload_projects(apart, checked.portfolio, changed, calendar)
                return checked.updated(portfolio, changed)
            portfolio = load_portfolio(apart, today, keep_bookings=False, calendar=calendar)
        return Checked.of(portfolio)

    return results.get(("checked", version, today), compute, version, family)


def quarter_figures(
    results: SharedResults,
    session: Session,
    today: dt.date,
    quarter: Quarter,
    calendar: BusinessCalendar,
) -> QuarterFigures:
    """The quarter's revenue, and the rules' findings, from one load of the portfolio."""
    version = data_versions.current(session)
    window, rules = forecast_window(today, quarter), rules_window(today)
    # Only a quarter inside the rules' window is brought up to date from the last one.
    family = ("quarter", quarter) if window == rules else None

    def compute() -> QuarterFigures:
        start = _start_from(results, session, family, version, today) if family else None
        with _apart(session) as apart:
            if window == rules:
                # The current quarter lies inside the rules' window: the checked
                # portfolio's sums serve both.
                checked = _checked(results, session, today, calendar, version)
                everything, findings = checked.portfolio, checked.findings
            else:
                # A quarter reaching past it keeps its bookings, for the rules to pick out
                # their own (not kept after: only the sums below are).
                everything = load_portfolio(apart, today, window=window, calendar=calendar)
                findings = check_portfolio(restrict(everything, rules))
            if start is not None:
                figures, changed = start
                again = [p for p in everything.projects if p.id in changed]
                now = load_revenue(apart, everything, quarter.months, calendar, again)
                revenue = figures.revenue.updated(now, changed)
                totals = figures.totals.updated(figures.revenue, revenue, changed)
            else:
                revenue = load_revenue(apart, everything, quarter.months, calendar)
                totals = RevenueTotals.of(revenue)
            # A closed month's PM is the one then, who may have handed the project over.
            people = dict(everything.people)
            earlier = set(revenue.pm_ids.values()) - set(people) - {None}
            if earlier:
                found = select_records(
                    apart, sa.select(Person).where(Person.id.in_(padded(earlier)))
                )
                people.update({p.id: p for p in found})
        return QuarterFigures(revenue, totals, totals.summary(revenue, people), findings)

    return results.get(("quarter", version, today, quarter), compute, version, family)


@contextmanager
def _apart(session: Session) -> Iterator[Session]:
    """A session of its own on `session`'s connection and transaction, closed after."""
    with Session(bind=session.connection()) as apart:
        yield apart


def project_order(results: SharedResults, session: Session) -> list[int]:
    """Every project's id in the order `/ps projects` lists them: by status, then
    customer and name (case-insensitively), then SOW."""
    version = data_versions.current(session)

    def compute() -> list[int]:
        listed = session.execute(
            sa.select(Project.id, Project.status, Project.customer, Project.name).order_by(
                Project.sow
            )
        )
        return [
            row.id
            for row in sorted(
                listed, key=lambda r: (r.status, r.customer.casefold(), r.name.casefold())
            )
        ]

    return results.get(("project order", version), compute, version)
