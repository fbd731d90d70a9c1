"""The closure checklist and the projects-to-close list, built without Slack or a database."""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from bot.core.business_days import BusinessCalendar
from bot.pmo.closure import (
    Checklist,
    ItemState,
    MilestoneAcceptance,
    ProjectInfo,
    Status,
    WinLink,
    items_for,
    passive_acceptance,
)
from messages import ids
from messages.closure_builder import (
    ItemRef,
    build_closure_checklist,
    build_closure_list,
    item_ref,
    read_item_ref,
)

US = BusinessCalendar("US")
NY = ZoneInfo("America/New_York")
D = dt.date
TODAY = D(2026, 11, 24)
CHANGED = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
HOSTILE = "<!channel> <@U0ADMIN> <https://evil.example|click> & co"
HOSTILE_RAW = ("<!channel>", "<@U0ADMIN>", "<https://evil.example|click>")


def info(**overrides) -> ProjectInfo:
    values = {
        "id": 7,
        "sow": "SOW-4",
        "customer": "Initech",
        "name": "Portal",
        "type": "FF",
        "status": "closing",
        "end_date": D(2026, 12, 4),
        "pm_slack_id": "U0PM",
        "pm_name": "Pam Manager",
        **overrides,
    }
    return ProjectInfo(**values)


def states(project_type="FF", **changed) -> tuple[ItemState, ...]:
    """Items of a type; `changed` maps item keys to (status, date, version)."""
    items = []
    for spec in items_for(project_type):
        if spec.key in changed:
            status, date, version = changed[spec.key]
            items.append(ItemState(spec, status, date, "", "U0PM", CHANGED, version))
        else:
            items.append(ItemState(spec))
    return tuple(items)


SENT = D(2026, 11, 23)


def pending_final(sent=SENT, term=5) -> MilestoneAcceptance:
    return MilestoneAcceptance(
        "Final delivery", D(2026, 11, 30), sent, None, passive_acceptance(sent, term, US, TODAY)
    )


def mid_way() -> Checklist:
    """Fixed Fee: meeting set, CSAT and the sign-off request sent, hours approved; passive
    term running."""
    return Checklist(
        info(),
        states(
            closure_meeting=(Status.DONE, D(2026, 12, 3), 1),
            csat_sent=(Status.DONE, D(2026, 11, 20), 1),
            hours_approved=(Status.DONE, None, 1),
            signoff_sent=(Status.DONE, D(2026, 11, 23), 2),
        ),
        (pending_final(),),
        (),
        TODAY,
    )


def build(checklist, editable=True, channel="ps-internal", notice=None):
    return build_closure_checklist(
        checklist, editable=editable, tz=NY, internal_channel=channel, notice=notice
    )


def dicts(blocks):
    return [block.to_dict() for block in blocks]


def section_texts(blocks) -> list[str]:
    return [b["text"]["text"] for b in dicts(blocks) if b["type"] == "section"]


def context_texts(blocks) -> list[str]:
    return [e["text"] for b in dicts(blocks) if b["type"] == "context" for e in b["elements"]]


def item_section(blocks, title) -> dict:
    """The item's section: it starts with the status emoji and the title."""
    start = re.compile(r":[a-z_]+: \*" + re.escape(title) + r"\*")
    return next(
        b for b in dicts(blocks) if b["type"] == "section" and start.match(b["text"]["text"])
    )


def elements(blocks) -> list[dict]:
    found = []
    for block in dicts(blocks):
        if block.get("accessory"):
            found.append({**block["accessory"], "block_id": block.get("block_id")})
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            found.append({**element, "block_id": block.get("block_id")})
    return found


# --- the checklist -------------------------------------------------------------------------


