"""The weekly snapshot, the monthly accuracy post, `/ps accuracy` and the cut-off DM."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.core.business_days import BusinessCalendar
from bot.pmo.closure import last_send_day, passive_acceptance_date
from bot.pmo.rhythm import job_time
from bot.store.models import Booking, ForecastSnapshot, Milestone, Project
from jobs.acceptance_cutoff import run_acceptance_cutoff
from jobs.forecast_accuracy import run_forecast_accuracy
from jobs.forecast_snapshot import run_forecast_snapshot
from tests.factories import Portfolio

ET = ZoneInfo("America/New_York")
US = BusinessCalendar("US")


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=ET)


def stored(ctx) -> list[tuple]:
    with ctx.session_factory() as session:
        return sorted(
            session.execute(
                sa.select(
                    ForecastSnapshot.taken_on,
                    Project.sow,
                    ForecastSnapshot.month,
                    ForecastSnapshot.forecast,
                    ForecastSnapshot.upside,
                    ForecastSnapshot.hard_hours,
                ).join(Project, Project.id == ForecastSnapshot.project_id)
            ).all()
        )


@pytest.fixture
def data(ctx):
    data = Portfolio(ctx.session_factory)
    data.ann = data.person("Ann Lead", "U0ANN")
    data.pat = data.person("Pat Engineer", "U0PAT")
    data.rollout = data.project("SOW-1", "Acme", "Rollout", pm=data.ann)
    data.block = data.project("SOW-2", "Initech", "Block", type="Consulting Block", pm=data.ann)
    data.migration = data.project("SOW-3", "Globex", "Migration", type="FF", pm=data.ann)
    return data


def test_the_snapshot_is_monday_at_the_forecast_deadline_and_never_rewritten(ctx, data):
    assert job_time(ctx, "forecast_snapshot", "2026-W49") == at("2026-11-30T11:00")
    data.book(data.rollout, data.pat, dt.date(2026, 11, 30), weeks=2, hours=40, rate=200)
    assert run_forecast_snapshot(ctx, at("2026-11-30T11:00")) == []
    first = stored(ctx)
    assert first == [
        (dt.date(2026, 11, 30), "SOW-1", dt.date(2026, 11, 1), Decimal(1600), 0, Decimal(8)),
        (dt.date(2026, 11, 30), "SOW-1", dt.date(2026, 12, 1), Decimal(14400), 0, Decimal(72)),
    ]
    data.book(data.rollout, data.pat, dt.date(2026, 12, 14), hours=40, rate=200)
    run_forecast_snapshot(ctx, at("2026-11-30T15:00"))  # a second run the same day
    assert stored(ctx) == first


@pytest.fixture
def november(ctx, data):
    """November's first-Monday forecast, then what was earned."""
    data.book(data.rollout, data.pat, dt.date(2026, 11, 2), weeks=4, hours=10, rate=100)
    data.book(data.block, data.pat, dt.date(2026, 11, 2), weeks=4, hours=5, rate=100)
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.migration.id,
                name="Design",
                due_date=dt.date(2026, 11, 20),
                amount=Decimal(10000),
            )
        )
    run_forecast_snapshot(ctx, at("2026-11-02T11:00"))
    # Rollout: 4 × 10 h forecast, 42 h worked (+5%, met); Block: no transition date.
    for week in range(4):
        monday = dt.date(2026, 11, 2) + dt.timedelta(weeks=week)
        data.log(data.rollout, data.pat, monday, 10)
        data.log(data.block, data.pat, monday, 3)
    data.log(data.rollout, data.pat, dt.date(2026, 11, 27), 2)
    # The milestone slips: due in December now, so November earns nothing of it.
    with ctx.session_factory.begin() as session:
        session.execute(sa.update(Milestone).values(due_date=dt.date(2026, 12, 10)))
    return data


