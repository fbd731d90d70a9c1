"""Friday 14:00: a DM to each PM of T&M, Consulting Block and Dedicated Engineer projects
to approve the week's hours in Kantata (the sample week, tests/jobs/sample.py)."""

import datetime as dt

from bot.core.settings import load_settings
from bot.runtime.schedule import Weekly
from jobs.registry import configured_jobs
from jobs.timesheet_nudge import run_timesheet_nudge
from tests.jobs.sample import ET, assert_safe, assert_valid, everything

FRI = dt.datetime(2026, 12, 4, 14, 0, tzinfo=ET)


def test_it_runs_fridays_at_two_by_default():
    (job,) = [
        j
        for j in configured_jobs(load_settings({}, dotenv_path=None))
        if j.name == "timesheet_nudge"
    ]
    assert job.schedule == Weekly(4, dt.time(14, 0))


def test_each_pm_gets_their_timesheet_projects_and_fixed_fee_is_left_out(ctx, week):
    posts = run_timesheet_nudge(ctx, FRI)
    assert [p.channel for p in posts] == ["U0PAM", "U0QUINN"]  # Noah has no Slack id
    assert_valid(posts)
    assert_safe(posts, mentions=set())
    pam, quinn = (everything([p]) for p in posts)
    assert (
        posts[0].text == "Approve this week's hours in Kantata (Mon Nov 30 – Fri Dec 4): 2 projects"
    )
    assert "*Acme — Migration* (SOW-102) · T&amp;M" in pam and "*Acme — Rollout* (SOW-101)" in pam
    assert "Soylent" not in pam  # completed
    assert "*Stark — Advisory* (SOW-601) · CB" in quinn
    assert "*Umbrella — Wind-down* (SOW-202)" in quinn  # closing: hours still come in
    assert "Globex" not in quinn  # Fixed Fee bills on milestones
    assert "PMs approve weekly, not only at month end" in pam


def test_a_project_starting_after_this_week_is_not_asked_about(ctx, week):
    week.data.project(
        "SOW-701", "Wayne", "Pilot", pm=week.pam, type="Dedicated Engineer",
        kickoff=None,
    )  # fmt: skip
    with ctx.session_factory.begin() as session:
        from bot.store.models import Project

        session.query(Project).filter_by(sow="SOW-701").update({"start_date": dt.date(2026, 12, 7)})
    assert "Wayne" not in everything(run_timesheet_nudge(ctx, FRI))
    later = run_timesheet_nudge(ctx, FRI + dt.timedelta(days=7))
    assert "*Wayne — Pilot* (SOW-701) · DE" in everything(later)


def test_a_friday_holiday_run_on_monday_still_asks_for_the_week_just_ended(ctx, week):
    christmas_monday = dt.datetime(2026, 12, 28, 14, 0, tzinfo=ET)  # Fri Dec 25 was a holiday
    (first, _) = run_timesheet_nudge(ctx, christmas_monday)
    assert "(Mon Dec 21 – Fri Dec 25)" in first.text


def test_no_timesheet_projects_means_no_dms(ctx):
    assert run_timesheet_nudge(ctx, FRI) == []
