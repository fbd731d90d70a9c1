"""Time off's rules, Slack-free: the dates it takes, and when it counts."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pmo.away import AwayRefused, away_on, parse_away_date, recipient, set_away
from bot.store.db import make_session_factory

NOW = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)


@given(st.dates())
def test_every_iso_date_parses_back(day):
    assert parse_away_date("starts_on", day.isoformat()) == day


@given(st.text(max_size=30))
def test_anything_else_is_refused_with_one_line_naming_the_field(text):
    try:
        day = parse_away_date("ends_on", text)
    except AwayRefused as error:
        assert error.field == "ends_on"
        assert error.message.startswith("The end date: ") and "\n" not in error.message
    else:
        assert day.isoformat() == text.strip()


def test_it_counts_from_its_first_to_its_last_day_only(engine):
    with make_session_factory(engine).begin() as session:
        set_away(
            session, "U0PM", TODAY, TODAY + dt.timedelta(days=2), "U0PAT", today=TODAY, now=NOW
        )
        for day, covered in [(-1, False), (0, True), (2, True), (3, False)]:
            away = away_on(session, TODAY + dt.timedelta(days=day))
            assert ("U0PM" in away) is covered
            assert recipient("U0PM", away) == ("U0PAT" if covered else "U0PM")


@pytest.mark.parametrize(
    ("start", "end", "delegate", "field"),
    [
        (TODAY, TODAY - dt.timedelta(days=1), None, "ends_on"),
        (TODAY - dt.timedelta(days=9), TODAY - dt.timedelta(days=1), None, "ends_on"),
        (TODAY, TODAY + dt.timedelta(days=400), None, "ends_on"),
        (TODAY, TODAY, "U0PM", "delegate"),
    ],
)
def test_what_cannot_be_recorded(engine, start, end, delegate, field):
    with make_session_factory(engine).begin() as session, pytest.raises(AwayRefused) as refused:
        set_away(session, "U0PM", start, end, delegate, today=TODAY, now=NOW)
    assert refused.value.field == field
