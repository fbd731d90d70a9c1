"""Field parsers for the CSV imports and typed arguments: one cell's (or word's) text in,
a typed value or `FieldError` out.

They are pure, so they can be property-tested. The hot ones are cached because a Kantata
export repeats the same weeks, people and SOWs on thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TypeVar
from urllib.parse import SplitResult, urlsplit

T = TypeVar("T")
R = TypeVar("R")
H = TypeVar("H", bound=Hashable)

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Loose on purpose: something@something.tld; Slack and Kantata are the real judges.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
WHOLE_NUMBER = re.compile(r"\+?[0-9]+")
CENTS = Decimal("0.01")
HOURS_IN_A_WEEK = Decimal(168)
HOURS_IN_A_DAY = Decimal(24)
MAX_BILL_RATE = Decimal("99999999.99")  # Numeric(10, 2)
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)
MAX_PASSIVE_DAYS = 365
# Money as people write it: `$1,250.50`, `1250`, `1,250.5` — groups of three after the
# first comma, at most two decimals (cents).
MONEY = re.compile(r"\$?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)
YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
YES = frozenset({"yes", "y", "true"})
NO = frozenset({"no", "n", "false", ""})


class FieldError(ValueError):
    """A cell's value is not acceptable; the message tells the user why."""


def map_distinct(function: Callable[[H], R], values: Sequence[H]) -> list[R]:
    """`[function(value) for value in values]`, calling `function` once per distinct value."""
    results = {value: function(value) for value in set(values)}
    return list(map(results.__getitem__, values))


def clipped(text: str) -> str:
    """A cell's text cut short for an error message, so that one line stays one line."""
    return text if len(text) <= 40 else text[:37] + "..."


def shown(text: str) -> str:
    """A cell's text quoted (and clipped) for an error message."""
    return repr(clipped(text))


def optional(parser: Callable[[str], T]) -> Callable[[str], T | None]:
    """Wrap `parser` so an empty cell means None."""

    def parse(text: str) -> T | None:
        return None if text == "" else parser(text)

    return parse


def parse_text(text: str, max_length: int = 200) -> str:
    """Required free text (a customer, project or milestone name)."""
    if not text:
        raise FieldError("is empty; a value is required")
    if len(text) > max_length:
        raise FieldError(f"is {len(text)} characters long; at most {max_length} fit")
    return text


@lru_cache(maxsize=4096)
def parse_sow(text: str) -> str:
    """A SOW number, upper-cased: `sow-1234` → `SOW-1234`."""
    if not text:
        raise FieldError("is empty; a SOW number is required")
    if any(c.isspace() for c in text) or len(text) > 32:
        raise FieldError(f"{shown(text)} is not a SOW number like SOW-1234")
    return text.upper()


@lru_cache(maxsize=4096)
def parse_email(text: str) -> str:
    """An email address, lower-cased."""
    if not text:
        raise FieldError("is empty; an email address is required")
    if len(text) > 254 or not EMAIL.fullmatch(text):
        raise FieldError(f"{shown(text)} is not an email address")
    return text.lower()


@lru_cache(maxsize=1024)
def parse_date(text: str) -> dt.date:
    """An ISO date, YYYY-MM-DD exactly (not 11/30/2026, not 2026-W48-1)."""
    if not ISO_DATE.fullmatch(text):
        raise FieldError(f"{shown(text)} is not a date in YYYY-MM-DD form")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FieldError(f"{text} is not a valid date") from None


@lru_cache(maxsize=1024)
def parse_week_start(text: str) -> dt.date:
    """The Monday a booking week starts on."""
    day = parse_date(text)
    if day.weekday() != 0:
        raise FieldError(f"{day} is a {day:%A}; week_start must be a Monday")
    return day


