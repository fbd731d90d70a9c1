"""`/ps closure`: the checklist through signed slash commands and block_actions requests.

The clock is Tuesday 24 November 2026 (see conftest). Pam (U0PM) is the PM of Acme
Rollout (SOW-1, T&M) and of Initech Portal (SOW-4, Fixed Fee, closing) added here; Pat
(U0PAT) is only booked on Rollout.
"""

import dataclasses
import datetime as dt
import itertools
import json
import threading

import pytest
import sqlalchemy as sa

from bot.store.models import AuditEntry, ClosureItem, Milestone, Project, Win
from messages import ids
from tests.conftest import ADMIN_ID

D = dt.date
_names = itertools.count(1)


@pytest.fixture
def data(portfolio, ctx):
    portfolio.portal = portfolio.project(
        "SOW-4", "Initech", "Portal", pm=portfolio.pam, type="FF", status="closing"
    )
    return portfolio


def blocks_of(params):
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def everything(params) -> str:
    return params.get("text", "") + json.dumps(blocks_of(params), ensure_ascii=False)


def controls(params) -> list[dict]:
    """Buttons and date pickers, each with the block id it sits in."""
    found = []
    for block in blocks_of(params):
        if block.get("accessory"):
            found.append({**block["accessory"], "block_id": block.get("block_id")})
        if block["type"] == "actions":
            found.extend({**e, "block_id": block.get("block_id")} for e in block["elements"])
    return found


def control(params, action_id, key) -> dict:
    """The button or picker `action_id` of item `key` in a rendered checklist."""
    for element in controls(params):
        ref = element.get("value") if element["type"] == "button" else element["block_id"]
        if element["action_id"] == action_id and ref and ref.split(":")[1] == key:
            return element
    raise AssertionError(f"no {action_id} for {key}")


def click(slack, fake_slack, element, user_id="U0PM", selected_date=None):
    """Send the block_actions Slack sends for a click on `element`; return the response."""
    name = f"click{next(_names)}"
    action = {
        "action_id": element["action_id"],
        "block_id": element.get("block_id") or "section",
        "type": element.get("type", "button"),
        "action_ts": "1700000000.1",
    }
    if action["type"] == "datepicker":
        action["selected_date"] = selected_date
    else:
        action["value"] = element.get("value")
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.click",
        "container": {"type": "message", "is_ephemeral": True},
        "channel": {"id": "C0PMO"},
        "response_url": fake_slack.response_url(name),
        "actions": [action],
    }
    assert slack.interactive(payload).status == 200
    return fake_slack.wait_for(f"/response/{name}")[-1].params


def button(action_id, project_id, key, version):
    return {"action_id": action_id, "type": "button", "value": f"{project_id}:{key}:{version}"}


def picker(project_id, key, version):
    return {
        "action_id": ids.CLOSURE_DATE,
        "type": "datepicker",
        "block_id": f"{project_id}:{key}:{version}",
    }


def items(ctx, project):
    with ctx.session_factory() as session:
        rows = session.scalars(sa.select(ClosureItem).where(ClosureItem.project_id == project.id))
        return {row.item: row for row in rows}


def audit(ctx):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def summary(params) -> str:
    return next(b["text"]["text"] for b in blocks_of(params) if b["type"] == "section")


def notice(params) -> str:
    return [b["text"]["text"] for b in blocks_of(params) if b["type"] == "section"][1]


# --- /ps closure PROJECT -----------------------------------------------------------------


def test_the_pm_gets_the_checklist_with_buttons(slack, data):
    reply = slack.ask("closure sow-1")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Closure checklist for SOW-1: 0/7 done"
    assert "*Acme — Rollout* (SOW-1) · T&amp;M · active · PM <@U0PM>" in summary(reply)
    assert "*0/7 done* · Next: *Project closure meeting scheduled*" in summary(reply)
    done = control(reply, ids.CLOSURE_DONE, "hours_approved")
    assert done["value"] == f"{data.rollout.id}:hours_approved:0"
    assert control(reply, ids.CLOSURE_DATE, "closure_meeting")["block_id"] == (
        f"{data.rollout.id}:closure_meeting:0"
    )


def test_a_project_by_name_works_too(slack, data):
    assert slack.ask("closure initech")["text"] == "Closure checklist for SOW-4: 0/10 done"


def test_unknown_project(slack, data):
    reply = slack.ask("closure SOW-999")
    assert "No project has SOW number SOW-999." in reply["text"]
    assert "/ps closure [PROJECT]" in reply["text"]


