"""The notes modal says when the note is due, from the same deadline App Home uses: the
Top Customer report's run time (configurable, holiday-shifted, in PSBOT_TIMEZONE), and
that it is overdue once that has passed."""

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.store.models import Note
from jobs.top_customer_report import run_top_customer_report
from tests.commands.test_home import open_home, text
from tests.commands.test_home_notes import DST_DEADLINES
from tests.commands.test_notes import opened_view, submit
from tests.jobs.sample import ET, as_fallback

MISSING = ":hourglass_flowing_sand: missing — due Tue 16:00 ET"
OVERDUE = ":warning: overdue — was due Tue 16:00 ET"


def modal_header(slack, fake_slack, command="notes sow-1") -> str:
    """The modal's context under the picker: the project, the week and the deadline."""
    fake_slack.reset()
    slack.command(command)
    _, view = opened_view(fake_slack)
    (header,) = [
        as_fallback(b["elements"][0]["text"])
        for b in view["blocks"]
        if b["type"] == "context" and " · week " in b["elements"][0]["text"]
    ]
    return header


def deadline_line(slack, fake_slack) -> str:
    """What the modal says about Acme Rollout's deadline, on the line under its title."""
    title, _, deadline = modal_header(slack, fake_slack).partition("\n")
    assert title.startswith("*Acme — Rollout (SOW-1)* · week 2026-W")
    return deadline


def test_a_missing_note_is_due_then_overdue(slack, fake_slack, portfolio, clock):
    # Tuesday 10:00 in New York (the clock's default): not due yet.
    assert deadline_line(slack, fake_slack) == MISSING
    clock.set(dt.datetime(2026, 11, 26, 13, 37, tzinfo=dt.UTC))  # Thursday
    assert deadline_line(slack, fake_slack) == OVERDUE


def test_a_note_written_this_week_is_not_overdue(slack, fake_slack, portfolio, ctx, clock):
    clock.set(dt.datetime(2026, 11, 26, 13, 37, tzinfo=dt.UTC))  # Thursday
    with ctx.session_factory.begin() as session:
        fields = NoteFields("On track", Temperature.GREEN, Temperature.GREEN)
        save_note(session, portfolio.rollout.id, "2026-W47", fields, "U0PM", ctx.now())
    # Last week's note pre-fills the form but this week's is still owed.
    assert "overdue" in deadline_line(slack, fake_slack)
    with ctx.session_factory.begin() as session:
        save_note(session, portfolio.rollout.id, "2026-W48", fields, "U0PM", ctx.now())
    written = "This week's Top Customer notes were due Tue 16:00 ET."
    assert deadline_line(slack, fake_slack) == written


def test_a_project_that_owes_no_note_has_no_deadline(slack, fake_slack, portfolio, clock):
    clock.set(dt.datetime(2026, 11, 26, 13, 37, tzinfo=dt.UTC))
    header = modal_header(slack, fake_slack, "notes sow-2")  # not a Top Customer project
    assert header == "*Acme — Migration (SOW-2)* · week 2026-W48"


def test_a_configured_deadline_moved_by_a_holiday_is_the_one_app_home_shows(
    slack, fake_slack, portfolio, ctx, clock
):
    # The report moved to Thursdays; Thursday 26 November 2026 is Thanksgiving: Friday.
    overrides = {"PSBOT_JOB_TOP_CUSTOMER_REPORT": "thu 16:00"}
    ctx.settings = dataclasses.replace(ctx.settings, job_overrides=overrides)
    clock.set(dt.datetime(2026, 11, 26, 22, 0, tzinfo=dt.UTC))  # Thanksgiving, 17:00
    modal = deadline_line(slack, fake_slack)
    assert modal == ":hourglass_flowing_sand: missing — due Fri 16:00 ET"
    assert modal in text(open_home(slack, fake_slack))

    clock.set(dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.UTC))  # Friday 16:00
    modal = deadline_line(slack, fake_slack)
    assert modal == ":warning: overdue — was due Fri 16:00 ET"
    assert modal in text(open_home(slack, fake_slack))


@pytest.mark.parametrize("deadline", DST_DEADLINES)
def test_the_deadline_is_tuesday_16_00_local_across_dst(
    slack, fake_slack, portfolio, clock, deadline
):
    clock.set(deadline - dt.timedelta(minutes=1))
    assert deadline_line(slack, fake_slack) == MISSING
    clock.set(deadline)
    assert deadline_line(slack, fake_slack) == OVERDUE


def test_notes_written_before_a_holiday_moved_report_count_for_its_week(
    slack, fake_slack, portfolio, ctx, clock
):
    # Friday reports: Christmas (Fri Dec 25) moves W52's to Monday Dec 28, in ISO W53.
    overrides = {"PSBOT_JOB_TOP_CUSTOMER_REPORT": "fri 16:00"}
    ctx.settings = dataclasses.replace(ctx.settings, job_overrides=overrides)
    clock.set(dt.datetime(2026, 12, 28, 11, 30, tzinfo=ET))
    assert modal_header(slack, fake_slack).startswith("*Acme — Rollout (SOW-1)* · week 2026-W52")
    assert submit(slack, portfolio.rollout.id).status == 200
    clock.set(dt.datetime(2026, 12, 28, 16, 30, tzinfo=ET))  # that report has run
    assert modal_header(slack, fake_slack).startswith("*Acme — Rollout (SOW-1)* · week 2026-W53")
    assert submit(slack, portfolio.rollout.id, view_id="V2").status == 200
    with ctx.session_factory() as session:
        assert list(session.scalars(sa.select(Note.week).order_by(Note.week))) == [
            "2026-W52",
            "2026-W53",
        ]
    report = run_top_customer_report(ctx, dt.datetime(2026, 12, 28, 16, 0, tzinfo=ET))
    assert report[0].text.startswith("Top Customer report — 2026-W52")
    assert "no notes yet" not in report[0].text
