"""`build_forecast`: the quarter's money, and what that money leaves out."""

import json
from decimal import Decimal

from bot.core.dates import Quarter
from bot.pmo.bookings_rules import Amounts
from bot.pmo.forecast import ForecastSummary
from bot.store.models import Project
from messages.forecast_builder import build_forecast

Q4 = Quarter(2026, 4)


def text_of(blocks) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def summary(unpriced_hours: str, sows: list[str]) -> ForecastSummary:
    months = Q4.months
    by_month = {month: Amounts() for month in months}
    by_month[months[0]] = Amounts(hard_hours=Decimal(20), unpriced_hours=Decimal(unpriced_hours))
    return ForecastSummary(months, by_month, [], [Project(sow=sow) for sow in sows])


def test_hours_without_a_bill_rate_are_named_with_their_projects():
    _, blocks = build_forecast(Q4, summary("7.5", ["SOW-1", "PS-<77>"]), [])
    assert (
        ":warning: 7.5 h without a bill rate are not in the $ figures (SOW-1, PS-&lt;77&gt;): "
        "add the rates in Kantata."
    ) in text_of(blocks)


def test_many_projects_without_a_bill_rate_are_counted_past_the_first_three():
    sows = [f"SOW-{n}" for n in range(1, 6)]
    _, blocks = build_forecast(Q4, summary("20", sows), [])
    assert "(SOW-1, SOW-2, SOW-3 and 2 more)" in text_of(blocks)


def test_a_fully_priced_forecast_says_nothing_about_rates():
    _, blocks = build_forecast(Q4, summary("0", []), [])
    assert "bill rate are not" not in text_of(blocks)


def test_the_targets_say_the_cb_and_de_target_counts_from_the_em_ps_transition():
    _, blocks = build_forecast(Q4, summary("0", []), [])
    assert (
        "Targets: ±5% for T&amp;M and Fixed Fee; ±10% for Consulting Blocks and Dedicated "
        "Engineer, from their EM&gt;PS transition meeting on."
    ) in text_of(blocks)


def test_recorded_upside_is_a_section_of_its_own_and_absent_when_there_is_none():
    _, blocks = build_forecast(Q4, summary("0", []), [])
    assert "Upside beyond soft bookings" not in text_of(blocks)
