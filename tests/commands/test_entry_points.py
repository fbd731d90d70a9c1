"""Global shortcuts and App Home quick actions open the modals the commands open."""

import json

import pytest

from bot.store.models import Thanks
from messages import ids
from tests.commands.test_home import open_home
from tests.commands.test_notes import opened_view, picker_groups
from tests.commands.test_wins import SLACK_USERS, stored, submission

ENTRY_POINTS = [
    (ids.WRITE_NOTE, "Write a weekly note", ids.NOTES_VIEW, "notes"),
    (ids.NEW_WIN, "Record a ProjectWin", ids.WIN_VIEW, "win"),
    (ids.NEW_THANKS, "Thank someone", ids.THANKS_VIEW, None),
]


def global_shortcut(callback_id, user="U0PM", trigger_id="t.global"):
    return {
        "type": "shortcut",
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "action_ts": "1700000000.000300",
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
    }


def home_button(action_id, user="U0PM", trigger_id="t.home"):
    return {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": trigger_id,
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "quick_actions",
                "type": "button",
                "value": action_id,
            }
        ],
    }


def opened(slack, fake_slack, payload):
    fake_slack.reset()
    response = slack.interactive(payload)
    assert response.status == 200
    call, view = opened_view(fake_slack)
    return call.params["trigger_id"], view


@pytest.mark.parametrize(("entry", "name", "view_id", "command"), ENTRY_POINTS)
def test_a_global_shortcut_opens_the_commands_modal(
    slack, fake_slack, portfolio, entry, name, view_id, command
):
    trigger, view = opened(slack, fake_slack, global_shortcut(entry))
    assert trigger == "t.global"
    assert view["type"] == "modal" and view["callback_id"] == view_id
    # Pam's projects to pick (the notes picker asks for its options as she types)
    offered = picker_groups(slack, view) if view_id == ids.NOTES_VIEW else view
    assert "Acme — Rollout" in json.dumps(offered, ensure_ascii=False)
    if command:
        fake_slack.reset()
        slack.command(command)
        _, from_command = opened_view(fake_slack)
        assert view == from_command


@pytest.mark.parametrize(("entry", "name", "view_id", "command"), ENTRY_POINTS)
def test_app_home_quick_actions_open_the_same_modals(
    slack, fake_slack, portfolio, entry, name, view_id, command
):
    home = open_home(slack, fake_slack)
    (actions,) = [b for b in home["blocks"] if b.get("block_id") == "quick_actions"]
    assert [(e["text"]["text"], e["action_id"]) for e in actions["elements"]] == [
        (label, action) for action, label, _, _ in ENTRY_POINTS
    ]
    trigger, view = opened(slack, fake_slack, home_button(entry))
    assert trigger == "t.home"
    assert view["callback_id"] == view_id
    _, from_shortcut = opened(slack, fake_slack, global_shortcut(entry))
    assert view == from_shortcut


def test_a_newcomer_gets_quick_actions_and_a_clear_note_picker(slack, fake_slack, portfolio):
    home = open_home(slack, fake_slack, "U0NEW")
    assert "Welcome to psbot" in json.dumps(home)
    assert any(b.get("block_id") == "quick_actions" for b in home["blocks"])
    _, view = opened(slack, fake_slack, home_button(ids.WRITE_NOTE, user="U0NEW"))
    assert view["callback_id"] == ids.NOTES_VIEW and "submit" not in view
    assert "There is no project whose note you can write." in json.dumps(view)


def test_a_shortcut_without_a_trigger_opens_nothing_and_is_acknowledged(slack, fake_slack):
    fake_slack.reset()
    payload = global_shortcut(ids.NEW_WIN)
    del payload["trigger_id"]
    assert slack.interactive(payload).status == 200
    assert not fake_slack.calls_to("views.open")
    assert not fake_slack.calls_to("chat.postMessage")


def test_the_manifest_offers_the_global_shortcuts():
    with open("manifest.json", encoding="utf-8") as manifest:
        shortcuts = json.load(manifest)["features"]["shortcuts"]
    offered = [(s["callback_id"], s["name"]) for s in shortcuts if s["type"] == "global"]
    assert offered == [(entry, name) for entry, name, _, _ in ENTRY_POINTS]
    assert all(len(s["name"]) <= 24 for s in shortcuts)


def test_thanks_from_the_shortcut_is_recorded_and_shared(slack, fake_slack, ctx, portfolio):
    for user_id, email, name in SLACK_USERS:
        fake_slack.add_user(user_id, email, name)
    _, view = opened(slack, fake_slack, global_shortcut(ids.NEW_THANKS))
    assert "initial_users" not in view["blocks"][0]["element"]  # nobody chosen for you
    payload = submission(ids.THANKS_VIEW, view["private_metadata"], people=["U0PAT"])
    assert slack.interactive(payload).body == ""
    (thanks,) = stored(ctx, Thanks)
    assert thanks.giver_id == "U0PM" and not thanks.source_permalink
    fake_slack.wait_for("chat.postMessage", count=3)  # channel, the DM, the giver's receipt
