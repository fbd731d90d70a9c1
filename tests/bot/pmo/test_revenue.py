"""Revenue by project type, with oracles written from the handbook's rules:

- T&M-like revenue is hours × bill rate in the month the hours fall: forecast from hard
  bookings, actual from approved time; a week across two months splits by working days.
- Fixed Fee revenue is a milestone's amount when it is accepted: sign-off received, or
  passive acceptance reached — Day 1 is the day the request is sent, then business days.
- A closed month keeps the type and PM it had then.
"""

import datetime as dt
from decimal import Decimal

import pytest

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month
from bot.pmo.forecast import RevenueTotals
from bot.pmo.portfolio_loading import load_portfolio
from bot.pmo.revenue import load_revenue
from bot.store.models import ForecastSnapshot, Milestone
from tests.factories import Portfolio

OCT, NOV, DEC = Month(2026, 10), Month(2026, 11), Month(2026, 12)
US = BusinessCalendar("US")


@pytest.fixture
def data(ctx):
    data = Portfolio(ctx.session_factory)
    data.ann = data.person("Ann Lead", "U0ANN")
    data.bob = data.person("Bob Lead", "U0BOB")
    data.pat = data.person("Pat Engineer", "U0PAT")
    return data


def revenue(ctx, today: dt.date, months, calendar=US):
    window = (dt.date(2026, 9, 28), dt.date(2027, 1, 31))
    with ctx.session_factory() as session:
        portfolio = load_portfolio(session, today, window=window)
        return load_revenue(session, portfolio, months, calendar), portfolio


def milestone(ctx, project, name, due, amount, sent=None, received=None, days=None):
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=project.id,
                name=name,
                due_date=due,
                amount=None if amount is None else Decimal(amount),
                signoff_sent=sent,
                signoff_received=received,
                passive_days=days,
            )
        )


def snapshot(ctx, project, month: Month, taken_on, project_type, pm):
    with ctx.session_factory.begin() as session:
        session.add(
            ForecastSnapshot(
                taken_on=taken_on,
                project_id=project.id,
                month=month.first_day,
                type=project_type,
                pm_id=pm.id,
                forecast=Decimal(0),
                upside=Decimal(0),
                hard_hours=Decimal(0),
                soft_hours=Decimal(0),
                milestones=[],
            )
        )


def test_a_week_across_the_month_end_splits_forecast_and_actuals_by_working_day(ctx, data):
    rollout = data.project("SOW-1", "Acme", pm=data.ann)
    # Monday 30 November: 1 working day in November, 4 in December.
    data.book(rollout, data.pat, dt.date(2026, 11, 30), hours=40, rate=200)
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [NOV, DEC])
    assert result.figure(rollout, NOV).amounts.forecast == Decimal(1600)
    assert result.figure(rollout, DEC).amounts.forecast == Decimal(6400)
    # Later, the hours are worked: 8 h each day, Tuesday's not approved yet.
    for day, approved in ((30, True), (1, True), (2, False)):
        month = 11 if day == 30 else 12
        data.log(rollout, data.pat, dt.date(2026, month, day), 8, approved)
    result, _ = revenue(ctx, dt.date(2027, 1, 4), [NOV, DEC])
    assert result.figure(rollout, NOV).actual == Decimal(1600)  # its week's rate
    assert result.figure(rollout, DEC).actual == Decimal(1600)
    assert result.figure(rollout, DEC).actual_hours == Decimal(8)


def test_a_logged_rate_wins_and_hours_without_any_rate_are_counted_apart(ctx, data):
    rollout = data.project("SOW-1", "Acme", pm=data.ann)
    data.log(rollout, data.pat, dt.date(2026, 10, 6), "7.5", rate="181.10")
    data.log(rollout, data.pat, dt.date(2026, 10, 7), 2)  # no rate, no booking that week
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [OCT])
    figure = result.figure(rollout, OCT)
    assert figure.actual == Decimal("1358.25")  # 7.5 × 181.10, to the cent
    assert (figure.actual_hours, figure.unpriced_actual_hours) == (Decimal("9.5"), Decimal(2))


def test_a_milestone_accepted_passively_over_thanksgiving_earns_in_december(ctx, data):
    migration = data.project("SOW-2", "Globex", type="FF", pm=data.ann)
    # Hours on a Fixed Fee project earn nothing by the hour.
    data.book(migration, data.pat, dt.date(2026, 11, 16), hours=40, rate=200)
    # Sent Wednesday 18 November, 9 business days: Day 1 the 18th, … Thanksgiving (Thu 26)
    # is no business day, so Day 9 is Tuesday 1 December, not Monday 30 November.
    milestone(ctx, migration, "Design", dt.date(2026, 11, 20), 10000, dt.date(2026, 11, 18), days=9)
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [NOV, DEC])
    assert result.figure(migration, NOV).amounts.forecast == 0
    assert result.figure(migration, NOV).amounts.hard_hours == Decimal(40)
    assert result.figure(migration, DEC).amounts.forecast == Decimal(10000)
    # Without holidays the same request is accepted on Monday 30 November.
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [NOV, DEC], BusinessCalendar(None))
    assert result.figure(migration, NOV).amounts.forecast == Decimal(10000)
    # Once reached, it is December's actual revenue.
    result, _ = revenue(ctx, dt.date(2027, 1, 4), [NOV, DEC])
    assert result.figure(migration, DEC).actual == Decimal(10000)
    assert result.figure(migration, NOV).actual == 0


