"""The closeout report: the checklist item names its owner, and ticking it posts a short
summary to the project leadership channel, through signed requests."""

import json
import time

import pytest

from bot.core.settings import load_settings
from messages import ids
from tests.commands.test_closure import click, control, everything
from tests.conftest import ADMIN_ID

LEADERSHIP = "ps-project-leadership"
EPIC = "https://gitlab.example.com/groups/ps/-/epics/4"


@pytest.fixture
def data(portfolio):
    return portfolio


def closeout_posts(fake_slack, channel=LEADERSHIP, wait_for=0):
    """The posts to `channel`; first waiting (5 s at most) until there are `wait_for`:
    the summary goes out after the checklist is redrawn."""
    deadline = time.monotonic() + 5
    while True:
        calls = fake_slack.calls_to("chat.postMessage")
        found = [c.params for c in calls if c.params["channel"] == channel]
        if len(found) >= wait_for or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def tick_closeout(slack, fake_slack, user_id="U0PM"):
    reply = slack.ask("closure sow-1", user_id=user_id)
    return click(slack, fake_slack, control(reply, ids.CLOSURE_DONE, "closeout_report"), user_id)


@pytest.fixture
def with_lessons(slack, ctx, data):
    from bot.store.models import Project

    with ctx.session_factory.begin() as session:
        session.get(Project, data.rollout.id).epic_url = EPIC
    slack.ask("lesson sow-1 llExpectation Agree <!here> UAT criteria & scope at kick-off")
    slack.ask("lesson sow-1 CustomerStory Deploys went from monthly to daily")
    slack.ask("lesson sow-2 llProduct Another project's lesson")
    return data


def test_the_item_names_its_owner(slack, data):
    reply = slack.ask("closure sow-1")
    assert "*Closeout report shared* · owner: the Regional Manager" in everything(reply)


def test_ticking_it_posts_the_summary_to_the_leadership_channel(slack, fake_slack, with_lessons):
    tick_closeout(slack, fake_slack)
    (post,) = closeout_posts(fake_slack, wait_for=1)
    assert post["text"] == "Closeout report: Acme — Rollout (SOW-1)"
    text = everything(post)
    assert ":checkered_flag: *Closeout report* · *Acme — Rollout* (SOW-1)" in text
    assert "T&amp;M · PM <@U0PM>" in text
    # Pat is hard-booked 40 h a week for ten weeks; Tia's 10 h are soft.
    assert "*Hours:* 400 h estimated (hard-booked in Kantata) · actual: _not in psbot yet" in text
    assert f"<{EPIC}|Internal Customer Epic>" in text
    assert "*Lessons learned:* 2" in text
    assert "• lesson learned (llExpectation): Agree @\u2060here UAT criteria &amp; scope" in text
    assert "• customer story: Deploys went from monthly to daily" in text
    assert "Another project's lesson" not in text
    assert "Ticked by <@U0PM> · owner: the Regional Manager" in text
    assert "subteam" not in text


def test_the_engagement_managers_group_is_mentioned_when_configured(
    slack, fake_slack, ctx, data, fake_slack_server, database_url
):
    ctx.settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": database_url,
            "PSBOT_ADMINS": ADMIN_ID,
            "PSBOT_LEADERSHIP_CHANNEL": "#C0LEAD",
            "PSBOT_EM_GROUP": "S0EMTEAM",
        },
        dotenv_path=None,
    )
    tick_closeout(slack, fake_slack)
    (post,) = closeout_posts(fake_slack, "C0LEAD", wait_for=1)
    assert post["text"].startswith("<!subteam^S0EMTEAM> Closeout report:")
    assert "*Closeout report* · *Acme — Rollout* (SOW-1) · <!subteam^S0EMTEAM>" in everything(post)
    assert "_no epic link on the project_" in everything(post)
    assert "_none recorded with `/ps lesson`_" in everything(post)


def test_not_applicable_posts_nothing_and_a_re_tick_posts_again(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-1")
    after = click(slack, fake_slack, control(reply, ids.CLOSURE_NA, "closeout_report"))
    assert closeout_posts(fake_slack) == []
    after = click(slack, fake_slack, control(after, ids.CLOSURE_REOPEN, "closeout_report"))
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "closeout_report"))
    after = click(slack, fake_slack, control(after, ids.CLOSURE_REOPEN, "closeout_report"))
    click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "closeout_report"))
    assert len(closeout_posts(fake_slack, wait_for=2)) == 2


def test_someone_who_may_not_tick_posts_nothing(slack, fake_slack, data):
    element = {
        "action_id": ids.CLOSURE_DONE,
        "type": "button",
        "value": f"{data.rollout.id}:closeout_report:0",
    }
    after = click(slack, fake_slack, element, "U0PAT")
    assert "Only the project's PM and PMO admins can change its checklist" in everything(after)
    assert closeout_posts(fake_slack) == []


def test_a_leadership_channel_slack_refuses_keeps_the_summary_owed(slack, fake_slack, ctx, data):
    from bot.store.models import OutboxEntry

    fake_slack.answer(
        "chat.postMessage",
        lambda params: (
            {"ok": False, "error": "not_in_channel"}
            if params["channel"] == LEADERSHIP
            else {"ok": True, "channel": params["channel"], "ts": "1.2"}
        ),
    )
    tick_closeout(slack, fake_slack)
    closeout_posts(fake_slack, wait_for=1)  # the refused attempt
    deadline = time.monotonic() + 5
    while True:
        with ctx.session_factory() as session:
            (entry,) = session.query(OutboxEntry).filter(OutboxEntry.key.like("closeout:%")).all()
        if entry.status == "retrying" or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert entry.status == "retrying" and "not_in_channel" in entry.error
    assert json.loads(json.dumps(entry.posts))[0]["channel"] == LEADERSHIP