def test_fixed_fee_mid_way_shows_progress_next_step_and_the_passive_date():
    text, blocks = build(mid_way())
    assert text == "Closure checklist for SOW-4: 4/10 done"
    summary = section_texts(blocks)[0]
    assert summary.startswith(
        "*Initech — Portal* (SOW-4) · Fixed Fee · closing · PM <@U0PM>\n▰▰▰▰▱▱▱▱▱▱ *4/10 done*"
    )
    assert summary.endswith(
        "Next: *Sign-off received or passive acceptance reached*: passive acceptance is "
        "reached on Mon Nov 30 (3 business days left)"
    )
    received = item_section(blocks, "Sign-off received or passive acceptance reached")
    assert (
        "• Final delivery: sent Mon Nov 23, 5-business-day term → passive acceptance reached "
        "on Mon Nov 30, *3 business days left*"
    ) in received["text"]["text"]
    meeting = item_section(blocks, "Project closure meeting scheduled")["text"]["text"]
    assert meeting.startswith(
        ":white_check_mark: *Project closure meeting scheduled* — on Thu Dec 3"
    )
    assert "_by <@U0PM> on Mon Nov 23_" in meeting


def test_kantata_is_locked_with_the_reason_until_revenue_is_signed_off():
    _, blocks = build(mid_way())
    kantata = item_section(blocks, "Kantata status set to Completed")["text"]["text"]
    assert kantata.startswith(":lock:")
    assert ":lock: Locked because the customer's acceptance isn't received" in kantata
    assert "Mon Nov 30 (3 business days left)" in kantata


def test_fixed_fee_kantata_is_locked_until_all_hours_are_in():
    # Fixed Fee revenue is signed off (accepted and attached); the hours are not in.
    items = states(acceptance_attached=(Status.DONE, None, 1))
    checklist = Checklist(info(), items, (pending_final(sent=D(2026, 11, 2)),), (), TODAY)
    assert checklist.revenue.done
    _, blocks = build(checklist)
    kantata = item_section(blocks, "Kantata status set to Completed")["text"]["text"]
    assert kantata.endswith(":lock: Locked because not all hours are logged and approved.")


def test_kantata_is_unlocked_once_passive_acceptance_is_reached_and_attached():
    milestones = (pending_final(sent=D(2026, 11, 2)),)
    reached = Checklist(info(), states(), milestones, (), TODAY)
    _, blocks = build(reached)
    kantata = item_section(blocks, "Kantata status set to Completed")["text"]["text"]
    assert kantata.endswith(
        ":lock: Locked because not all hours are logged and approved; the acceptance isn't "
        "attached to the milestone yet."
    )
    attached = states(
        hours_approved=(Status.DONE, None, 1), acceptance_attached=(Status.DONE, None, 1)
    )
    _, blocks = build(Checklist(info(), attached, milestones, (), TODAY))
    kantata = item_section(blocks, "Kantata status set to Completed")["text"]["text"]
    assert kantata.startswith(":white_large_square:") and "Locked" not in kantata
    received = item_section(blocks, "Sign-off received or passive acceptance reached")
    assert "passive acceptance reached (on Fri Nov 6)" in received["text"]["text"]


def test_buttons_and_pickers_carry_project_item_and_version():
    _, blocks = build(mid_way())
    found = {(e["action_id"], e.get("value") or e["block_id"]) for e in elements(blocks)}
    assert (ids.CLOSURE_REOPEN, "7:closure_meeting:1") in found
    assert (ids.CLOSURE_DATE, "7:closure_meeting:1") in found
    assert (ids.CLOSURE_REOPEN, "7:signoff_sent:2") in found
    assert (ids.CLOSURE_DATE, "7:signoff_received:0") in found
    assert (ids.CLOSURE_NA, "7:internal_retro:0") in found
    # N/A only where it makes sense, and only on open items.
    na = {e["value"] for e in elements(blocks) if e["action_id"] == ids.CLOSURE_NA}
    assert na == {"7:internal_retro:0", "7:shoutout:0", "7:closeout_report:0"}
    # Date pickers only on dated items, showing the date already picked.
    pickers = {
        e["block_id"]: e.get("initial_date")
        for e in elements(blocks)
        if e["action_id"] == ids.CLOSURE_DATE
    }
    assert pickers == {
        "7:closure_meeting:1": "2026-12-03",
        "7:csat_sent:1": "2026-11-20",
        "7:signoff_sent:2": "2026-11-23",
        "7:signoff_received:0": None,
    }


