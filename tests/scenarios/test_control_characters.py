"""NUL bytes and other control characters in what people type never reach the database
(PostgreSQL refuses NUL in text): they are dropped on the way in, everywhere, and the
rest of the text is stored and answered as usual."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import clean_strings, without_control_characters
from bot.store.models import ClosureItem, Note, Thanks, Win
from messages import ids
from tests.commands.test_closure import click, picker
from tests.commands.test_notes import errors_of, submit
from tests.commands.test_wins import INTERNAL, posts_to, stored, submission
from tests.scenarios.test_event_retries import finish_listeners

DIRTY = "Cut\x00-over\x07 done\x1b[31m \x7f\x85early"
# A JSON payload (a modal's) may also carry a lone surrogate, which no encoding takes.
DIRTY_JSON = DIRTY + "\ud800"
CLEAN = "Cut-over done[31m early"
KEPT = "\t\n\r"


@pytest.fixture
def team(fake_slack, portfolio):
    fake_slack.add_user("U0PM", "pam@example.com", "Pam")
    fake_slack.add_user("U0PAT", "pat@example.com", "Pat")
    return portfolio


def test_a_win_with_a_nul_byte_is_stored_without_it_and_shared(slack, fake_slack, ctx, team):
    reply = slack.ask(f"win sow-1 {DIRTY}")
    (win,) = stored(ctx, Win)
    assert win.text == CLEAN
    assert "See the post" in reply["text"]
    assert CLEAN in json.dumps(posts_to(fake_slack, INTERNAL), ensure_ascii=False)


def test_thanks_with_control_characters_is_stored_without_them(slack, ctx, team):
    slack.ask(f"thanks <@U0PAT|pat> sow-1 {DIRTY}")
    (thanks,) = stored(ctx, Thanks)
    assert thanks.text == CLEAN


@pytest.mark.parametrize(("callback", "model"), [(ids.WIN_VIEW, Win), (ids.THANKS_VIEW, Thanks)])
def test_a_modal_with_a_nul_byte_is_stored_and_acknowledged(
    slack, fake_slack, ctx, team, callback, model
):
    payload = submission(
        callback, "{}", project_id=team.rollout.id, text=DIRTY_JSON, people=["U0PAT"]
    )
    response = slack.interactive(payload)
    assert (response.status, errors_of(response)) == (200, {})
    finish_listeners(slack)
    (record,) = stored(ctx, model)
    assert record.text == CLEAN
    assert "Something went wrong" not in json.dumps([c.params for c in fake_slack.calls])


def test_a_note_with_control_characters_in_every_field_is_saved_without_them(slack, ctx, team):
    response = submit(
        slack,
        team.rollout.id,
        progress=f"UAT\x00 started{KEPT}",
        issue="a\x00b",
        assistance="\x01help",
        forecast_push="\x00",
    )
    assert errors_of(response) == {}
    with ctx.session_factory() as session:
        (note,) = session.scalars(sa.select(Note)).all()
    assert (note.progress, note.issue, note.assistance) == ("UAT started", "ab", "help")


def test_a_closure_date_with_a_nul_byte_is_read_without_it(slack, fake_slack, ctx, team):
    click(
        slack,
        fake_slack,
        picker(team.rollout.id, "closure_meeting", 0),
        selected_date="2026-12-0\x003",
    )
    with ctx.session_factory() as session:
        (item,) = session.scalars(sa.select(ClosureItem)).all()
    assert (item.item, item.item_date) == ("closure_meeting", dt.date(2026, 12, 3))


# --- the cleaning itself -------------------------------------------------------------------

CONTROL = st.characters(codec=None, categories=["Cc", "Cs"], exclude_characters=KEPT)


@given(st.text(st.characters(exclude_categories=["Cc", "Cs"]) | st.sampled_from(KEPT)))
def test_text_without_control_characters_is_left_as_it_is(text):
    assert without_control_characters(text) == text


@given(st.lists(st.text() | CONTROL.map(str)))
def test_no_control_character_survives_and_the_rest_keeps_its_order(pieces):
    text = "".join(pieces)
    cleaned = without_control_characters(text)
    assert all(
        c in KEPT or not (c < " " or "\x7f" <= c <= "\x9f" or "\ud800" <= c <= "\udfff")
        for c in cleaned
    )
    assert cleaned == "".join(c for c in text if c in cleaned)  # nothing else moved
    assert without_control_characters(cleaned) == cleaned


def _is_control(character: str) -> bool:
    if character in KEPT:
        return False
    return character < " " or "\x7f" <= character <= "\x9f" or "\ud800" <= character <= "\udfff"


def test_every_string_in_a_payload_is_cleaned_in_place():
    payload = {"a": ["x\x00", {"b": "\x00y"}], "n": 3, "none": None, "t": True}
    assert clean_strings(payload) is payload
    assert payload == {"a": ["x", {"b": "y"}], "n": 3, "none": None, "t": True}
