"""Forecast and upside totals for a set of months, per month and per PM."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal

from bot.core.dates import Month
from bot.pmo.bookings_rules import (
    FORECAST,
    HARD,
    SOFT,
    SUM_COUNT,
    UNPRICED,
    UPSIDE,
    ZERO,
    Amounts,
    Portfolio,
)
from bot.pmo.revenue import MilestoneMoney, Revenue
from bot.store.models import Person, Project


@dataclass
class ForecastSummary:
    months: Sequence[Month]
    by_month: dict[Month, Amounts] = field(default_factory=dict)
    by_pm: list[tuple[Person | None, Amounts]] = field(default_factory=list)
    unpriced: list[Project] = field(default_factory=list)  # with hours but no bill rate
    # Closed months (before the current one): what was earned, shown instead of a forecast.
    actuals: dict[Month, Decimal] = field(default_factory=dict)
    # Fixed Fee projects whose milestones lack an amount: not priced, named.
    missing_amounts: list[tuple[Project, list[MilestoneMoney]]] = field(default_factory=list)

    @property
    def total(self) -> Amounts:
        total = Amounts()
        for amounts in self.by_month.values():
            total += amounts
        return total


def summarise(portfolio: Portfolio, months: Sequence[Month]) -> ForecastSummary:
    """Hard forecast and upside per month, and per PM over all the months (largest first),
    and the projects whose hours in those months lack a bill rate.

    Sums stay integers (see `bot.pmo.bookings_rules`) until the totals become `Amounts`.
    """
    by_month: dict[Month, list[int]] = {month: [0] * SUM_COUNT for month in months}
    per_pm: dict[int | None, list[int]] = {}
    unpriced: dict[int, Project] = {}
    for project in portfolio.projects:
        pm_sums = per_pm.setdefault(project.pm_id, [0] * SUM_COUNT)
        for month in months:
            sums = portfolio.month_sums(project.id, month)
            if sums is not None:
                for i, value in enumerate(sums):
                    by_month[month][i] += value
                    pm_sums[i] += value
                if sums[UNPRICED]:
                    unpriced[project.id] = project
    ranked = sorted(per_pm.items(), key=lambda item: -(item[1][FORECAST] + item[1][UPSIDE]))
    return ForecastSummary(
        months,
        {month: Amounts.of_month(sums) for month, sums in by_month.items()},
        [
            (portfolio.people.get(pm_id) if pm_id else None, Amounts.of_month(sums))
            for pm_id, sums in ranked
            if sums[HARD] or sums[SOFT]
        ],
        list(unpriced.values()),
    )


@dataclass
class RevenueTotals:
    """The quarter by project type (see `bot.pmo.revenue`), added up: forecast and upside
    per month, actuals for the closed months, and per PM (by id) the revenue (earned,
    then forecast) and upside over the months; `summary` ranks them. Kept with the
    quarter, so that a few projects' change is taken out and added in again
    (`updated`) rather than every project's figures summed anew: Decimal sums are exact,
    so the result is the same."""

    by_month: dict[Month, Amounts]
    actuals: dict[Month, Decimal]  # the closed months'
    per_pm: dict[int | None, Amounts]
    unpriced: set[int]  # projects with hours but no bill rate

    @classmethod
    def of(cls, revenue: Revenue) -> RevenueTotals:
        totals = cls(
            {month: Amounts() for month in revenue.months},
            {month: ZERO for month in revenue.months if revenue.closed(month)},
            {},
            set(),
        )
        for project in revenue.projects:
            totals._count(revenue, project, 1)
        return totals

    def updated(
        self, before: Revenue, after: Revenue, project_ids: Collection[int]
    ) -> RevenueTotals:
        """These totals (of `before`) with the figures of `project_ids` taken from `after`.
        New totals: these, which others may be reading, are not changed."""
        totals = RevenueTotals(
            {month: copy(amounts) for month, amounts in self.by_month.items()},
            dict(self.actuals),
            {pm_id: copy(amounts) for pm_id, amounts in self.per_pm.items()},
            self.unpriced - set(project_ids),
        )
        for revenue, sign in ((before, -1), (after, 1)):
            for project in revenue.projects:
                if project.id in project_ids:
                    totals._count(revenue, project, sign)
        return totals

    def _count(self, revenue: Revenue, project: Project, sign: int) -> None:
        """Add `project`'s figures in (sign 1) or take them out (-1)."""
        for month, figure in revenue.figures(project):
            pm = self.per_pm.setdefault(revenue.pm_of(project, month), Amounts())
            if month in self.actuals:
                self.actuals[month] += sign * figure.actual
                pm += Amounts(hard_hours=sign * figure.actual_hours, forecast=sign * figure.actual)
                if figure.unpriced_actual_hours:
                    self.by_month[month].unpriced_hours += sign * figure.unpriced_actual_hours
                    if sign > 0:
                        self.unpriced.add(project.id)
                continue
            amounts = figure.amounts if sign > 0 else figure.amounts.times(sign)
            self.by_month[month] += amounts
            pm += amounts
            if figure.amounts.unpriced_hours and sign > 0:
                self.unpriced.add(project.id)

    def summary(self, revenue: Revenue, people: dict[int, Person]) -> ForecastSummary:
        ranked = sorted(self.per_pm.items(), key=_largest_first)
        return ForecastSummary(
            revenue.months,
            self.by_month,
            [
                (people.get(pm_id) if pm_id else None, amounts)
                for pm_id, amounts in ranked
                if amounts.forecast or amounts.upside or amounts.hard_hours or amounts.soft_hours
            ],
            [project for project in revenue.projects if project.id in self.unpriced],
            dict(self.actuals),
            revenue.missing_amounts(),
        )


def _largest_first(item: tuple[int | None, Amounts]) -> tuple:
    """A PM's place: most money, then most hours, then by id (no PM last among equals), so
    that the order never depends on which projects were added up first."""
    pm_id, amounts = item
    money, hours = amounts.forecast + amounts.upside, amounts.hard_hours + amounts.soft_hours
    return -money, -hours, pm_id is None, pm_id or 0
