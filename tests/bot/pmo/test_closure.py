"""The closure checklist's domain: items per type, passive acceptance, rules, audit."""

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bot.core.business_days import BusinessCalendar
from bot.pmo.closure import (
    Change,
    Checklist,
    ChecklistRequest,
    ClosureRefused,
    ItemState,
    MilestoneAcceptance,
    PassiveState,
    StaleItem,
    Status,
    change_item,
    closing_projects,
    items_for,
    load_checklist,
    milestone_acceptance,
    passive_acceptance,
    passive_acceptance_date,
    revenue_signoff,
)
from bot.store import data_versions
from bot.store.models import AuditEntry, ClosureItem, Milestone, Project
from tests.factories import Portfolio

US = BusinessCalendar("US")
WEEKENDS_ONLY = BusinessCalendar(None)
D = dt.date
TODAY = D(2026, 11, 24)  # Tuesday, two days before Thanksgiving
NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


# --- passive acceptance: the date ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "term", "expected"),
    [
        # The handbook's example: Day 1 is the day sent, Day 5 is the Tuesday after.
        (D(2026, 11, 18), 5, D(2026, 11, 24)),
        (D(2026, 11, 24), 1, D(2026, 11, 24)),  # a one-day term ends the day it is sent
        (D(2026, 11, 20), 2, D(2026, 11, 23)),  # Friday: Day 2 is Monday
        (D(2026, 11, 24), 3, D(2026, 11, 27)),  # Thanksgiving (Thu 26) doesn't count
        (D(2026, 11, 26), 1, D(2026, 11, 27)),  # sent on Thanksgiving: Day 1 is Friday
        (D(2026, 11, 21), 1, D(2026, 11, 23)),  # sent on a Saturday: Day 1 is Monday
        (D(2026, 11, 21), 2, D(2026, 11, 24)),
        (D(2026, 11, 22), 5, D(2026, 11, 30)),  # sent on a Sunday, over Thanksgiving
        (D(2026, 11, 2), 30, D(2026, 12, 15)),  # Veterans Day and Thanksgiving skipped
        (D(2026, 12, 23), 3, D(2026, 12, 28)),  # Christmas, then a weekend
        (D(2026, 12, 31), 2, D(2027, 1, 4)),  # year end: New Year's Day, then a weekend
        (D(2026, 12, 14), 15, D(2027, 1, 5)),  # a term across Christmas and the new year
        (D(2027, 1, 1), 1, D(2027, 1, 4)),  # sent on New Year's Day
        (D(2021, 12, 30), 2, D(2022, 1, 3)),  # New Year observed on Fri Dec 31, 2021
        (D(2027, 12, 23), 2, D(2027, 12, 27)),  # Christmas observed on Fri Dec 24, 2027
        (D(2027, 1, 15), 2, D(2027, 1, 19)),  # Martin Luther King Jr. Day
        (D(2026, 7, 2), 2, D(2026, 7, 6)),  # Independence Day observed on Fri Jul 3
    ],
)
def test_passive_acceptance_date_with_us_holidays(sent, term, expected):
    assert passive_acceptance_date(sent, term, US) == expected


@pytest.mark.parametrize(
    ("sent", "term", "expected"),
    [
        (D(2026, 11, 25), 2, D(2026, 11, 26)),  # Thanksgiving is a business day here
        (D(2026, 12, 31), 2, D(2027, 1, 1)),
        (D(2026, 11, 21), 1, D(2026, 11, 23)),  # weekends still don't count
    ],
)
def test_passive_acceptance_date_without_holidays(sent, term, expected):
    assert passive_acceptance_date(sent, term, WEEKENDS_ONLY) == expected


def test_state_holidays_are_used_when_configured():
    # Lincoln's Birthday (Fri Feb 12, 2027) is a New York holiday, not a federal one.
    assert passive_acceptance_date(D(2027, 2, 11), 2, US) == D(2027, 2, 12)
    assert passive_acceptance_date(D(2027, 2, 11), 2, BusinessCalendar("US", "NY")) == D(
        2027, 2, 16
    )


@pytest.mark.parametrize("term", [0, -1, -10])
def test_the_date_function_refuses_a_term_below_one_day(term):
    with pytest.raises(ValueError, match="at least 1 business day"):
        passive_acceptance_date(D(2026, 11, 24), term, US)


