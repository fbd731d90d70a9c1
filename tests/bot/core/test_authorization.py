"""The authorization matrix: every write action × every role, in one table."""

import json

import pytest

from bot.core.authorization import Action, Role, allowed
from bot.entry.app import OUTSIDER
from tests.conftest import TEAM_ID

ADMINS = {"U0ADMIN"}
PM, DRI, RECORDER, MEMBER = "U0PM", "U0DRI", "U0REC", "U0MEMBER"
DELEGATE = "U0COVERS"  # covers for the PM while they are away
WHO = {
    Role.ADMIN: {"user_id": "U0ADMIN"},
    Role.PM: {"user_id": PM},
    Role.DRI: {"user_id": DRI},
    Role.DELEGATE: {"user_id": DELEGATE},
    Role.RECORDER: {"user_id": RECORDER},
    Role.MEMBER: {"user_id": MEMBER},
    Role.OUTSIDER: {"user_id": "U0EXTERNAL", "outsider": True},
}
YES, NO = True, False
MATRIX = {
    #                       admin PM   DRI  delegate recorder member outsider
    Action.WRITE_NOTE:      (YES, YES, YES, YES, NO,  NO,  NO),
    Action.TICK_CLOSURE:    (YES, YES, NO,  NO,  NO,  NO,  NO),
    Action.RECORD_WIN:      (YES, YES, YES, YES, YES, YES, NO),
    Action.THANK:           (YES, YES, YES, YES, YES, YES, NO),
    Action.READ:            (YES, YES, YES, YES, YES, YES, NO),
    Action.SEE_PORTFOLIO:   (YES, NO,  NO,  NO,  NO,  NO,  NO),
    Action.RETRY_POSTS:     (YES, NO,  NO,  NO,  NO,  NO,  NO),
    Action.ESCALATE:        (YES, NO,  NO,  NO,  NO,  NO,  NO),
    Action.ADD_UPSIDE:      (YES, YES, YES, YES, NO,  NO,  NO),
    Action.REMOVE_UPSIDE:   (YES, NO,  NO,  NO,  YES, NO,  NO),
    Action.CHANGE_SETTINGS: (YES, NO,  NO,  NO,  NO,  NO,  NO),
}  # fmt: skip


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_every_action_for_every_role(action, role):
    expected = dict(zip(Role, MATRIX[action], strict=True))[role]
    who = WHO[role]
    assert (
        allowed(
            action,
            who["user_id"],
            admins=ADMINS,
            pm_slack_id=PM,
            dri_ids=[DRI],
            outsider=who.get("outsider", False),
            recorder_id=RECORDER,
            delegate_id=DELEGATE,
        )
        is expected
    )


def test_an_admin_from_another_workspace_is_still_an_outsider():
    assert not allowed(Action.READ, "U0ADMIN", admins=ADMINS, outsider=True)


def test_a_project_without_a_pm_has_no_pm_role():
    assert not allowed(Action.TICK_CLOSURE, "U0ANY", admins=ADMINS, pm_slack_id=None)


# --- the same decisions at the app's door -----------------------------------------------


def test_a_command_from_another_workspace_is_refused(slack, fake_slack, portfolio):
    body, name = slack.command_body("bookings sow-1", "U0EXTERNAL", "C0SHARED")
    body = body.replace(f"team_id={TEAM_ID}", "team_id=T0OTHER")
    response = slack.dispatch(body)
    assert (response.status, response.body) == (200, OUTSIDER)
    assert fake_slack.calls_to(f"/response/{name}") == []


def test_a_submission_from_another_workspace_changes_nothing(slack, ctx, portfolio):
    from tests.commands.test_notes import form, notes

    payload = {
        "type": "view_submission",
        "user": {"id": "U0PM", "team_id": "T0OTHER"},
        "view": {
            "id": "V1",
            "hash": "h",
            "type": "modal",
            "callback_id": "notes_submit",
            "private_metadata": json.dumps({"project_id": portfolio.rollout.id}),
            "state": {"values": form()},
        },
    }
    response = slack.interactive(payload)
    assert (response.status, response.body) == (200, "")
    assert notes(ctx) == []
    payload["user"]["team_id"] = TEAM_ID  # the same submission from inside is stored
    assert slack.interactive(payload).body == ""
    assert len(notes(ctx)) == 1


def test_an_event_from_another_workspace_publishes_nothing(slack, fake_slack, portfolio):
    fake_slack.reset()
    slack.event({"type": "app_home_opened", "user": "U0X", "user_team": "T0OTHER", "tab": "home"})
    assert fake_slack.calls_to("views.publish") == []
