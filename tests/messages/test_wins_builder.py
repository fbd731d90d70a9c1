"""Win and thanks text posted to Slack: people may be mentioned, nothing else can ping."""

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.pmo.wins import TEXT_MAX, Recognition
from bot.store.models import Project, Thanks, Win
from messages.escape import escape_keeping_mentions
from messages.wins_builder import (
    MAX_NAMED,
    QUOTE,
    build_recognitions,
    build_thanks_dms,
    build_thanks_post,
    build_win_post,
)
from tests.messages.test_report_builder import assert_valid

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


# Long texts too: one piece repeated up to the most a win or thanks may hold.
texts = st.one_of(
    st.lists(pieces).map("".join),
    st.builds(lambda piece, n: (piece * n)[:TEXT_MAX], pieces, st.integers(1, TEXT_MAX)),
    st.sampled_from(["&" * TEXT_MAX, "R&D <pilot> went live\n" * 90, "a <@U0PAT|p a t> " * 110]),
)


@settings(deadline=None, max_examples=60)
@given(texts, st.integers(0, 3 * MAX_NAMED))
def test_posts_keep_all_the_text_and_name_or_count_everyone_within_slack_limits(text, count):
    people = [f"U0M{n:04d}" for n in range(count)] or ["U0PAT"]
    project = Project(sow="SOW-1", customer="Acme & Co", name="R&D <rollout>")
    win = Win(project_id=1, text=text, author_id="U0PM", member_ids=people, source_permalink="")
    thanks = Thanks(giver_id="U0PM", receiver_ids=people, text=text, source_permalink="")
    (_, *dm), *_ = build_thanks_dms(thanks, project, "https://ps.slack.com/archives/C1/p1")
    quoted = "".join(escape_keeping_mentions(line) for line in text.splitlines() or [""])
    for notification, blocks in [
        build_win_post(win, project),
        build_thanks_post(thanks, project),
        dm,
    ]:
        assert_valid([(notification, [Block.parse(block) for block in blocks])])
        lines = [
            line
            for block in blocks
            if block["type"] == "section"
            for line in block["text"]["text"].split("\n")
        ]
        assert "".join(line.removeprefix(QUOTE) for line in lines if line.startswith(QUOTE)) == (
            quoted
        )
        if notification.startswith("You were thanked"):
            continue  # a DM names only who thanked
        named = " ".join(line for line in lines if not line.startswith(QUOTE))
        assert all(f"<@{person}>" in named for person in people[:MAX_NAMED])
        assert (f"…and {count - MAX_NAMED} more" in named) is (count > MAX_NAMED)