@given(
    sent=st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31)),
    term=st.integers(min_value=1, max_value=60),
)
def test_the_term_counts_exactly_n_business_days_from_day_one(sent, term):
    reached = passive_acceptance_date(sent, term, US)
    assert US.is_business_day(reached)
    day_one = US.on_or_after(sent)
    counted = sum(
        US.is_business_day(day_one + dt.timedelta(days=n))
        for n in range((reached - day_one).days + 1)
    )
    assert counted == term


# --- passive acceptance: where it stands today ----------------------------------------------


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        (D(2026, 11, 23), PassiveState.PENDING, 4),  # the day it is sent
        (D(2026, 11, 24), PassiveState.PENDING, 3),  # Wed 25, Fri 27, Mon 30
        (D(2026, 11, 25), PassiveState.PENDING, 2),
        (D(2026, 11, 26), PassiveState.PENDING, 2),  # Thanksgiving: Fri 27 and Mon 30 left
        (D(2026, 11, 28), PassiveState.PENDING, 1),  # Saturday
        (D(2026, 11, 30), PassiveState.REACHED, 0),  # reached on Day 5 itself
        (D(2027, 1, 5), PassiveState.REACHED, 0),
    ],
)
def test_passive_acceptance_status_over_time(today, state, left):
    status = passive_acceptance(D(2026, 11, 23), 5, US, today)
    assert (status.state, status.reached_on, status.days_left) == (state, D(2026, 11, 30), left)
    assert status.reached is (state is PassiveState.REACHED)


@pytest.mark.parametrize(
    ("term", "state"),
    [(None, PassiveState.NO_TERM), (0, PassiveState.BAD_TERM), (-3, PassiveState.BAD_TERM)],
)
def test_missing_or_bad_terms_are_reported_not_raised(term, state):
    status = passive_acceptance(D(2026, 11, 23), term, US, TODAY)
    assert (status.state, status.reached_on, status.reached) == (state, None, False)


def test_a_milestone_with_a_zero_day_term_is_never_accepted_passively():
    # The database refuses such a milestone; data built elsewhere must not crash either.
    milestone = Milestone(name="Final", signoff_sent=D(2026, 11, 2), passive_days=0)
    acceptance = milestone_acceptance(milestone, None, US, TODAY)
    assert acceptance.passive.state is PassiveState.BAD_TERM
    assert not acceptance.accepted


def test_a_milestone_without_kantata_dates_takes_the_checklists_request():
    milestone = Milestone(name="Final", passive_days=5)
    assert milestone_acceptance(milestone, None, US, TODAY).passive is None
    acceptance = milestone_acceptance(milestone, ChecklistRequest(D(2026, 11, 23)), US, TODAY)
    assert (acceptance.sent, acceptance.passive.reached_on) == (D(2026, 11, 23), D(2026, 11, 30))
    received = ChecklistRequest(D(2026, 11, 23), D(2026, 11, 24))
    acceptance = milestone_acceptance(milestone, received, US, TODAY)
    assert (acceptance.received, acceptance.passive, acceptance.accepted) == (
        D(2026, 11, 24),
        None,
        True,
    )


def test_kantatas_dates_win_over_the_checklists():
    milestone = Milestone(name="Final", signoff_sent=D(2026, 11, 16), passive_days=5)
    acceptance = milestone_acceptance(milestone, ChecklistRequest(D(2026, 11, 18)), US, TODAY)
    assert (acceptance.sent, acceptance.passive.reached_on) == (D(2026, 11, 16), D(2026, 11, 20))


def test_a_received_milestone_needs_no_passive_acceptance():
    milestone = Milestone(
        name="Final", signoff_sent=D(2026, 11, 2), signoff_received=D(2026, 11, 4), passive_days=5
    )
    acceptance = milestone_acceptance(milestone, None, US, TODAY)
    assert acceptance.passive is None and acceptance.accepted


# --- items per project type -------------------------------------------------------------


def keys(project_type):
    return [spec.key for spec in items_for(project_type)]


