"""`/ps report` through signed slash commands."""

import json
import logging
import time

import pytest
from slack_sdk.models.blocks import Block

from bot.pmo.notes import NoteFields, Temperature, links_required, save_note
from commands.ps import WORKING_ON_IT
from messages import ids
from tests.commands.test_home import buttons, open_home
from tests.jobs.sample import many_projects

RAID = "https://gitlab.example.com/raid/1"
EPIC = "https://gitlab.example.com/epic/2"
G, Y, R = Temperature.GREEN, Temperature.YELLOW, Temperature.RED


def note(ctx, project, week, internal, customer, progress="On track", **extra):
    links = {"raid_url": RAID, "epic_url": EPIC} if links_required(internal, customer) else {}
    with ctx.session_factory.begin() as session:
        fields = NoteFields(progress, internal, customer, **{**links, **extra})
        save_note(session, project.id, week, fields, "U0PM", ctx.now())


def everything(replies) -> str:
    return "\n".join(
        json.dumps(r.get("blocks") or [], ensure_ascii=False) + r["text"] for r in replies
    )


@pytest.fixture
def week48(ctx, portfolio):
    data = portfolio
    data.initech = data.project("SOW-7", "Initech", "Upgrade", pm=data.pam, top_customer=True)
    data.hooli = data.project("SOW-8", "Hooli", "Audit", pm=data.pat, top_customer=True)
    note(ctx, data.rollout, "2026-W47", G, G)
    note(ctx, data.rollout, "2026-W48", R, Y, "Cut-over slipped", issue="Firewall; CAB Dec 2")
    note(ctx, data.initech, "2026-W48", G, G, "Training done")
    return data


def test_report_puts_red_first_marks_trend_and_lists_missing(slack, week48):
    (reply,) = [slack.ask("report")]
    text = everything([reply])
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(
        "Top Customer report — 2026-W48: 1 red, 0 yellow, 1 green, 1 missing"
    )
    red, green, missing = (
        text.index("Cut-over slipped"),
        text.index("Training done"),
        text.index("Hooli"),
    )
    assert red < green < missing
    assert ":red_circle: internal · :large_yellow_circle: customer ↘" in text
    assert "<@U0PAT>" in text[missing - 200 :]  # Hooli's PM is asked for the note
    assert f"<{RAID}|RAID>" in text
    assert "Acme — Migration" not in text  # not a Top Customer project


def test_report_all_covers_every_active_project(slack, week48):
    text = everything([slack.ask("report --all")])
    assert "Active projects report — 2026-W48" in text
    assert "Acme — Migration" in text


def test_report_for_an_earlier_week(slack, week48):
    reply = slack.ask("report --week 2026-w47")
    assert reply["text"].startswith(
        "Top Customer report — 2026-W47: 0 red, 0 yellow, 1 green, 2 missing"
    )


def test_a_week_without_notes_says_so(slack, week48):
    assert "No notes yet for 2026-W49." in everything([slack.ask("report --week 2026-W49")])


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("--week 2026-W60", "2026-W60 has no such ISO week."),
        ("--week banana", "'banana' is not a week; write it like 2026-W48."),
        ("--week", "--week needs a value."),
        ("--quarter 2026-Q4", "Unknown option --quarter."),
    ],
)
def test_bad_arguments(slack, week48, args, problem):
    reply = slack.ask(f"report {args}")
    assert problem in reply["text"]
    assert "Usage: `/ps report [--week 2026-W48] [--all]`" in reply["text"]


def test_large_reports_arrive_as_several_valid_messages(slack, fake_slack, ctx, portfolio):
    projects = [
        portfolio.project(
            f"SOW-{1000 + n}", f"Customer {n:03d}", pm=portfolio.pam, top_customer=True
        )
        for n in range(120)
    ]
    for n, project in enumerate(projects[:100]):
        temp = (R, Y, G)[n % 3]
        note(ctx, project, "2026-W48", temp, temp, f"progress {n:03d}", issue="x" * 900)
    body, name = slack.command_body("report", "U0PM", "C0PMO")
    assert slack.dispatch(body).status == 200
    # "Working on it…" first, then the pages, the first replacing it.
    second = fake_slack.wait_for(f"/response/{name}", count=3)[2].params["text"]
    total = int(second.rsplit("/", 1)[1].rstrip(")"))  # "… (continued, 2/3)"
    calls = fake_slack.wait_for(f"/response/{name}", count=total + 1)
    replies = [c.params for c in calls[1:]]
    assert total >= 2 and len(replies) == total
    text = everything(replies)
    for reply in replies:
        blocks = reply["blocks"]
        assert len(blocks) <= 50
        for block in blocks:
            Block.parse(block).validate_json()  # slack_sdk's own Block Kit limits
    for n in range(120):
        assert text.count(f"Customer {n:03d}") == 1


def test_the_report_asks_for_exactly_the_notes_app_home_says_are_owed(slack, fake_slack, portfolio):
    data = portfolio
    top = {"pm": data.pam, "top_customer": True}
    cutover = data.project("SOW-5", "Umbrella", "Cutover", status="closing", **top)
    done = data.project("SOW-6", "Hooli", "Done", status="completed", **top)
    pilot = data.project("SOW-7", "Initech", "Pilot", pm=data.pam, status="closing")
    owed = set(buttons(open_home(slack, fake_slack), ids.NOTES_OPEN))  # Pam may write all
    report = everything([slack.ask("report")])
    pams = (data.rollout, data.migration, cutover, done, pilot)
    in_report = {str(p.id) for p in pams if f"({p.sow})" in report}
    assert in_report == owed == {str(data.rollout.id), str(cutover.id)}


def test_a_report_longer_than_five_answers_says_what_it_leaves_out(slack, fake_slack, ctx):
    # Slack takes five answers through one response_url; 300 projects need more pages.
    for project in many_projects(ctx.session_factory, 300):
        note(ctx, project, "2026-W48", R, Y, f"Slipping {project.sow}")
    body, name = slack.command_body("report", "U0PM", "C0PMO")
    assert slack.dispatch(body).status == 200
    answers = fake_slack.wait_for(f"/response/{name}", count=5)
    time.sleep(0.2)  # nothing more arrives
    answers = fake_slack.calls_to(f"/response/{name}")
    assert len(answers) == 5  # "Working on it…", replaced by the first of three pages
    assert answers[0].params["text"] == WORKING_ON_IT
    assert all(a.params["text"].startswith("Top Customer report") for a in answers[1:4])
    last = answers[-1].params["text"]
    assert last.startswith(":information_source: ") and "more pages aren't shown" in last
    assert "`/ps report [--week 2026-W48] [--all]`" in last


def test_an_answer_slack_refuses_is_logged(slack, fake_slack, week48, caplog):
    fake_slack.fail("/response/cmd1", 404)
    with caplog.at_level(logging.WARNING, logger="commands.ps"):
        body, name = slack.command_body("report", "U0PM", "C0PMO")
        assert (name, slack.dispatch(body).status) == ("cmd1", 200)
        fake_slack.wait_for(f"/response/{name}")
        deadline = time.monotonic() + 5
        while "answer not delivered" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "/ps report answer not delivered: 404" in caplog.text
