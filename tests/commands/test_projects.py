"""`/ps projects [--mine]` through signed slash commands."""

import datetime as dt
import json

import pytest

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