def test_time_and_materials_items():
    assert keys("T&M") == [
        "closure_meeting",
        "csat_sent",
        "hours_approved",
        "internal_retro",
        "shoutout",
        "closeout_report",
        "kantata_completed",
    ]


def test_fixed_fee_items_add_the_sign_off_to_the_hours():
    # The hours aren't Fixed Fee revenue, but Kantata is set to Completed only once they
    # are all in (SPEC §5.7).
    assert keys("FF") == [
        "closure_meeting",
        "csat_sent",
        "hours_approved",
        "signoff_sent",
        "signoff_received",
        "acceptance_attached",
        "internal_retro",
        "shoutout",
        "closeout_report",
        "kantata_completed",
    ]


@pytest.mark.parametrize("project_type", ["Consulting Block", "Dedicated Engineer"])
def test_consulting_blocks_and_dedicated_engineers_follow_time_and_materials(project_type):
    assert keys(project_type) == keys("T&M")


# --- changing items in the database -------------------------------------------------------


@pytest.fixture
def data(ctx):
    portfolio = Portfolio(ctx.session_factory)
    portfolio.pam = portfolio.person("Pam Manager", "U0PM")
    portfolio.tm = portfolio.project("SOW-1", "Acme", "Rollout", pm=portfolio.pam)
    portfolio.ff = portfolio.project("SOW-4", "Initech", "Portal", pm=portfolio.pam, type="FF")
    return portfolio


def change(ctx, project, key, status, date=None, version=None, actor="U0PM", today=TODAY):
    with ctx.session_factory.begin() as session:
        row = session.get(Project, project.id)
        if version is None:
            version = current_version(session, project.id, key)
        return change_item(
            session,
            row,
            key,
            Change(status, date),
            expected_version=version,
            actor=actor,
            today=today,
            now=NOW,
            calendar=US,
        )


def current_version(session, project_id, key):
    row = session.scalar(
        sa.select(ClosureItem).where(ClosureItem.project_id == project_id, ClosureItem.item == key)
    )
    return row.version if row else 0


def checklist(ctx, project, today=TODAY) -> Checklist:
    with ctx.session_factory() as session:
        return load_checklist(session, session.get(Project, project.id), today, US)


def audit(ctx):
    with ctx.session_factory() as session:
        return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def add_milestone(ctx, project, name, sent=None, received=None, term=None, due=None):
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=project.id,
                name=name,
                due_date=due,
                signoff_sent=sent,
                signoff_received=received,
                passive_days=term,
            )
        )


def test_a_fresh_checklist_is_all_open(ctx, data):
    state = checklist(ctx, data.tm)
    assert (state.resolved, state.total) == (0, 7)
    assert state.next_item.spec.key == "closure_meeting"
    assert all(item.status is Status.OPEN and item.version == 0 for item in state.items)


def test_ticking_stores_who_when_and_the_date_and_audits(ctx, data):
    assert change(ctx, data.tm, "closure_meeting", Status.DONE, D(2026, 12, 3)) is True
    item = checklist(ctx, data.tm).item("closure_meeting")
    assert (item.status, item.date, item.changed_by, item.version) == (
        Status.DONE,
        D(2026, 12, 3),
        "U0PM",
        1,
    )
    assert item.changed_at == NOW
    (entry,) = audit(ctx)
    assert (entry.actor, entry.action, entry.subject) == (
        "U0PM",
        "closure.closure_meeting.done",
        "SOW-1",
    )
    assert entry.detail == {
        "item": "closure_meeting",
        "from": "open",
        "to": "done",
        "date": "2026-12-03",
        "previous_date": None,
        "version": 1,
    }


def test_a_tick_changes_only_its_projects_data(ctx, data):
    # Replicas bring their kept portfolio up to date for this project alone (issue 24).
    with ctx.session_factory() as session:
        before = data_versions.current(session)
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 20))
    with ctx.session_factory() as session:
        now = data_versions.current(session)
        assert data_versions.changed_projects(session, before, now) == {data.ff.id}


def test_reopening_clears_the_date_and_is_audited(ctx, data):
    change(ctx, data.tm, "csat_sent", Status.DONE, D(2026, 11, 20))
    change(ctx, data.tm, "csat_sent", Status.OPEN)
    item = checklist(ctx, data.tm).item("csat_sent")
    assert (item.status, item.date, item.version) == (Status.OPEN, None, 2)
    entry = audit(ctx)[-1]
    assert entry.action == "closure.csat_sent.open"
    assert entry.detail["previous_date"] == "2026-11-20"


