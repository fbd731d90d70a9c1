"""The pure parts of wins and thanks: stored text, and the CSV export's cells."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from bot.wins import (
    EXPORT_COLUMNS,
    FORMULA_STARTS,
    mentioned_ids,
    plain_text,
    to_csv,
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


@given(st.text())
def test_text_without_markup_is_decoded_once(text):
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert plain_text(escaped) == text


def test_slack_markup_becomes_readable_words_and_people_stay_mentions():
    slack_text = (
        "<@U1|ben> <@W2> <#C3|general> <#C4> <!here> <!channel|channel> <!subteam^S5|@ps> "
        "<https://a.example|docs> <https://b.example> <mailto:x@y.example|x@y.example> &amp;lt;"
    )
    assert plain_text(slack_text) == (
        "<@U1> <@W2> #general #C4 @here @channel @ps "
        "docs (https://a.example) https://b.example x@y.example &lt;"
    )


def test_people_are_named_when_known():
    text = "<@U1> thanks <@U2> and <@U1|old label>"
    assert mentioned_ids(text) == ["U1", "U2"]
    assert with_names(text, {"U1": "Ben Carter"}.get) == "@Ben Carter thanks <@U2> and @Ben Carter"
