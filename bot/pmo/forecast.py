"""Forecast and upside totals for a set of months, per month and per PM."""

from __future__ import annotations

from collections.abc import Sequence
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


def summarise_revenue(revenue: Revenue, people: dict[int, Person]) -> ForecastSummary:
    """The quarter by project type (see `bot.pmo.revenue`): forecast and upside per month,
    actuals for the closed months, and per PM the revenue (earned, then forecast) and
    upside over the months, largest first."""
    by_month = {month: Amounts() for month in revenue.months}
    actuals = {month: ZERO for month in revenue.months if revenue.closed(month)}
    per_pm: dict[int | None, Amounts] = {}
    unpriced: dict[int, Project] = {}
    for project in revenue.projects:
        for month in revenue.months:
            figure = revenue.figure(project, month)
            pm = per_pm.setdefault(revenue.pm_of(project, month), Amounts())
            if revenue.closed(month):
                actuals[month] += figure.actual
                pm += Amounts(hard_hours=figure.actual_hours, forecast=figure.actual)
                if figure.unpriced_actual_hours:
                    unpriced[project.id] = project
                    by_month[month].unpriced_hours += figure.unpriced_actual_hours
                continue
            by_month[month] += figure.amounts
            pm += figure.amounts
            if figure.amounts.unpriced_hours:
                unpriced[project.id] = project
    ranked = sorted(per_pm.items(), key=lambda item: -(item[1].forecast + item[1].upside))
    return ForecastSummary(
        revenue.months,
        by_month,
        [
            (people.get(pm_id) if pm_id else None, amounts)
            for pm_id, amounts in ranked
            if amounts.forecast or amounts.upside or amounts.hard_hours or amounts.soft_hours
        ],
        list(unpriced.values()),
        actuals,
        revenue.missing_amounts(),
    )