def test_someone_else_sees_it_read_only(slack, data):
    reply = slack.ask("closure sow-1", user_id="U0PAT")
    assert controls(reply) == []
    assert ":lock: Read-only: only the project's PM (<@U0PM>) and PMO admins" in everything(reply)


def test_an_admin_gets_the_buttons(slack, data):
    assert controls(slack.ask("closure sow-1", user_id=ADMIN_ID))


def test_fixed_fee_shows_the_passive_acceptance_date(slack, ctx, data):
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.portal.id,
                name="Final delivery",
                due_date=D(2026, 11, 30),
                signoff_sent=D(2026, 11, 23),
                passive_days=5,
            )
        )
    reply = slack.ask("closure sow-4")
    text = everything(reply)
    assert (
        "• Final delivery: sent Mon Nov 23, 5-business-day term → passive acceptance reached "
        "on Mon Nov 30, *3 business days left*"
    ) in text
    assert ":lock: Locked because not all hours are logged and approved; the customer's " in text


def test_the_holiday_calendar_is_the_configured_one(slack, ctx, data):
    ctx.settings = dataclasses.replace(ctx.settings, holidays=None)  # PSBOT_HOLIDAYS=off
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.portal.id,
                name="Final delivery",
                signoff_sent=D(2026, 11, 23),
                passive_days=5,
            )
        )
    # Without holidays Thanksgiving counts: Day 5 is Friday Nov 27.
    assert "reached on Fri Nov 27, *3 business days left*" in everything(slack.ask("closure sow-4"))


def test_wins_are_linked_from_the_shout_out_item(slack, ctx, data):
    assert "No ProjectWins yet: `/ps win SOW-1`" in everything(slack.ask("closure sow-1"))
    with ctx.session_factory.begin() as session:
        session.add(
            Win(
                project_id=data.rollout.id,
                text="Cut-over in one night, thanks <@U0PAT>! <!channel>",
                author_id="U0PM",
                ts="1700000001.000100",
                permalink="https://ps.slack.com/archives/C0INTERNAL/p1700000001000100",
            )
        )
    text = everything(slack.ask("closure sow-1"))
    assert (
        "1 ProjectWin:\\n• Cut-over in one night, thanks <@U0PAT>! &lt;!channel&gt; · "
        "<https://ps.slack.com/archives/C0INTERNAL/p1700000001000100|post>"
    ) in text
    assert "<!channel>" not in text


def test_hostile_project_names_are_escaped(slack, ctx, data):
    with ctx.session_factory.begin() as session:
        session.get(Project, data.rollout.id).customer = "<!here> Acme"
    text = everything(slack.ask("closure sow-1"))
    assert "<!here>" not in text and "&lt;!here&gt; Acme" in text


# --- /ps closure without a project ----------------------------------------------------------


def test_without_project_lists_the_callers_projects_to_close(slack, data, ctx):
    with ctx.session_factory.begin() as session:
        session.get(Project, data.migration.id).end_date = D(2026, 12, 10)  # 16 days out
        session.get(Project, data.rollout.id).end_date = D(2027, 3, 31)  # not soon
    reply = slack.ask("closure")
    assert reply["text"] == "2 projects to close"
    texts = [b["text"]["text"] for b in blocks_of(reply) if b["type"] == "section"]
    assert texts == [
        "*Initech — Portal* (SOW-4) · closing\n▱▱▱▱▱▱▱▱▱▱ *0/10* · "
        "Next: Project closure meeting scheduled",
        "*Acme — Migration* (SOW-2) · ends Thu Dec 10\n▱▱▱▱▱▱▱ *0/7* · "
        "Next: Project closure meeting scheduled",
    ]


def test_someone_without_projects_to_close_is_told_so(slack, data):
    reply = slack.ask("closure", user_id="U0PAT")
    assert reply["text"] == "No projects to close"


def test_open_checklist_from_the_list(slack, fake_slack, data):
    listed = slack.ask("closure")
    opened = click(slack, fake_slack, control_open(listed, data.portal.id))
    assert opened["replace_original"] is False and opened["response_type"] == "ephemeral"
    assert opened["text"] == "Closure checklist for SOW-4: 0/10 done"


def control_open(params, project_id):
    return next(
        e
        for e in controls(params)
        if e["action_id"] == ids.CLOSURE_OPEN and e["value"] == str(project_id)
    )


