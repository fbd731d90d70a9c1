"""`psbot sync kantata [--dry-run]`, through the parser piece and `run` that bot.entry.cli wires.

`psbot` below does what bot.entry.cli.main does with them: parse, run, and print a UserError
as one `psbot:` line with exit status 2.
"""

import argparse
import sys
from dataclasses import dataclass, replace

import pytest
import sqlalchemy as sa

from bot.core.errors import UserError
from bot.entry.kantata_cli import add_parser, run
from bot.store.models import AuditEntry
from tests.bot.integrations.kantata.conftest import database_state
from tests.bot.integrations.kantata.sample import FIRST_SYNC, FIRST_SYNC_SKIPPED, NOTHING_CHANGED


@dataclass(frozen=True)
class Outcome:
    code: int
    out: list[str]
    err: list[str]


@pytest.fixture
def psbot(capsys, engine):
    def run_psbot(settings, *args: str) -> Outcome:
        parser = argparse.ArgumentParser(prog="psbot")
        add_parser(parser.add_subparsers(dest="verb", required=True))
        parsed = parser.parse_args(list(args))
        capsys.readouterr()
        try:
            code = run(parsed, settings)
        except UserError as error:
            print(f"psbot: {error}", file=sys.stderr)
            code = 2
        captured = capsys.readouterr()
        return Outcome(code, captured.out.splitlines(), captured.err.splitlines())

    return run_psbot


def test_sync_prints_the_summary_and_links_people_to_slack(
    psbot, settings, fake_slack, session_factory
):
    fake_slack.add_user("U0PAM", "pam@example.com", "Pam Manager")
    result = psbot(settings, "sync", "kantata")
    assert result.code == 0
    assert result.err == FIRST_SYNC_SKIPPED
    headline, *rest = result.out
    assert headline.startswith("full sync: ")
    assert rest == [
        *FIRST_SYNC,
        "linked 1 person to their Slack users",
        "not linked to Slack: ben@example.com (no Slack user with that email), "
        "pat@example.com (no Slack user with that email), "
        "tia@example.com (no Slack user with that email)",
    ]
    assert ("pam@example.com", "Pam Manager", "U0PAM") in {
        person[:3] for person in database_state(session_factory)["people"]
    }


def test_dry_run_writes_nothing_and_looks_nobody_up(psbot, settings, fake_slack, session_factory):
    result = psbot(settings, "sync", "kantata", "--dry-run")
    assert result.code == 0
    assert result.out[1:] == [line + " (dry run: nothing written)" for line in FIRST_SYNC]
    assert database_state(session_factory)["projects"] == set()
    assert fake_slack.calls_to("users.lookupByEmail") == []
    with session_factory() as session:
        assert session.scalars(sa.select(AuditEntry)).all() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"kantata_api_token": ""},
            "psbot: KANTATA_API_TOKEN is not set; set it to a Kantata OX API bearer token "
            "(see developer.kantata.com, 'Authentication')",
        ),
        (
            {"kantata_api_token": "expired"},
            "psbot: Kantata rejected KANTATA_API_TOKEN (401 Unauthorized) (Must be logged in.); "
            "the token is wrong, expired or revoked",
        ),
    ],
)
def test_token_problems_are_one_line(psbot, settings, session_factory, change, message):
    result = psbot(replace(settings, **change), "sync", "kantata")
    assert (result.code, result.out, result.err) == (2, [], [message])
    assert database_state(session_factory)["projects"] == set()


def test_an_unmigrated_database_is_refused(psbot, settings, tmp_path):
    unmigrated = replace(settings, database_url=f"sqlite:///{tmp_path / 'new.db'}")
    result = psbot(unmigrated, "sync", "kantata")
    assert result.err == ["psbot: the database schema is not up to date; run `psbot migrate` first"]


def test_a_source_is_required(psbot, settings, capsys):
    with pytest.raises(SystemExit) as exit_info:
        psbot(settings, "sync")
    assert exit_info.value.code == 2
    assert "SOURCE" in capsys.readouterr().err


def test_after_a_first_sync_only_changes_are_fetched_unless_full_is_asked(
    psbot, settings, fake_kantata, session_factory, clock
):
    assert psbot(settings, "sync", "kantata").out[0].startswith("full sync: ")
    again = psbot(settings, "sync", "kantata")
    assert again.code == 0
    assert again.out[0].startswith("incremental sync: 0 changed and 0 deleted since ")
    assert again.out[1:6] == [line.replace(", 1 skipped", "") for line in NOTHING_CHANGED]
    full = psbot(settings, "sync", "kantata", "--full")
    assert full.out[0].startswith("full sync: ")
    assert full.out[1:6] == NOTHING_CHANGED
