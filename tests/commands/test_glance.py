"""App Home's glance for the team, through signed app_home_opened events: this week's
notes by PM for admins, the quarter's wins and thanks by project for everyone."""

import datetime as dt

import pytest
from slack_sdk.models.views import View

from bot.pmo.notes import NoteFields, Temperature, save_note
from bot.store.models import Thanks, Win
from messages.glance_builder import bar
from tests.commands.test_home import open_home, text
from tests.conftest import ADMIN_ID
from tests.factories import Portfolio

WEEK = "2026-W48"  # the clock: Tuesday 24 November 2026, in 2026-Q4
IN_QUARTER = dt.datetime(2026, 10, 5, 15, 0, tzinfo=dt.UTC)
LAST_QUARTER = dt.datetime(2026, 9, 30, 15, 0, tzinfo=dt.UTC)


def note(ctx, project, week=WEEK):
    with ctx.session_factory.begin() as session:
        fields = NoteFields("On track", Temperature.GREEN, Temperature.GREEN)
        save_note(session, project.id, week, fields, "U0PM", IN_QUARTER)


def recognise(ctx, project, wins=0, thanks=0, at=IN_QUARTER):
    with ctx.session_factory.begin() as session:
        for n in range(wins):
            session.add(
                Win(project_id=project.id, text=f"win {n}", author_id="U0PM", created_at=at)
            )
        for n in range(thanks):
            session.add(
                Thanks(
                    giver_id="U0PM",
                    receiver_ids=["U0PAT"],
                    project_id=project.id if project else None,
                    text=f"thanks {n}",
                    created_at=at,
                )
            )


@pytest.mark.parametrize(
    ("done", "total", "shown"),
    [
        (3, 5, "▰▰▰▱▱ 3/5"),
        (0, 2, "▱▱ 0/2"),
        (1, 40, "▰▱▱▱▱▱▱▱▱▱ 1/40"),
        (39, 40, "▰▰▰▰▰▰▰▰▰▱ 39/40"),
    ],
)
def test_the_bar_shows_progress_and_never_rounds_it_away(done, total, shown):
    assert bar(done, total) == shown


def test_admins_see_this_weeks_notes_by_pm(slack, fake_slack, ctx, portfolio):
    data = portfolio
    quinn = data.person("Quinn Lead", "U0QUINN")
    extra = [
        data.project(f"SOW-{10 + n}", "Globex", f"Wave {n}", pm=quinn, top_customer=True)
        for n in range(5)
    ]
    data.project("SOW-30", "Hooli", "Audit", top_customer=True)  # no PM
    for project in extra[:3]:
        note(ctx, project)
    note(ctx, data.rollout, "2026-W47")  # last week's does not count
    admin = text(open_home(slack, fake_slack, ADMIN_ID))
    assert "*Notes this week by PM* (2026-W48)" in admin
    assert "• <@U0PM> `▱ 0/1`" in admin
    assert "• <@U0QUINN> `▰▰▰▱▱ 3/5`" in admin
    assert "• _No PM_ `▱ 0/1`" in admin
    assert admin.index("<@U0PM> `") < admin.index("<@U0QUINN> `")  # by name, not by score
    assert "Notes this week by PM" not in text(open_home(slack, fake_slack, "U0PM"))


def test_everyone_sees_the_quarters_wins_and_thanks_by_project(slack, fake_slack, ctx, portfolio):
    data = portfolio
    recognise(ctx, data.rollout, wins=3, thanks=1)
    recognise(ctx, data.migration, thanks=3)
    recognise(ctx, data.globex, wins=4, at=LAST_QUARTER)  # last quarter's
    recognise(ctx, None, thanks=2)
    view = text(open_home(slack, fake_slack, "U0PAT"))
    assert "*Wins and thanks this quarter, by project* (2026-Q4)" in view
    assert (
        "• *Acme — Rollout* (SOW-1): :trophy: 3 wins · :pray: 1 thanks\\n"
        "• *Acme — Migration* (SOW-2): :pray: 3 thanks"
    ) in view
    assert "Globex" not in view
    assert "And 2 thanks not tied to a project." in view
    assert "U0PM" not in view.split("this quarter, by project")[1].split("not tied")[0]


def test_a_thousand_projects_stay_valid_block_kit(slack, fake_slack, ctx):
    data = Portfolio(ctx.session_factory)
    pms = [data.person(f"PM {n:02d}", f"U0PM{n:02d}") for n in range(40)]
    projects = [
        data.project(f"SOW-{1000 + n}", f"Customer {n:04d}", "Project " + "x" * 80,
                     pm=pms[n % 40], top_customer=True)
        for n in range(1000)
    ]  # fmt: skip
    for project in projects[::7]:
        note(ctx, project)
    for project in projects[::3]:
        recognise(ctx, project, wins=1, thanks=2)
    view = open_home(slack, fake_slack, ADMIN_ID)
    View(**view).validate_json()
    body = text(view)
    assert "…and 15 more PMs: `/ps report` lists all." in body
    assert f"…and {334 - 15} more projects." in body
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