def click_in_app_home(slack, value, user_id="U0PM"):
    """The block_actions of an App Home button: no channel and no response_url."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id},
        "trigger_id": "t.home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "hash": "h1"},
        "actions": [{"action_id": ids.CLOSURE_OPEN, "type": "button", "value": value}],
    }
    assert slack.interactive(payload).status == 200


def test_open_checklist_from_app_home_posts_it_in_the_dm(slack, fake_slack, ctx, data):
    click_in_app_home(slack, str(data.portal.id))
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "U0PM"  # the app's DM with the user
    assert posted.params["text"] == "Closure checklist for SOW-4: 0/10 done"
    # Its buttons answer through their own response_url, as from `/ps closure`.
    after = click(slack, fake_slack, control(posted.params, ids.CLOSURE_DONE, "internal_retro"))
    assert after["replace_original"] is True and after["text"].endswith("1/10 done")
    assert items(ctx, data.portal)["internal_retro"].status == "done"


@pytest.mark.parametrize(
    ("value", "answer"),
    [
        ("nonsense", "That button is from an older checklist"),
        ("999", "That project is no longer in psbot; nothing was changed."),
    ],
)
def test_a_bad_open_checklist_click_in_app_home_is_answered_in_the_dm(
    slack, fake_slack, data, value, answer
):
    click_in_app_home(slack, value)
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "U0PM" and posted.params["text"].startswith(answer)


# --- ticking -----------------------------------------------------------------------------------


def test_done_persists_audits_and_redraws_in_place(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-1")
    after = click(slack, fake_slack, control(reply, ids.CLOSURE_DONE, "internal_retro"))
    row = items(ctx, data.rollout)["internal_retro"]
    assert (row.status, row.changed_by, row.version) == ("done", "U0PM", 1)
    assert row.changed_at == ctx.now()
    (entry,) = audit(ctx)
    assert (entry.actor, entry.action, entry.subject) == (
        "U0PM",
        "closure.internal_retro.done",
        "SOW-1",
    )
    assert after["replace_original"] is True
    assert after["text"] == "Closure checklist for SOW-1: 1/7 done"
    reopen = control(after, ids.CLOSURE_REOPEN, "internal_retro")
    assert reopen["value"] == f"{data.rollout.id}:internal_retro:1"


def test_reopen_and_not_applicable(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-1")
    after = click(slack, fake_slack, control(reply, ids.CLOSURE_NA, "closeout_report"))
    assert items(ctx, data.rollout)["closeout_report"].status == "na"
    after = click(slack, fake_slack, control(after, ids.CLOSURE_REOPEN, "closeout_report"))
    assert items(ctx, data.rollout)["closeout_report"].status == "open"
    assert [e.action for e in audit(ctx)] == [
        "closure.closeout_report.na",
        "closure.closeout_report.open",
    ]
    assert after["text"].endswith("0/7 done")


def test_picking_a_date_ticks_the_item_with_that_date(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-1")
    meeting = control(reply, ids.CLOSURE_DATE, "closure_meeting")
    after = click(slack, fake_slack, meeting, selected_date="2026-12-03")
    row = items(ctx, data.rollout)["closure_meeting"]
    assert (row.status, row.item_date) == ("done", D(2026, 12, 3))
    assert audit(ctx)[0].detail["date"] == "2026-12-03"
    assert "*Project closure meeting scheduled* — on Thu Dec 3" in everything(after)
    assert "Next: *CSAT survey sent*, before the meeting on Thu Dec 3" in summary(after)


def test_an_admin_may_tick(slack, fake_slack, ctx, data):
    click(slack, fake_slack, button(ids.CLOSURE_DONE, data.rollout.id, "shoutout", 0), ADMIN_ID)
    assert items(ctx, data.rollout)["shoutout"].changed_by == ADMIN_ID


def test_someone_else_ticking_changes_nothing_and_sees_it_read_only(slack, fake_slack, ctx, data):
    after = click(
        slack, fake_slack, button(ids.CLOSURE_DONE, data.rollout.id, "shoutout", 0), "U0PAT"
    )
    assert items(ctx, data.rollout) == {} and audit(ctx) == []
    assert after["replace_original"] is True
    assert notice(after).startswith(":lock: Only the project's PM and PMO admins")
    assert controls(after) == []


def test_a_stale_click_changes_nothing_and_refreshes(slack, fake_slack, ctx, data):
    first = slack.ask("closure sow-1")
    second = slack.ask("closure sow-1", user_id=ADMIN_ID)  # the same checklist, elsewhere
    meeting = control(first, ids.CLOSURE_DATE, "closure_meeting")
    click(slack, fake_slack, meeting, selected_date="2026-12-03")
    # The admin's view still shows the item open at version 0.
    stale = control(second, ids.CLOSURE_NA, "closure_meeting")
    after = click(slack, fake_slack, stale, ADMIN_ID)
    row = items(ctx, data.rollout)["closure_meeting"]
    assert (row.status, row.item_date, row.version) == ("done", D(2026, 12, 3), 1)
    assert len(audit(ctx)) == 1
    assert notice(after).startswith(":arrows_counterclockwise: Someone changed this item")
    assert control(after, ids.CLOSURE_REOPEN, "closure_meeting")["value"].endswith(":1")


def test_two_clicks_at_once_change_the_item_once(slack, fake_slack, ctx, data):
    barrier = threading.Barrier(2)
    results = []

    def send(user_id):
        barrier.wait()
        element = button(ids.CLOSURE_DONE, data.rollout.id, "internal_retro", 0)
        results.append(click(slack, fake_slack, element, user_id))

    threads = [threading.Thread(target=send, args=(u,)) for u in ("U0PM", ADMIN_ID)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert items(ctx, data.rollout)["internal_retro"].version == 1
    assert len(audit(ctx)) == 1
    stale = [r for r in results if "Someone changed this item" in everything(r)]
    assert len(results) == 2 and len(stale) == 1


def test_kantata_completed_is_refused_until_hours_are_approved(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-1")
    after = click(slack, fake_slack, control(reply, ids.CLOSURE_DONE, "kantata_completed"))
    assert notice(after) == (
        ":no_entry: Kantata can't be set to Completed yet: not all hours are logged and "
        "approved. Nothing was changed."
    )
    assert items(ctx, data.rollout) == {}
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "hours_approved"))
    click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "kantata_completed"))
    assert items(ctx, data.rollout)["kantata_completed"].status == "done"


def test_sign_off_received_before_it_was_sent_is_refused(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-4")
    sent = control(reply, ids.CLOSURE_DATE, "signoff_sent")
    after = click(slack, fake_slack, sent, selected_date="2026-11-23")
    received = control(after, ids.CLOSURE_DATE, "signoff_received")
    after = click(slack, fake_slack, received, selected_date="2026-11-20")
    assert notice(after) == (
        ":no_entry: Sign-off can't be received (Fri Nov 20) before it was sent (Mon Nov 23). "
        "Nothing was changed."
    )
    assert "signoff_received" not in items(ctx, data.portal)
    after = click(slack, fake_slack, received, selected_date="2026-11-24")
    assert items(ctx, data.portal)["signoff_received"].item_date == D(2026, 11, 24)


def signed_off(slack, fake_slack, project):
    """Sign-off sent Nov 23 and received Nov 24, picked in the checklist: what it shows."""
    after = click(slack, fake_slack, picker(project.id, "signoff_sent", 0), "U0PM", "2026-11-23")
    received = control(after, ids.CLOSURE_DATE, "signoff_received")
    return click(slack, fake_slack, received, selected_date="2026-11-24")


def test_fixed_fee_kantata_completed_waits_for_the_acceptance_attached(
    slack, fake_slack, ctx, data
):
    after = signed_off(slack, fake_slack, data.portal)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "hours_approved"))
    assert (
        ":lock: Locked because the acceptance isn't attached to the milestone yet."
    ) in everything(after)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "kantata_completed"))
    assert notice(after) == (
        ":no_entry: Kantata can't be set to Completed yet: the acceptance isn't attached to "
        "the milestone yet. Nothing was changed."
    )
    assert "kantata_completed" not in items(ctx, data.portal)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "acceptance_attached"))
    assert ":lock: Locked" not in everything(after)
    click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "kantata_completed"))
    assert items(ctx, data.portal)["kantata_completed"].status == "done"


def test_fixed_fee_kantata_completed_waits_for_all_hours_after_acceptance(
    slack, fake_slack, ctx, data
):
    # SPEC §5.7: Completed only after all hours are in and, for Fixed Fee, acceptance
    # confirmed. Fixed Fee revenue is signed off here; the hours are not in.
    after = signed_off(slack, fake_slack, data.portal)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "acceptance_attached"))
    assert ":lock: Locked because not all hours are logged and approved." in everything(after)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "kantata_completed"))
    assert notice(after) == (
        ":no_entry: Kantata can't be set to Completed yet: not all hours are logged and "
        "approved. Nothing was changed."
    )
    assert "kantata_completed" not in items(ctx, data.portal)
    after = click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "hours_approved"))
    click(slack, fake_slack, control(after, ids.CLOSURE_DONE, "kantata_completed"))
    assert items(ctx, data.portal)["kantata_completed"].status == "done"


def test_sign_off_request_sent_needs_its_date(slack, fake_slack, ctx, data):
    reply = slack.ask("closure sow-4")
    done = [e["value"].split(":")[1] for e in controls(reply) if e["action_id"] == ids.CLOSURE_DONE]
    assert "signoff_sent" not in done and "closure_meeting" in done
    assert control(reply, ids.CLOSURE_DATE, "signoff_sent")  # it is done by picking its date
    # A Done button from an older checklist.
    after = click(slack, fake_slack, button(ids.CLOSURE_DONE, data.portal.id, "signoff_sent", 0))
    assert notice(after) == (
        ":no_entry: “Sign-off request sent” needs its date: pick it from the calendar. "
        "Nothing was changed."
    )
    assert items(ctx, data.portal) == {}


def test_the_sent_date_is_for_the_first_milestone_not_requested(slack, fake_slack, ctx, data):
    with ctx.session_factory.begin() as session:
        for name, due in [("Wave 1", D(2026, 11, 30)), ("Wave 2", D(2026, 12, 15))]:
            session.add(
                Milestone(project_id=data.portal.id, name=name, due_date=due, passive_days=5)
            )
    sent = picker(data.portal.id, "signoff_sent", 0)
    text = everything(click(slack, fake_slack, sent, selected_date="2026-11-16"))
    assert "• Wave 1: sent Mon Nov 16, 5-business-day term → passive acceptance reached" in text
    assert "• Wave 2: acceptance not requested yet" in text
    assert (
        "Locked because not all hours are logged and approved; acceptance of “Wave 2” hasn't "
        "been requested yet"
    ) in text


def test_a_date_in_the_future_for_something_done_is_refused(slack, fake_slack, ctx, data):
    after = click(
        slack, fake_slack, picker(data.rollout.id, "csat_sent", 0), selected_date="2026-11-30"
    )
    assert "Mon Nov 30 is in the future" in notice(after)
    assert items(ctx, data.rollout) == {}


def test_an_item_that_does_not_apply_to_the_type_is_refused(slack, fake_slack, ctx, data):
    # A button from before the project became T&M, say.
    element = button(ids.CLOSURE_DONE, data.rollout.id, "acceptance_attached", 0)
    after = click(slack, fake_slack, element)
    assert notice(after) == (
        ":no_entry: “Acceptance attached to the milestone” doesn't apply to T&amp;M projects. "
        "Nothing was changed."
    )
    assert items(ctx, data.rollout) == {} and audit(ctx) == []


def test_a_malformed_button_gets_a_short_answer(slack, fake_slack, ctx, data):
    answer = click(
        slack, fake_slack, {"action_id": ids.CLOSURE_DONE, "type": "button", "value": "nonsense"}
    )
    assert answer["replace_original"] is False
    assert "older checklist" in answer["text"]
    assert audit(ctx) == []


def test_a_removed_project(slack, fake_slack, ctx, data):
    with ctx.session_factory.begin() as session:
        session.delete(session.get(Project, data.rollout.id))
    answer = click(slack, fake_slack, button(ids.CLOSURE_DONE, data.rollout.id, "shoutout", 0))
    assert answer["text"] == "That project is no longer in psbot; nothing was changed."
    assert audit(ctx) == []


def test_the_csat_warning_appears_once_the_meeting_has_passed(slack, fake_slack, ctx, data):
    after = click(
        slack,
        fake_slack,
        picker(data.rollout.id, "closure_meeting", 0),
        selected_date="2026-11-23",
    )
    assert ":warning: The closure meeting was on Mon Nov 23, but the CSAT survey" in everything(
        after
    )


def test_a_sign_off_ticked_in_slack_changes_the_next_forecast(slack, fake_slack, ctx, data):
    # The tick writes the checklist: the portfolio kept for the data's version is
    # computed again, and the milestone's money moves to the month it was accepted.
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.portal.id,
                name="Wave 1",
                due_date=D(2026, 12, 15),
                amount=10000,
            )
        )
    before = everything(slack.ask("forecast"))
    assert "*Nov 2026*: $9,600 forecast" in before
    signed_off(slack, fake_slack, data.portal)
    assert "*Nov 2026*: $19,600 forecast" in everything(slack.ask("forecast"))
