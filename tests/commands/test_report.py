"""`/ps report` through signed slash commands."""

import csv
import datetime as dt
import io
import json
import logging
import re
import time

import pytest
import sqlalchemy as sa
from slack_sdk.models.blocks import Block

from bot.pmo.notes import NoteFields, Temperature, links_required, save_note
from bot.store.models import Escalation, Note
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


def valid_message(reply) -> None:
    blocks = reply["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # slack_sdk's own Block Kit limits


def uploaded_csv(fake_slack) -> list[dict[str, str]]:
    (upload,) = [c for c in fake_slack.wait_for("files.completeUploadExternal")]
    assert upload.params["channel_id"] == "D0PM"  # the caller's DM with psbot
    (sent,) = [c for c in fake_slack.calls if c.method.startswith("/upload/")]
    return list(csv.DictReader(io.StringIO(sent.params["content"])))


def notes_in_bulk(ctx, projects, week, temperatures, issue="issue"):
    """A note for each project with a temperature (None: missing), stored at once."""
    saved = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)
    with ctx.session_factory.begin() as session:
        session.add_all(
            Note(
                project_id=project.id,
                week=week,
                progress=f"progress {project.sow}",
                issue=f"{issue} {project.sow}" if temp != G else "",
                internal_temp=temp.value,
                customer_temp=temp.value,
                raid_url=RAID if temp != G else "",
                epic_url=EPIC if temp != G else "",
                author_id="U0PM",
                created_at=saved,
                updated_at=saved,
            )
            for project, temp in zip(projects, temperatures, strict=True)
            if temp is not None
        )


def test_a_large_report_answers_its_digest_and_sends_the_whole_report_as_a_file(
    slack, fake_slack, ctx, portfolio
):
    projects = [
        portfolio.project(
            f"SOW-{1000 + n}", f"Customer {n:03d}", pm=portfolio.pam, top_customer=True
        )
        for n in range(120)
    ]
    for n, project in enumerate(projects[:100]):
        temp = (R, Y, G)[n % 3]
        note(ctx, project, "2026-W48", temp, temp, f"progress {n:03d}", issue="x" * 900)
    reply = slack.ask("report")
    valid_message(reply)
    text = everything([reply])
    assert reply["text"].startswith("Top Customer report — 2026-W48: 34 red, 33 yellow, 33 green")
    assert "The whole report, all 121 projects with their notes, is in" in text  # and Acme's
    assert "`top-customer-report-2026-W48.csv`" in text
    for n in range(120):  # Yellow/Red and missing in the answer, Green only in the file
        assert text.count(f"Customer {n:03d}") == (n >= 100 or n % 3 != 2)
    assert text.index("Customer 000") < text.index("Customer 001") < text.index("Customer 100")
    rows = uploaded_csv(fake_slack)
    assert sorted(r["sow"] for r in rows) == sorted(
        [portfolio.rollout.sow, *(p.sow for p in projects)]
    )
    assert {r["issue"] for r in rows if r["group"] != "missing"} == {"x" * 900}


def test_report_all_at_a_thousand_projects_reaches_the_reader_whole(slack, fake_slack, ctx):
    projects = many_projects(ctx.session_factory, 1000, top_customer=False)
    temperatures = [(R, Y, G, None, None)[n % 5] for n in range(1000)]
    notes_in_bulk(ctx, projects, "2026-W48", temperatures)
    reply = slack.ask("report --all")
    valid_message(reply)
    assert reply["text"].startswith(
        "Active projects report — 2026-W48: 200 red, 200 yellow, 200 green, 400 missing"
    )
    text = everything([reply])
    assert text.index("Yellow / Red") < text.index("Missing notes")
    shown = {p.sow for p in projects if f"({p.sow})" in text}
    # Yellow/Red and missing first: as many as one message holds, the rest in the file.
    assert shown <= {p.sow for p, t in zip(projects, temperatures, strict=True) if t != G}
    assert "SOW-1000" in shown and "SOW-1003" in shown  # the worst, and the first missing
    rows = uploaded_csv(fake_slack)
    assert sorted(r["sow"] for r in rows) == sorted(p.sow for p in projects)
    assert [r["group"] for r in rows] == ["yellow/red"] * 400 + ["green"] * 200 + ["missing"] * 400
    saved = {r["note_saved_at"] for r in rows if r["group"] != "missing"}
    assert saved == {"2026-11-23T10:30:00-05:00"}  # ISO, in the reporting time zone
    assert {r["note_saved_at"] for r in rows if r["group"] == "missing"} == {""}


def test_a_report_over_a_thousand_projects_asks_the_database_a_few_short_questions(
    slack, fake_slack, ctx, engine
):
    projects = many_projects(ctx.session_factory, 1000, top_customer=False)
    notes_in_bulk(ctx, projects, "2026-W48", [(R, G, None)[n % 3] for n in range(1000)])
    notes_in_bulk(ctx, projects, "2026-W47", [(G, None)[n % 2] for n in range(1000)])
    with ctx.session_factory.begin() as session:
        session.add(
            Escalation(project_id=projects[0].id, escalated_by="U0ADMIN", escalated_at=ctx.now())
        )
    sent: list[tuple[str, int]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, len(parameters or ())))

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        reply = slack.ask("report --all")
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert reply["text"].startswith(
        "Active projects report — 2026-W48: 334 red, 0 yellow, 333 green, 333 missing"
    )
    assert ":rotating_light:" in everything([reply])  # the escalated one, joined in
    rows = uploaded_csv(fake_slack)
    assert sum(r["trend"] == "worse" for r in rows) == 167  # Red now, Green the week before
    # The projects, PMs, escalations and both weeks' notes are joined to the report's scope,
    # not asked for by lists of a thousand ids rendered and parsed on every request.
    asked = [(text, count) for text, count in sent if re.search(r"\bFROM (projects|notes)\b", text)]
    assert 2 <= len(asked) <= 4, [text for text, _ in asked]
    assert max(count for _, count in asked) < 10
    assert max(len(text) for text, _ in asked) < 2000


def test_a_report_file_slack_refuses_is_said(slack, fake_slack, ctx):
    # More Red projects, with long issues, than one message holds: the digest is cut short.
    projects = many_projects(ctx.session_factory, 600)
    notes_in_bulk(ctx, projects, "2026-W48", [R] * 600, issue="x" * 400)
    fake_slack.answer(
        "files.completeUploadExternal", lambda params: {"ok": False, "error": "not_in_channel"}
    )
    body, name = slack.command_body("report", "U0PM", "C0PMO")
    assert slack.dispatch(body).status == 200
    working, digest, warning = (c.params for c in fake_slack.wait_for(f"/response/{name}", count=3))
    assert working["text"] == WORKING_ON_IT and digest["replace_original"] is True
    valid_message(digest)
    assert "_… and " in everything([digest]) and "more: see the file._" in everything([digest])
    assert warning["text"].startswith(
        ":warning: `top-customer-report-2026-W48.csv` couldn't be sent ("
    )
    assert "not_in_channel" in warning["text"]


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