def test_the_sign_off_items_are_done_by_picking_their_date():
    _, blocks = build(Checklist(info(), states(), (), (), TODAY))
    done = {
        e["value"].split(":")[1] for e in elements(blocks) if e["action_id"] == ids.CLOSURE_DONE
    }
    assert "signoff_sent" not in done and "signoff_received" not in done
    assert {"csat_sent", "acceptance_attached"} <= done
    sent = item_section(blocks, "Sign-off request sent")
    assert "accessory" not in sent  # its date picker sits below it


def test_a_sign_off_ticked_without_a_date_asks_for_it():
    # Ticked before psbot required the date.
    checklist = Checklist(info(), states(signoff_sent=(Status.DONE, None, 1)), (), (), TODAY)
    _, blocks = build(checklist)
    sent = item_section(blocks, "Sign-off request sent")["text"]["text"]
    assert sent.startswith(":white_check_mark: *Sign-off request sent* — no date: pick it below")


def test_done_is_the_primary_button():
    _, blocks = build(mid_way())
    done = [e for e in elements(blocks) if e["action_id"] == ids.CLOSURE_DONE]
    assert done and all(e.get("style") == "primary" for e in done)


def test_not_applicable_items_can_only_be_reopened():
    checklist = Checklist(
        info(type="T&M"), states("T&M", closeout_report=(Status.NA, None, 1)), (), (), TODAY
    )
    _, blocks = build(checklist)
    section = item_section(blocks, "Closeout report shared")
    assert section["text"]["text"].startswith(":heavy_minus_sign:")
    assert "— not applicable" in section["text"]["text"]
    related = [
        e["action_id"]
        for e in elements(blocks)
        if "closeout_report" in (e.get("value") or e.get("block_id") or "")
    ]
    assert related == [ids.CLOSURE_REOPEN]


def test_read_only_has_no_controls_and_says_who_may_tick():
    _, blocks = build(mid_way(), editable=False)
    assert elements(blocks) == []
    assert not [b for b in dicts(blocks) if b["type"] == "actions"]
    assert context_texts(blocks)[-1].startswith(
        ":lock: Read-only: only the project's PM (<@U0PM>) and PMO admins can tick items."
    )


def test_the_footer_states_the_day_one_rule():
    _, blocks = build(mid_way())
    footer = context_texts(blocks)[-1]
    assert footer.startswith("Only the PM and PMO admins can change this checklist.")
    assert "Day 1 is the day the request is sent" in footer


def test_a_notice_is_shown_above_the_items_and_escaped():
    _, blocks = build(mid_way(), notice=":no_entry: Nope <!here>")
    texts = section_texts(blocks)
    assert texts[1] == ":no_entry: Nope &lt;!here&gt;"


def test_the_changed_date_is_the_local_one():
    late = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # still Nov 23 in New York
    items = tuple(
        ItemState(spec, Status.DONE, None, "", "U0PM", late, 1)
        if spec.key == "internal_retro"
        else ItemState(spec)
        for spec in items_for("T&M")
    )
    _, blocks = build(Checklist(info(type="T&M"), items, (), (), TODAY))
    retro = item_section(blocks, "Internal project retrospective scheduled")["text"]["text"]
    assert "_by <@U0PM> on Mon Nov 23_" in retro


def test_dates_in_another_year_show_the_year():
    checklist = Checklist(
        info(type="T&M"),
        states("T&M", closure_meeting=(Status.DONE, D(2027, 1, 6), 1)),
        (),
        (),
        TODAY,
    )
    _, blocks = build(checklist)
    meeting = item_section(blocks, "Project closure meeting scheduled")["text"]["text"]
    assert "— on Wed Jan 6, 2027" in meeting


# --- next steps and warnings ------------------------------------------------------------


