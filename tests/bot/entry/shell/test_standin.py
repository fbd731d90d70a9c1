"""The stand-in Slack answers a real WebClient the way Slack does."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.entry.shell.standin import (
    FileShared,
    HomePublished,
    Pinned,
    Posted,
    ResponseTarget,
    StandInSlack,
    Updated,
    ViewOpened,
)
from bot.entry.shell.workspace import Workspace


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


def test_a_png_upload_keeps_its_bytes_and_alt_text(standin, client):
    channel = client.conversations_open(users="U01PRIYA")["channel"]["id"]
    png = b"\x89PNG\r\n\x1a\n\xff\x00binary"
    client.files_upload_v2(channel=channel, content=png, filename="c.png", alt_txt="A chart")
    (shared,) = standin.drain()
    assert (shared.data, shared.alt_text) == (png, "A chart")
