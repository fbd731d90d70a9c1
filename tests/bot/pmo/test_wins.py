"""The pure parts of wins and thanks: stored text, the CSV export's cells and the
Markdown export's items."""

import csv
import io
import re
from itertools import pairwise

from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.spreadsheet import FORMULA_STARTS
from bot.pmo.wins import (
    EXPORT_COLUMNS,
    WORD_JOINER,
    mentioned_ids,
    plain_text,
    to_csv,
    to_markdown,
    typed_text,
    with_names,
)

cells = st.text(alphabet=st.characters(exclude_categories=["Cs"]))


@given(st.lists(st.fixed_dictionaries({column: cells for column in EXPORT_COLUMNS})))
def test_every_cell_round_trips_and_none_starts_a_formula(rows):
    read = list(csv.DictReader(io.StringIO(to_csv(rows), newline="")))
    assert len(read) == len(rows)
    for written, row in zip(read, rows, strict=True):
        for column, value in row.items():
            guarded = value.startswith(FORMULA_STARTS)
            assert written[column] == ("'" + value if guarded else value)
            assert not written[column].startswith(FORMULA_STARTS)


def test_empty_cells_stay_empty():
    rows = [{column: "" for column in EXPORT_COLUMNS}]
    assert to_csv(rows).splitlines()[1] == ",,,,,,,"


# What opens a block at the start of a line (CommonMark 0.31 §4–5): a heading, a quote,
# a list item, a thematic break or setext underline, a code fence, an HTML block.
OPENS_A_BLOCK = re.compile(
    r"""[ \t]*(
        \#{1,6}([ \t]|$) | > | [-+*]([ \t]|$) | \d{1,9}[.)]([ \t]|$)
      | (=+|-+)[ \t]*$ | (?P<rule>[-*_])([ \t]*(?P=rule)){2,}[ \t]*$ | ``` | ~~~ | <[a-z/!?]
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# What people type into a win, weighted toward Markdown's markers and line endings.
win_texts = st.lists(
    st.text()
    | st.sampled_from(
        [
            *["\n", "\r", "\r\n", "\n\n", " ", "\t", "\\", "    "],
            *["- ", "* ", "+ ", "1. ", "2) ", "# ", "> ", "---", "===", "***"],
            *["```", "~~~", "<div>", "<!--", "[a]: /u"],
        ]
    )
).map("".join)


def win_row(text: str) -> dict[str, str]:
    row = {column: "" for column in EXPORT_COLUMNS}
    return row | {"kind": "ProjectWin", "date": "2026-11-26", "from": "Pam", "text": text}


def bare(text: str) -> str:
    """Text without whitespace and backslashes: what Markdown may add or drop around it."""
    return re.sub(r"[\s\\]", "", text)


@given(st.lists(win_texts, min_size=1, max_size=4))
@example(["Done:\n- runners\n# zero downtime", "a\r- b\r\n\n[x]: /u\n    code\\\nc"])
def test_each_text_stays_inside_its_markdown_item_line_by_line(texts):
    markdown = to_markdown("All", [win_row(text) for text in texts])
    title, blank, *lines = markdown.removesuffix("\n").split("\n")  # Markdown's line ends
    assert (title, blank) == ("# All", "") and "\r" not in markdown
    items = []
    for line in lines:
        if line.startswith("- "):
            items.append([line[2:]])
        else:  # only a blank line or one indented into the item goes on with it
            assert line == "" or (line.startswith("  ") and line[2] not in " \t"), line
            items[-1].append(line[2:])
    assert len(items) == len(texts)
    for item, text in zip(items, texts, strict=True):
        for previous, line in pairwise(item):
            assert not OPENS_A_BLOCK.match(line), item
            if not previous:  # a paragraph's first line: `[x]: url` would define a link
                assert not line.startswith("["), item
            elif line:  # a hard break: `\` the line's last, unescaped
                assert (len(previous) - len(previous.rstrip("\\"))) % 2 == 1, item
        typed = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
        assert len([line for line in item if line]) == max(len(typed), 1)
        assert bare("".join(item)) == bare(f"**ProjectWin** 2026-11-26: {text} — from Pam")


def escaped(text: str) -> str:
    """Characters as Slack sends them when typed (`should_escape`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# What people type, often looking like markup: mentions, broadcasts, channels, links.
typed = st.lists(
    st.text() | st.sampled_from(["<", ">", "@", "!", "#", "|", "<@U1>", "<@U1|a>", "<!here>"])
).map("".join)
# Slack's markup: the people it resolved, and labels that look like a mention.
markup = st.sampled_from(
    [
        "<@U1|a>",
        "<@W2>",
        "<!here>",
        "<!subteam^S1|@U0ADMIN>",
        "<#C1|@U0ADMIN>",
        "<mailto:@U0ADMIN|@U0ADMIN>",
        "<https://a.example|@U0ADMIN>",
    ]
)


@given(typed)
def test_typed_text_is_stored_as_typed_and_never_mentions_anyone(text):
    stored = plain_text(escaped(text))
    assert stored == typed_text(text)
    assert stored.replace(WORD_JOINER, "") == text.replace(WORD_JOINER, "")
    assert mentioned_ids(stored) == []


@given(st.lists(markup | st.sampled_from(["&lt;", "&gt;"]) | typed.map(escaped)))
@example(["&lt;", "<!subteam^S1|@U0ADMIN>", "&gt;"])  # typed `<`, a label, typed `>`
@example(["&lt;", "<mailto:@U0ADMIN|@U0ADMIN>", "|x&gt;"])
def test_only_the_people_slack_resolved_are_mentioned(pieces):
    resolved = [p[2:].partition("|")[0].rstrip(">") for p in pieces if p.startswith("<@")]
    assert mentioned_ids(plain_text("".join(pieces))) == list(dict.fromkeys(resolved))


def test_slack_markup_becomes_readable_words_and_people_stay_mentions():
    slack_text = (
        "<@U1|ben> <@W2> <#C3|general> <#C4> <!here> <!channel|channel> <!subteam^S5|@ps> "
        "<!subteam^S6> <!date^1392734382^{date_short}|Feb 18> "
        "<https://a.example|docs> <https://b.example> <mailto:x@y.example|x@y.example> &amp;lt;"
    )
    assert plain_text(slack_text) == (
        "<@U1> <@W2> #general #C4 @here @channel @ps @team Feb 18 "
        "docs (https://a.example) https://b.example x@y.example &lt;"
    )


def test_a_link_keeps_its_url_unless_the_label_is_the_url():
    assert plain_text("<https://example.com/docs|docs>") == "docs (https://example.com/docs)"
    assert plain_text("<https://example.com/docs|example.com/docs>") == "example.com/docs"
    assert plain_text("<https://example.com/docs|https://example.com/docs>") == (
        "https://example.com/docs"
    )


def test_people_are_named_by_name_else_by_id():
    text = f"<@U1> thanks <@U2> and <@U1|old label>, not <{WORD_JOINER}@U1>"
    assert mentioned_ids(text) == ["U1", "U2"]
    assert with_names(text, {"U1": "Ben Carter"}) == (
        f"@Ben Carter thanks @U2 and @Ben Carter, not <{WORD_JOINER}@U1>"
    )
    assert with_names("<@U1> and <@U2>", {"U1": "Ben Carter"}, at="") == "Ben Carter and U2"