def _amount(text: str, limit: Decimal, over_limit: str) -> Decimal:
    if not text:
        raise FieldError("is empty; a number is required")
    if not NUMBER.fullmatch(text):
        raise FieldError(f"{shown(text)} is not a number")
    value = Decimal(text)
    if value < 0:
        raise FieldError(f"{clipped(text)} is negative")
    if value > limit:
        raise FieldError(f"{clipped(text)} is {over_limit}")
    # abs() turns "-0" into 0; the columns keep cents, so compare at that precision.
    return abs(value).quantize(CENTS, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def parse_hours(text: str) -> Decimal:
    """Booked hours in one week: a number from 0 to 168, kept to the cent."""
    return _amount(text, HOURS_IN_A_WEEK, f"more than the {HOURS_IN_A_WEEK} hours in a week")


@lru_cache(maxsize=4096)
def parse_day_hours(text: str) -> Decimal:
    """Hours logged on one day (a time entry): a number from 0 to 24, kept to the cent."""
    return _amount(text, HOURS_IN_A_DAY, f"more than the {HOURS_IN_A_DAY} hours in a day")


def parse_amount(text: str) -> Decimal:
    """A milestone's fee in dollars: a non-negative number, kept to the cent."""
    return _amount(text, MAX_AMOUNT, "too large for a milestone amount")


@lru_cache(maxsize=4096)
def parse_bill_rate(text: str) -> Decimal:
    """A bill rate per hour: a non-negative number."""
    return _amount(text, MAX_BILL_RATE, "too large for a bill rate")


def parse_money(text: str) -> Decimal:
    """An amount of money above zero, exact to the cent: `$1,250.50`, `1250`, `1,250.5`.

    Refused with the reason: words, negative amounts, zero, fractions of a cent, commas
    out of place, more than fits the column."""
    value = text.strip()
    example = "write it like $1,250.50 or 1250"
    if value.startswith(("-", "$-", "−", "$−")):
        raise FieldError(f"{clipped(value)} is negative; {example}")
    if not MONEY.fullmatch(value):
        if re.fullmatch(r"\$?[0-9,]*\.[0-9]{3,}", value):
            raise FieldError(f"{clipped(value)} has fractions of a cent; {example}")
        raise FieldError(
            f"{shown(value) if value else 'nothing'} is not an amount of money; {example}"
        )
    amount = Decimal(value.removeprefix("$").replace(",", ""))
    if amount == 0:
        raise FieldError(f"{clipped(value)} is zero; {example}")
    if amount > MAX_MONEY:
        raise FieldError(f"{clipped(value)} is more than psbot can keep (${MAX_MONEY:,})")
    return amount.quantize(CENTS)


def parse_month(text: str) -> dt.date:
    """A month, YYYY-MM, as its first day: `2026-12` → 2026-12-01."""
    match = YEAR_MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        given = shown(text.strip()) if text.strip() else "nothing"
        raise FieldError(f"{given} is not a month in YYYY-MM form, like 2026-12")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_positive_int(text: str) -> int:
    """A whole number of days, 1 or more."""
    if not WHOLE_NUMBER.fullmatch(text):
        raise FieldError(f"{shown(text)} is not a whole number")
    value = Decimal(text)  # not int(): it refuses strings of more than 4,300 digits
    if not 0 < value <= MAX_PASSIVE_DAYS:
        raise FieldError(f"{clipped(text)} is not between 1 and {MAX_PASSIVE_DAYS}")
    return int(value)


def parse_yes_no(text: str) -> bool:
    """yes/no (also y/n and Excel's TRUE/FALSE); empty means no."""
    lowered = text.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise FieldError(f"{shown(text)} is not yes or no")


def http_url(text: str) -> SplitResult | None:
    """`text` split into scheme, host, path…, when it is an http(s) link with a host;
    else None (javascript:, a bare path, a typo).

    The one place that decides what is a web link, and that knows `urlsplit` raises
    (ValueError) on some typos, such as an unclosed `[` read as an IPv6 host
    (`https://[gitlab.example.com/…`).
    """
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return parts


def parse_url(text: str) -> str:
    """An http(s) link (a RAID log, a Jira epic); anything else, like javascript:, is refused."""
    if http_url(text) is None or len(text) > 2000 or any(c.isspace() for c in text):
        raise FieldError(f"{shown(text)} is not an http(s) URL")
    return text


def choice(
    values: tuple[str, ...], aliases: Mapping[str, str] | None = None
) -> Callable[[str], str]:
    """A parser accepting one of `values` in any letter case, returning its canonical spelling."""
    canonical = {v.lower(): v for v in values} | {k.lower(): v for k, v in (aliases or {}).items()}
    allowed = ", ".join(values)

    def parse(text: str) -> str:
        try:
            return canonical[text.lower()]
        except KeyError:
            raise FieldError(f"{shown(text)} is not one of {allowed}") from None

    return parse
