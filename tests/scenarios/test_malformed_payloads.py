"""Signed interaction payloads that are not what Slack sends (a field missing, or of the
wrong type, at any depth), sent to /slack/events, get a clean answer at once:
acknowledged, or 400. Never a 500, never Bolt's 404 after Slack's 3 seconds, and never an
error DM to the person named in them: nothing went wrong on their side."""

from __future__ import annotations

import copy
import json
import logging
import threading
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.entry.app import create_app
from bot.entry.web import make_wsgi_app
from commands.failures import INTERNAL_ERROR
from messages import ids
from tests.bot.entry.test_web import call
from tests.bot.integrations.gitlab.conftest import TrackingExecutor
from tests.commands.test_entry_points import global_shortcut, home_button
from tests.commands.test_notes import form as notes_form
from tests.commands.test_wins import shortcut, submission
from tests.conftest import SIGNING_SECRET, SLACK_ACK_SECONDS, TEAM_ID, signed_headers


def _action(response_url: str, action_id: str, **fields) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": "U0PM"},
        "trigger_id": "t.fuzz",
        "container": {"type": "message", "is_ephemeral": True},
        "channel": {"id": "C0PMO"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b", "action_ts": "1.1", **fields}],
    }


def valid_payloads(project_id: int, response_url: str) -> dict[str, dict]:
    """One well-formed payload for each interactive listener psbot has."""
    notes = {
        "type": "view_submission",
        "user": {"id": "U0PM"},
        "view": {
            "id": "V1",
            "type": "modal",
            "hash": "h1",
            "callback_id": ids.NOTES_VIEW,
            "private_metadata": json.dumps({"project_id": project_id}),
            "state": {"values": notes_form()},
        },
    }
    ref = f"{project_id}:internal_retro:0"
    return {
        "notes": notes,
        "win": submission(ids.WIN_VIEW, "{}", project_id=project_id, text="Done"),
        "thanks": submission(ids.THANKS_VIEW, "{}", text="Thanks", people=["U0PAT"]),
        "win shortcut": shortcut(ids.WIN_SHORTCUT),
        "thanks shortcut": shortcut(ids.THANKS_SHORTCUT),
        "notes button": _action(response_url, ids.NOTES_OPEN, type="button", value=str(project_id)),
        "notes picker": {
            **_action(
                response_url,
                ids.NOTES_PICK_PROJECT,
                type="static_select",
                selected_option={"value": str(project_id)},
            ),
            "container": {"type": "view", "view_id": "V0NOTES"},
            "view": {"id": "V0NOTES", "hash": "h1", "type": "modal", "callback_id": "x"},
        },
        "closure done": _action(response_url, ids.CLOSURE_DONE, type="button", value=ref),
        "closure reopen": _action(response_url, ids.CLOSURE_REOPEN, type="button", value=ref),
        "closure n/a": _action(response_url, ids.CLOSURE_NA, type="button", value=ref),
        "closure date": {
            **_action(
                response_url, ids.CLOSURE_DATE, type="datepicker", selected_date="2026-12-03"
            ),
            "actions": [
                {
                    "action_id": ids.CLOSURE_DATE,
                    "block_id": ref,
                    "type": "datepicker",
                    "selected_date": "2026-12-03",
                    "action_ts": "1.1",
                }
            ],
        },
        "closure open": _action(
            response_url, ids.CLOSURE_OPEN, type="button", value=str(project_id)
        ),
        "post again": _action(response_url, ids.OUTBOX_RETRY, type="button", value="1"),
        "notes suggestion": notes_suggestion("acme"),
        "write note shortcut": global_shortcut(ids.WRITE_NOTE),
        "quick win button": home_button(ids.NEW_WIN),
    }


def notes_suggestion(typed) -> dict:
    return {
        "type": "block_suggestion",
        "user": {"id": "U0PM"},
        "action_id": ids.NOTES_PICK_PROJECT,
        "block_id": "project",
        "value": typed,
        "container": {"type": "view", "view_id": "V0NOTES"},
        "view": {"id": "V0NOTES", "hash": "h1", "type": "modal", "callback_id": ids.NOTES_VIEW},
    }


def paths(value, prefix=()):
    """Every place in a payload: key paths to each dict entry and list item."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield (*prefix, key)
        yield from paths(item, (*prefix, key))


WRONG = [None, 0, -1, "", "x", "not-a-number", [], {}, True, [{}], {"id": None}]
REMOVE = object()


def mutated(payload: dict, path: tuple, replacement) -> dict:
    payload = copy.deepcopy(payload)
    *parents, last = path
    holder = payload
    for key in parents:
        holder = holder[key]
    if replacement is REMOVE:
        del holder[last]
    else:
        holder[last] = replacement
    return payload


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def valid(portfolio, fake_slack):
    return valid_payloads(portfolio.rollout.id, fake_slack.response_url("fuzz"))


@pytest.fixture
def tracked(ctx, engine):
    """psbot's HTTP face, with a way to wait for all the work its listeners started."""
    executor = TrackingExecutor()
    app = create_app(ctx, listener_executor=executor)
    yield make_wsgi_app(app, engine, SIGNING_SECRET), executor.settle
    executor.shutdown(wait=True)


def post(wsgi, payload: dict) -> int:
    """The HTTP status of the signed interaction, as Slack would post it."""
    body = urlencode({"payload": json.dumps({"team": {"id": TEAM_ID}, **payload})})
    return call(wsgi, "/slack/events", body.encode(), signed_headers(body))[0]


@FUZZ
@given(data=st.data())
def test_a_malformed_interaction_gets_a_clean_answer_and_no_error_dm(
    tracked, fake_slack, valid, caplog, data
):
    wsgi, settle = tracked
    name = data.draw(st.sampled_from(sorted(valid)))
    payload = valid[name]
    path = data.draw(st.sampled_from(list(paths(payload))))
    replacement = data.draw(st.sampled_from([REMOVE, *WRONG]))
    fake_slack.reset()
    caplog.clear()
    answered = threading.Event()
    result = {}

    def send() -> None:
        result["status"] = post(wsgi, mutated(payload, path, replacement))
        answered.set()

    with caplog.at_level(logging.ERROR):
        threading.Thread(target=send, daemon=True).start()
        # Bolt answers a listener that never acknowledged after Slack's 3 s: well before.
        assert answered.wait(SLACK_ACK_SECONDS - 1), f"{name} {path}: no answer in time"
        # 404: nothing of psbot's listens to a payload changed past recognition.
        assert result["status"] in (200, 400, 404), (name, path, result["status"])
        settle()
    told = [
        c.params.get("text", "")
        for c in fake_slack.calls
        if c.method in ("chat.postMessage", "chat.postEphemeral") or "/response/" in c.method
    ]
    assert not [t for t in told if INTERNAL_ERROR[:30] in t], (name, path, told)
    failures = [r for r in caplog.records if r.exc_info and r.name.startswith("commands")]
    assert not failures, (name, path, [r.getMessage() for r in failures])


def test_every_valid_payload_is_answered_200(tracked, valid):
    """The fuzz starts from payloads psbot accepts."""
    wsgi, settle = tracked
    for name, payload in valid.items():
        assert post(wsgi, payload) == 200, name
    settle()


def test_a_suggestion_without_typed_text_is_refused(tracked, valid):
    wsgi, settle = tracked
    assert post(wsgi, notes_suggestion(["not", "text"])) == 400
    assert post(wsgi, {**notes_suggestion(""), "action_id": None}) == 400
    assert post(wsgi, notes_suggestion("")) == 200
    settle()
