"""The whole portfolio's sums and rule findings (and the projects' order in `/ps projects`),
computed once per data version and day.

`/ps forecast`, the App Home's counts and the Monday prep all read the same
portfolio-wide computation (tens of thousands of bookings summed, every project's
rules checked). Each process keeps it in its `SharedResults` under the data's version
(`bot.store.data_versions`, bumped by every write to the data, on any replica) and the
business date, so a kept result is never out of date: a write, or the day rolling over,
makes a new key. Requests asking at the same time share one computation.

What is kept is read-only: its projects and people are detached ORM instances, which
every request reads and none may change. They are loaded by a session of their own on the
request's connection (`_apart`): in no request's identity map, so no request's rollback
expires them, and no extra connection is taken from the pool while others wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Quarter
from bot.core.shared_results import SharedResults
from bot.pmo.bookings_rules import Finding, Portfolio, check_portfolio
from bot.pmo.forecast import ForecastSummary, summarise_revenue
from bot.pmo.portfolio_loading import forecast_window, load_portfolio, restrict, rules_window
from bot.pmo.revenue import Revenue, load_revenue
from bot.store import data_versions
from bot.store.models import Person, Project


@dataclass(frozen=True)
class Checked:
    """The whole portfolio over the rules' window, summed, and its findings (most money
    at stake first)."""

    portfolio: Portfolio
    findings: list[Finding]


@dataclass(frozen=True)
class QuarterFigures:
    """What `/ps forecast` computes from the portfolio for one quarter."""

    revenue: Revenue
    summary: ForecastSummary
    findings: list[Finding]


def checked_portfolio(
    results: SharedResults, session: Session, today: dt.date, calendar: BusinessCalendar
) -> Checked:
    version = data_versions.current(session)
    return _checked(results, session, today, calendar, version)


def _checked(
    results: SharedResults,
    session: Session,
    today: dt.date,
    calendar: BusinessCalendar,
    version: int,
) -> Checked:
    def compute() -> Checked:
        with _apart(session) as apart:
            portfolio = load_portfolio(apart, today, keep_bookings=False, calendar=calendar)
        return Checked(portfolio, check_portfolio(portfolio))

    return results.get(("checked", version, today), compute, version)


def quarter_figures(
    results: SharedResults,
    session: Session,
    today: dt.date,
    quarter: Quarter,
    calendar: BusinessCalendar,
) -> QuarterFigures:
    """The quarter's revenue, and the rules' findings, from one load of the portfolio."""
    version = data_versions.current(session)

    def compute() -> QuarterFigures:
        window, rules = forecast_window(today, quarter), rules_window(today)
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
            revenue = load_revenue(apart, everything, quarter.months, calendar)
            # A closed month's PM is the one then, who may have handed the project over.
            people = dict(everything.people)
            earlier = set(revenue.pm_ids.values()) - set(people) - {None}
            if earlier:
                found = apart.scalars(sa.select(Person).where(Person.id.in_(earlier)))
                people.update({p.id: p for p in found})
        return QuarterFigures(revenue, summarise_revenue(revenue, people), findings)

    return results.get(("quarter", version, today, quarter), compute, version)


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
