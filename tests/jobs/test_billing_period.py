"""Three business days before month end: FF sign-offs and T&M timesheets."""

import datetime as dt

import sqlalchemy as sa

from bot.pmo.rhythm import job_time
from bot.store.models import ClosureItem, Project
from jobs.billing_period import run_billing_period
from tests.factories import Portfolio
from tests.jobs.sample import (
    BILLING,
    HOSTILE,
    HOSTILE_ESCAPED,
    add_milestone,
    assert_safe,
    assert_threaded,
    assert_valid,
    everything,
    many_projects,
    post_lines,
)


def test_november_run_is_tuesday_the_24th(ctx):
    # Nov 30 is a Monday and Thanksgiving (Nov 26) is not a business day.
    assert job_time(ctx, "billing_period", "2026-11") == BILLING


def test_billing_lists_ff_milestones_without_signoff_and_tm_pms(ctx, week):
    posts = run_billing_period(ctx, BILLING)

    assert len(posts) == 1
    assert_threaded(posts)
    assert_valid(posts)
    assert_safe(posts, mentions={"U0PAM", "U0QUINN"})
    lines = post_lines(posts[0])
    assert lines[0] == "Billing period closes Mon Nov 30"
    text = everything(posts)
    overdue = text.index(
        "• *Globex — Platform* (SOW-201) · Phase 1 acceptance · due Nov 20 :warning: overdue"
        " · sign-off sent Nov 18 · PM <@U0QUINN>"
    )
    not_sent = text.index(
        "• *Globex — Platform* (SOW-201) · Design sign-off · due Nov 27 · *sign-off not sent*"
        " · PM <@U0QUINN>"
    )
    timesheets = text.index(
        "*T&amp;M: approve all timesheets in Kantata before month end* (Mon Nov 30)"
    )
    assert text.index(":page_facing_up: *Fixed Fee milestones without sign-off* · 2") < overdue
    assert overdue < not_sent < timesheets
    assert "Kickoff workshop" not in text  # signed off
    assert "Phase 2 acceptance" not in text  # due in December
    tm = text[timesheets:]
    assert "• Noah Nolink: Initech — Upgrade (SOW-301)" in tm
    assert "• <@U0PAM>: Acme — Migration (SOW-102), Acme — Rollout (SOW-101)" in tm
    # Closing projects still log hours.
    assert "• <@U0QUINN>: Umbrella — Wind-down (SOW-202)" in tm
    assert "Stark" not in text  # a Consulting Block: SPEC §1 names T&M timesheets only
    assert "Hooli" not in text  # Fixed Fee, and no milestones
    assert "Soylent" not in text  # completed
    assert posts[0].text == (
        "Billing period closes Mon Nov 30: 2 Fixed Fee milestones without sign-off; "
        "approve T&amp;M timesheets before month end"
    )


def test_billing_says_so_when_no_ff_milestone_waits(ctx):
    data = Portfolio(ctx.session_factory)
    data.project("SOW-1", "Acme", pm=data.person("Pam Manager", "U0PAM"))
    ff = data.project("SOW-2", "Globex", type="FF", pm=data.person("Quinn Lead", "U0QUINN"))
    add_milestone(ctx.session_factory, ff, "Accepted", dt.date(2026, 11, 10),
                  sent=dt.date(2026, 11, 3), received=dt.date(2026, 11, 9))  # fmt: skip
    add_milestone(ctx.session_factory, ff, "Next month", dt.date(2026, 12, 1))

    posts = run_billing_period(ctx, BILLING)

    assert_valid(posts)
    text = everything(posts)
    assert ":white_check_mark: No Fixed Fee milestones are waiting for sign-off." in text
    assert "• <@U0PAM>: Acme — Rollout (SOW-1)" in text
    assert "U0QUINN" not in text
    assert "no Fixed Fee milestones waiting for sign-off" in posts[0].text


def test_billing_keeps_old_overdue_milestones_but_not_completed_projects(ctx):
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    live = data.project("SOW-1", "Acme", type="FF", pm=pam)
    done = data.project("SOW-2", "Globex", type="FF", pm=pam, status="completed")
    add_milestone(ctx.session_factory, live, "September deliverable", dt.date(2026, 9, 30))
    add_milestone(ctx.session_factory, done, "Final acceptance", dt.date(2026, 11, 12))
    add_milestone(ctx.session_factory, live, "No date yet", None)

    text = everything(run_billing_period(ctx, BILLING))

    assert "September deliverable · due Sep 30 :warning: overdue · *sign-off not sent*" in text
    assert "Final acceptance" not in text
    assert "No date yet" not in text
    assert "T&amp;M: approve" not in text  # no T&M projects


