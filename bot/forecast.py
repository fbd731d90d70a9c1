"""Forecast and upside totals for a set of months, per month and per PM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.bookings_rules import Amounts, Portfolio
from bot.dates import Month
from bot.models import Person


@dataclass
class ForecastSummary:
    months: Sequence[Month]
    by_month: dict[Month, Amounts] = field(default_factory=dict)
    by_pm: list[tuple[Person | None, Amounts]] = field(default_factory=list)

    @property
    def total(self) -> Amounts:
        total = Amounts()
        for amounts in self.by_month.values():
            total += amounts
        return total


def summarise(portfolio: Portfolio, months: Sequence[Month]) -> ForecastSummary:
    """Hard forecast and upside per month, and per PM over all the months (largest first)."""
    summary = ForecastSummary(months, {m: Amounts() for m in months})
    per_pm: dict[int | None, Amounts] = {}
    for project in portfolio.projects:
        for month in months:
            amounts = portfolio.amounts(project.id, month)
            summary.by_month[month] += amounts
            per_pm.setdefault(project.pm_id, Amounts())
            per_pm[project.pm_id] += amounts
    ranked = sorted(per_pm.items(), key=lambda item: -(item[1].forecast + item[1].upside))
    summary.by_pm = [
        (portfolio.people.get(pm_id) if pm_id else None, amounts)
        for pm_id, amounts in ranked
        if amounts.hard_hours or amounts.soft_hours
    ]
    return summary
