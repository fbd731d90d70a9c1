"""Win and thanks text posted to Slack: people may be mentioned, nothing else can ping."""

import re

from hypothesis import given
from hypothesis import strategies as st

from messages.escape import escape_keeping_mentions

MARKUP = re.compile(r"<[^<>]*>")
MENTION = re.compile(r"<@[UW][A-Z0-9]{1,30}>")

mentions = st.from_regex(r"<@[UW][A-Z0-9]{1,8}>", fullmatch=True)
pieces = st.one_of(st.text(), mentions, st.sampled_from(["<!here>", "<!subteam^S1|@ps>", "&"]))


@given(st.lists(pieces).map("".join))
def test_only_mentions_of_people_survive(text):
    posted = escape_keeping_mentions(text)
    assert all(MENTION.fullmatch(markup) for markup in MARKUP.findall(posted))
    assert "<!" not in posted
    assert MENTION.findall(posted) == MENTION.findall(text)


def test_mentions_stay_and_the_rest_is_escaped_once():
    assert escape_keeping_mentions("R&D <@U1> <@U1|x> <!here> &lt;@U1&gt;") == (
        "R&amp;D <@U1> &lt;@U1|x&gt; &lt;!here&gt; &amp;lt;@U1&amp;gt;"
    )