def test_done_without_a_date_keeps_the_date_already_picked(ctx, data):
    change(ctx, data.tm, "closure_meeting", Status.DONE, D(2026, 12, 3))
    assert change(ctx, data.tm, "closure_meeting", Status.DONE) is False
    assert checklist(ctx, data.tm).item("closure_meeting").date == D(2026, 12, 3)
    assert len(audit(ctx)) == 1  # nothing changed, nothing audited


def test_not_applicable_counts_towards_progress(ctx, data):
    change(ctx, data.tm, "closeout_report", Status.NA)
    change(ctx, data.tm, "closure_meeting", Status.DONE)
    state = checklist(ctx, data.tm)
    assert (state.resolved, state.total) == (2, 7)
    assert state.next_item.spec.key == "csat_sent"
    assert audit(ctx)[0].action == "closure.closeout_report.na"


def test_a_stale_version_changes_nothing(ctx, data):
    change(ctx, data.tm, "csat_sent", Status.DONE, D(2026, 11, 20))
    with pytest.raises(StaleItem):
        change(ctx, data.tm, "csat_sent", Status.OPEN, version=0)
    item = checklist(ctx, data.tm).item("csat_sent")
    assert (item.status, item.version) == (Status.DONE, 1)
    assert len(audit(ctx)) == 1


def test_a_version_from_the_future_is_stale_too(ctx, data):
    with pytest.raises(StaleItem):
        change(ctx, data.tm, "csat_sent", Status.DONE, version=3)
    assert audit(ctx) == []


@pytest.mark.parametrize(
    ("project", "key", "message"),
    [
        ("tm", "signoff_received", "doesn't apply to T&M projects"),
        ("tm", "signoff_sent", "doesn't apply to T&M projects"),
        ("tm", "acceptance_attached", "doesn't apply to T&M projects"),
        ("tm", "no_such_item", "doesn't know that checklist item"),
    ],
)
def test_items_that_do_not_apply_are_refused(ctx, data, project, key, message):
    with pytest.raises(ClosureRefused, match=message):
        change(ctx, getattr(data, project), key, Status.DONE, version=0)
    assert audit(ctx) == []


@pytest.mark.parametrize("key", ["hours_approved", "kantata_completed"])
def test_items_that_cannot_be_skipped(ctx, data, key):
    with pytest.raises(ClosureRefused, match="can't be marked not applicable"):
        change(ctx, data.tm, key, Status.NA)


def test_an_undated_item_takes_no_date(ctx, data):
    with pytest.raises(ClosureRefused, match="has no date"):
        change(ctx, data.tm, "internal_retro", Status.DONE, D(2026, 11, 20))


def test_things_that_happened_cannot_be_dated_in_the_future(ctx, data):
    with pytest.raises(ClosureRefused, match="Wed Nov 25 is in the future"):
        change(ctx, data.tm, "csat_sent", Status.DONE, D(2026, 11, 25))
    # A meeting can be scheduled ahead, of course.
    assert change(ctx, data.tm, "closure_meeting", Status.DONE, D(2026, 12, 3))


def test_sign_off_cannot_be_received_before_it_is_sent(ctx, data):
    with pytest.raises(ClosureRefused, match="can't be received before it is sent"):
        change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 20))
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 18))
    with pytest.raises(
        ClosureRefused,
        match=r"can't be received \(Tue Nov 17\) before it was sent \(Wed Nov 18\)",
    ):
        change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 17))
    assert change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 18))


def test_sign_off_sent_cannot_move_after_it_was_received_nor_be_reopened(ctx, data):
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 18))
    change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 20))
    with pytest.raises(ClosureRefused, match=r"can't be sent \(Mon Nov 23\) after it was received"):
        change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 23))
    with pytest.raises(ClosureRefused, match="reopen “Sign-off received” first"):
        change(ctx, data.ff, "signoff_sent", Status.OPEN)
    assert checklist(ctx, data.ff).item("signoff_sent").date == D(2026, 11, 18)


