"""The same modal submitted twice at the same moment (a double click, a client retrying):
one record, both copies acknowledged cleanly, and nobody told that something broke."""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import bot.workflows.recognition
from bot.store.models import Thanks, Win
from commands.failures import INTERNAL_ERROR
from messages import ids
from tests.commands.test_notes import errors_of
from tests.commands.test_wins import INTERNAL, posts_to, stored, submission
from tests.scenarios.test_event_retries import finish_listeners


@pytest.fixture
def team(fake_slack, portfolio):
    fake_slack.add_user("U0PM", "pam@example.com", "Pam")
    fake_slack.add_user("U0PAT", "pat@example.com", "Pat")
    return portfolio


@pytest.fixture
def in_step(monkeypatch):
    """Both copies look for an earlier one at the same moment, where the database lets
    them: SQLite lets one writer in at a time, so the other arrives when it is done."""
    meet = threading.Barrier(2)

    def together(record):
        def recording(*args, **kwargs):
            # Broken when the other copy is waiting for the database's lock instead.
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait(timeout=0.5)
            return record(*args, **kwargs)

        return recording

    for name in ("record_win", "record_thanks"):
        real = getattr(bot.workflows.recognition, name)
        monkeypatch.setattr(bot.workflows.recognition, name, together(real))


@pytest.mark.parametrize(("callback", "model"), [(ids.WIN_VIEW, Win), (ids.THANKS_VIEW, Thanks)])
def test_a_view_submitted_twice_at_once_is_recorded_once_and_both_are_acknowledged(
    slack, fake_slack, ctx, team, in_step, callback, model
):
    payload = submission(
        callback, "{}", view_id="V0TWICE", project_id=team.rollout.id, text="Done", people=["U0PAT"]
    )
    with ThreadPoolExecutor(max_workers=2) as copies:
        responses = list(copies.map(lambda _: slack.interactive(payload), range(2)))
    assert [(r.status, errors_of(r)) for r in responses] == [(200, {}), (200, {})]
    finish_listeners(slack)
    assert len(stored(ctx, model)) == 1
    assert len(posts_to(fake_slack, INTERNAL)) == 1
    told = json.dumps([c.params for c in fake_slack.calls], ensure_ascii=False)
    assert INTERNAL_ERROR[:30] not in told and "temporarily unavailable" not in told
