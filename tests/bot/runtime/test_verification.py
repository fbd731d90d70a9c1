"""Slack request signatures: every bad request gets 401 and changes nothing."""

import time

import pytest

from tests.conftest import signature, signed_headers


def _bad_headers(body: str, case: str) -> dict[str, str]:
    now = int(time.time())
    headers = signed_headers(body, now)
    if case == "bad signature":
        headers["x-slack-signature"] = "v0=" + "0" * 64
    elif case == "body changed by one byte":
        headers["x-slack-signature"] = signature(body[:-1] + "X", str(now))
    elif case == "timestamp 301 s old":
        headers = signed_headers(body, now - 301)
    elif case == "timestamp 301 s in the future":
        headers = signed_headers(body, now + 301)
    elif case == "non-numeric timestamp":
        headers["x-slack-request-timestamp"] = "yesterday"
        headers["x-slack-signature"] = signature(body, "yesterday")
    elif case == "missing signature":
        del headers["x-slack-signature"]
    elif case == "missing timestamp":
        del headers["x-slack-request-timestamp"]
    elif case == "missing both":
        headers = {"content-type": "application/x-www-form-urlencoded"}
    return headers


CASES = [
    "bad signature",
    "body changed by one byte",
    "timestamp 301 s old",
    "timestamp 301 s in the future",
    "non-numeric timestamp",
    "missing signature",
    "missing timestamp",
    "missing both",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_requests_are_refused_with_401_and_do_nothing(slack, fake_slack, case):
    body, _ = slack.command_body("help", "U0PM", "C0PMO")
    response = slack.dispatch(body, _bad_headers(body, case))
    assert response.status == 401
    time.sleep(0.2)
    assert fake_slack.calls == []


def test_timestamp_299_s_old_is_accepted(slack, fake_slack):
    body, name = slack.command_body("help", "U0PM", "C0PMO")
    response = slack.dispatch(body, signed_headers(body, int(time.time()) - 299))
    assert response.status == 200
    fake_slack.wait_for(f"/response/{name}")
