"""Escalating a project labels its RAID issue `Escalated` (no note); un-escalating takes
the label off; other labels stay."""

from tests.bot.integrations.gitlab.conftest import (
    RAID_IID,
    RAID_PATH,
    dms_to,
    posts,
    set_links,
)
from tests.bot.integrations.gitlab.test_notes import red
from tests.conftest import ADMIN_ID


def raid(fake_gitlab):
    return fake_gitlab.issue(RAID_PATH, RAID_IID)


def test_escalating_labels_the_raid_issue_and_adds_no_note(slack, fake_gitlab, ctx, team, settle):
    red(slack, team)
    settle()
    raid(fake_gitlab).labels.append("customer::acme")
    reply = slack.ask("escalate SOW-1", user_id=ADMIN_ID)
    assert "its RAID issue gets the `Escalated` label" in reply["text"]
    assert raid(fake_gitlab).labels == ["customer::acme", "Escalated"]
    assert raid(fake_gitlab).notes == []
    (update,) = fake_gitlab.calls_to("issue.update")
    assert update.body == {"add_labels": "Escalated"}
    slack.ask("escalate SOW-1 --off", user_id=ADMIN_ID)
    assert raid(fake_gitlab).labels == ["customer::acme"]
    assert fake_gitlab.calls_to("issue.update")[-1].body == {"remove_labels": "Escalated"}
    assert [
        (p.kind, p.status, p.payload["remove"]) for p in posts(ctx) if p.kind == "escalation"
    ] == [
        ("escalation", "sent", False),
        ("escalation", "sent", True),
    ]


def test_a_refused_label_fails_the_escalation_post_and_tells_the_pm(
    slack, fake_slack, fake_gitlab, ctx, team, settle
):
    red(slack, team)
    settle()
    fake_gitlab.fail("issue.update", 403)
    slack.ask("escalate SOW-1", user_id=ADMIN_ID)
    (post,) = [p for p in posts(ctx) if p.kind == "escalation"]
    assert post.status == "failed"  # no note carried it: the label was the whole point
    assert post.error == "setting the label: GitLab answered 403 (Forbidden)"
    (dm,) = dms_to(fake_slack, "U0PM", "I couldn't add")
    assert "I couldn't add the Escalated label for *Acme — Rollout (SOW-1)*" in dm
    assert "Reporter role" in dm


def test_without_a_raid_link_nothing_is_owed(slack, fake_gitlab, ctx, team, settle):
    red(slack, team, raid_url="https://gitlab.example.com/x")  # a link, but not kept below
    settle()
    set_links(ctx, "SOW-1", raid=None)
    with ctx.session_factory.begin() as session:
        from bot.store.models import Note

        session.query(Note).update({"raid_url": ""})
    reply = slack.ask("escalate SOW-1", user_id=ADMIN_ID)
    assert reply["text"].startswith(":rotating_light: *Acme — Rollout (SOW-1)* is now Escalated")
    assert "label" not in reply["text"]
    assert [p.kind for p in posts(ctx)] == ["epic_note"]
