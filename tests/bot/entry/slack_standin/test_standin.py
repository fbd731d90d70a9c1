"""The stand-in Slack answers a real WebClient the way Slack does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.entry.slack_standin.standin import (
    FileShared,
    HomePublished,
    Pinned,
    Posted,
    ResponseTarget,
    StandInSlack,
    Updated,
    ViewOpened,
)
from bot.entry.slack_standin.workspace import Workspace


@pytest.fixture
def standin():
    workspace = Workspace()
    workspace.add_people([("U01PRIYA", "Priya Patel", "priya.patel@example.com", "Europe/Paris")])
    standin = StandInSlack(workspace).start()
    yield standin
    standin.stop()


@pytest.fixture
def client(standin) -> WebClient:
    return WebClient(token="xoxb-any", base_url=standin.api_url)


def test_posts_to_channel_names_and_dms(standin, client):
    posted = client.chat_postMessage(channel="#ps_pmo", text="hi", blocks=[{"type": "divider"}])
    dm = client.chat_postMessage(channel="U01PRIYA", text="psst")
    assert posted["channel"] == "C0PSPMO" and posted["ts"]
    assert dm["channel"] == "D01PRIYA"
    first, second = standin.drain()
    assert isinstance(first, Posted) and first.message.blocks[0]["block_id"]
    assert standin.workspace.where(second.message.channel) == "DM with @Priya Patel"
    assert standin.drain() == []


def test_people_are_found_as_slack_finds_them(client):
    user = client.users_lookupByEmail(email="Priya.Patel@example.com")["user"]
    assert (user["id"], user["name"], user["tz"]) == ("U01PRIYA", "priya", "Europe/Paris")
    with pytest.raises(SlackApiError, match="users_not_found"):
        client.users_lookupByEmail(email="nobody@example.com")
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U0NOBODY")


def test_pins_once(standin, client):
    ts = client.chat_postMessage(channel="ps-internal", text="win")["ts"]
    client.pins_add(channel="ps-internal", timestamp=ts)
    with pytest.raises(SlackApiError, match="already_pinned"):
        client.pins_add(channel="ps-internal", timestamp=ts)
    assert [type(e) for e in standin.drain()] == [Posted, Pinned]


def test_views_keep_ids_and_refuse_a_stale_hash(standin, client):
    opened = client.views_open(trigger_id="t1", view={"type": "modal", "blocks": []})["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view={"type": "modal"})
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view={"type": "modal"})
    client.views_publish(user_id="U01PRIYA", view={"type": "home", "blocks": []})
    kinds = [type(e) for e in standin.drain()]
    assert kinds[0] is ViewOpened and kinds[-1] is HomePublished
    assert standin.homes["U01PRIYA"]["type"] == "home"


def test_response_urls_post_ephemerally_or_replace_the_original(standin, client):
    ts = client.chat_postMessage(channel="ps_pmo", text="checklist")["ts"]
    (posted,) = standin.drain()
    new = standin.response_url(ResponseTarget("U01PRIYA", "C0PSPMO"))
    WebhookClient(new).send(text="only you", response_type="ephemeral")
    same = standin.response_url(ResponseTarget("U01PRIYA", "C0PSPMO", posted.message))
    WebhookClient(same).send(text="ticked", replace_original=True)
    reply, update = standin.drain()
    assert isinstance(reply, Posted) and reply.message.ephemeral_to == "U01PRIYA"
    assert isinstance(update, Updated) and update.message.ts == ts
    assert standin.messages["C0PSPMO", ts].text == "ticked"


def test_file_uploads_keep_their_content(standin, client):
    channel = client.conversations_open(users="U01PRIYA")["channel"]["id"]
    client.files_upload_v2(
        channel=channel, content="# Wins\n", filename="wins.md", initial_comment="for you"
    )
    (shared,) = standin.drain()
    assert shared == FileShared(
        channel, "wins.md", "wins.md", "# Wins\n", "for you", b"# Wins\n", ""
    )


@pytest.mark.parametrize("given", [{"filename": "a.csv"}, {"length": 3}, {}])
def test_an_upload_url_needs_the_files_name_and_size(standin, client, given):
    with pytest.raises(SlackApiError) as raised:
        client.api_call("files.getUploadURLExternal", params=given)
    assert raised.value.response["error"] == "invalid_arguments"
    assert client.files_getUploadURLExternal(filename="a.csv", length=3)["file_id"]


def test_every_call_is_recorded_and_an_answer_replaces_the_kept_state(standin, client):
    standin.answer("chat.postMessage", lambda params: {"ok": True, "channel": "C1", "ts": "1.2"})
    assert client.chat_postMessage(channel="ps_pmo", text="hi")["ts"] == "1.2"
    (call,) = standin.wait_for("chat.postMessage")
    assert call.params["text"] == "hi" and call.headers["Authorization"] == "Bearer xoxb-any"
    assert standin.drain() == [] and standin.messages == {}


def test_injected_failures_answer_as_a_busy_slack_does(standin):
    standin.fail("chat.postMessage", 429, retry_after=7)
    request = urllib.request.Request(standin.api_url + "chat.postMessage", data=b"text=hi")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 429 and refused.value.headers["Retry-After"] == "7"
    assert json.loads(refused.value.read()) == {"ok": False, "error": "ratelimited"}
    with urllib.request.urlopen(request, timeout=5) as answered:  # only the next call
        assert json.loads(answered.read())["ok"]


def test_strict_it_refuses_what_it_never_saw(standin, client):
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C0PSPMO", ts="1700000000.000100", text="edited")
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="V0NEVER", view={"type": "modal"})
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.conversations_open(users="U0NOBODY")
    assert WebhookClient(standin.url + "/response/never-given").send(text="hi").status_code == 404


def test_not_strict_it_takes_changes_to_what_it_never_saw():
    standin = StandInSlack(strict=False).start()
    try:
        client = WebClient(token="xoxb-any", base_url=standin.api_url)
        edited = client.chat_update(channel="C0PMO", ts="1700000000.000100", text="edited")
        assert (edited["channel"], edited["ts"]) == ("C0PMO", "1700000000.000100")
        assert client.views_update(view_id="V0NEVER", view={"type": "modal"})["view"]["id"]
        assert client.conversations_open(users="U0NOBODY")["channel"]["id"] == "D0NOBODY"
        assert client.users_info(user="U0PSBOT")["user"]["is_bot"]
        with pytest.raises(SlackApiError, match="user_not_found"):  # lookups still miss
            client.users_info(user="U0NOBODY")
    finally:
        standin.stop()


def test_a_named_response_url_is_recorded_under_its_name(standin):
    assert WebhookClient(standin.response_url("cmd7")).send(text="done").status_code == 200
    (reply,) = standin.calls_to("/response/cmd7")
    assert reply.params["text"] == "done" and standin.drain() == []


def test_people_can_be_added_deactivated_or_from_another_workspace(standin, client):
    standin.add_user("U0JANE", "jane@example.com", "Jane Smith", deleted=True)
    standin.add_user("U0OUT", "out@other.example", team_id="T0OTHER")
    jane = client.users_lookupByEmail(email="jane@example.com")["user"]
    assert (jane["real_name"], jane["deleted"], jane["team_id"]) == ("Jane Smith", True, "T0PSBOT")
    assert client.users_info(user="U0OUT")["user"]["team_id"] == "T0OTHER"


def test_a_png_upload_keeps_its_bytes_and_alt_text(standin, client):
    channel = client.conversations_open(users="U01PRIYA")["channel"]["id"]
    png = b"\x89PNG\r\n\x1a\n\xff\x00binary"
    client.files_upload_v2(channel=channel, content=png, filename="c.png", alt_txt="A chart")
    (shared,) = standin.drain()
    assert (shared.data, shared.alt_text) == (png, "A chart")
