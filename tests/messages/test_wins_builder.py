"""Win and thanks text posted to Slack: people may be mentioned, nothing else can ping."""

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.wins import Recognition
from messages.escape import escape_keeping_mentions
from messages.wins_builder import build_recognitions

MARKUP = re.compile(r"<[^<>]*>")
MENTION = re.compile(r"<@[UW][A-Z0-9]{1,30}>")
BROADCAST = re.compile(r"(?i)(?<![\w.+-])@(here|channel|everyone)\b")  # as Slack reads words

mentions = st.from_regex(r"<@[UW][A-Z0-9]{1,8}(\|[a-z .]{0,8})?>", fullmatch=True)
broadcasts = st.sampled_from(["@here", "@channel", "@everyone", "@HERE", "@Channel", "@eVeryone"])
pieces = st.one_of(
    st.text(), mentions, broadcasts, st.sampled_from(["<!here>", "<!subteam^S1|@ps>", "&", "@"])
)


@given(st.lists(pieces).map("".join))
def test_only_mentions_of_people_survive(text):
    posted = escape_keeping_mentions(text)
    assert all(MENTION.fullmatch(markup) for markup in MARKUP.findall(posted))
    assert "<!" not in posted and not BROADCAST.search(posted)
    assert [m[2:-1] for m in MENTION.findall(posted)] == re.findall(
        r"<@([UW][A-Z0-9]{1,30})(?:\|[^<>]*)?>", text
    )


def test_mentions_stay_and_the_rest_is_escaped_once():
    assert escape_keeping_mentions("R&D <@U1> <@U1|x> <!here> &lt;@U1&gt; @Here") == (
        "R&amp;D <@U1> <@U1> &lt;!here&gt; &amp;lt;@U1&amp;gt; @\u2060Here"
    )


def thanks_row(text: str, created_at: dt.datetime, day: dt.date) -> Recognition:
    return Recognition("thanks", created_at, day, None, "U0PM", ("U0PAT",), text, "")


def test_an_older_row_naming_someone_with_a_label_lists_them_as_a_mention():
    row = thanks_row(
        "<@U0PAT|pat> rocks", dt.datetime(2026, 11, 2, tzinfo=dt.UTC), dt.date(2026, 11, 1)
    )
    _, blocks = build_recognitions("everyone", [row])
    assert ": <@U0PAT> rocks" in blocks[1].to_dict()["text"]["text"]


def test_a_row_is_listed_on_its_day_in_the_reporting_time_zone_not_in_utc():
    row = thanks_row("late", dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC), dt.date(2026, 11, 25))
    _, blocks = build_recognitions("everyone", [row])
    assert blocks[1].to_dict()["text"]["text"].startswith(":pray: Nov 25 <@U0PM>")