def test_billing_lists_milestones_accepted_passively_apart(ctx):
    # SPEC §5: ready to bill once sign-off is received or passive acceptance is reached;
    # the handbook then asks for Sign-Off Received and Passive Acceptance Utilized in Kantata.
    # Sent Mon Nov 9 (Day 1); Veterans Day, Wed Nov 11, is not a business day.
    data = Portfolio(ctx.session_factory)
    ff = data.project("SOW-2", "Globex", type="FF", pm=data.person("Quinn Lead", "U0QUINN"))
    sent, due = dt.date(2026, 11, 9), dt.date(2026, 11, 13)
    for name, term in [("Day 10 is Nov 23", 10), ("Day 11 is today", 11), ("Day 12", 12)]:
        add_milestone(ctx.session_factory, ff, name, due, sent=sent, passive_days=term)
    add_milestone(ctx.session_factory, ff, "No term", due, sent=sent)

    posts = run_billing_period(ctx, BILLING)

    assert_valid(posts)
    text = everything(posts)
    waiting = text.index(":page_facing_up: *Fixed Fee milestones without sign-off* · 2")
    accepted = text.index(
        ":inbox_tray: *Accepted passively: set Sign-Off Received and mark Passive Acceptance "
        "Utilized in Kantata* · 2"
    )
    # Wed Nov 25, not today: the holiday doesn't count.
    day_12 = text.index(
        "• *Globex — Rollout* (SOW-2) · Day 12 · due Nov 13 :warning: overdue · sign-off sent "
        "Nov 9 · passive acceptance Wed Nov 25 · PM <@U0QUINN>"
    )
    assert "No term · due Nov 13 :warning: overdue · sign-off sent Nov 9 · PM" in text
    day_10 = text.index(
        "• *Globex — Rollout* (SOW-2) · Day 10 is Nov 23 · due Nov 13 · passive acceptance "
        "Mon Nov 23 · PM <@U0QUINN>"
    )
    day_11 = text.index("Day 11 is today · due Nov 13 · passive acceptance Tue Nov 24 · PM")
    assert waiting < day_12 < accepted < day_10 < day_11
    assert posts[0].text == (
        "Billing period closes Mon Nov 30: 2 Fixed Fee milestones without sign-off, "
        "2 accepted passively"
    )


def test_billing_says_when_passive_acceptance_is_reached_before_the_close(ctx):
    # The audit's case: sent Fri Nov 20 (Day 1), a 5-business-day term; Thanksgiving,
    # Thu Nov 26, doesn't count, so Day 5 is Fri Nov 27, before the Nov 30 close.
    data = Portfolio(ctx.session_factory)
    ff = data.project("SOW-2", "Globex", type="FF", pm=data.person("Quinn Lead", "U0QUINN"))
    add_milestone(ctx.session_factory, ff, "Phase 3 acceptance", dt.date(2026, 11, 25),
                  sent=dt.date(2026, 11, 20), passive_days=5)  # fmt: skip

    text = everything(run_billing_period(ctx, BILLING))

    assert (
        "• *Globex — Rollout* (SOW-2) · Phase 3 acceptance · due Nov 25 · sign-off sent Nov 20"
        " · passive acceptance Fri Nov 27 · PM <@U0QUINN>"
    ) in text
    assert "Accepted passively" not in text


def test_billing_prompts_only_for_passive_acceptance_this_period_without_sign_off(ctx):
    data = Portfolio(ctx.session_factory)
    ff = data.project("SOW-2", "Globex", type="FF", pm=data.person("Quinn Lead", "U0QUINN"))
    add = add_milestone
    # Day 5 is Fri Oct 30: accepted last period.
    add(ctx.session_factory, ff, "October", dt.date(2026, 10, 30), sent=dt.date(2026, 10, 26),
        passive_days=5)  # fmt: skip
    # Reached Nov 6, but sign-off is received since: nothing left to record.
    add(ctx.session_factory, ff, "Signed off", dt.date(2026, 11, 6), sent=dt.date(2026, 11, 2),
        received=dt.date(2026, 11, 20), passive_days=5)  # fmt: skip
    # Due in December, accepted passively in November: it bills this period.
    add(ctx.session_factory, ff, "Early", dt.date(2026, 12, 15), sent=dt.date(2026, 11, 2),
        passive_days=5)  # fmt: skip

    posts = run_billing_period(ctx, BILLING)

    text = everything(posts)
    assert ":white_check_mark: No Fixed Fee milestones are waiting for sign-off." in text
    assert "Utilized in Kantata* · 1" in text
    assert (
        "• *Globex — Rollout* (SOW-2) · Early · due Dec 15 · passive acceptance Fri Nov 6" in text
    )
    assert "October" not in text and "Signed off" not in text
    assert posts[0].text == (
        "Billing period closes Mon Nov 30: no Fixed Fee milestones waiting for sign-off, "
        "1 accepted passively"
    )


