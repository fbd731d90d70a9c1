"""Faults under the interactive paths: Slack's Web API failing, or the database failing a click.

Each ends in a short answer for the user (or, for App Home, nothing shown and a log
line), never a traceback, and the next request is served as usual.
"""

import json
import logging
import threading
import time

import pytest

from bot.core.errors import DATABASE_DOWN
from bot.entry.slack_standin.slack_requests import SLACK_ACK_SECONDS
from messages import ids
from tests.commands.test_closure import button, click
from tests.commands.test_wins import submission

OPENED = {"ok": True, "view": {"id": "V0NOTES", "hash": "h1"}}


def wait_until(condition, what, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def still_serving(slack):
    assert "Acme — Rollout" in json.dumps(slack.ask("projects"), ensure_ascii=False)


def refuse(error):
    return lambda params: {"ok": False, "error": error}


# --- Slack's Web API ---------------------------------------------------------------------


def test_a_views_open_slower_than_the_client_timeout_gets_a_short_answer(
    slack, fake_slack, portfolio
):
    # psbot keeps slack_sdk's 30-second timeout; a second makes the same point faster.
    slack.app.client.timeout = 1
    release = threading.Event()

    def stuck(params):
        release.wait(10)
        return OPENED

    fake_slack.answer("views.open", stuck)
    try:
        started = time.monotonic()
        body, name = slack.command_body("notes sow-1", "U0PM", "C0PMO")
        assert slack.dispatch(body).status == 200
        assert time.monotonic() - started < 1  # acknowledged before the slow call
        reply = fake_slack.wait_for(f"/response/{name}")[-1].params
    finally:
        release.set()
    assert reply["text"].startswith(":warning: Slack didn't answer in time, so this didn't go")
    assert len(fake_slack.calls_to("views.open")) == 1  # an expired trigger is not retried
    fake_slack.answers.pop("views.open")
    assert slack.command("notes sow-1").status == 200
    fake_slack.wait_for("views.open", count=2)
    still_serving(slack)


def test_invalid_auth_on_views_open_gets_a_short_answer(slack, fake_slack, portfolio):
    fake_slack.answer("views.open", refuse("invalid_auth"))
    assert "Slack refused that just now (`invalid_auth`)" in slack.ask("notes sow-1")["text"]
    assert len(fake_slack.calls_to("views.open")) == 1
    still_serving(slack)


def test_invalid_auth_on_views_publish_shows_nothing_and_is_logged(
    slack, fake_slack, portfolio, caplog
):
    fake_slack.answer("views.publish", refuse("invalid_auth"))
    with caplog.at_level(logging.INFO):
        event = {"type": "app_home_opened", "user": "U0PM", "channel": "D0PM", "tab": "home"}
        assert slack.event(event).status == 200
        wait_until(
            lambda: "publishing App Home for U0PM failed" in caplog.text,
            "the failed publish was not logged",
        )
    assert "invalid_auth" in caplog.text
    assert "Failed to run listener function" not in caplog.text  # psbot handled it
    still_serving(slack)


def test_channel_not_found_on_the_csv_export_gets_a_short_answer(slack, fake_slack, portfolio):
    fake_slack.add_user("U0PM", "pam.manager@example.com", "Pam")
    fake_slack.add_user("U0PAT", "pat.engineer@example.com", "Pat")
    slack.ask("thanks <@U0PAT|pat> sow-1 for the runbook")
    fake_slack.answer("files.completeUploadExternal", refuse("channel_not_found"))
    reply = slack.ask("wins sow-1 --format csv")
    assert "Slack refused that just now (`channel_not_found`)" in reply["text"]  # not "Sent you"
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1
    fake_slack.answers.pop("files.completeUploadExternal")
    assert (
        "Sent you `wins-acme-rollout-sow-1.csv` (1 entries)"
        in (slack.ask("wins sow-1 --format csv")["text"])
    )


def test_invalid_auth_on_the_update_notes_button_is_handled(slack, fake_slack, portfolio, caplog):
    fake_slack.answer("views.open", refuse("invalid_auth"))
    payload = {
        "type": "block_actions",
        "user": {"id": "U0PM"},
        "trigger_id": "t.home",
        "actions": [
            {"action_id": ids.NOTES_OPEN, "type": "button", "value": str(portfolio.rollout.id)}
        ],
    }
    with caplog.at_level(logging.ERROR, logger="psbot.bolt"):
        assert slack.interactive(payload).status == 200
        slack.app.listener_runner.listener_executor.shutdown(wait=True)
    assert "Failed to run listener function" not in caplog.text
    (told,) = fake_slack.calls_to("chat.postMessage")  # no channel under the click: a DM
    assert told.params["channel"] == "U0PM"
    assert "Slack refused that just now (`invalid_auth`)" in told.params["text"]


# --- the database, under a click -----------------------------------------------------------


def tick(portfolio):
    return button(ids.CLOSURE_DONE, portfolio.rollout.id, "internal_retro", 0)


def open_checklist(portfolio):
    return {"action_id": ids.CLOSURE_OPEN, "type": "button", "value": str(portfolio.rollout.id)}


@pytest.mark.parametrize(("element", "done"), [(tick, "1/7 done"), (open_checklist, "0/7 done")])
def test_a_closure_click_while_the_database_is_down_is_answered(
    slack, fake_slack, portfolio, outage, element, done
):
    down, up = outage
    down()
    answer = click(slack, fake_slack, element(portfolio))
    assert answer == {
        "text": DATABASE_DOWN,
        "response_type": "ephemeral",
        "replace_original": False,  # the checklist stays as it was
    }
    up()
    answer = click(slack, fake_slack, element(portfolio))
    assert answer["text"] == f"Closure checklist for SOW-1: {done}"


# --- the database, under a win or thanks submitted from its modal ---------------------------


def capture(callback_id, portfolio):
    text = "Shipped the cut-over"
    return submission(
        callback_id, "{}", project_id=portfolio.rollout.id, text=text, people=["U0PAT"]
    )


def modal_errors(response):
    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_action"] == "errors"  # the modal stays open, its text kept
    return body["errors"]


@pytest.mark.parametrize("callback_id", [ids.WIN_VIEW, ids.THANKS_VIEW])
def test_a_win_or_thanks_submitted_while_the_database_is_down_is_answered_in_the_modal(
    slack, fake_slack, portfolio, outage, callback_id
):
    down, up = outage
    down()
    started = time.monotonic()
    assert modal_errors(slack.interactive(capture(callback_id, portfolio))) == {
        "text": DATABASE_DOWN
    }
    assert time.monotonic() - started < SLACK_ACK_SECONDS
    up()
    assert slack.interactive(capture(callback_id, portfolio)).body == ""  # stored now


@pytest.mark.parametrize("callback_id", [ids.WIN_VIEW, ids.THANKS_VIEW])
def test_a_win_or_thanks_submitted_while_the_database_is_locked_is_answered_in_time(
    slack, portfolio, write_locked, callback_id
):
    # Held for longer than Slack waits for the modal's answer.
    with write_locked():
        started = time.monotonic()
        response = slack.interactive(capture(callback_id, portfolio))
        waited = time.monotonic() - started
    assert waited < SLACK_ACK_SECONDS
    assert modal_errors(response) == {"text": DATABASE_DOWN}