def test_csat_is_due_before_an_upcoming_meeting():
    checklist = Checklist(
        info(type="T&M"),
        states("T&M", closure_meeting=(Status.DONE, D(2026, 12, 3), 1)),
        (),
        (),
        TODAY,
    )
    _, blocks = build(checklist)
    assert section_texts(blocks)[0].endswith(
        "Next: *CSAT survey sent*, before the meeting on Thu Dec 3"
    )
    assert not [t for t in context_texts(blocks) if ":warning:" in t]


def test_csat_missing_after_the_meeting_is_warned():
    checklist = Checklist(
        info(type="T&M"),
        states("T&M", closure_meeting=(Status.DONE, D(2026, 11, 23), 1)),
        (),
        (),
        TODAY,
    )
    _, blocks = build(checklist)
    assert (
        ":warning: The closure meeting was on Mon Nov 23, but the CSAT survey isn't marked "
        "sent: the handbook asks for it *before* the meeting."
    ) in context_texts(blocks)


def test_kantata_completed_without_all_hours_is_warned():
    checklist = Checklist(
        info(type="T&M"),
        states("T&M", kantata_completed=(Status.DONE, None, 1)),
        (),
        (),
        TODAY,
    )
    _, blocks = build(checklist)
    assert (
        ":warning: Kantata is ticked Completed, but not everything is in: "
        "not all hours are logged and approved."
    ) in context_texts(blocks)


def test_everything_done():
    done = {spec.key: (Status.DONE, None, 1) for spec in items_for("T&M")}
    checklist = Checklist(info(type="T&M"), states("T&M", **done), (), (), TODAY)
    text, blocks = build(checklist)
    assert text.endswith("7/7 done")
    assert section_texts(blocks)[0].endswith("*7/7 done* · :tada: Everything is done.")


def test_passive_acceptance_reached_asks_to_tick_received():
    checklist = Checklist(
        info(),
        states(
            signoff_sent=(Status.DONE, D(2026, 11, 2), 1), hours_approved=(Status.DONE, None, 1)
        ),
        (pending_final(sent=D(2026, 11, 2)),),
        (),
        TODAY,
    )
    for key in ("closure_meeting", "csat_sent"):
        checklist = Checklist(
            checklist.project,
            tuple(
                ItemState(s.spec, Status.DONE, None, "", "U0PM", CHANGED, 1)
                if s.spec.key == key
                else s
                for s in checklist.items
            ),
            checklist.milestones,
            (),
            TODAY,
        )
    _, blocks = build(checklist)
    assert section_texts(blocks)[0].endswith(
        "Next: *Sign-off received or passive acceptance reached*: passive acceptance was "
        "reached on Fri Nov 6"
    )


# --- milestones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestone", "line"),
    [
        (
            MilestoneAcceptance("Phase 1", None, D(2026, 10, 1), D(2026, 10, 5), None),
            "• Phase 1: accepted Mon Oct 5",
        ),
        (
            MilestoneAcceptance("Phase 2", None, None, None, None),
            "• Phase 2: acceptance not requested yet",
        ),
        (
            MilestoneAcceptance(
                "Phase 3",
                None,
                D(2026, 11, 2),
                None,
                passive_acceptance(D(2026, 11, 2), None, US, TODAY),
            ),
            "• Phase 3: sent Mon Nov 2; no passive acceptance term on this milestone "
            "(`passive_days`)",
        ),
        (
            MilestoneAcceptance(
                "Phase 4",
                None,
                D(2026, 11, 2),
                None,
                passive_acceptance(D(2026, 11, 2), 0, US, TODAY),
            ),
            "• Phase 4: sent Mon Nov 2; its passive acceptance term (0 days) isn't valid: "
            "check the SOW and the milestone data",
        ),
        (
            MilestoneAcceptance(
                "Phase 5",
                None,
                D(2026, 11, 23),
                None,
                passive_acceptance(D(2026, 11, 23), -2, US, TODAY),
            ),
            "• Phase 5: sent Mon Nov 23; its passive acceptance term (-2 days) isn't valid",
        ),
    ],
)
def test_milestone_lines(milestone, line):
    checklist = Checklist(info(), states(), (milestone,), (), TODAY)
    _, blocks = build(checklist)
    received = item_section(blocks, "Sign-off received or passive acceptance reached")
    assert line in received["text"]["text"]


