"""`/ps bookings` and `/ps forecast` through signed slash commands (data: conftest.py)."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from bot.store.models import Booking, Person, Project, TimeOff
from tests.jobs.sample import as_fallback


def text_of(reply) -> str:
    blocks = json.dumps(reply.get("blocks") or [], ensure_ascii=False)
    return as_fallback(blocks) + reply["text"]


def test_bookings_alone_explains_and_lists_the_callers_problems(slack, portfolio):
    reply = slack.ask("bookings")
    text = text_of(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Soft booking" in text and "Hard booking" in text and "40%" in text
    assert "Your projects need attention" in text
    assert "Acme — Rollout (SOW-1) has 10 h soft-booked in Nov 2026." in text
    assert "SOW-3" not in text  # not Pam's project


def test_bookings_alone_for_someone_psbot_does_not_know(slack, portfolio):
    text = text_of(slack.ask("bookings", user_id="U0STRANGER"))
    assert "I don't know which projects are yours yet" in text


def test_bookings_for_a_project_shows_people_by_month_and_money(slack, portfolio):
    text = text_of(slack.ask("bookings sow-1"))
    assert "Bookings: Acme — Rollout" in text
    # Nov: 40 h (Nov 23) + 8 h (1/5 of the week of Nov 30); Dec: 32 + 120 + 32; Jan: 8 + 160.
    assert "*Pat Engineer* (PSE): Nov 48 h hard · Dec 184 h hard · Jan 168 h hard" in text
    assert "*Tia Architect* (TA): Nov 10 h soft" in text
    assert "Nov 2026: $9,600 forecast, $2,000 upside" in text
    assert "Acme — Rollout (SOW-1) has 10 h soft-booked in Nov 2026." in text
    assert "Convert them to hard bookings" in text


def test_bookings_for_a_project_states_the_accuracy_assumptions(slack, portfolio):
    # SPEC §4: the sums come with the accuracy assumed of hard and soft bookings,
    # worded as `/ps forecast` words them.
    stated = (
        "Forecast = hard hours × bill rate (assumed 90–95% accurate). "
        "Upside = soft hours × bill rate (assumed 40% accurate)."
    )
    assert stated in text_of(slack.ask("bookings sow-1"))
    assert stated in text_of(slack.ask("forecast"))


def test_people_in_one_role_are_listed_by_name(slack, portfolio):
    for name in ("Zoe Zimmer", "Abe Adams", "Mia Moss"):  # stored in this order
        person = portfolio.person(name)
        portfolio.book(portfolio.rollout, person, dt.date(2026, 11, 30), hours=8)
    text = text_of(slack.ask("bookings sow-1"))
    names = ["Abe Adams", "Mia Moss", "Pat Engineer", "Zoe Zimmer", "Tia Architect"]
    positions = [text.index(f"*{name}*") for name in names]
    assert positions == sorted(positions)  # PSEs by name, then the TA


def test_a_persons_bookings_load_only_the_projects_they_are_booked_on(
    slack, portfolio, monkeypatch
):
    from commands import bookings

    loaded = []

    def spy(*args, **kwargs):
        portfolio_ = load(*args, **kwargs)
        loaded.append({p.sow for p in portfolio_.projects})
        return portfolio_

    load = bookings.load_portfolio
    monkeypatch.setattr(bookings, "load_portfolio", spy)
    text = text_of(slack.ask("bookings <@U0PAT|pat>"))
    assert "Pat Engineer" in text and "40 h hard" in text
    assert loaded == [{"SOW-1"}]


@pytest.mark.parametrize("query", ["Acme R", "acme rollout", "ROLLOUT", "SOW-1", "sow1"])
def test_project_lookup_by_sow_or_unique_prefix(slack, portfolio, query):
    assert "Bookings: Acme — Rollout" in text_of(slack.ask(f"bookings {query}"))


def test_ambiguous_project_lists_candidates(slack, portfolio):
    reply = slack.ask("bookings acme")
    assert "'acme' matches 2 projects" in reply["text"]
    assert "Acme — Migration (SOW-2)" in reply["text"]
    assert "Acme — Rollout (SOW-1)" in reply["text"]
    assert "Usage: `/ps bookings [PROJECT | @person]`" in reply["text"]


def test_unknown_project_suggests_close_names(slack, portfolio):
    reply = slack.ask("bookings globx")
    assert "No project matches 'globx'. Did you mean Globex — Platform (SOW-3)?" in reply["text"]


def test_unknown_sow(slack, portfolio):
    assert "No project has SOW number SOW-999." in slack.ask("bookings sow-999")["text"]


def test_project_text_is_escaped(slack, portfolio):
    reply = slack.ask("bookings <!channel>")
    assert "<!channel>" not in reply["text"]
    assert "&lt;!channel&gt;" in reply["text"]


def test_bookings_for_a_person_shows_eight_weeks_against_capacity(slack, portfolio):
    text = text_of(slack.ask("bookings <@U0PAT|pat>"))
    assert "Allocation: Pat Engineer" in text
    # Capacity is less the holidays (PSBOT_HOLIDAYS): Thanksgiving, Christmas, New Year.
    assert "Week of Nov 23: 40 h hard of 32 h" in text
    assert "Week of Dec 21: 40 h hard of 32 h" in text
    assert "Week of Jan 11: 40 h hard of 40 h" in text
    assert "Fully allocated for the next 8 weeks." in text
    assert "Kantata data: none synced or imported yet" in text


def test_under_allocated_person(slack, portfolio):
    text = text_of(slack.ask("bookings <@U0PM|pam>"))
    assert ":warning: Week of Nov 23: 0 h hard of 32 h" in text
    assert "Under capacity in 8 of 8 weeks" in text


def test_bookings_alone_names_the_callers_own_under_allocation(slack, portfolio, ctx):
    # The caller's weeks across the whole portfolio, not only on their projects: Pat is
    # booked 40 h a week on Rollout, and 8 h more on Globex, so only the time off shows.
    portfolio.book(portfolio.globex, portfolio.pat, dt.date(2026, 11, 30), 1, hours=8)
    with ctx.session_factory.begin() as session:
        session.add(TimeOff(person_id=portfolio.pat.id, day=dt.date(2026, 12, 1), hours=8))
    text = text_of(slack.ask("bookings", user_id="U0PAT"))
    assert "Pat Engineer is under-allocated" not in text  # 48 h booked of 32 h that week
    with ctx.session_factory.begin() as session:
        session.execute(sa.update(Person).values(role="PSE"))  # all on the bench now
        session.execute(sa.delete(Booking).where(Booking.person_id == portfolio.pat.id))
    text = text_of(slack.ask("bookings", user_id="U0PAT"))
    assert "Pat Engineer is on the bench: no bookings in the next 4 weeks" in text
    assert "32 h week of Nov 30" in text  # the time off taken off the capacity
    assert "Tia Architect" not in text  # on the bench too, but not the caller


def test_unknown_person(slack, portfolio):
    reply = slack.ask("bookings <@U0NOBODY|someone>")
    assert reply["text"].startswith("I have no bookings for <@U0NOBODY>")


def test_bare_at_name_gets_the_autocomplete_hint(slack, portfolio):
    reply = slack.ask("bookings @pat")
    assert "pick the person from Slack's autocomplete" in reply["text"]


def test_person_and_extra_words_is_an_error(slack, portfolio):
    assert "Give one person or one project." in slack.ask("bookings <@U0PAT|pat> sow-1")["text"]


def test_forecast_for_the_current_quarter(slack, portfolio):
    reply = slack.ask("forecast")
    text = text_of(reply)
    assert reply["text"].startswith("Forecast 2026-Q4: $46,400 forecast, $2,000 upside")
    assert "*Oct 2026* (closed): $0 actual" in text  # nothing was logged
    assert "*Nov 2026*: $9,600 forecast (48 h hard) · $2,000 upside (10 h soft)" in text
    assert "*Dec 2026*: $36,800 forecast (184 h hard)" in text
    assert "<@U0PM>: $46,400 revenue · $2,000 upside" in text
    assert "assumed 90–95% accurate" in text and "assumed 40% accurate" in text


def test_forecast_lists_rule_breaks_by_money_at_stake(slack, portfolio):
    text = text_of(slack.ask("forecast"))
    soft = text.index("Acme — Rollout (SOW-1) has 10 h soft-booked")
    no_hard = text.index(
        "Acme — Migration (SOW-2) kicked off Sep 1 but has no hard bookings since."
    )
    fixed_fee = text.index("Globex — Platform (SOW-3) is Fixed Fee with no milestone dates")
    assert soft < min(no_hard, fixed_fee)
    assert "($2,000 at stake)" in text


def test_forecast_for_another_quarter(slack, portfolio):
    text = text_of(slack.ask("forecast --quarter 2027-Q1"))
    assert "Forecast 2027-Q1" in text
    assert "*Jan 2027*: $33,600 forecast (168 h hard)" in text
    assert "*Mar 2027*: $0 forecast (0 h hard)" in text


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("--quarter 2026-Q5", "'2026-Q5' is not a quarter; write it like 2026-Q4."),
        ("--quarter 9999-Q4", "'9999-Q4' is out of range; give a quarter from 2000-Q1 to"),
        ("--quarter 0000-q1", "'0000-q1' is out of range; give a quarter from 2000-Q1 to"),
        ("--quarter", "--quarter needs a value."),
        ("--week 2026-W48", "Unknown option --week."),
        ("next", "Unexpected 'next'."),
    ],
)
def test_forecast_bad_arguments(slack, portfolio, args, problem):
    reply = slack.ask(f"forecast {args}")
    assert problem in reply["text"]
    assert "Usage: `/ps forecast [--quarter 2026-Q4]`" in reply["text"]


def test_forecast_says_how_many_hours_have_no_bill_rate(slack, portfolio):
    portfolio.book(portfolio.migration, portfolio.tia, dt.date(2026, 11, 2), hours=20, rate=None)
    portfolio.book(portfolio.rollout, portfolio.tia, dt.date(2026, 12, 7), hours=4, rate=None)
    # Fixed Fee hours earn nothing by the hour: a missing rate there leaves nothing out.
    portfolio.book(portfolio.globex, portfolio.tia, dt.date(2026, 12, 7), hours=6, rate=None)
    text = text_of(slack.ask("forecast --quarter 2026-Q4"))
    assert "*Nov 2026*: $9,600 forecast (68 h hard)" in text
    assert (
        ":warning: 24 h without a bill rate are not in the $ figures (SOW-1, SOW-2): "
        "add the rates in Kantata."
    ) in text
    assert "without a bill rate" not in text_of(slack.ask("forecast --quarter 2027-Q1"))


def test_kickoff_rule_claims_only_the_weeks_it_looked_at(slack, portfolio):
    twenty = portfolio.project("SOW-20", "Acme", "Twenty", kickoff=dt.date(2026, 1, 5))
    portfolio.book(twenty, portfolio.tia, dt.date(2026, 3, 2), 3)  # long before the look-back
    portfolio.book(twenty, portfolio.tia, dt.date(2026, 12, 7), 8, kind="soft")
    text = text_of(slack.ask("bookings sow-20"))
    assert (
        "Acme — Twenty (SOW-20) kicked off Jan 5 but has no hard bookings since the week of Aug 31."
    ) in text
    assert "is not hard-booked 2 months out" not in text  # folded into the finding above


def test_replies_say_how_old_their_kantata_data_is(slack, portfolio, ctx, clock):
    two_hours_ago = clock() - dt.timedelta(hours=2)  # 08:00 ET on the test's Tuesday
    yesterday = clock() - dt.timedelta(days=1, hours=1)
    with ctx.session_factory.begin() as session:
        session.execute(sa.update(Project).values(data_as_of=two_hours_ago))
        session.execute(
            sa.update(Project).where(Project.sow == "SOW-3").values(data_as_of=yesterday)
        )
    assert ":clock3: Kantata data as of 08:00 ET" in text_of(slack.ask("bookings SOW-1"))
    # Over several projects: the oldest of them, with its day when not today.
    assert "Kantata data as of Mon Nov 23 09:00 ET" in text_of(slack.ask("forecast"))
    assert "Kantata data as of Mon Nov 23 09:00 ET" in text_of(slack.ask("projects"))
