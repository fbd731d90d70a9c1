"""Field parsers: properties over many inputs, plus the messages users read."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.fields import (
    FieldError,
    choice,
    parse_amount,
    parse_bill_rate,
    parse_date,
    parse_day_hours,
    parse_email,
    parse_hours,
    parse_money,
    parse_month,
    parse_positive_int,
    parse_sow,
    parse_url,
    parse_week_start,
    parse_yes_no,
)

PARSERS = [
    parse_day_hours,
    parse_amount,
    parse_date,
    parse_week_start,
    parse_hours,
    parse_bill_rate,
    parse_yes_no,
    parse_email,
    parse_sow,
    parse_url,
    parse_positive_int,
    parse_money,
    parse_month,
]
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31))
cents = st.decimals(min_value=0, max_value=168, places=2)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(text=st.text(max_size=60))
@example(text="1" + "0" * 30)  # beyond Decimal's default precision
def test_any_text_parses_or_fails_with_a_field_error(parser, text):
    try:
        parser(text)
    except FieldError as error:
        assert str(error) and "\n" not in str(error)


@given(dates)
def test_iso_dates_round_trip(day):
    assert parse_date(day.isoformat()) == day


@given(dates)
def test_other_date_spellings_are_refused(day):
    for text in (f"{day:%m/%d/%Y}", f"{day:%Y%m%d}", f"{day:%Y-W%W-1}", f"{day.isoformat()}T00:00"):
        with pytest.raises(FieldError, match="not a date in YYYY-MM-DD form"):
            parse_date(text)


def test_impossible_dates_are_refused():
    with pytest.raises(FieldError, match="2026-02-30 is not a valid date"):
        parse_date("2026-02-30")


def test_non_ascii_digits_are_not_dates():
    with pytest.raises(FieldError):
        parse_date("٢٠٢٦-١١-٣٠")


@given(dates)
def test_week_start_accepts_exactly_the_mondays(day):
    if day.weekday() == 0:
        assert parse_week_start(day.isoformat()) == day
    else:
        with pytest.raises(FieldError, match=f"is a {day:%A}; week_start must be a Monday"):
            parse_week_start(day.isoformat())


def test_week_start_message_names_the_day():
    with pytest.raises(FieldError) as error:
        parse_week_start("2026-12-02")
    assert str(error.value) == "2026-12-02 is a Wednesday; week_start must be a Monday"


@given(cents)
def test_hours_round_trip_to_the_cent(hours):
    assert parse_hours(str(hours)) == hours


@given(st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("-0.01"), places=2))
def test_negative_hours_are_refused(hours):
    with pytest.raises(FieldError, match="is negative"):
        parse_hours(str(hours))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("eight", "'eight' is not a number"),
        ("8h", "is not a number"),
        ("NaN", "is not a number"),
        ("1e2", "is not a number"),
        ("168.01", "more than the 168 hours in a week"),
    ],
)
def test_bad_hours(text, message):
    with pytest.raises(FieldError, match=message):
        parse_hours(text)


@pytest.mark.parametrize("parser", [parse_hours, parse_bill_rate, parse_positive_int])
@given(st.sampled_from(["", "-", "+"]), st.sampled_from("019"), st.integers(1, 5000))
def test_a_long_number_is_clipped_in_its_message(parser, sign, digit, count):
    text = sign + digit * count
    try:
        parser(text)
    except FieldError as error:
        assert len(str(error)) <= 80 and "\n" not in str(error)


def test_hours_keep_cents_and_minus_zero_is_zero():
    assert parse_hours("7.335") == Decimal("7.34")
    assert str(parse_hours("-0")) == "0.00"
    assert parse_bill_rate("1250.5") == Decimal("1250.50")


@given(st.sampled_from(["yes", "no", "y", "n", "true", "false"]), st.data())
def test_yes_no_in_any_letter_case(word, data):
    text = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    assert parse_yes_no(text) is (word in ("yes", "y", "true"))


def test_yes_no_empty_is_no_and_others_are_refused():
    assert parse_yes_no("") is False
    with pytest.raises(FieldError, match="'maybe' is not yes or no"):
        parse_yes_no("maybe")


@given(st.from_regex(r"[a-z0-9.]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,4}", fullmatch=True))
def test_emails_are_lower_cased(email):
    assert parse_email(email.upper()) == email


@pytest.mark.parametrize("text", ["jane", "jane@example", "@example.com", "a b@example.com"])
def test_bad_emails(text):
    with pytest.raises(FieldError, match="is not an email address"):
        parse_email(text)


def test_sow_is_upper_cased():
    assert parse_sow("sow-1234") == "SOW-1234"
    with pytest.raises(FieldError):
        parse_sow("SOW 1234")


@pytest.mark.parametrize(
    "text", ["javascript:alert(1)", "ftp://x.example/a", "https://", "www.example.com", "http://["]
)
def test_only_http_urls(text):
    with pytest.raises(FieldError, match="is not an http\\(s\\) URL"):
        parse_url(text)


def test_http_urls_are_kept_as_written():
    assert (
        parse_url("HTTPS://jira.example.com/browse/PS-1") == "HTTPS://jira.example.com/browse/PS-1"
    )


def test_positive_whole_numbers():
    assert parse_positive_int("10") == 10
    for text in ("0", "-3", "2.5", "ten"):
        with pytest.raises(FieldError):
            parse_positive_int(text)


def test_choice_normalises_letter_case_and_aliases():
    parse = choice(("T&M", "FF"), aliases={"Fixed Fee": "FF"})
    assert parse("t&m") == "T&M"
    assert parse("FIXED FEE") == "FF"
    with pytest.raises(FieldError, match="'Retainer' is not one of T&M, FF"):
        parse("Retainer")


# --- money and months (the upside commands) ----------------------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2)


@given(amounts, st.sampled_from(["${:,.2f}", "{:,.2f}", "${:.2f}", "{:.2f}", "{:,}"]))
def test_money_as_people_write_it_is_read_exactly(amount, spelling):
    assert parse_money(spelling.format(amount)) == amount


@given(st.integers(1, 10**9))
def test_whole_dollars_need_no_cents(dollars):
    assert parse_money(str(dollars)) == Decimal(dollars)
    assert parse_money(f"${dollars:,}") == Decimal(dollars)


@given(amounts, st.sampled_from(["-{}", "-${}", "$-{}", "−{}"]))
def test_negative_amounts_are_refused_as_negative(amount, spelling):
    with pytest.raises(FieldError, match="is negative"):
        parse_money(spelling.format(amount))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not an amount of money; write it like $1,250.50 or 1250"),
        ("", "nothing is not an amount of money"),
        ("0", "0 is zero"),
        ("$0.00", "$0.00 is zero"),
        ("1.005", "1.005 has fractions of a cent"),
        ("$12,34", "'$12,34' is not an amount of money"),
        ("1e5", "'1e5' is not an amount of money"),
        ("$ 5", "'$ 5' is not an amount of money"),
        ("١٢", "'١٢' is not an amount of money"),  # ASCII digits only
        ("10000000000", "is more than psbot can keep ($9,999,999,999.99)"),
    ],
)
def test_bad_money_says_why(text, message):
    with pytest.raises(FieldError, match=re.escape(message)):
        parse_money(text)


@given(st.integers(1, 9999), st.integers(1, 12))
def test_months_read_as_their_first_day(year, month):
    assert parse_month(f"{year:04d}-{month:02d}") == dt.date(year, month, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-12", "Dec 2026", "2026/12"])
def test_other_month_spellings_are_refused(text):
    with pytest.raises(FieldError, match="is not a month in YYYY-MM form, like 2026-12"):
        parse_month(text)


@given(st.decimals(min_value=0, max_value=24, places=2))
def test_a_days_hours_round_trip_from_0_to_24(hours):
    assert parse_day_hours(str(hours)) == hours


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-1", "-1 is negative"), ("24.01", "more than the 24 hours in a day"), ("", "is empty")],
)
def test_a_days_hours_outside_0_to_24_are_refused(text, reason):
    with pytest.raises(FieldError, match=reason):
        parse_day_hours(text)


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_milestone_amounts_round_trip(amount):
    assert parse_amount(str(amount)) == amount


def test_a_negative_milestone_amount_is_refused():
    with pytest.raises(FieldError, match="is negative"):
        parse_amount("-5000")