def test_a_fixed_fee_project_without_milestones_says_so():
    _, blocks = build(Checklist(info(), states(), (), (), TODAY))
    received = item_section(blocks, "Sign-off received or passive acceptance reached")
    assert "No milestones for this project in psbot" in received["text"]["text"]


def test_many_milestones_are_counted_not_listed():
    milestones = tuple(MilestoneAcceptance(f"M{n}", None, None, None, None) for n in range(1, 13))
    _, blocks = build(Checklist(info(), states(), milestones, (), TODAY))
    received = item_section(blocks, "Sign-off received or passive acceptance reached")
    assert "• M8:" in received["text"]["text"] and "• M9:" not in received["text"]["text"]
    assert "…and 4 more milestones" in received["text"]["text"]


# --- shout-out and wins ---------------------------------------------------------------------


def test_no_wins_offers_the_win_command():
    _, blocks = build(Checklist(info(), states(), (), (), TODAY))
    shoutout = item_section(blocks, "Shout-out posted in #ps-internal")["text"]["text"]
    assert "No ProjectWins yet: `/ps win SOW-4` records one and posts it." in shoutout


def test_wins_link_to_their_posts():
    wins = (
        WinLink("Go-live without a hitch", "https://ps.slack.com/archives/C0INTERNAL/p1"),
        WinLink("Still posting", ""),
    )
    _, blocks = build(Checklist(info(), states(), (), wins, TODAY), channel="C0INTERNAL")
    shoutout = item_section(blocks, "Shout-out posted in <#C0INTERNAL>")["text"]["text"]
    assert (
        "2 ProjectWins:\n"
        "• Go-live without a hitch · <https://ps.slack.com/archives/C0INTERNAL/p1|post>\n"
        "• Still posting"
    ) in shoutout


def test_many_wins_are_counted():
    wins = tuple(WinLink(f"Win {n}", f"https://ps.slack.com/p{n}") for n in range(8))
    _, blocks = build(Checklist(info(), states(), (), wins, TODAY))
    shoutout = item_section(blocks, "Shout-out posted in #ps-internal")["text"]["text"]
    assert "8 ProjectWins:" in shoutout and "Win 4" in shoutout and "Win 5" not in shoutout
    assert shoutout.endswith("\n…and 3 more ProjectWins")


def test_a_win_mentions_its_people_and_nothing_else():
    hostile = "<@U0TIA> & <@W0PAT>: <!channel> <#C0ALL> <https://e.co|x>"
    long = "x" * 55 + " <@U0TIA> did it"
    wins = (WinLink(hostile, "https://ps.slack.com/p1"), WinLink(long, ""))
    _, blocks = build(Checklist(info(), states(), (), wins, TODAY))
    shoutout = item_section(blocks, "Shout-out posted in #ps-internal")["text"]["text"]
    assert (
        "• <@U0TIA> &amp; <@W0PAT>: &lt;!channel&gt; &lt;#C0ALL&gt; &lt;https://e.co|x&gt;"
        " · <https://ps.slack.com/p1|post>\n"
        # Clipped, the text loses the mention whole rather than show half of it.
        "• " + "x" * 55 + " …"
    ) in shoutout
    assert "<!" not in shoutout and "<#" not in shoutout and "<https://e" not in shoutout


# --- escaping and limits ----------------------------------------------------------------------