def test_the_monthly_post_sets_the_forecast_against_actuals(ctx, november):
    assert job_time(ctx, "forecast_accuracy", "2026-12") == at("2026-12-01T09:00")
    (post,) = run_forecast_accuracy(ctx, at("2026-12-01T09:00"))
    text = json.dumps(post.blocks, ensure_ascii=False)
    assert post.text.startswith("Forecast accuracy — Nov 2026: 1 of 2 projects within target")
    assert "Nov 2026: forecast of Mon Nov 2, latest Mon Nov 2" in text
    worst = text.index("*Globex — Migration* (SOW-3)")
    met = text.index("*Acme — Rollout* (SOW-1)")
    unscored = text.index("*Initech — Block* (SOW-2)")
    assert worst < met < unscored
    assert "Fixed Fee · $10,000 forecast (latest $10,000) → $0 · -100.0% (target ±5%)" in text
    assert "$4,000 forecast (latest $4,000) → $4,200 · +5.0% (target ±5%)" in text
    assert "not scored: no EM&gt;PS transition date recorded" in text
    assert ":white_check_mark: *T&amp;M*: +5.0% (target ±5%)" in text
    assert ":x: *Fixed Fee*: -100.0% (target ±5%)" in text
    # 40 h hard booked on Rollout, 42 worked: 40 realised; Block's 20 h: 12 worked.
    assert "Hard: 87% of 60 h hard-booked became actual hours (52 h); assumed 90–95%" in text


def test_a_consulting_block_is_scored_from_its_transition(ctx, november):
    with ctx.session_factory.begin() as session:
        session.execute(
            sa.update(Project)
            .where(Project.sow == "SOW-2")
            .values(transition_date=dt.date(2026, 10, 12))
        )
    (post,) = run_forecast_accuracy(ctx, at("2026-12-01T09:00"))
    text = json.dumps(post.blocks, ensure_ascii=False)
    assert "$2,000 forecast (latest $2,000) → $1,200 · -40.0% (target ±10%)" in text


def test_ps_accuracy_answers_with_the_usage_line_on_bad_arguments(slack, ctx, november, clock):
    clock.set(at("2026-12-03T10:00"))
    reply = slack.ask("accuracy")
    assert "Forecast accuracy — Nov 2026" in reply["text"]
    assert "SOW-3" in json.dumps(
        slack.ask("accuracy --quarter 2026-Q4 sow-3")["blocks"], ensure_ascii=False
    )
    assert "SOW-1" not in json.dumps(slack.ask("accuracy --month 2026-11 sow-3")["blocks"])
    assert "1 of 1 projects" in slack.ask("accuracy sow-1")["text"]
    assert "3 projects" not in slack.ask("accuracy <@U0ANN|ann>")["text"]
    usage = "Usage: `/ps accuracy [--month 2026-11 | --quarter 2026-Q4] [PROJECT | @pm]`"
    for args, problem in [
        ("--month 2026-12", "Dec 2026 isn't over yet"),
        ("--month 2026-13", "has no month 13"),
        ("--month 2026-11 --quarter 2026-Q4", "Give --month or --quarter, not both."),
        ("--quarter 2027-Q1", "No month of 2027-Q1 is closed yet"),
        ("--year 2026", "Unknown option --year."),
        ("@ann", "I couldn't tell who @ann is."),
    ]:
        reply = slack.ask(f"accuracy {args}")
        assert problem in reply["text"], args
        assert usage in reply["text"], args


def test_the_cutoff_is_the_last_send_day_for_passive_acceptance_in_the_period():
    # November 2026: Thanksgiving (Thu 26) is no business day; Mon 30 is the last one.
    send_by = last_send_day(dt.date(2026, 11, 30), 10, US)
    assert send_by == dt.date(2026, 11, 16)
    assert passive_acceptance_date(send_by, 10, US) == dt.date(2026, 11, 30)
    assert passive_acceptance_date(dt.date(2026, 11, 17), 10, US) == dt.date(2026, 12, 1)
    # A month ending on a weekend: Day N must land on its last business day.
    assert last_send_day(dt.date(2027, 1, 31), 1, US) == dt.date(2027, 1, 29)


