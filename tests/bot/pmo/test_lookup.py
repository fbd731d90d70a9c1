"""Finding a project by its SOW, whatever shape the import kept it in (SPEC §6: PROJECT is
a SOW number, case-insensitive), through `/ps bookings` and `/ps thanks`."""

import pytest

from bot.store.models import Thanks
from tests.commands.test_wins import SLACK_USERS, stored


@pytest.fixture
def odd_sows(fake_slack, portfolio):
    """Projects whose SOWs the import accepted as written, beside conftest's SOW-1…SOW-3."""
    for user_id, email, name in SLACK_USERS:
        fake_slack.add_user(user_id, email, name)
    portfolio.alpha = portfolio.project("SOW1234", "Initech", "Alpha")
    portfolio.beta = portfolio.project("PS-77", "Umbrella", "Beta")
    portfolio.gamma = portfolio.project("SOW-1234A", "Hooli", "Gamma")
    return portfolio


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("SOW1234", "Initech — Alpha (SOW1234)"),
        ("sow1234", "Initech — Alpha (SOW1234)"),
        ("SOW-1234", "Initech — Alpha (SOW1234)"),  # the usual spelling finds the other
        ("PS-77", "Umbrella — Beta (PS-77)"),
        ("ps-77", "Umbrella — Beta (PS-77)"),
        ("sow-1234a", "Hooli — Gamma (SOW-1234A)"),
        ("sow1", "Acme — Rollout (SOW-1)"),
    ],
)
def test_a_project_is_found_by_its_stored_sow_in_any_case(slack, odd_sows, query, title):
    assert slack.ask(f"bookings {query}")["text"] == f"Bookings for {title}"


def test_each_spelling_finds_its_own_project_when_both_are_stored(slack, odd_sows):
    odd_sows.project("SOW-1234", "Globex", "Delta")
    assert slack.ask("bookings sow1234")["text"] == "Bookings for Initech — Alpha (SOW1234)"
    assert slack.ask("bookings sow-1234")["text"] == "Bookings for Globex — Delta (SOW-1234)"


def test_an_unknown_sow_of_another_shape_is_no_match(slack, odd_sows):
    assert "No project matches 'PS-78'." in slack.ask("bookings PS-78")["text"]


def test_thanks_starting_with_a_stored_sow_names_that_project(slack, ctx, odd_sows):
    slack.ask("thanks <@U0PAT|pat> ps-77 for the runbook")
    (thanks,) = stored(ctx, Thanks)
    assert (thanks.project_id, thanks.text) == (odd_sows.beta.id, "for the runbook")