def test_everything_user_written_is_escaped():
    items = tuple(
        ItemState(spec, Status.DONE, None, HOSTILE, "not-a-user-id", CHANGED, 1)
        if spec.key == "internal_retro"
        else ItemState(spec)
        for spec in items_for("FF")
    )
    # A win's people are mentioned: test_a_win_mentions_its_people_and_nothing_else.
    win_text = HOSTILE.replace("<@U0ADMIN> ", "")
    checklist = Checklist(
        info(customer=HOSTILE, name=HOSTILE, sow="SOW-<!here>", pm_slack_id=None, pm_name=HOSTILE),
        items,
        (MilestoneAcceptance(HOSTILE, None, None, None, None),),
        (WinLink(win_text, "https://ps.slack.com/archives/C1/p1>|<!channel"),),
        TODAY,
    )
    text, blocks = build(checklist, notice=HOSTILE)
    listed = build_closure_list([checklist], TODAY)
    everything = text + json.dumps(dicts(blocks)) + listed[0] + json.dumps(dicts(listed[1]))
    for raw in (*HOSTILE_RAW, "<!here>"):
        assert raw not in everything
    assert "&lt;!channel&gt;" in everything


def test_a_huge_fixed_fee_checklist_stays_within_slacks_limits():
    long = "x" * 5000
    milestones = tuple(
        MilestoneAcceptance(long + str(n), None, None, None, None) for n in range(200)
    )
    wins = tuple(WinLink(long, "https://ps.slack.com/p" + "1" * 1500) for _ in range(50))
    items = tuple(ItemState(spec, Status.OPEN, None, long[:2000]) for spec in items_for("FF"))
    checklist = Checklist(info(customer=long, name=long), items, milestones, wins, TODAY)
    _, blocks = build(checklist, notice="n" * 2000)
    assert len(blocks) <= 50
    assert all(len(text) <= 3000 for text in section_texts(blocks))


# --- the list of projects to close -----------------------------------------------------------


def test_an_empty_list_explains_itself():
    text, blocks = build_closure_list([], TODAY)
    assert text == "No projects to close"
    assert (
        "None of your projects is closing or ends in the next 30 days." in section_texts(blocks)[0]
    )


def test_the_list_shows_progress_next_step_and_an_open_button():
    closing = mid_way()
    ending = Checklist(
        info(
            id=8,
            sow="SOW-1",
            customer="Acme",
            name="Rollout",
            type="T&M",
            status="active",
            end_date=D(2026, 12, 10),
        ),
        states("T&M"),
        (),
        (),
        TODAY,
    )
    ended = Checklist(
        info(id=9, sow="SOW-2", status="active", end_date=D(2026, 11, 2)), states(), (), (), TODAY
    )
    text, blocks = build_closure_list([closing, ending, ended], TODAY)
    assert text == "3 projects to close"
    assert section_texts(blocks) == [
        "*Initech — Portal* (SOW-4) · closing\n▰▰▰▰▱▱▱▱▱▱ *4/10* · "
        "Next: Sign-off received or passive acceptance reached",
        "*Acme — Rollout* (SOW-1) · ends Thu Dec 10\n▱▱▱▱▱▱▱ *0/7* · "
        "Next: Project closure meeting scheduled",
        "*Initech — Portal* (SOW-2) · ended Mon Nov 2\n▱▱▱▱▱▱▱▱▱▱ *0/10* · "
        "Next: Project closure meeting scheduled",
    ]
    buttons = [(e["action_id"], e["value"]) for e in elements(blocks)]
    assert buttons == [(ids.CLOSURE_OPEN, "7"), (ids.CLOSURE_OPEN, "8"), (ids.CLOSURE_OPEN, "9")]


def test_a_long_list_is_cut_with_a_count():
    many = [Checklist(info(id=n, sow=f"SOW-{n}"), states(), (), (), TODAY) for n in range(1, 26)]
    text, blocks = build_closure_list(many, TODAY)
    assert text == "25 projects to close"
    assert len(elements(blocks)) == 20
    assert context_texts(blocks)[-1].startswith("…and 5 more.")


# --- refs --------------------------------------------------------------------------------------


def test_a_ref_round_trips():
    assert read_item_ref(item_ref(12, "csat_sent", 3)) == ItemRef(12, "csat_sent", 3)


@pytest.mark.parametrize(
    "text", [None, "", "12", "12:csat_sent", "x:csat_sent:1", "12::1", "12:csat_sent:v", "1:a:2:3"]
)
def test_bad_refs_are_rejected(text):
    assert read_item_ref(text) is None
