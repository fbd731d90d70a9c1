"""Money and hours as the PMO reads them."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages.format import hours, money


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("32", "32 h"),
        ("7.50", "7.5 h"),
        ("0", "0 h"),
        ("1469.64", "1,469.6 h"),
        ("100", "100 h"),
        ("0.05", "0.1 h"),
        ("-12000.04", "-12,000 h"),
    ],
)
def test_hours(amount, shown):
    assert hours(Decimal(amount)) == shown


@given(st.decimals(min_value=-(10**7), max_value=10**7, places=2))
def test_hours_read_back_to_the_rounded_amount(amount):
    shown = hours(amount)
    assert shown.endswith(" h") and "E" not in shown
    assert Decimal(shown.removesuffix(" h").replace(",", "")) == amount.quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@pytest.mark.parametrize(("amount", "shown"), [("12400.49", "$12,400"), ("-0.5", "-$1")])
def test_money(amount, shown):
    assert money(Decimal(amount)) == shown
