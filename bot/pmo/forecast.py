"""Forecast and upside totals for a set of months, per month and per PM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.dates import Month
from bot.pmo.bookings_rules import (
    FORECAST,
    HARD,
    SOFT,
    SUM_COUNT,
    UNPRICED,
    UPSIDE,
    Amounts,
    Portfolio,
)
from bot.store.models import Person, Project


@dataclass
class ForecastSummary:
    months: Sequence[Month]
    by_month: dict[Month, Amounts] = field(default_factory=dict)
    by_pm: list[tuple[Person | None, Amounts]] = field(default_factory=list)
    unpriced: list[Project] = field(default_factory=list)  # with hours but no bill rate

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
