"""`/ps projects [--mine]` through signed slash commands."""

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from tests.factories import Portfolio


def text_of(reply) -> str:
    return json.dumps(reply.get("blocks") or [], ensure_ascii=False)


def test_callers_projects_come_first_with_flags(slack, portfolio):
    portfolio.milestone(portfolio.rollout, "Design sign-off", dt.date(2026, 12, 15))
    portfolio.milestone(portfolio.rollout, "Old", dt.date(2026, 10, 1))
    reply = slack.ask("projects")
    text = text_of(reply)
    assert reply["text"] == "3 projects, 2 yours"
    yours, others = text.index("*Yours*"), text.index("*Other projects*")
    assert yours < text.index("Acme — Migration") < text.index("Acme — Rollout") < others
    assert others < text.index("Globex — Platform")
    rollout = next(line for line in text.split("\\n") if "Rollout" in line)
    assert "T&amp;M · active · :star: Top Customer" in rollout
    assert "next milestone Design sign-off Dec 15" in rollout
    assert ":warning: 2 booking issues" in rollout


def test_mine_shows_only_the_callers_projects(slack, portfolio):
    reply = slack.ask("projects --mine")
    text = text_of(reply)
    assert "Globex" not in text and "Rollout" in text and "Migration" in text
    assert reply["text"] == "2 projects, 2 yours"


def test_someone_with_no_projects(slack, portfolio):
    text = text_of(slack.ask("projects --mine", user_id="U0STRANGER"))
    assert "You have no projects in psbot yet" in text


def test_long_lists_are_capped_with_a_pointer(slack, ctx):
    data = Portfolio(ctx.session_factory)
    for n in range(60):
        data.project(f"SOW-{n + 100}", f"Customer {n:02d}")
    reply = slack.ask("projects")
    text = text_of(reply)
    assert len(reply["blocks"]) <= 50
    assert "…and 20 more: `/ps projects --mine` narrows the list." in text


@pytest.mark.parametrize(
    ("args", "problem"), [("--all", "Unknown option --all."), ("x", "Unexpected 'x'.")]
)
def test_bad_arguments(slack, portfolio, args, problem):
    reply = slack.ask(f"projects {args}")
    assert problem in reply["text"] and "Usage: `/ps projects [--mine]`" in reply["text"]


def test_rules_and_milestones_are_loaded_for_the_projects_shown_only(slack, ctx, monkeypatch):
    from commands import projects

    asked = []

    def spy(session, today, **kwargs):
        asked.append(kwargs["project_ids"])
        return load(session, today, **kwargs)

    load = projects.load_portfolio
    monkeypatch.setattr(projects, "load_portfolio", spy)
    data = Portfolio(ctx.session_factory)
    shown = data.project("SOW-100", "Customer 00", kickoff=dt.date(2026, 11, 2))
    data.milestone(shown, "Go-live", dt.date(2026, 12, 15))
    for n in range(1, 45):
        hidden = data.project(f"SOW-{n + 100}", f"Customer {n:02d}")
        data.milestone(hidden, "Go-live", dt.date(2026, 12, 1))
    reply = slack.ask("projects")
    text = text_of(reply)
    assert reply["text"] == "45 projects, 0 yours"
    assert "…and 5 more" in text
    (ids,) = asked
    assert len(ids) == 40 and shown.id in ids
    first = next(line for line in text.split("\\n") if "Customer 00" in line)
    assert "next milestone Go-live Dec 15" in first and ":warning: 1 booking issue" in first


def test_the_list_reads_no_ones_record_but_the_callers_and_no_time_off(slack, portfolio, engine):
    # Only the project rules are checked for the list: nobody's name, weeks or time off
    # is needed, and at 10,000 projects reading them was a third of the answer's work.
    sent: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        reply = slack.ask("projects")
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert ":warning: 2 booking issues" in text_of(reply)  # the rules were checked
    assert not [s for s in sent if re.search(r"\bFROM time_off\b", s)]
    people = [s for s in sent if re.search(r"\bFROM people\b", s)]
    assert people and all("people.slack_user_id =" in s for s in people), people
