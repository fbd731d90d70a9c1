"""The `psbot` command line. User errors print one line and exit non-zero."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot import migrate
from bot.context import AppContext
from bot.db import database_reachable, make_engine, make_session_factory
from bot.errors import UserError
from bot.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("psbot")

EXIT_USER_ERROR = 2


class CliError(Exception):
    """A failure the user can fix; printed as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psbot", description="Slack bot for the PS PMO weekly rhythm."
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    run = verbs.add_parser("run", help="run the bot (Socket Mode or HTTP, scheduler included)")
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the database on start (multi-replica deploys run `psbot migrate`)",
    )
    verbs.add_parser("migrate", help="upgrade the database to the latest schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings()
        return _dispatch(args, settings)
    except (SettingsError, CliError, UserError) as error:
        print(f"psbot: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OperationalError as error:
        print(f"psbot: database unreachable: {_first_line(error)}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"psbot: database error: {_first_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.verb == "migrate":
        return _migrate(settings)
    if args.verb == "run":
        return _run(settings, migrate_first=settings.auto_migrate and not args.no_migrate)
    raise CliError(f"unknown command {args.verb}")


def _migrate(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    _require_database(engine, settings)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    print(
        f"database at {after}"
        + (" (already up to date)" if before == after else f" (was {before})")
    )
    return 0


def _require_database(engine, settings: Settings) -> None:
    if not database_reachable(engine):
        raise CliError(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)} "
            "(check DATABASE_URL)"
        )


def _run(settings: Settings, *, migrate_first: bool) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.error import BoltError
    from waitress import create_server

    from bot.app import create_app
    from bot.web import make_wsgi_app

    settings.require_run_tokens()
    engine = make_engine(settings.database_url)
    _require_database(engine, settings)
    if migrate_first:
        migrate.upgrade(engine)
    elif migrate.current_revision(engine) != migrate.head_revision():
        raise CliError("the database schema is not up to date; run `psbot migrate` first")
    ctx = AppContext(settings=settings, session_factory=make_session_factory(engine))
    try:
        app = create_app(ctx, verify_token=True)
    except BoltError as error:  # auth.test rejected the token
        raise CliError(f"Slack rejected SLACK_BOT_TOKEN: {_first_line(error)}") from None

    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        if settings.socket_mode:
            logger.info("psbot starting in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            logger.info("psbot listening on port %s at /slack/events", settings.port)
            create_server(make_wsgi_app(app, engine), host="0.0.0.0", port=settings.port).run()
    except KeyboardInterrupt:
        pass  # SIGTERM or Ctrl-C: fall through to a clean shutdown
    finally:
        logger.info("psbot shutting down")
        engine.dispose()
    return 0


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


if __name__ == "__main__":
    sys.exit(main())