def test_a_milestone_is_forecast_when_due_and_earned_when_signed_off(ctx, data):
    migration = data.project("SOW-2", "Globex", type="FF", pm=data.ann)
    milestone(ctx, migration, "Wave 1", dt.date(2026, 12, 10), "25000.50")
    milestone(ctx, migration, "Late", dt.date(2026, 10, 30), 5000)  # overdue, not sent
    milestone(
        ctx, migration, "Signed", dt.date(2026, 10, 15), 7000, dt.date(2026, 10, 14),
        dt.date(2026, 10, 20),
    )  # fmt: skip
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [OCT, NOV, DEC])
    assert result.figure(migration, OCT).actual == Decimal(7000)
    # Only acceptable from today on:
    assert result.figure(migration, NOV).amounts.forecast == Decimal(5000)
    assert result.figure(migration, DEC).amounts.forecast == Decimal("25000.50")


def test_a_milestone_without_an_amount_is_named_not_priced_by_hours(ctx, data):
    migration = data.project("SOW-2", "Globex", type="FF", pm=data.ann)
    data.book(migration, data.pat, dt.date(2026, 12, 7), hours=40, rate=200)
    milestone(ctx, migration, "Go-live", dt.date(2026, 12, 15), None)
    milestone(ctx, migration, "Design", dt.date(2026, 12, 1), 3000)
    data.project("SOW-3", "Initech", type="FF", pm=data.ann)  # no milestones at all
    result, portfolio = revenue(ctx, dt.date(2026, 11, 24), [NOV, DEC])
    assert result.figure(migration, DEC).amounts.forecast == Decimal(3000)
    flagged = {
        project.sow: [m.name for m in missing] for project, missing in result.missing_amounts()
    }
    assert flagged == {"SOW-2": ["Go-live"], "SOW-3": []}
    summary = RevenueTotals.of(result).summary(result, portfolio.people)
    assert summary.by_month[DEC].forecast == Decimal(3000)
    assert summary.by_month[DEC].hard_hours == Decimal(40)  # hours still counted


def test_a_project_that_changed_type_keeps_its_closed_months_as_earned(ctx, data):
    # T&M in October (the snapshots say so); Fixed Fee by change order since November.
    project = data.project("SOW-4", "Hooli", type="FF", pm=data.ann)
    snapshot(ctx, project, OCT, dt.date(2026, 10, 5), "T&M", data.ann)
    snapshot(ctx, project, OCT, dt.date(2026, 10, 26), "T&M", data.ann)
    data.book(project, data.pat, dt.date(2026, 10, 5), hours=10, rate=150)
    data.log(project, data.pat, dt.date(2026, 10, 6), 10)
    milestone(ctx, project, "Phase 2", dt.date(2026, 11, 30), 20000)
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [OCT, NOV])
    assert result.type_of(project, OCT) == "T&M"
    assert result.figure(project, OCT).actual == Decimal(1500)
    assert result.figure(project, NOV).amounts.forecast == Decimal(20000)


def test_a_pm_who_took_over_mid_quarter_owns_only_the_months_since(ctx, data):
    project = data.project("SOW-5", "Umbrella", pm=data.bob)  # Bob's now
    snapshot(ctx, project, OCT, dt.date(2026, 10, 5), "T&M", data.ann)  # Ann's then
    data.book(project, data.pat, dt.date(2026, 10, 5), hours=10, rate=100)
    data.book(project, data.pat, dt.date(2026, 11, 2), hours=20, rate=100)
    data.log(project, data.pat, dt.date(2026, 10, 5), 10)
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [OCT, NOV])
    people = {p.id: p for p in (data.ann, data.bob)}
    by_pm = {
        pm.name: a.forecast for pm, a in RevenueTotals.of(result).summary(result, people).by_pm
    }
    assert by_pm == {"Ann Lead": Decimal(1000), "Bob Lead": Decimal(2000)}


def test_pms_level_on_money_rank_by_hours_then_id_whatever_was_added_first(ctx, data):
    for sow, pm, hours in (("SOW-6", data.ann, 10), ("SOW-7", data.bob, 30), ("SOW-8", None, 30)):
        project = data.project(sow, "Initech", pm=pm)
        data.book(project, data.pat, dt.date(2026, 12, 7), hours=hours, rate=None)  # no money
    result, _ = revenue(ctx, dt.date(2026, 11, 24), [NOV, DEC])
    people = {p.id: p for p in (data.ann, data.bob)}
    totals = RevenueTotals.of(result)
    backwards = RevenueTotals(
        totals.by_month, totals.actuals, dict(reversed(totals.per_pm.items())), totals.unpriced
    )
    for added in (totals, backwards):
        ranked = [(pm and pm.name, a.hard_hours) for pm, a in added.summary(result, people).by_pm]
        assert ranked == [("Bob Lead", 30), (None, 30), ("Ann Lead", 10)]
