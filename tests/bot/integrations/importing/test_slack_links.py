"""After an import, people are linked to Slack users by email, each looked up only once."""

import pytest
import slack_sdk.http_retry.handler
import sqlalchemy as sa

from bot.store.models import Booking, Person
from tests.bot.integrations.importing.conftest import (
    BOOKINGS_HEADER,
    PROJECTS_HEADER,
    rows,
    write_csv,
)

pytestmark = pytest.mark.usefixtures("with_projects")

EXPORT = f"""\
{BOOKINGS_HEADER}
SOW-1,jane@example.com,PM,2026-11-30,8,hard,200
SOW-1,Raj@Example.com,PSE,2026-11-30,40,hard,180
SOW-1,contractor@partner.example,TA,2026-11-30,10,hard,
"""


@pytest.fixture
def token(psbot, with_projects, monkeypatch) -> None:
    """A bot token for `psbot`, set after it clears the environment and projects exist."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")


def people(session_factory) -> dict[str, tuple]:
    statement = sa.select(Person.email, Person.slack_user_id, Person.name, Person.tz)
    return {email: rest for email, *rest in rows(session_factory, statement)}


@pytest.mark.usefixtures("token")
def test_people_are_linked_cached_and_the_unresolved_listed(
    psbot, tmp_path, fake_slack, session_factory
):
    fake_slack.add_user("U0JANE", "jane@example.com", "Jane Smith", tz="Europe/London")
    fake_slack.add_user("U0RAJ", "raj@example.com", "Raj Patel")
    fake_slack.add_user("U0PM", "pm@example.com", "Pat Manager")
    path = write_csv(tmp_path, "bookings.csv", EXPORT)

    result = psbot("import", "bookings", path)
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines() == [
        "bookings.csv: 3 inserted, 0 updated, 0 removed",
        "linked 2 people to their Slack users",
        "not linked to Slack: contractor@partner.example (no Slack user with that email)",
    ]
    linked = people(session_factory)
    assert linked["jane@example.com"] == ["U0JANE", "Jane Smith", "Europe/London"]
    assert linked["raj@example.com"] == ["U0RAJ", "Raj Patel", "America/New_York"]
    assert linked["contractor@partner.example"] == [None, "Contractor", None]
    assert linked["pm@example.com"][0] is None  # not in this file: not looked up
    assert sorted(c.params["email"] for c in fake_slack.calls_to("users.lookupByEmail")) == [
        "contractor@partner.example",
        "jane@example.com",
        "raj@example.com",
    ]

    fake_slack.reset()
    again = psbot("import", "bookings", path)
    assert again.out.splitlines()[1:] == [
        "not linked to Slack: contractor@partner.example (no Slack user with that email)"
    ]
    # Linked people are not looked up again; the unresolved one is, in case they joined.
    assert [c.params["email"] for c in fake_slack.calls_to("users.lookupByEmail")] == [
        "contractor@partner.example"
    ]


@pytest.mark.usefixtures("token")
def test_the_pm_of_a_project_import_is_linked(psbot, tmp_path, fake_slack, session_factory):
    fake_slack.add_user("U0NEW", "new.pm@example.com", "New PM")
    text = f"{PROJECTS_HEADER}\nSOW-3,Initech,Audit,FF,New.PM@example.com,active,,,,no,,\n"
    result = psbot("import", "projects", write_csv(tmp_path, "projects.csv", text))
    assert result.out.splitlines()[1] == "linked 1 person to their Slack users"
    assert people(session_factory)["new.pm@example.com"][0] == "U0NEW"


@pytest.mark.usefixtures("token")
def test_a_slack_user_already_linked_to_someone_else_is_reported(
    psbot, tmp_path, fake_slack, session_factory
):
    with session_factory.begin() as session:
        session.add(Person(name="Jane (from Slack)", slack_user_id="U0JANE"))
    fake_slack.add_user("U0JANE", "jane@example.com", "Jane Smith")
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert result.code == 0
    assert "jane@example.com (Slack user U0JANE is already linked to another person)" in result.out
    assert people(session_factory)["jane@example.com"][0] is None


@pytest.mark.usefixtures("token")
def test_a_slack_failure_is_one_line_and_keeps_the_import(
    psbot, tmp_path, fake_slack, session_factory
):
    fake_slack.answer("users.lookupByEmail", lambda params: {"ok": False, "error": "invalid_auth"})
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert result.code == 0
    assert result.out.splitlines() == ["bookings.csv: 3 inserted, 0 updated, 0 removed"]
    assert result.err == (
        "psbot: Slack lookup failed (invalid_auth); 3 people not linked yet "
        "— the import itself is saved; run it again to retry\n"
    )
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 1  # stopped at the first failure
    assert len(rows(session_factory, sa.select(Booking.id))) == 3


def test_without_a_token_the_summary_says_how_to_link(psbot, tmp_path, fake_slack):
    fake_slack.add_user("U0JANE", "jane@example.com")
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert result.out.splitlines()[1] == (
        "3 people are not linked to Slack; set SLACK_BOT_TOKEN to link people to Slack users"
    )
    assert fake_slack.calls_to("users.lookupByEmail") == []


@pytest.mark.usefixtures("token")
def test_a_deactivated_slack_user_is_not_linked(psbot, tmp_path, fake_slack, session_factory):
    fake_slack.add_user("U0JANE", "jane@example.com", "Jane Smith", deleted=True)
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert "jane@example.com (deactivated in Slack)" in result.out
    assert people(session_factory)["jane@example.com"][0] is None


@pytest.mark.usefixtures("token")
def test_a_missing_scope_says_which_scopes(psbot, tmp_path, fake_slack):
    fake_slack.answer("users.lookupByEmail", lambda params: {"ok": False, "error": "missing_scope"})
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert "needs the users:read and users:read.email scopes" in result.err


@pytest.mark.usefixtures("token")
def test_an_unreachable_slack_is_one_line_and_keeps_the_import(
    psbot, tmp_path, monkeypatch, session_factory
):
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # discard port: refused
    monkeypatch.setattr(slack_sdk.http_retry.handler.time, "sleep", lambda seconds: None)
    result = psbot("import", "bookings", write_csv(tmp_path, "bookings.csv", EXPORT))
    assert result.code == 0
    assert result.err.startswith("psbot: Slack lookup failed (")
    assert result.err.endswith(
        "3 people not linked yet — the import itself is saved; run it again to retry\n"
    )
    assert result.err.count("\n") == 1
    assert len(rows(session_factory, sa.select(Booking.id))) == 3
