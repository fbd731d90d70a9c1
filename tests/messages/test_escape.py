import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pmo.wins import WORD_JOINER
from messages.escape import (
    Mrkdwn,
    escape_mrkdwn,
    link,
    mention,
    one_line_keeping_mentions,
    reader_time,
)
from messages.templating import render

BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


@given(st.text())
def test_escaped_text_can_never_ping_or_link(text):
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped
    assert ">" not in escaped
    assert not BARE_AMPERSAND.search(escaped)


@given(st.text())
def test_escaping_loses_nothing_but_adds_word_joiners(text):
    escaped = escape_mrkdwn(text)
    unescaped = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped.replace(WORD_JOINER, "") == text.replace(WORD_JOINER, "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@here look", "@\u2060here look"),
        ("ping @Channel!", "ping @\u2060Channel!"),
        ("(@everyone)", "(@\u2060everyone)"),
        ("ops@channel.com", "ops@channel.com"),
        ("@heres", "@heres"),
    ],
)
def test_broadcast_words_stay_words(raw, expected):
    assert escape_mrkdwn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil|click>", "&lt;https://evil|click&gt;"),
        ("R&D", "R&amp;D"),
        ("&lt;", "&amp;lt;"),
        ("*bold*", "*bold*"),
    ],
)
def test_known_attacks_come_out_literally(raw, expected):
    assert escape_mrkdwn(raw) == expected


def test_bot_built_mrkdwn_is_not_escaped_twice():
    assert escape_mrkdwn(mention("U123")) == "<@U123>"


def test_mention_refuses_anything_but_an_id():
    with pytest.raises(ValueError):
        mention("U1> <!channel")


@given(st.text(), st.text())
def test_link_label_and_url_cannot_break_out(url, label):
    rendered = link(url, label)
    assert rendered.startswith("<") and rendered.endswith(">")
    assert rendered.count("<") == 1 and rendered.count(">") == 1
    assert rendered.count("|") == 1 + escape_mrkdwn(label).count("|")


def test_templates_escape_every_value_by_default():
    lines = [type("L", (), {"usage": "<!here>", "summary": "a & b"})()]
    text = render("help.md.j2", lines=lines)
    assert isinstance(text, Mrkdwn)
    assert "&lt;!here&gt;" in text and "a &amp; b" in text


@pytest.mark.parametrize("limit", [8, 9, 10, 12, 13])
def test_clipping_never_leaves_part_of_a_mention(limit):
    # "abcde <@U123> x" clipped anywhere from just after "<" to inside the id.
    clipped = one_line_keeping_mentions("abcde <@U123> x", limit)
    assert clipped == "abcde …"


DATE_TOKEN = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|([^<>]*)>")


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), dt.UTC]),
    ),
    st.text(),
)
def test_reader_time_is_slacks_date_token_with_the_wording_as_fallback(moment, wording):
    token = reader_time(moment, wording)
    assert isinstance(token, Mrkdwn)
    match = DATE_TOKEN.fullmatch(token)
    assert match, token
    assert int(match[1]) == int(moment.timestamp())
    assert match[2] == escape_mrkdwn(wording)


def test_reader_time_of_a_deadline_in_new_york():
    due = dt.datetime(2026, 12, 1, 16, 0, tzinfo=ZoneInfo("America/New_York"))
    assert reader_time(due, "Tue 16:00 ET") == (
        "<!date^1796158800^{date_short_pretty} {time}|Tue 16:00 ET>"
    )


def test_reader_time_refuses_a_naive_time():
    with pytest.raises(ValueError):
        reader_time(dt.datetime(2026, 12, 1, 16, 0), "Tue 16:00")
