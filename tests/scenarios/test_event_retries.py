"""Slack's Events API retries and replayed clicks: each is acknowledged, and done once.

Slack retries an event (up to three times, with `X-Slack-Retry-Num` and
`X-Slack-Retry-Reason`) when psbot did not answer 200 within 3 seconds. A retry may be
the only delivery that got through, so psbot handles it like the first one; what it must
not do is pile up effects. The one event psbot listens to, `app_home_opened`, publishes
the viewer's Home, which replaces the previous one: the same event handled three times
leaves the same Home and the same rows.
"""

import json
import threading
import time

import pytest
import sqlalchemy as sa

from bot.store.models import AuditEntry, Base, ClosureItem
from messages import ids
from tests.commands.test_closure import button, click, control
from tests.conftest import TEAM_ID, signed_headers

HOME_OPENED = {"type": "app_home_opened", "user": "U0PM", "channel": "D0PM", "tab": "home"}


def deliver(slack, event, *, retry=0, reason="http_timeout", event_id="Ev0RETRIED"):
    """One delivery of the event `event_id`; a retry carries Slack's retry headers."""
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,  # the same on every retry
            "event_time": 1764000000,
            "event": event,
        }
    )
    headers = {**signed_headers(body), "content-type": "application/json"}
    if retry:
        headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": reason}
    return slack.dispatch(body, headers)


def published_views(fake_slack):
    views = []
    for call in fake_slack.calls_to("views.publish"):
        assert call.params["user_id"] == "U0PM"
        view = call.params["view"]
        views.append(json.loads(view) if isinstance(view, str) else view)
    return views


def finish_listeners(slack):
    """Wait for the work listeners do after their ack (the app takes no requests after)."""
    slack.app.listener_runner.listener_executor.shutdown(wait=True)


def row_counts(ctx):
    with ctx.session_factory() as session:
        return {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("reason", ["http_timeout", "http_error"])
def test_a_retried_home_opened_is_acknowledged_and_leaves_one_home(
    slack, fake_slack, portfolio, ctx, reason
):
    fake_slack.add_user("U0PM", "pam.manager@example.com", "Pam", tz="Europe/Berlin")
    assert deliver(slack, HOME_OPENED).status == 200
    fake_slack.wait_for("views.publish")
    rows = row_counts(ctx)
    for attempt in (1, 2, 3):
        response = deliver(slack, HOME_OPENED, retry=attempt, reason=reason)
        assert (response.status, response.body) == (200, "")
        fake_slack.wait_for("views.publish", count=1 + attempt)
    first, *again = published_views(fake_slack)
    assert again == [first] * 3  # the same Home, replaced in place
    assert not fake_slack.calls_to("users.info")  # Slack shows times in each viewer's zone
    assert row_counts(ctx) == rows


def test_a_retry_is_acknowledged_while_the_first_delivery_is_still_working(
    slack, fake_slack, portfolio
):
    """Slack retries because the ack was late; the retry's ack must not wait on the work."""
    release = threading.Event()

    def slow_publish(params):
        release.wait(5)
        return {"ok": True, "view": {"id": "V0HOME", "hash": "h"}}

    fake_slack.answer("views.publish", slow_publish)
    try:
        for attempt in (0, 1):
            started = time.monotonic()
            assert deliver(slack, HOME_OPENED, retry=attempt).status == 200
            assert time.monotonic() - started < 1
    finally:
        release.set()
    fake_slack.wait_for("views.publish", count=2)


def test_a_retried_event_for_another_tab_publishes_nothing(slack, fake_slack, portfolio):
    messages_tab = {**HOME_OPENED, "tab": "messages"}
    for attempt in (0, 1, 2):
        assert deliver(slack, messages_tab, retry=attempt).status == 200
    assert fake_slack.calls_to("views.publish") == []


# --- the same click twice ----------------------------------------------------------------


def test_a_double_clicked_closure_button_changes_the_item_once(slack, fake_slack, ctx, portfolio):
    done = button(ids.CLOSURE_DONE, portfolio.rollout.id, "internal_retro", 0)
    first = click(slack, fake_slack, done)
    second = click(slack, fake_slack, done)  # the very same payload
    with ctx.session_factory() as session:
        (item,) = session.scalars(sa.select(ClosureItem)).all()
        audit = session.scalars(sa.select(AuditEntry)).all()
    assert (item.item, item.status, item.version) == ("internal_retro", "done", 1)
    assert len(audit) == 1
    # Both answers redraw the checklist as it now is: the item done, offered for reopening.
    for answer in (first, second):
        reopen = control(answer, ids.CLOSURE_REOPEN, "internal_retro")
        assert reopen["value"].endswith(":1")


@pytest.mark.parametrize("control_id", [ids.NOTES_OPEN, ids.NOTES_PICK_PROJECT])
def test_a_double_clicked_notes_control_is_quietly_done_once(
    slack, fake_slack, ctx, portfolio, caplog, control_id
):
    """Slack refuses a trigger used twice and a view update with a stale hash."""
    refusals = {"views.open": "exchanged_trigger_id", "views.update": "hash_conflict"}
    for method, error in refusals.items():
        answered = []

        def once(params, method=method, error=error, answered=answered):
            answered.append(params)
            if len(answered) > 1:
                return {"ok": False, "error": error}
            return {"ok": True, "view": {"id": "V0NOTES", "hash": "h2"}}

        fake_slack.answer(method, once)
    project = str(portfolio.rollout.id)
    action = {"action_id": control_id, "type": "button", "value": project}
    if control_id == ids.NOTES_PICK_PROJECT:
        action = {"action_id": control_id, "type": "static_select"}
        action["selected_option"] = {"value": project}
    payload = {
        "type": "block_actions",
        "user": {"id": "U0PM"},
        "trigger_id": "t.double",
        "channel": {"id": "D0PM"},
        "view": {"id": "V0NOTES", "hash": "h1"},
        "actions": [action],
    }
    rows = row_counts(ctx)
    with caplog.at_level("ERROR", logger="psbot.bolt"):
        assert [slack.interactive(payload).status for _ in range(2)] == [200, 200]
        finish_listeners(slack)
    assert row_counts(ctx) == rows
    assert "Failed to run listener function" not in caplog.text
    assert fake_slack.calls_to("chat.postEphemeral") == []  # the first click did it: quiet