def test_billing_counts_passive_acceptance_from_the_date_ticked_in_slack(ctx):
    # No sent date from Kantata yet: the checklist's "Sign-off request sent", as in
    # `/ps closure`. It records one request: the earliest milestone not requested yet.
    data = Portfolio(ctx.session_factory)
    ff = data.project("SOW-2", "Globex", type="FF", pm=data.person("Quinn Lead", "U0QUINN"))
    add_milestone(ctx.session_factory, ff, "Wave 1", dt.date(2026, 11, 13), passive_days=5)
    add_milestone(ctx.session_factory, ff, "Wave 2", dt.date(2026, 11, 20), passive_days=5)
    add_milestone(ctx.session_factory, ff, "Running", dt.date(2026, 11, 20),
                  sent=dt.date(2026, 11, 2), passive_days=20)  # fmt: skip
    with ctx.session_factory.begin() as session:
        sent = dt.date(2026, 11, 9)
        session.add(
            ClosureItem(
                project_id=ff.id, item="signoff_sent", status="done", item_date=sent, version=1
            )
        )

    text = everything(run_billing_period(ctx, BILLING))

    # Day 5 is Mon Nov 16: accepted passively, for the PMO to record in Kantata.
    assert "Wave 1 · due Nov 13 · passive acceptance Mon Nov 16 · PM" in text
    # Never requested: the tick for Wave 1 doesn't accept it passively.
    assert "Wave 2 · due Nov 20 :warning: overdue · *sign-off not sent*" in text
    assert "Running · due Nov 20 :warning: overdue · sign-off sent Nov 2 · passive" in text


def test_only_tm_projects_bill_on_timesheets(ctx):
    data = Portfolio(ctx.session_factory)
    pam = data.person("Pam Manager", "U0PAM")
    data.project("SOW-1", "Acme", "Support", pm=pam)
    data.project("SOW-2", "Globex", "Block", pm=pam, type="Consulting Block")
    data.project("SOW-3", "Initech", "Engineer", pm=pam, type="Dedicated Engineer")

    text = everything(run_billing_period(ctx, BILLING))

    assert "• <@U0PAM>: Acme — Support (SOW-1)" in text
    assert "Globex" not in text and "Initech" not in text


def test_billing_is_silent_with_nothing_to_bill(ctx):
    assert run_billing_period(ctx, BILLING) == []


def test_billing_escapes_hostile_names(ctx):
    data = Portfolio(ctx.session_factory)
    mallory = data.person(HOSTILE)
    ff = data.project("SOW-666", HOSTILE, HOSTILE, type="FF", pm=mallory)
    data.project("SOW-667", HOSTILE, "Support", pm=mallory)
    add_milestone(ctx.session_factory, ff, HOSTILE, dt.date(2026, 11, 27))

    posts = run_billing_period(ctx, BILLING)

    assert_valid(posts)
    assert_safe(posts)
    text = everything(posts)
    assert (
        f"• *{HOSTILE_ESCAPED} — {HOSTILE_ESCAPED}* (SOW-666) · {HOSTILE_ESCAPED} · due Nov 27"
        f" · *sign-off not sent* · PM {HOSTILE_ESCAPED}"
    ) in text
    # Long names are shortened on the timesheets line, never cut inside an escape.
    assert f"• {HOSTILE_ESCAPED}: &lt;!channel&gt; &lt;@U0EVIL&gt;" in text
    assert "… — Support (SOW-667)" in text


def test_billing_with_200_milestones_continues_in_the_thread(ctx):
    ff = many_projects(ctx.session_factory, 100, type="FF")
    for n, project in enumerate(ff):
        add_milestone(ctx.session_factory, project, "Phase A", dt.date(2026, 11, 1 + n % 28))
        add_milestone(ctx.session_factory, project, "Phase B", dt.date(2026, 10, 1 + n % 28))

    posts = run_billing_period(ctx, BILLING)

    assert len(posts) > 1
    assert_threaded(posts)
    assert_valid(posts)
    text = everything(posts)
    assert text.count("Phase A · due") == 100
    assert text.count("Phase B · due") == 100
    assert "_(continued)_" in text
    assert posts[1].text.startswith("Billing period closes Mon Nov 30 (continued, 2/")


def test_billing_reads_as_many_statements_for_30_projects_as_for_3(ctx):
    engine = ctx.session_factory.kw["bind"]

    def statements() -> int:
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            sent.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            run_billing_period(ctx, BILLING)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(sent)

    def add_ff_projects(first: int, count: int) -> None:
        with ctx.session_factory.begin() as session:
            projects = [
                Project(sow=f"SOW-{n}", customer=f"C{n}", name="P", type="FF", status="active")
                for n in range(first, first + count)
            ]
            session.add_all(projects)
        for project in projects:
            add_milestone(ctx.session_factory, project, "Phase A", dt.date(2026, 11, 20))

    add_ff_projects(5000, 3)
    few = statements()
    add_ff_projects(6000, 27)
    assert statements() == few
