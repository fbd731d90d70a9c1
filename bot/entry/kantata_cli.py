"""`psbot sync kantata [--full] [--dry-run]`: the parser piece and the command, for
bot.entry.cli to wire.

Without --full, only what changed since the last successful sync is fetched (a full sync
when none has succeeded). Output follows `psbot import`: skipped items (and projects no
longer in Kantata) on stderr, one line each; on stdout what kind of sync it was, the
summary, then people linked to Slack. A user error raises UserError, which bot.entry.cli
prints as one `psbot:` line with exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from bot.core.errors import UserError
from bot.core.settings import Settings
from bot.runtime.slack_client import create_web_client


def add_parser(verbs: argparse._SubParsersAction) -> None:
    """Register `sync kantata [--full] [--dry-run]` on psbot's sub-command parsers."""
    sync = verbs.add_parser("sync", help="pull projects, people and bookings from a source")
    sources = sync.add_subparsers(dest="sync_source", required=True, metavar="SOURCE")
    kantata = sources.add_parser(
        "kantata",
        help="projects, people, allocations and milestones from Kantata OX's API",
        description="Fetch what changed in Kantata since the last sync (KANTATA_API_TOKEN, "
        "KANTATA_API_URL) and store it in one transaction; re-running it changes nothing.",
    )
    kantata.add_argument(
        "--full",
        action="store_true",
        help="read everything, not only what changed since the last sync",
    )
    kantata.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would be inserted, updated and removed, and write nothing",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `psbot sync kantata`; returns the exit status."""
    from bot.integrations.importing.run import link_people
    from bot.integrations.kantata.sync import client_for, sync_kantata
    from bot.store.db import make_session_factory

    if args.sync_source != "kantata":
        raise UserError(f"unknown sync source {args.sync_source}")
    if not settings.kantata_api_token:
        raise UserError(
            "KANTATA_API_TOKEN is not set; set it to a Kantata OX API bearer token "
            "(see developer.kantata.com, 'Authentication')"
        )
    engine = _ready_engine(settings)
    try:
        session_factory = make_session_factory(engine)
        result = sync_kantata(
            session_factory,
            client_for(settings),
            settings,
            incremental=not args.full,
            dry_run=args.dry_run,
        )
        for line in result.warnings():
            print(line, file=sys.stderr)
        print(result.headline(settings.timezone))
        print("\n".join(result.summary()))
        if result.emails and not args.dry_run:
            client = None
            if settings.slack_bot_token:
                client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
            lines, error = link_people(session_factory, client, result.emails)
            for line in lines:
                print(line)
            if error:
                print(f"psbot: {error}", file=sys.stderr)
        return 0
    finally:
        engine.dispose()


def _ready_engine(settings: Settings):
    """An engine on a reachable database whose schema is current (as `psbot import` needs)."""
    from bot.store import migrate
    from bot.store.db import database_reachable, make_engine

    engine = make_engine(settings.database_url)
    if not database_reachable(engine):
        engine.dispose()
        url = engine.url.render_as_string(hide_password=True)
        raise UserError(f"cannot reach the database at {url} (check DATABASE_URL)")
    if migrate.current_revision(engine) != migrate.head_revision():
        engine.dispose()
        raise UserError("the database schema is not up to date; run `psbot migrate` first")
    return engine
