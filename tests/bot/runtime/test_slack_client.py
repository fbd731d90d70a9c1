"""The Web API client retries what Slack asks it to retry."""

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.runtime.slack_client import create_web_client


@pytest.fixture
def client(fake_slack):
    return create_web_client("xoxb-test", fake_slack.api_url)


def test_rate_limit_is_retried_after_retry_after(client, fake_slack):
    fake_slack.fail("chat.postMessage", 429, retry_after=1)
    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert time.monotonic() - started >= 1


def test_server_errors_are_retried(client, fake_slack):
    fake_slack.fail("chat.postMessage", 503, times=2)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


def test_retries_are_bounded(client, fake_slack):
    fake_slack.fail("chat.postMessage", 500, times=10)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