def test_kantata_completed_waits_for_approved_hours(ctx, data):
    with pytest.raises(ClosureRefused) as error:
        change(ctx, data.tm, "kantata_completed", Status.DONE)
    # T&M revenue sign-off is the hours: said once.
    assert error.value.message == (
        "Kantata can't be set to Completed yet: not all hours are logged and approved."
    )
    change(ctx, data.tm, "hours_approved", Status.DONE)
    assert change(ctx, data.tm, "kantata_completed", Status.DONE)


def test_kantata_completed_waits_for_fixed_fee_hours_acceptance_and_its_attachment(ctx, data):
    refused = "Kantata can't be set to Completed yet: "
    hours = "not all hours are logged and approved; "
    attach = "the acceptance isn't attached to the milestone yet."
    with pytest.raises(ClosureRefused) as error:
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    assert error.value.message == (
        f"{refused}{hours}the acceptance request hasn't been sent yet; {attach}"
    )
    change(ctx, data.ff, "hours_approved", Status.DONE)
    with pytest.raises(ClosureRefused) as error:
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    assert error.value.message == f"{refused}the acceptance request hasn't been sent yet; {attach}"
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 18))
    with pytest.raises(ClosureRefused, match="acceptance isn't received yet; the acceptance"):
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 23))
    with pytest.raises(ClosureRefused) as error:
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    assert error.value.message == refused + attach
    change(ctx, data.ff, "acceptance_attached", Status.DONE)
    assert change(ctx, data.ff, "kantata_completed", Status.DONE)


def test_kantata_completed_waits_for_every_milestone_not_just_the_one_received(ctx, data):
    add_milestone(ctx, data.ff, "Phase 1", due=D(2026, 11, 2), term=5)
    add_milestone(ctx, data.ff, "Phase 2", due=D(2026, 12, 15), term=5)
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 18))
    change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 20))
    change(ctx, data.ff, "acceptance_attached", Status.DONE)
    with pytest.raises(ClosureRefused, match="acceptance of “Phase 2” hasn't been requested yet"):
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    add_milestone(ctx, data.ff, "Phase 3", sent=D(2026, 11, 2), term=5)  # accepted Nov 6
    with pytest.raises(ClosureRefused, match="acceptance of “Phase 2” hasn't been"):
        change(ctx, data.ff, "kantata_completed", Status.DONE)


def test_passive_acceptance_still_running_is_explained(ctx, data):
    add_milestone(ctx, data.ff, "Final delivery", sent=D(2026, 11, 23), term=5)
    with pytest.raises(
        ClosureRefused,
        match=r"passive acceptance is reached on Mon Nov 30 \(3 business days left\)",
    ):
        change(ctx, data.ff, "kantata_completed", Status.DONE)


def test_passive_acceptance_reached_signs_revenue_off_once_attached(ctx, data):
    add_milestone(ctx, data.ff, "Phase 1", sent=D(2026, 10, 1), received=D(2026, 10, 5), term=5)
    add_milestone(ctx, data.ff, "Final delivery", sent=D(2026, 11, 16), term=5)
    state = checklist(ctx, data.ff)
    assert [m.accepted for m in state.milestones] == [True, True]
    assert state.revenue.reason == "the acceptance isn't attached to the milestone yet."
    change(ctx, data.ff, "acceptance_attached", Status.DONE)
    state = checklist(ctx, data.ff)
    assert state.revenue.done
    # Fixed Fee revenue doesn't wait for the hours; Kantata's Completed does.
    assert state.completion.reason == "not all hours are logged and approved."
    with pytest.raises(ClosureRefused, match=r"yet: not all hours are logged and approved\.$"):
        change(ctx, data.ff, "kantata_completed", Status.DONE)
    change(ctx, data.ff, "hours_approved", Status.DONE)
    assert change(ctx, data.ff, "kantata_completed", Status.DONE)


def test_a_milestone_without_a_term_never_signs_off_passively(ctx, data):
    add_milestone(ctx, data.ff, "Final delivery", sent=D(2026, 10, 1))
    state = checklist(ctx, data.ff)
    assert state.milestones[0].passive.state is PassiveState.NO_TERM
    assert not state.revenue.done


