"""Bookings rules and money, with hand-computed expectations around month boundaries.

Today is Tuesday 24 November 2026: the current month is November, the hard-booking
horizon is December 2026 and January 2027, under-allocation looks at the weeks of
Nov 23, Nov 30, Dec 7 and Dec 14.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dates import Month
from bot.pmo.bookings_rules import (
    Capacity,
    Portfolio,
    Rule,
    bench_first,
    check_portfolio,
    monthly_amounts,
    person_weeks,
)
from bot.store.models import Booking, Milestone, Person, Project

TODAY = dt.date(2026, 11, 24)
D = dt.date
SEPTEMBER_1 = D(2026, 9, 1)
NOV_23 = D(2026, 11, 23)
_ids = itertools.count(1)


def person(name="Pat PSE", capacity=40):
    return Person(id=next(_ids), name=name, weekly_capacity_hours=Decimal(capacity))


def project(sow="SOW-1", type="T&M", kickoff=SEPTEMBER_1, status="active", **kw):
    return Project(
        id=next(_ids),
        sow=sow,
        customer="Acme",
        name="Rollout",
        type=type,
        status=status,
        kickoff_date=kickoff,
        start_date=kw.pop("start", None),
        end_date=kw.pop("end", None),
        **kw,
    )


def booking(proj, who, week, hours=40, kind="hard", role="PSE", rate=200):
    return Booking(
        project_id=proj.id,
        person_id=who.id,
        role=role,
        week_start=week,
        hours=Decimal(hours),
        kind=kind,
        bill_rate=None if rate is None else Decimal(rate),
    )


def weeks(first, count):
    return [first + dt.timedelta(weeks=n) for n in range(count)]


def full_weeks(proj, who, role="PSE", kind="hard", first=NOV_23, count=10):
    return [booking(proj, who, w, role=role, kind=kind) for w in weeks(first, count)]


def portfolio(projects, people, bookings, milestones=()):
    return Portfolio(TODAY, projects, {p.id: p for p in people}, bookings, list(milestones))


def rules(findings, project_id=None):
    return [f.rule for f in findings if project_id is None or f.project_id == project_id]


def test_week_spanning_two_months_splits_money_by_working_days():
    proj, pat = project(), person()
    amounts = monthly_amounts([booking(proj, pat, D(2026, 11, 30), hours=40, rate=200)])
    assert amounts[proj.id, Month(2026, 11)].hard_hours == 8
    assert amounts[proj.id, Month(2026, 11)].forecast == 1600
    assert amounts[proj.id, Month(2026, 12)].hard_hours == 32
    assert amounts[proj.id, Month(2026, 12)].forecast == 6400


def test_soft_hours_are_upside_not_forecast_and_missing_rate_is_unpriced_hours():
    proj, pat = project(), person()
    amounts = monthly_amounts(
        [
            booking(proj, pat, D(2026, 12, 7), hours=10, kind="soft", rate=150),
            booking(proj, pat, D(2026, 12, 14), hours=5, kind="hard", rate=None),
            booking(proj, pat, D(2026, 12, 28), hours=10, kind="soft", rate=None),
            booking(proj, pat, D(2026, 12, 28), hours=1, kind="hard", rate=0),  # priced at $0
        ]
    )[proj.id, Month(2026, 12)]
    assert (amounts.soft_hours, amounts.upside) == (18, 1500)
    assert (amounts.hard_hours, amounts.forecast) == (Decimal("5.8"), 0)
    assert amounts.unpriced_hours == 5 + 8  # 4/5 of the week of Dec 28 is in December


def test_fully_hard_booked_project_breaks_no_rule():
    proj, pat = project(), person()
    found = check_portfolio(portfolio([proj], [pat], full_weeks(proj, pat)))
    assert found == []


def test_role_missing_in_the_second_month_is_reported():
    proj, pm, pat = project(), person("Pam PM"), person()
    bookings = full_weeks(proj, pat, count=5) + [  # PSE hard through the week of Dec 21
        booking(proj, pm, w, role="PM", hours=40) for w in weeks(D(2026, 11, 23), 10)
    ]
    (finding,) = check_portfolio(portfolio([proj], [pm, pat], bookings))
    assert finding.rule == Rule.NOT_HARD_BOOKED_AHEAD
    assert (
        finding.problem
        == "Acme — Rollout (SOW-1) is not hard-booked 2 months out: PSE in Jan 2027."
    )


def test_week_of_dec_28_counts_towards_january_by_its_friday():
    proj, pat = project(), person()
    bookings = full_weeks(proj, pat, count=6)  # last week: Dec 28 (Fri = Jan 1)
    assert rules(check_portfolio(portfolio([proj], [pat], bookings)), proj.id) == []


def test_project_ending_in_december_needs_no_january_bookings():
    proj, pat = project(end=D(2026, 12, 18)), person()
    bookings = full_weeks(proj, pat, count=4)  # Nov 23 … Dec 14
    found = check_portfolio(portfolio([proj], [pat], bookings))
    assert rules(found, proj.id) == []


@pytest.mark.parametrize(
    ("kickoff", "flagged"),
    [
        (D(2026, 11, 10), False),  # 14 days ago: just kicked off
        (D(2026, 11, 9), True),  # 15 days ago
        (D(2026, 11, 24), False),  # today
        (D(2026, 12, 1), True),  # not kicked off yet: soft this month still flagged
        (None, True),
    ],
)
def test_soft_bookings_this_month_allowed_only_just_after_kickoff(kickoff, flagged):
    proj, pat = project(kickoff=kickoff), person()
    bookings = [*full_weeks(proj, pat), booking(proj, pat, D(2026, 11, 16), 10, "soft", rate=100)]
    found = check_portfolio(portfolio([proj], [pat], bookings))
    soft = [f for f in found if f.rule == Rule.SOFT_THIS_MONTH]
    assert bool(soft) is flagged
    if flagged:
        assert soft[0].problem == "Acme — Rollout (SOW-1) has 10 h soft-booked in Nov 2026."
        assert soft[0].at_stake == 1000


def test_soft_booking_in_the_week_of_nov_30_counts_one_day_into_november():
    proj, pat = project(), person()
    bookings = [*full_weeks(proj, pat), booking(proj, pat, D(2026, 11, 30), 10, "soft")]
    found = check_portfolio(portfolio([proj], [pat], bookings))
    (soft,) = [f for f in found if f.rule == Rule.SOFT_THIS_MONTH]
    assert soft.problem == "Acme — Rollout (SOW-1) has 2 h soft-booked in Nov 2026."


def test_kicked_off_project_with_only_soft_bookings():
    proj, pat = project(kickoff=D(2026, 11, 2)), person()
    bookings = full_weeks(proj, pat, kind="soft")
    found = rules(check_portfolio(portfolio([proj], [pat], bookings)), proj.id)
    # The horizon check is folded into "no hard bookings" so the PM gets one clear step.
    assert sorted(found) == sorted([Rule.NO_HARD_AFTER_KICKOFF, Rule.SOFT_THIS_MONTH])


def test_hard_bookings_long_after_kickoff_satisfy_the_kickoff_rule():
    proj, pat = project(kickoff=D(2026, 1, 5)), person()
    bookings = full_weeks(proj, pat, first=D(2026, 3, 2), count=3) + full_weeks(proj, pat)
    assert rules(check_portfolio(portfolio([proj], [pat], bookings)), proj.id) == []


def test_kickoff_before_the_loaded_weeks_claims_only_the_weeks_seen():
    proj, pat = project(kickoff=D(2026, 1, 5)), person()
    soft_ahead = full_weeks(proj, pat, kind="soft", first=D(2026, 12, 7), count=8)
    # As loaded for the rules: the weeks starting from Aug 26 (two months back) on.
    loaded = Portfolio(
        TODAY, [proj], {pat.id: pat}, soft_ahead, [], window=(D(2026, 8, 26), D(2027, 1, 31))
    )
    found = {f.rule: f.problem for f in check_portfolio(loaded)}
    assert found[Rule.NO_HARD_AFTER_KICKOFF] == (
        "Acme — Rollout (SOW-1) kicked off Jan 5 but has no hard bookings since the week of Aug 31."
    )
    assert Rule.NOT_HARD_BOOKED_AHEAD not in found  # folded into the finding above


def test_project_not_kicked_off_yet_needs_no_hard_bookings_since_kickoff():
    proj, pat = project(kickoff=D(2026, 12, 7)), person()
    bookings = full_weeks(proj, pat, kind="soft", first=D(2026, 12, 7), count=8)
    found = rules(check_portfolio(portfolio([proj], [pat], bookings)), proj.id)
    assert Rule.NO_HARD_AFTER_KICKOFF not in found
    assert Rule.NOT_HARD_BOOKED_AHEAD in found


def test_completed_and_closing_projects_are_not_checked():
    done, closing, pat = project(status="completed"), project("SOW-2", status="closing"), person()
    found = check_portfolio(portfolio([done, closing], [pat], []))
    assert found == []


@pytest.mark.parametrize(
    ("due", "flagged"),
    [
        (D(2026, 11, 1), False),
        (D(2027, 1, 31), False),
        (D(2027, 2, 1), True),
        (D(2026, 10, 31), True),
        (None, True),
    ],
)
def test_fixed_fee_needs_milestone_dates_in_the_forecast_period(due, flagged):
    proj, pat = project(type="FF"), person()
    milestones = [Milestone(project_id=proj.id, name="M1", due_date=due)]
    found = rules(check_portfolio(portfolio([proj], [pat], full_weeks(proj, pat), milestones)))
    assert (Rule.FF_NO_MILESTONE in found) is flagged


def test_under_allocated_person_lists_short_weeks_and_money():
    proj, pat = project(), person(capacity=40)
    bookings = [
        *full_weeks(proj, pat, count=3),
        booking(proj, pat, D(2026, 12, 14), 24, rate=150),
        booking(proj, pat, D(2026, 12, 14), 8, "soft", rate=150),
        *full_weeks(proj, pat, first=D(2026, 12, 21), count=6),
    ]
    (finding,) = [
        f
        for f in check_portfolio(portfolio([proj], [pat], bookings))
        if f.rule == Rule.UNDER_ALLOCATED
    ]
    assert finding.problem == "Pat PSE is under-allocated: 32/40 h week of Dec 14."
    assert finding.person_id == pat.id
    assert finding.at_stake == 8 * 200  # the person's top bill rate


@pytest.mark.parametrize(
    ("hours", "shown"), [("39.6", "39.6/40 h"), ("39.96", "39.96/40 h"), ("12", "12/40 h")]
)
def test_under_allocated_hours_are_shown_as_booked_not_rounded(hours, shown):
    proj, pat = project(), person(capacity=40)
    bookings = [booking(proj, pat, w, hours=Decimal(hours)) for w in weeks(NOV_23, 10)]
    (finding,) = check_portfolio(portfolio([proj], [pat], bookings))
    assert finding.problem.startswith(f"Pat PSE is under-allocated: {shown} week of Nov 23, ")


def test_capacity_is_per_person():
    proj, part_timer = project(), person(capacity=20)
    bookings = [booking(proj, part_timer, w, hours=20) for w in weeks(D(2026, 11, 23), 10)]
    assert check_portfolio(portfolio([proj], [part_timer], bookings)) == []


def test_findings_are_sorted_by_money_at_stake():
    small, big, pat = project("SOW-1"), project("SOW-2"), person()
    bookings = (
        full_weeks(small, pat, count=10)
        + full_weeks(big, pat, count=10)
        + [booking(small, pat, D(2026, 11, 16), 1, "soft", rate=100)]
        + [booking(big, pat, D(2026, 11, 16), 10, "soft", rate=100)]
    )
    found = check_portfolio(portfolio([small, big], [pat], bookings))
    assert [f.project_id for f in found] == [big.id, small.id]


def test_person_weeks_show_hard_soft_and_capacity():
    proj, pat = project(), person()
    bookings = [
        booking(proj, pat, D(2026, 11, 30), 30),
        booking(proj, pat, D(2026, 11, 30), 5, "soft"),
    ]
    loads = person_weeks(portfolio([proj], [pat], bookings), pat, D(2026, 11, 30), 2)
    assert [(w.hard, w.soft, w.under) for w in loads] == [(30, 5, True), (0, 0, True)]


# --- the bench and capacity ------------------------------------------------------------------

THANKSGIVING = D(2026, 11, 26)
NOV_30 = D(2026, 11, 30)


def test_an_active_ps_person_with_no_bookings_is_on_the_bench_and_listed_first():
    proj, pat, ben = project(), person("Pat PSE"), person("Ben Bench")
    bookings = full_weeks(proj, pat, count=3)  # Pat: short from Dec 14
    whole = Portfolio(
        TODAY, [proj], {p.id: p for p in (pat, ben)}, bookings, [],
        capacity=Capacity(bench=(ben.id,)),
    )  # fmt: skip
    under = [f for f in check_portfolio(whole) if f.rule == Rule.UNDER_ALLOCATED]
    # Pat's money at stake puts him first by money; the bench still comes first to read.
    assert [f.person_id for f in under] == [pat.id, ben.id]
    assert [f.person_id for f in bench_first(under)] == [ben.id, pat.id]
    (bench,) = [f for f in under if f.bench]
    assert bench.problem == (
        "Ben Bench is on the bench: no bookings in the next 4 weeks (40 h week of Nov 23, "
        "40 h week of Nov 30, 40 h week of Dec 7, 40 h week of Dec 14 free)."
    )


def test_someone_inactive_is_not_on_the_bench_nor_under_allocated():
    proj, gone = project(), person("Gone Away")
    gone.active = False
    whole = Portfolio(
        TODAY, [proj], {gone.id: gone}, full_weeks(proj, gone, count=1), [],
        capacity=Capacity(bench=(gone.id,)),
    )  # fmt: skip
    assert [f for f in check_portfolio(whole) if f.rule == Rule.UNDER_ALLOCATED] == []


@pytest.mark.parametrize(
    ("weekly", "holidays", "off", "week", "expected"),
    [
        (40, (), {}, NOV_30, 40),
        (40, (THANKSGIVING,), {}, NOV_23, 32),  # a holiday takes a fifth of the week
        (32, (THANKSGIVING,), {}, NOV_23, Decimal("25.6")),  # of the person's own week
        (40, (), {D(2026, 12, 1): 8}, NOV_30, 32),  # time off, by the hour
        (40, (), {D(2026, 12, 1): 4, D(2026, 12, 2): 2}, NOV_30, 34),
        (40, (THANKSGIVING,), {THANKSGIVING: 8}, NOV_23, 32),  # not counted twice
        (40, (), {D(2026, 12, 5): 8}, NOV_30, 40),  # a Saturday is no working day
        (40, (), {D(2026, 12, d): 10 for d in range(1, 5)}, NOV_30, 0),  # never below 0
    ],
)
def test_capacity_is_the_weekly_hours_less_holidays_and_time_off(
    weekly, holidays, off, week, expected
):
    pat = person(capacity=weekly)
    capacity = Capacity(frozenset(holidays), {pat.id: {d: Decimal(h) for d, h in off.items()}})
    assert capacity.of(pat, week) == Decimal(expected)


@settings(max_examples=200, deadline=None)
@given(
    weekly=st.decimals(min_value=0, max_value=168, places=2),
    holidays=st.sets(st.integers(min_value=0, max_value=6), max_size=7),
    off=st.dictionaries(
        st.integers(min_value=0, max_value=6),
        st.decimals(min_value=0, max_value=24, places=2),
        max_size=7,
    ),
)
def test_capacity_stays_between_0_and_the_weekly_hours(weekly, holidays, off):
    pat = person(capacity=weekly)
    days = {n: NOV_30 + dt.timedelta(days=n) for n in range(7)}
    capacity = Capacity(
        frozenset(days[n] for n in holidays), {pat.id: {days[n]: h for n, h in off.items()}}
    )
    hours = capacity.of(pat, NOV_30)
    assert 0 <= hours <= weekly
    # A day off more never gives more hours.
    more = Capacity(capacity.holidays, {pat.id: {**capacity.time_off[pat.id], NOV_30: weekly}})
    assert more.of(pat, NOV_30) <= hours


def test_under_allocation_counts_holidays_and_time_off():
    proj, pat = project(), person()
    bookings = full_weeks(proj, pat, count=10)  # 40 h every week
    off = Capacity(frozenset({THANKSGIVING}), {pat.id: {D(2026, 12, 1): Decimal(8)}})
    whole = Portfolio(TODAY, [proj], {pat.id: pat}, bookings, [], capacity=off)
    # Fully booked: 40 h is more than 32 h of capacity; nobody is short.
    assert [f for f in check_portfolio(whole) if f.rule == Rule.UNDER_ALLOCATED] == []
    loads = person_weeks(whole, pat, NOV_23, 2)
    assert [(load.capacity, load.under) for load in loads] == [(32, False), (32, False)]


# --- roles not booked at all -----------------------------------------------------------------


@pytest.mark.parametrize("project_type", ["T&M", "FF"])
def test_a_project_with_nobody_booked_in_a_horizon_month_is_flagged(project_type):
    proj, pat = project(type=project_type, kickoff=None), person()
    milestone = Milestone(project_id=proj.id, name="Go-live", due_date=D(2026, 12, 15))
    (finding,) = [
        f
        for f in check_portfolio(portfolio([proj], [pat], [], [milestone]))
        if f.rule == Rule.NOT_HARD_BOOKED_AHEAD
    ]
    assert finding.problem == (
        "Acme — Rollout (SOW-1) is not hard-booked 2 months out: no PM, PSE or TA booked "
        "at all in Dec 2026, Jan 2027."
    )


def test_a_month_with_only_soft_hours_is_booked_but_not_hard_booked():
    proj, pat = project(), person()
    bookings = full_weeks(proj, pat, count=2) + full_weeks(
        proj, pat, kind="soft", first=D(2026, 12, 7), count=8
    )
    (finding,) = rules_of(check_portfolio(portfolio([proj], [pat], bookings)), "ahead")
    assert finding.problem.endswith("not hard-booked 2 months out: PSE in Jan 2027.")


def rules_of(findings, which):
    wanted = {"ahead": Rule.NOT_HARD_BOOKED_AHEAD}[which]
    return [f for f in findings if f.rule == wanted]


def test_only_the_months_a_project_runs_and_only_t_and_m_or_fixed_fee():
    ends = project(kickoff=None, end=D(2026, 12, 31))
    block = project("SOW-2", type="Consulting Block", kickoff=None)
    findings = rules_of(check_portfolio(portfolio([ends, block], [], [])), "ahead")
    assert [f.problem for f in findings] == [
        "Acme — Rollout (SOW-1) is not hard-booked 2 months out: no PM, PSE or TA booked "
        "at all in Dec 2026."
    ]


def test_a_fixed_fee_milestone_without_a_date_is_flagged_until_accepted():
    proj, pat = project(type="FF"), person()
    bookings = full_weeks(proj, pat, count=10)
    dated = Milestone(project_id=proj.id, name="Design", due_date=D(2026, 12, 15))
    undated = Milestone(project_id=proj.id, name="Go-live", due_date=None)
    accepted = Milestone(
        project_id=proj.id, name="Kickoff", due_date=None, signoff_received=D(2026, 10, 1)
    )
    milestones = [dated, undated, accepted]
    (finding,) = rules_of(check_portfolio(portfolio([proj], [pat], bookings, milestones)), "ahead")
    assert finding.problem.endswith(
        "not hard-booked 2 months out: milestone 'Go-live' without a date."
    )
    undated.due_date = D(2027, 1, 20)
    assert rules_of(check_portfolio(portfolio([proj], [pat], bookings, milestones)), "ahead") == []