def test_the_pm_is_told_two_business_days_before_the_cutoff(ctx, data):
    with ctx.session_factory.begin() as session:
        session.add_all(
            [
                Milestone(project_id=data.migration.id, name="Wave 1", passive_days=10,
                          due_date=dt.date(2026, 11, 25)),
                Milestone(project_id=data.migration.id, name="Sent", passive_days=10,
                          due_date=dt.date(2026, 11, 25), signoff_sent=dt.date(2026, 11, 2)),
                Milestone(project_id=data.migration.id, name="No term",
                          due_date=dt.date(2026, 11, 25)),
            ]
        )  # fmt: skip
    assert run_acceptance_cutoff(ctx, at("2026-11-11T09:00")) == []  # Veterans Day
    (post,) = run_acceptance_cutoff(ctx, at("2026-11-12T09:00"))  # Thu, 2 days before Mon 16
    assert post.channel == "U0ANN"
    assert "Send the sign-off request for “Wave 1” by Mon Nov 16" in json.dumps(
        post.blocks, ensure_ascii=False
    )
    assert run_acceptance_cutoff(ctx, at("2026-11-13T09:00")) == []


def test_the_billing_reminder_names_the_last_day_to_send_or_that_it_passed(ctx, data):
    from jobs.billing_period import run_billing_period

    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.migration.id,
                name="Wave 1",
                passive_days=10,
                due_date=dt.date(2026, 11, 25),
            )
        )
    # Tuesday 24 November, 3 business days before month end: too late for a 10-day term.
    posts = run_billing_period(ctx, at("2026-11-24T09:00"))
    text = json.dumps([p.blocks for p in posts], ensure_ascii=False)
    assert "too late for passive acceptance this period (last day Mon Nov 16)" in text
    posts = run_billing_period(ctx, at("2026-11-10T09:00"))  # a preview, earlier
    text = json.dumps([p.blocks for p in posts], ensure_ascii=False)
    assert "send the request by Mon Nov 16 to land this period" in text


def test_what_moved_out_since_last_monday_is_listed_and_prefills_the_note(ctx, data, slack, clock):
    from bot.pmo.notes import NoteFields, Temperature, save_note
    from jobs.forecast_prep import run_forecast_prep

    data.book(data.rollout, data.pat, dt.date(2026, 11, 16), weeks=2, hours=10, rate=100)
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(project_id=data.migration.id, name="Wave 1", amount=Decimal(5000),
                      due_date=dt.date(2026, 11, 27))
        )  # fmt: skip
        save_note(
            session,
            data.rollout.id,
            "2026-W47",
            NoteFields("On track", Temperature.GREEN, Temperature.GREEN, forecast_push="old"),
            "U0ANN",
            at("2026-11-17T14:00"),
        )
    run_forecast_snapshot(ctx, at("2026-11-16T11:00"))
    # During the week the week of Nov 23 moves to January, and the milestone to December.
    with ctx.session_factory.begin() as session:
        session.execute(
            sa.update(Booking)
            .where(Booking.week_start == dt.date(2026, 11, 23))
            .values(week_start=dt.date(2027, 1, 4))
        )
        session.execute(sa.update(Milestone).values(due_date=dt.date(2026, 12, 4)))
    posts = run_forecast_prep(ctx, at("2026-11-23T08:00"))
    text = json.dumps([p.blocks for p in posts], ensure_ascii=False)
    assert "*Forecast pushes since last Monday* · 2" in text
    assert (
        "*Acme — Rollout* (SOW-1): Hard $1,000 left Nov 2026 and 2026-Q4 since last "
        "Monday's forecast." in text
    )
    assert (
        "*Globex — Migration* (SOW-3): Hard $5,000 left Nov 2026; milestone “Wave 1” moved "
        "from Nov 27 to Dec 4 since last Monday's forecast." in text
    )
    # Tuesday: this Monday's snapshot is taken; the new week's note starts with the push.
    run_forecast_snapshot(ctx, at("2026-11-23T11:00"))
    clock.set(at("2026-11-24T10:00"))
    slack.command("notes sow-1", user_id="U0ANN")
    view = json.dumps(slack.standin.wait_for("views.open")[-1].params, ensure_ascii=False)
    assert "Hard $1,000 left Nov 2026 and 2026-Q4 since last Monday" in view
