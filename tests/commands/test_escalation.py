"""`/ps escalate PROJECT [--off]` and the report's Escalate buttons, through signed requests."""

import json

import pytest
import sqlalchemy as sa

from bot.store.models import AuditEntry, Escalation
from messages import ids
from tests.commands.test_report import G, R, Y, everything, note
from tests.conftest import ADMIN_ID


@pytest.fixture
def week48(ctx, portfolio):
    data = portfolio
    data.initech = data.project("SOW-7", "Initech", "Upgrade", pm=data.pam, top_customer=True)
    data.hooli = data.project("SOW-8", "Hooli", "Audit", pm=data.pat, top_customer=True)
    note(ctx, data.rollout, "2026-W48", Y, Y, "Cut-over slipped")
    note(ctx, data.initech, "2026-W48", R, G, "Trainer sick", issue="Rebook; Dec 3")
    note(ctx, data.hooli, "2026-W48", G, R, "Customer unhappy with scope")
    return data


def escalations(ctx):
    with ctx.session_factory() as session:
        return [(e.project_id, e.escalated_by) for e in session.scalars(sa.select(Escalation))]


def said(reply) -> str:
    return reply["text"]


def test_an_admin_escalates_a_red_project_and_the_report_lists_it_first(slack, ctx, week48):
    reply = slack.ask("escalate sow-7", user_id=ADMIN_ID)
    assert said(reply).startswith(
        ":rotating_light: *Initech — Upgrade (SOW-7)* is now Escalated: the Top Customer "
        "report lists it first."
    )
    assert escalations(ctx) == [(week48.initech.id, ADMIN_ID)]
    report = everything([slack.ask("report")])
    initech = report.index("*Initech — Upgrade* (SOW-7)")
    assert initech < report.index("*Hooli — Audit* (SOW-8)")  # both Red; escalated first
    assert initech < report.index("*Acme — Rollout* (SOW-1)")
    assert "escalated first, then worst" in report
    assert ":rotating_light: *Escalated*" in report
    with ctx.session_factory() as session:
        (audit,) = session.scalars(sa.select(AuditEntry)).all()
    assert (audit.actor, audit.action, audit.subject) == (ADMIN_ID, "project.escalated", "SOW-7")


def test_un_escalating_takes_it_off_the_top(slack, ctx, week48):
    slack.ask("escalate SOW-7", user_id=ADMIN_ID)
    reply = slack.ask("escalate Initech --off", user_id=ADMIN_ID)
    assert said(reply) == "*Initech — Upgrade (SOW-7)* is no longer Escalated."
    assert escalations(ctx) == []
    assert ":rotating_light: *Escalated*" not in everything([slack.ask("report")])


def test_escalating_twice_changes_nothing(slack, ctx, week48):
    slack.ask("escalate SOW-7", user_id=ADMIN_ID)
    again = slack.ask("escalate SOW-7", user_id=ADMIN_ID)
    assert said(again) == "*Initech — Upgrade (SOW-7)* is already Escalated; nothing was changed."
    off_twice = slack.ask("escalate SOW-8 --off", user_id=ADMIN_ID)
    assert said(off_twice) == "*Hooli — Audit (SOW-8)* is not Escalated; nothing was changed."


@pytest.mark.parametrize(
    ("text", "user", "message"),
    [
        ("escalate SOW-7", "U0PM", "Only PMO admins can escalate a project"),
        ("escalate SOW-404", ADMIN_ID, "No project has SOW number SOW-404."),
        ("escalate", ADMIN_ID, "Name the project to escalate"),
        ("escalate SOW-7 --now", ADMIN_ID, "Unknown option --now."),
        (
            "escalate SOW-1",
            ADMIN_ID,
            "Acme — Rollout (SOW-1) is Yellow in its latest note (2026-W48): only a Red "
            "project can be escalated.",
        ),
        (
            "escalate SOW-2",
            ADMIN_ID,
            "Acme — Migration (SOW-2) has no weekly note yet: only a project whose latest "
            "note is Red can be escalated.",
        ),
    ],
)
def test_bad_escalations_are_refused_in_one_line(slack, ctx, week48, text, user, message):
    reply = slack.ask(text, user_id=user)
    assert message in said(reply) and reply["response_type"] == "ephemeral"
    assert escalations(ctx) == []


def report_buttons(slack, action_id):
    blocks = [b for r in [slack.ask("report")] for b in json.loads(json.dumps(r["blocks"]))]
    return [b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == action_id]


def click(slack, action_id, value, user_id):
    """Press a report button, and wait until the presser has been answered."""
    answered = len(slack.standin.calls_to("chat.postEphemeral"))
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "channel": {"id": "C0PMO"},
        "trigger_id": "t.click",
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }
    assert slack.interactive(payload).status == 200
    slack.standin.wait_for("chat.postEphemeral", count=answered + 1)


def ephemerals(fake_slack, user_id):
    return [
        c.params["text"]
        for c in fake_slack.calls_to("chat.postEphemeral")
        if c.params["user"] == user_id
    ]


def test_the_reports_red_projects_have_an_escalate_button_that_only_admins_may_use(
    slack, fake_slack, ctx, week48
):
    buttons = report_buttons(slack, ids.ESCALATE)
    assert sorted(b["value"] for b in buttons) == sorted(
        [str(week48.initech.id), str(week48.hooli.id)]
    )  # Red ones only
    click(slack, ids.ESCALATE, str(week48.hooli.id), "U0PM")
    assert ephemerals(fake_slack, "U0PM") == [
        "Only PMO admins can escalate a project (or un-escalate it); nothing was changed."
    ]
    assert escalations(ctx) == []
    click(slack, ids.ESCALATE, str(week48.hooli.id), ADMIN_ID)
    (confirmation,) = ephemerals(fake_slack, ADMIN_ID)
    assert confirmation.startswith(":rotating_light: *Hooli — Audit (SOW-8)* is now Escalated")
    assert escalations(ctx) == [(week48.hooli.id, ADMIN_ID)]
    (undo,) = report_buttons(slack, ids.UNESCALATE)
    assert undo["value"] == str(week48.hooli.id)
    click(slack, ids.UNESCALATE, undo["value"], ADMIN_ID)
    assert escalations(ctx) == []


def test_a_button_for_a_project_since_removed_says_so(slack, fake_slack, ctx, week48):
    click(slack, ids.ESCALATE, "999999", ADMIN_ID)
    assert ephemerals(fake_slack, ADMIN_ID) == [
        "That project is no longer in psbot; nothing was changed."
    ]


def test_an_escalated_project_gone_green_stays_on_top_until_un_escalated(slack, ctx, week48):
    slack.ask("escalate SOW-7", user_id=ADMIN_ID)
    note(ctx, week48.initech, "2026-W48", G, G, "Trainer back")
    report = everything([slack.ask("report")])
    assert report.index("*Initech — Upgrade* (SOW-7)") < report.index("*Hooli — Audit*")