def test_the_checklists_sent_date_starts_the_passive_term(ctx, data):
    add_milestone(ctx, data.ff, "Final delivery", term=5)
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 23))
    (milestone,) = checklist(ctx, data.ff).milestones
    assert milestone.passive.reached_on == D(2026, 11, 30)
    assert checklist(ctx, data.ff, today=D(2026, 11, 30)).milestones[0].accepted


def test_the_checklists_request_is_for_the_earliest_milestone_not_requested(ctx, data):
    add_milestone(
        ctx, data.ff, "Kickoff", D(2026, 10, 1), D(2026, 10, 2), term=10, due=D(2026, 10, 1)
    )
    add_milestone(ctx, data.ff, "Signed, no date sent", received=D(2026, 11, 5), due=D(2026, 11, 2))
    add_milestone(ctx, data.ff, "Wave 1", term=10, due=D(2026, 11, 30))
    add_milestone(ctx, data.ff, "Wave 2", term=10, due=D(2026, 12, 15))
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 16))
    state = checklist(ctx, data.ff, today=D(2026, 12, 28))
    sent = {m.name: m.sent for m in state.milestones}
    assert sent == {
        "Kickoff": D(2026, 10, 1),
        "Signed, no date sent": None,
        "Wave 1": D(2026, 11, 16),
        "Wave 2": None,  # never requested, so never accepted passively
    }
    assert [m.accepted for m in state.milestones] == [True, True, True, False]
    assert state.revenue.reason.startswith("acceptance of “Wave 2” hasn't been requested yet")


def test_the_request_stays_on_its_milestone_once_kantata_shows_it(ctx, data):
    # The PM ticks the checklist, then updates Kantata; the next export brings the date.
    add_milestone(ctx, data.ff, "Wave 1", sent=D(2026, 11, 17), term=10, due=D(2026, 11, 30))
    add_milestone(ctx, data.ff, "Wave 2", term=10, due=D(2026, 12, 15))
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 16))
    change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 20))
    wave_1, wave_2 = checklist(ctx, data.ff, today=D(2026, 12, 28)).milestones
    assert (wave_1.sent, wave_1.received) == (D(2026, 11, 17), D(2026, 11, 20))
    assert (wave_2.sent, wave_2.accepted) == (None, False)


def test_a_milestone_kantata_shows_sent_after_the_ticked_receipt_is_not_the_request(ctx, data):
    add_milestone(ctx, data.ff, "Phase A", sent=D(2026, 11, 20), term=10, due=D(2026, 11, 10))
    add_milestone(ctx, data.ff, "Phase B", term=10, due=D(2026, 11, 15))
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 16))
    change(ctx, data.ff, "signoff_received", Status.DONE, D(2026, 11, 18))
    phase_a, phase_b = checklist(ctx, data.ff, today=D(2026, 11, 24)).milestones
    # Accepted on the 18th, the request can't be one Kantata says went out on the 20th.
    assert (phase_a.sent, phase_a.received) == (D(2026, 11, 20), None)
    assert (phase_b.sent, phase_b.received) == (D(2026, 11, 16), D(2026, 11, 18))


def test_a_later_request_is_for_the_next_milestone(ctx, data):
    add_milestone(
        ctx, data.ff, "Wave 1", D(2026, 11, 2), D(2026, 11, 4), term=10, due=D(2026, 11, 2)
    )
    add_milestone(ctx, data.ff, "Wave 2", term=10, due=D(2026, 12, 15))
    change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 16))
    wave_1, wave_2 = checklist(ctx, data.ff).milestones
    assert (wave_1.sent, wave_1.received) == (D(2026, 11, 2), D(2026, 11, 4))
    assert wave_2.sent == D(2026, 11, 16) and wave_2.passive.reached_on == D(2026, 11, 30)


@pytest.mark.parametrize("key", ["signoff_sent", "signoff_received"])
def test_the_sign_off_items_are_done_only_with_their_date(ctx, data, key):
    if key == "signoff_received":
        change(ctx, data.ff, "signoff_sent", Status.DONE, D(2026, 11, 18))
    with pytest.raises(ClosureRefused, match="needs its date: pick it from the calendar"):
        change(ctx, data.ff, key, Status.DONE)
    assert checklist(ctx, data.ff).item(key).status is Status.OPEN
    assert change(ctx, data.ff, key, Status.DONE, D(2026, 11, 20))
    assert change(ctx, data.ff, key, Status.DONE) is False  # Done keeps the date picked


