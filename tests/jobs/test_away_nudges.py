"""Time off at a frozen "now": no nudges to a PM who is away; whoever covers for them
gets them instead and is named in the Tuesday reminder; past its last day it lapses."""

import datetime as dt

import pytest

from bot.pmo.away import set_away
from bot.store.models import Milestone
from jobs.acceptance_cutoff import run_acceptance_cutoff
from jobs.billing_period import run_billing_period
from jobs.forecast_nudge import run_forecast_nudge
from jobs.forecast_prep import run_forecast_prep
from jobs.timesheet_nudge import run_timesheet_nudge
from jobs.top_customer_nudge import run_top_customer_nudge
from jobs.top_customer_open import run_top_customer_open
from jobs.top_customer_report import run_top_customer_report
from tests.jobs.sample import (
    BILLING,
    MON_NUDGE,
    MON_PREP,
    TUE_NUDGE,
    TUE_OPEN,
    TUE_REPORT,
    assert_safe,
    assert_valid,
    everything,
)
from tests.jobs.test_forecast_accuracy import at, data  # noqa: F401  (the cutoff's fixture)
from tests.jobs.test_timesheet_nudge import FRI


def away(ctx, user_id, starts, ends, delegate=None):
    with ctx.session_factory.begin() as session:
        set_away(
            session,
            user_id,
            dt.date.fromisoformat(starts),
            dt.date.fromisoformat(ends),
            delegate,
            today=dt.date(2026, 11, 1),
            now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )


@pytest.fixture
def pam_covered_quinn_not(ctx, week):
    away(ctx, "U0PAM", "2026-11-30", "2026-12-04", "U0PAT")
    away(ctx, "U0QUINN", "2026-11-30", "2026-12-04")
    return week


def test_the_tuesday_nudge_goes_to_the_delegate_and_not_to_away_pms(ctx, pam_covered_quinn_not):
    (post,) = run_top_customer_nudge(ctx, TUE_NUDGE)
    assert post.channel == "U0PAT"
    assert post.text.startswith("You're covering for <@U0PAM>, away until Fri Dec 4. ")
    assert ":palm_tree: You're covering for <@U0PAM>, away until Fri Dec 4." in everything([post])
    assert "*Acme — Migration* (SOW-102)" in everything([post])
    assert_valid([post])
    assert_safe([post], mentions=["U0PAM"])


def test_the_tuesday_reminder_names_away_pms_and_mentions_who_covers(ctx, pam_covered_quinn_not):
    text = everything(run_top_customer_open(ctx, TUE_OPEN))
    assert "Pam Manager (away until Fri Dec 4) · <@U0PAT> covers" in text
    assert "Quinn Lead (away until Fri Dec 4) ·" in text
    assert "<@U0PAM>" not in text and "<@U0QUINN>" not in text


def test_time_off_lapses_by_itself_after_its_last_day(ctx, week):
    away(ctx, "U0PAM", "2026-11-23", "2026-11-30", "U0PAT")  # back on Tuesday
    away(ctx, "U0QUINN", "2026-12-02", "2026-12-04")  # not yet gone
    assert [p.channel for p in run_top_customer_nudge(ctx, TUE_NUDGE)] == ["U0PAM", "U0QUINN"]
    assert "<@U0PAM>" in everything(run_top_customer_open(ctx, TUE_OPEN))


def test_monday_and_friday_nudges_follow_the_time_off_too(ctx, week):
    away(ctx, "U0PAM", "2026-11-30", "2026-12-04", "U0PAT")
    (monday,) = run_forecast_nudge(ctx, MON_NUDGE)
    assert monday.channel == "U0PAT" and "covering for <@U0PAM>" in monday.text
    friday = run_timesheet_nudge(ctx, FRI)
    assert [p.channel for p in friday] == ["U0PAT", "U0QUINN"]
    away(ctx, "U0PAM", "2026-11-30", "2026-12-04")  # nobody covers now
    assert run_forecast_nudge(ctx, MON_NUDGE) == []
    assert [p.channel for p in run_timesheet_nudge(ctx, FRI)] == ["U0QUINN"]


def test_the_acceptance_cutoff_reminder_goes_to_the_delegate(ctx, data):  # noqa: F811
    with ctx.session_factory.begin() as session:
        session.add(
            Milestone(
                project_id=data.migration.id,
                name="Wave 1",
                passive_days=10,
                due_date=dt.date(2026, 11, 25),
            )
        )
    away(ctx, "U0ANN", "2026-11-12", "2026-11-12", "U0PAT")
    (post,) = run_acceptance_cutoff(ctx, at("2026-11-12T09:00"))
    assert post.channel == "U0PAT" and "covering for <@U0ANN>" in post.text


def test_channel_reminders_name_an_away_pm_and_mention_who_covers(ctx, week):
    away(ctx, "U0PAM", "2026-11-30", "2026-12-04", "U0PAT")
    prep = everything(run_forecast_prep(ctx, MON_PREP))
    assert "Pam Manager (away until Fri Dec 4) · <@U0PAT> covers" in prep
    assert "<@U0PAM>" not in prep
    away(ctx, "U0QUINN", "2026-11-23", "2026-11-25")
    billing = everything(run_billing_period(ctx, BILLING))
    assert "Quinn Lead (away until Wed Nov 25)" in billing
    assert "<@U0QUINN>" not in billing


def test_the_report_names_away_pms_among_the_missing_and_mentions_who_covers(
    ctx, pam_covered_quinn_not
):
    (post,) = run_top_customer_report(ctx, TUE_REPORT)
    text = everything([post])
    assert "• *Acme — Migration* (SOW-102) · PM Pam" in text
    assert "(away until Fri Dec 4) · <@U0PAT> covers" in text
    assert "(away until Fri Dec 4)" in text.split("*Globex — Platform* (SOW-201)")[1]
    assert "<@U0PAM>" not in text and "<@U0QUINN>" not in text
    assert_valid([post])
