"""Every field of every modal, fuzzed through signed view_submission requests: each
submission is answered within Slack's 3 seconds with either a clean close or inline
errors on blocks the modal has, and whatever psbot then posts never pings a channel."""

from __future__ import annotations

import itertools
import json
import time

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from messages import ids
from tests.commands.test_notes import form as notes_form
from tests.commands.test_wins import submission

ACK_WINDOW = 3.0
PINGS = ("<!channel", "<!here", "<!everyone", "<!subteam")
HOSTILE = [
    "",
    "   ",
    "<!channel> <!here|here> <!everyone>",
    "<!subteam^S0ADMINS>",
    "<@U0PM|pam> <#C0PMO|ps_pmo> <https://evil.example|click>",
    "\u202e\u2066RTL\u2069 \u200d\u200b zero-width",
    "👩‍👩‍👧‍👦🏳️‍🌈🙂" * 50,
    "javascript:alert(1)",
    "*bold* _it_ ~s~ `code` ```block```",
    "x" * 40_000,
]
texts = st.sampled_from(HOSTILE) | st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400
)
temperatures = st.sampled_from(["green", "yellow", "red", "", "purple", "<!channel>"])
user_lists = st.lists(st.sampled_from(["U0PM", "U0PAT", "U0ADMIN", "UNKNOWN", "", "<!here>"]))
links = (
    st.sampled_from(
        [
            "",
            "https://gitlab.example.com/acme/raid/-/issues/1",
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "https://e.example/<!channel>",
        ]
    )
    | texts
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_views = itertools.count(1)


def _answered(slack, fake_slack, payload, blocks: set[str]) -> dict:
    """Send the submission; check the ack, and return its errors (empty when accepted)."""
    before = len(fake_slack.calls_to("chat.postMessage"))
    started = time.perf_counter()
    response = slack.interactive(payload)
    assert time.perf_counter() - started < ACK_WINDOW
    assert response.status == 200, response.body
    body = json.loads(response.body) if response.body else {}
    errors = body.get("errors", {}) if body.get("response_action") == "errors" else {}
    assert set(errors) <= blocks, f"errors on blocks the modal lacks: {set(errors) - blocks}"
    assert all(isinstance(message, str) and message.strip() for message in errors.values())
    for call in fake_slack.calls_to("chat.postMessage")[before:]:
        everything = call.params.get("text", "") + json.dumps(call.params.get("blocks") or "")
        assert not any(ping in everything for ping in PINGS), everything[:500]
    event("refused: " + ", ".join(sorted(errors)) if errors else "accepted")
    return errors


def _or_valid(strategy, valid):
    """Half the time the field holds a valid value, so whole submissions get accepted too."""
    return st.just(valid) | strategy


@FUZZ
@given(
    progress=_or_valid(texts, "UAT started"),
    internal=_or_valid(temperatures, "green"),
    customer=_or_valid(temperatures, "green"),
    issue=texts,
    assistance=texts,
    dri_ids=_or_valid(user_lists, []),
    raid_url=_or_valid(links, ""),
    epic_url=_or_valid(links, ""),
    forecast_push=texts,
    upside=texts,
    work_exception_url=_or_valid(links, ""),
    change_order_url=_or_valid(links, ""),
    work_at_risk_url=_or_valid(links, ""),
)
def test_any_notes_submission_is_stored_or_told_what_to_fix(slack, fake_slack, portfolio, **fields):
    payload = {
        "type": "view_submission",
        "user": {"id": "U0PM"},
        "view": {
            "id": f"VF{next(_views)}",
            "type": "modal",
            "hash": "h1",
            "callback_id": ids.NOTES_VIEW,
            "private_metadata": json.dumps({"project_id": portfolio.rollout.id}),
            "state": {"values": notes_form(**fields)},
        },
    }
    _answered(slack, fake_slack, payload, set(notes_form()))


@FUZZ
@given(
    callback=st.sampled_from([ids.WIN_VIEW, ids.THANKS_VIEW]),
    text=_or_valid(texts, "Cut-over done a day early"),
    people=_or_valid(user_lists, ["U0PAT"]),
    project=_or_valid(st.sampled_from([None, "missing"]), "rollout"),
    metadata=st.sampled_from(["{}", '{"permalink": "https://ps.slack.com/archives/C1/p1"}', ""]),
)
def test_any_win_or_thanks_submission_is_recorded_or_told_what_to_fix(
    slack, fake_slack, portfolio, callback, text, people, project, metadata
):
    project_id = {"rollout": portfolio.rollout.id, None: None, "missing": 999_999}[project]
    payload = submission(
        callback,
        metadata,
        view_id=f"VW{next(_views)}",
        project_id=project_id,
        text=text,
        people=people,
    )
    _answered(slack, fake_slack, payload, {"text", "people", "project"})