def test_milestones_are_listed_by_due_date(ctx, data):
    add_milestone(ctx, data.ff, "Later", due=D(2026, 12, 1))
    add_milestone(ctx, data.ff, "Undated")
    add_milestone(ctx, data.ff, "Sooner", due=D(2026, 11, 1))
    assert [m.name for m in checklist(ctx, data.ff).milestones] == ["Sooner", "Later", "Undated"]


def test_csat_is_overdue_once_the_meeting_has_passed(ctx, data):
    change(ctx, data.tm, "closure_meeting", Status.DONE, D(2026, 11, 23))
    assert checklist(ctx, data.tm).csat_overdue == D(2026, 11, 23)
    assert checklist(ctx, data.tm, today=D(2026, 11, 23)).csat_overdue is None  # the day of
    change(ctx, data.tm, "csat_sent", Status.DONE, D(2026, 11, 20))
    assert checklist(ctx, data.tm).csat_overdue is None


@pytest.mark.parametrize("project", ["tm", "ff"])
def test_reopening_the_hours_after_kantata_completed_is_flagged(ctx, data, project):
    project = getattr(data, project)
    if project.type == "FF":
        change(ctx, project, "signoff_sent", Status.DONE, D(2026, 11, 18))
        change(ctx, project, "signoff_received", Status.DONE, D(2026, 11, 20))
        change(ctx, project, "acceptance_attached", Status.DONE)
    change(ctx, project, "hours_approved", Status.DONE)
    change(ctx, project, "kantata_completed", Status.DONE)
    assert not checklist(ctx, project).completed_too_early
    change(ctx, project, "hours_approved", Status.OPEN)
    assert checklist(ctx, project).completed_too_early


def test_the_state_is_queryable_per_project(ctx, data):
    change(ctx, data.tm, "closure_meeting", Status.DONE)
    change(ctx, data.ff, "closure_meeting", Status.NA)
    with ctx.session_factory() as session:
        rows = session.execute(
            sa.select(ClosureItem.project_id, ClosureItem.status).order_by(ClosureItem.project_id)
        ).all()
    assert rows == [(data.tm.id, "done"), (data.ff.id, "na")]


def test_fixed_fee_revenue_needs_every_milestone_accepted():
    items = tuple(
        ItemState(spec, Status.DONE if spec.key == "acceptance_attached" else Status.OPEN)
        for spec in items_for("FF")
    )
    accepted = MilestoneAcceptance("Phase 1", None, D(2026, 10, 1), D(2026, 10, 2), None)
    sent = D(2026, 11, 23)
    running = MilestoneAcceptance("Final", None, sent, None, passive_acceptance(sent, 5, US, TODAY))
    assert revenue_signoff("FF", items, [accepted], TODAY).done
    result = revenue_signoff("FF", items, [accepted, running], TODAY)
    assert not result.done
    assert "reached on Mon Nov 30 (3 business days left)" in result.reason
    assert not revenue_signoff("FF", items, [], TODAY).done  # no milestones: nothing to go on


# --- which projects are closing -------------------------------------------------------------


def test_closing_projects_are_closing_or_ending_within_thirty_days():
    def project(sow, status, end):
        return Project(sow=sow, customer=sow, name="x", type="T&M", status=status, end_date=end)

    projects = [
        project("SOW-A", "active", D(2026, 12, 24)),  # 30 days out: in
        project("SOW-B", "active", D(2026, 12, 25)),  # 31 days out: out
        project("SOW-C", "closing", None),
        project("SOW-D", "completed", D(2026, 11, 30)),
        project("SOW-E", "active", None),
        project("SOW-F", "active", D(2026, 11, 2)),  # ended, not closed yet: in
        project("SOW-G", "closing", D(2026, 12, 1)),
    ]
    assert [p.sow for p in closing_projects(projects, TODAY)] == [
        "SOW-G",
        "SOW-C",
        "SOW-F",
        "SOW-A",
    ]
