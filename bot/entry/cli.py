"""The `psbot` command line. User errors print one line and exit non-zero.

Each verb imports the machinery it needs when it runs, so `psbot migrate`, `psbot import`
and `--help` stay quick and light; none of these imports is there to dodge a cycle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.error import URLError

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.core.context import AppContext
from bot.core.errors import UserError, first_line
from bot.core.logs import configure_logging
from bot.core.settings import Settings, SettingsError, load_settings
from bot.core.shared_results import SharedResults
from bot.entry import gitlab_cli, kantata_cli
from bot.integrations.importing.formats import FORMATS
from bot.runtime.slack_client import create_web_client
from bot.store import migrate
from bot.store.db import database_reachable, make_engine, make_session_factory
from bot.store.models import JobRun
from messages.words import SLACK_WORDS

if TYPE_CHECKING:
    from bot.runtime.job_runner import Outcome
    from bot.runtime.schedule import JobSpec

logger = logging.getLogger("psbot")

EXIT_USER_ERROR = 2
# A job run's outcomes that mean its posts went out, or are going out in another process.
POSTED = ("sent", "sending")


class CliError(Exception):
    """A failure the user can fix; printed as one line."""


class _Verbs(argparse._SubParsersAction):
    """Subcommands whose own `--help` opens with the summary their parent lists."""

    def add_parser(self, name: str, **kwargs):
        if kwargs.get("help") and "description" not in kwargs:
            kwargs["description"] = kwargs["help"][0].upper() + kwargs["help"][1:] + "."
        return super().add_parser(name, **kwargs)


class _Parser(argparse.ArgumentParser):
    """psbot's parser: its subcommands, and theirs, are `_Verbs`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Verbs)


def build_parser() -> argparse.ArgumentParser:
    from bot.pmo.rhythm import JOB_NAMES

    parser = _Parser(prog="psbot", description="Slack bot for the PS PMO weekly rhythm.")
    parser.add_argument("--version", action="version", version=f"psbot {_version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    run = verbs.add_parser(
        "run",
        help="run the bot: Slack's requests, scheduled jobs and the retries of owed posts",
        epilog="Without a role, one process does it all: Socket Mode when SLACK_APP_TOKEN "
        "is set, else HTTP on PORT. Roles split it for platforms that run web and worker "
        "processes apart; --worker may be added to --web or --socket. Every role serves /healthz "
        "and /readyz on PORT (a worker or Socket Mode process only when PORT is set).",
    )
    listeners = run.add_mutually_exclusive_group()
    listeners.add_argument(
        "--web",
        action="store_true",
        help="HTTP only: Slack's requests at /slack/events on PORT; no scheduled jobs or retries",
    )
    listeners.add_argument(
        "--socket",
        action="store_true",
        help="Socket Mode only (SLACK_APP_TOKEN); no scheduled jobs or retries",
    )
    run.add_argument(
        "--worker",
        action="store_true",
        help="scheduled jobs and the retries of owed Slack posts and GitLab notes; "
        "no Slack listener",
    )
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the database on start (multi-replica deploys run `psbot migrate`)",
    )
    verbs.add_parser("migrate", help="upgrade the database to the latest schema")

    imports = verbs.add_parser(
        "import", help="import a Kantata CSV export (see README.md, 'CSV files')"
    )
    imports.add_argument("kind", choices=tuple(FORMATS), help="what the file holds")
    imports.add_argument("file", metavar="FILE", type=Path, help="the CSV file (UTF-8)")
    imports.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import the good rows and report the bad ones as skipped",
    )
    jobs = verbs.add_parser("jobs", help="list the scheduled jobs, or run one now")
    job_verbs = jobs.add_subparsers(dest="jobs_verb", required=True, metavar="ACTION")
    job_verbs.add_parser("list", help="jobs, schedules, next run, last run")
    run_job = job_verbs.add_parser(
        "run",
        help="run one job now, as if at a given time",
    )
    run_job.add_argument("job", metavar="JOB", help=f"one of: {', '.join(JOB_NAMES)}")
    run_job.add_argument("--at", help="ISO-8601 date-time, e.g. 2026-11-30T08:00 (local time)")
    run_job.add_argument(
        "--force", action="store_true", help="post even if this period's run already happened"
    )
    shell = verbs.add_parser("shell", help="try the bot in a terminal, no Slack workspace needed")
    shell.add_argument(
        "--demo",
        action="store_true",
        help="use a demo portfolio in ./psbot-demo.db (seeded on first use), not DATABASE_URL",
    )
    shell.add_argument(
        "--as",
        dest="as_user",
        metavar="EMAIL-or-USER",
        help="start as this person: an email, @name or Slack user id",
    )
    kantata_cli.add_parser(verbs)
    gitlab_cli.add_parser(verbs)
    return parser


def _version() -> str:
    try:
        return metadata.version("psbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and args.verb == "run":
        # This process's own command line, as a server: see bot/runtime/server_malloc.py.
        from bot.runtime.server_malloc import without_thread_caches

        without_thread_caches(sys.orig_argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return _dispatch(args, settings)
    except (SettingsError, CliError, UserError) as error:
        print(f"psbot: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OperationalError as error:
        print(f"psbot: database unreachable: {first_line(error)}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"psbot: database error: {first_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.verb == "migrate":
        return _migrate(settings)
    if args.verb == "run":
        roles = Roles.chosen(args, settings)
        return _run(settings, roles, migrate_first=settings.auto_migrate and not args.no_migrate)
    if args.verb == "jobs" and args.jobs_verb == "list":
        return _jobs_list(settings)
    if args.verb == "jobs":
        return _jobs_run(settings, args.job, args.at, force=args.force)
    if args.verb == "sync":
        return kantata_cli.run(args, settings)
    if args.verb == "gitlab":
        return gitlab_cli.run(args, settings)
    if args.verb == "import":
        return _import(settings, args.kind, args.file, skip_bad_rows=args.skip_bad_rows)
    if args.verb == "shell":
        return _shell(settings, demo=args.demo, as_user=args.as_user)
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


def _import(settings: Settings, kind: str, path: Path, *, skip_bad_rows: bool) -> int:
    from bot.integrations.importing.progress import TerminalProgress
    from bot.integrations.importing.run import BadRowsError, bad_row_lines, import_file

    engine = _ready_engine(settings)
    try:
        session_factory = make_session_factory(engine)
        try:
            with TerminalProgress(sys.stderr, path.name) as progress:
                result = import_file(
                    kind,
                    path,
                    session_factory,
                    skip_bad_rows=skip_bad_rows,
                    progress=progress if sys.stderr.isatty() else None,
                    today=dt.datetime.now(settings.timezone).date(),
                )
        except BadRowsError as error:
            print("\n".join(bad_row_lines(error.name, error.bad_rows)), file=sys.stderr)
            raise
        for line in bad_row_lines(result.name, result.skipped, verb="skipped "):
            print(line, file=sys.stderr)
        print(result.summary())
        if result.emails:
            _link_people(settings, session_factory, result.emails)
        return 0
    finally:
        engine.dispose()


def _link_people(settings: Settings, session_factory, emails: set[str]) -> None:
    from bot.integrations.importing.run import link_people

    client = None
    if settings.slack_bot_token:
        client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
    lines, error = link_people(session_factory, client, emails)
    for line in lines:
        print(line)
    if error:
        print(f"psbot: {error}", file=sys.stderr)


def _jobs_list(settings: Settings) -> int:
    from bot.core.business_days import calendar_of
    from bot.pmo.rhythm import raw_settings, slack_settings
    from bot.runtime.job_runner import last_runs
    from bot.runtime.schedule import next_run
    from jobs.registry import configured_jobs

    configured_jobs(settings)  # bad environment values: said before the database is asked
    engine = _ready_engine(settings)
    tz = settings.timezone
    now = dt.datetime.now(tz)
    with make_session_factory(engine)() as session:
        last = last_runs(session)
        slack = slack_settings(session)
    engine.dispose()
    print(f"Times are {tz.key}.")
    for job in configured_jobs(settings, slack):
        upcoming = next_run(job.schedule, now, calendar_of(settings), tz)[1]
        state = f"next {upcoming:%a %Y-%m-%d %H:%M}" if job.enabled else "off"
        previous = last.get(job.name)
        history = "never run"
        if previous is not None:
            when = previous.done_at.astimezone(tz)
            history = f"last {previous.period} {previous.outcome} {when:%a %m-%d %H:%M}"
            if previous.problem:
                history += f" ({previous.problem})"
        print(f"{job.name:<20} {job.describe():<52} {state:<26} {history}")
        print(f"{'':<20} {_sources(raw_settings(job.name, settings, slack), tz)}")
    return 0


def _sources(raw, tz) -> str:
    """Where a job's time, channel and on/off come from: Slack (who, when), env, default."""
    parts = []
    for label, (_, source) in (
        ("time", raw.time),
        ("channel", raw.channel),
        ("on/off", raw.switch),
    ):
        if source.kind == "slack":
            where = f"Slack ({source.by}, {source.at.astimezone(tz):%Y-%m-%d %H:%M})"
        elif source.kind == "env":
            where = f"env {source.variable}"
        else:
            where = "default"
        parts.append(f"{label}: {where}")
    return " · ".join(parts)


def _jobs_run(settings: Settings, name: str, at: str | None, *, force: bool) -> int:
    from bot.core.business_days import calendar_of
    from bot.pmo.rhythm import slack_settings
    from bot.runtime.job_runner import JobRunner, one_off_period
    from bot.runtime.schedule import period_at, run_time
    from bot.workflows.deliveries import outbox_for
    from jobs.registry import JOB_NAMES, configured_jobs

    if name not in JOB_NAMES:
        configured_jobs(settings)  # a bad environment value is the first thing to fix
        raise CliError(f"unknown job {name!r}; jobs are: {', '.join(JOB_NAMES)}")
    now = dt.datetime.now(settings.timezone)
    when = _parse_at(at, settings) if at else now
    posts = next(job.posts for job in configured_jobs(settings) if job.name == name)
    if posts and not settings.slack_bot_token:
        raise CliError("SLACK_BOT_TOKEN is not set; a job posts to Slack (see README.md)")
    calendar, tz = calendar_of(settings), settings.timezone
    engine = _ready_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            # Its time and channel as admins set them in Slack, else the environment's.
            jobs = {job.name: job for job in configured_jobs(settings, slack_settings(session))}
        job = jobs[name]
        period = period_at(job.schedule, when, calendar, tz)
        scheduled = run_time(job.schedule, period, calendar, tz)
        # Only a run between the period's scheduled time and now stands in for the
        # scheduled run. A preview before that time, a run ahead of the clock or --force is
        # a one-off under a key of its own, and leaves the period's run to the scheduler.
        # So is every run of a job that posts nothing: it does its work each time, so what
        # it reports is what this run did, never an earlier run of the period.
        if force or not job.posts or not scheduled <= when <= now:
            period = one_off_period(period, f"one-off {now:%Y-%m-%dT%H:%M:%S}")
        ctx = AppContext(
            settings, make_session_factory(engine), clock=lambda: when, words=SLACK_WORDS
        )
        client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
        box = outbox_for(ctx, client, in_background=True)
        runner = JobRunner(ctx, box, list(jobs.values()), calendar)
        outcome = runner.run(job, period, when, when)
        if not job.posts:
            status, line = outcome.status, _without_posts(outcome)
        elif outcome.status == "already claimed":
            status, line = _earlier_run(ctx, name, period)
        else:
            status, line = outcome.status, f"{outcome}{_still_scheduled(job, scheduled, now)}"
    finally:
        engine.dispose()
    print(line)
    return 0 if status in POSTED else 1


def _without_posts(outcome: Outcome) -> str:
    """What a run of a job that posts nothing did: done, or why not (nothing retries a
    run from the command line)."""
    if outcome.status in POSTED:
        return f"{outcome.job}: done"
    return f"{outcome.job}: failed ({outcome.detail or outcome.status})"


def _still_scheduled(job: JobSpec, scheduled: dt.datetime, now: dt.datetime) -> str:
    """After a one-off run: when the period's own run, still to come, posts."""
    if not job.enabled or scheduled <= now:
        return ""
    return f"; the scheduled run still posts {scheduled:%a %Y-%m-%d %H:%M}"


def _earlier_run(ctx: AppContext, name: str, period: str) -> tuple[str, str]:
    """The outcome of the period's earlier run, and a line on it and on what --force does."""
    with ctx.session_factory() as session:
        run = session.scalars(
            sa.select(JobRun).where(JobRun.job == name, JobRun.period == period)
        ).one()
        outcome, reason = run.outcome, first_line(run.problem) if run.problem else ""
        when = run.done_at.astimezone(ctx.settings.timezone)
    line = f"{name} {period}: {outcome} {when:%a %Y-%m-%d %H:%M}"
    if reason:
        line += f" ({reason})"
    if outcome == "sent":
        return outcome, f"{line}; --force posts it again"
    if outcome in ("failed", "skipped"):
        return outcome, f"{line}; --force posts it now"
    return outcome, f"{line}; psbot is still posting it"


def _parse_at(value: str, settings: Settings) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(
            f"--at must be an ISO-8601 date-time like 2026-11-30T08:00, got {value!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=settings.timezone)


def _ready_engine(settings: Settings):
    """An engine on a reachable database whose schema is current."""
    engine = make_engine(settings.database_url)
    _require_database(engine, settings)
    if not migrate.schema_is_current(engine):
        raise CliError("the database schema is not up to date; run `psbot migrate` first")
    return engine


@dataclass(frozen=True)
class Roles:
    """What one `psbot run` process does: listen to Slack ("http", "socket" or None), and
    be a worker (scheduled jobs, and the retries of owed Slack posts and GitLab notes)."""

    listener: str | None
    worker: bool

    @classmethod
    def chosen(cls, args: argparse.Namespace, settings: Settings) -> Roles:
        """The roles `run`'s flags ask for; none: all of it, listening as SLACK_APP_TOKEN says."""
        if not (args.web or args.socket or args.worker):
            return cls("socket" if settings.socket_mode else "http", worker=True)
        listener = "http" if args.web else "socket" if args.socket else None
        return cls(listener, worker=args.worker)

    def describe(self) -> str:
        parts = {"http": ["HTTP"], "socket": ["Socket Mode"], None: []}[self.listener]
        return " + ".join([*parts, *(["worker"] if self.worker else [])])


def _run(settings: Settings, roles: Roles, *, migrate_first: bool) -> int:
    from bot.entry.web import make_wsgi_app
    from bot.runtime.server_malloc import cap_malloc_arenas

    settings.require_run_tokens(roles.listener)
    cap_malloc_arenas()  # before the scheduler's, waitress's and Bolt's threads start
    engine = make_engine(settings.database_url)
    _require_database(engine, settings)
    if migrate_first:
        migrate.upgrade_if_behind(engine)  # Alembic is loaded only if there is work for it
    elif not migrate.schema_is_current(engine):
        raise CliError("the database schema is not up to date; run `psbot migrate` first")
    ctx = AppContext(
        settings=settings,
        session_factory=make_session_factory(engine),
        words=SLACK_WORDS,
        results=SharedResults(on_kept=_freeze_kept),
    )
    app = _slack_app(ctx) if roles.listener else None
    client = app.client if app else _worker_client(settings)
    # Bind before the scheduler starts, so a taken port stops psbot before any job runs.
    server = None
    if roles.listener == "http" or settings.port_set:
        web_app = app if roles.listener == "http" else None
        server = _listen(
            make_wsgi_app(web_app, engine, settings.slack_signing_secret), settings.port
        )
    scheduler = _start_worker(ctx, client) if roles.worker else None
    # A SIGTERM during start-up is remembered, not raised: its KeyboardInterrupt would cut
    # a query in half, and where it landed in a weakref callback it would be lost.
    stop_asked = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_asked.set())
    # What start-up made (modules, the app, its listeners) lives as long as psbot: kept out
    # of the garbage collector's sight, a full collection no longer walks it all while
    # acks wait for the GIL (acks under load: `python -m bench.ack_load`).
    gc.freeze()
    logger.info("psbot starting: %s", roles.describe())
    try:
        if roles.listener:
            _compute_portfolio(ctx)
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        if stop_asked.is_set():
            raise KeyboardInterrupt
        _serve(roles, settings, app, server)
    except KeyboardInterrupt:
        pass  # SIGTERM or Ctrl-C: fall through to a clean shutdown
    finally:
        logger.info("psbot shutting down")
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        engine.dispose()
    return 0


def _slack_app(ctx: AppContext):
    """The Bolt app, its token checked with auth.test: a one-line error if Slack refuses."""
    from slack_bolt.error import BoltError

    from bot.entry.app import create_app

    try:
        return create_app(ctx, verify_token=True)
    except BoltError as error:  # auth.test rejected the token
        raise CliError(f"Slack rejected SLACK_BOT_TOKEN: {first_line(error)}") from None
    except (URLError, TimeoutError, ConnectionError) as error:  # auth.test got no answer
        raise _slack_unreachable(ctx.settings, error) from None


def _worker_client(settings: Settings):
    """A worker's Web API client (no Bolt app to build), its token checked the same way."""
    from slack_sdk.errors import SlackApiError

    client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
    try:
        client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "")
        raise CliError(f"Slack rejected SLACK_BOT_TOKEN: {code}") from None
    except (URLError, TimeoutError, ConnectionError) as error:
        raise _slack_unreachable(settings, error) from None
    return client


def _slack_unreachable(settings: Settings, error: Exception) -> CliError:
    reason = getattr(error, "reason", None) or error
    return CliError(f"cannot reach Slack at {settings.slack_api_url} (SLACK_API_URL): {reason}")


def _start_worker(ctx: AppContext, client):
    """The scheduler: scheduled jobs (unless PSBOT_SCHEDULER=off) and, every minute, the
    retries of what the outbox owes, Slack posts and GitLab notes alike. Each delivery is
    claimed, so any number of workers never double-post."""
    from bot.core.business_days import calendar_of
    from bot.runtime.job_runner import JobRunner
    from bot.runtime.scheduler import start_scheduler
    from bot.workflows.deliveries import outbox_for
    from jobs.registry import configured_jobs, current_jobs

    settings = ctx.settings
    scheduled = configured_jobs(settings) if settings.scheduler_enabled else []
    box = outbox_for(ctx, client, in_background=True)
    # What admins change in Slack is read at every tick, so each replica takes it then.
    runner = JobRunner(ctx, box, scheduled, calendar_of(settings), lambda: current_jobs(ctx))
    if not settings.scheduler_enabled:
        logger.info("scheduled jobs are off in this process (PSBOT_SCHEDULER=off)")
    return start_scheduler(runner)


def _serve(roles: Roles, settings: Settings, app, server) -> None:
    """Block serving: Socket Mode (health checks beside it), HTTP, or only the worker's
    threads (with health checks when PORT is set). SIGTERM ends it."""
    if roles.listener == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler  # 3 MiB, only here

        if server is not None:
            threading.Thread(target=server.run, name="psbot-health", daemon=True).start()
            logger.info("health checks on port %s at /healthz and /readyz", settings.port)
        logger.info("psbot starting in Socket Mode")
        handler = SocketModeHandler(app, settings.slack_app_token)
        try:
            handler.start()
        finally:
            _close_socket_mode(handler)
    elif server is not None:
        where = "at /slack/events" if roles.listener == "http" else "(health checks only)"
        logger.info("psbot listening on port %s %s", settings.port, where)
        server.run()
    else:
        threading.Event().wait()  # the scheduler's threads work; SIGTERM interrupts this


def _close_socket_mode(handler, seconds: float = 5.0) -> None:
    """Stop Socket Mode's threads before Python winds down: one left polling its queue
    every millisecond while the interpreter is torn down can crash it (SIGSEGV, exit -11).
    In a thread of its own, since a connection attempt in flight may hang."""
    closing = threading.Thread(target=handler.close, name="psbot-socket-close", daemon=True)
    closing.start()
    closing.join(seconds)
    if closing.is_alive():
        logger.warning("Socket Mode did not close within %.0f s; exiting all the same", seconds)


def _listen(wsgi_app, port: int):
    """waitress bound to PORT on every interface; a one-line error if the port is taken."""
    from waitress import create_server

    from bot.entry.web import MAX_BODY_BYTES

    try:
        # waitress refuses bigger bodies before buffering them (the app checks too).
        return create_server(
            wsgi_app, host="0.0.0.0", port=port, max_request_body_size=MAX_BODY_BYTES + 1
        )
    except OSError as error:
        raise CliError(
            f"cannot listen on port {port} (PORT): {error.strerror or error}; "
            "stop what uses it or set PORT to a free one"
        ) from None


def _shell(settings: Settings, *, demo: bool, as_user: str | None) -> int:
    from bot.entry.shell import run_shell

    return run_shell(settings, demo_mode=demo, as_user=as_user)


def _compute_portfolio(ctx: AppContext) -> None:
    """Compute the portfolio (its rules and this quarter's forecast) before serving, so
    the first portfolio-wide answer after a restart does not wait for it (about 3 s at
    10,000 projects). With the database down, the first request that needs it will."""
    from bot.core.business_days import calendar_of
    from bot.core.dates import Quarter, local_today
    from bot.pmo.portfolio_cache import quarter_figures

    started, before = dt.datetime.now(dt.UTC), _rss_mib()
    today = local_today(ctx.now(), ctx.settings.timezone)
    try:
        with ctx.session_factory() as session:
            figures = quarter_figures(
                ctx.results, session, today, Quarter.of(today), calendar_of(ctx.settings)
            )
    except SQLAlchemyError as error:
        logger.warning("portfolio not computed at start-up: %s", first_line(error))
        return
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    projects = len(figures.revenue.projects)
    logger.info(
        "portfolio computed at start-up: %d projects in %.1f s (RSS %s → %s MiB)",
        projects,
        seconds,
        before,
        _rss_mib(),
    )


def _rss_mib() -> str:
    """The process's resident memory in MiB, as Linux counts it ("?" elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return "?"
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "")
    return f"{int(kib) / 1024:.1f}" if kib.isdigit() else "?"


def _freeze_kept() -> None:
    """A result psbot keeps (the portfolio: tens of thousands of objects at 10,000
    projects) lives until the data changes: out of the garbage collector's sight too, like
    start-up's, so the full collections that stop every thread, acks included, stay short.
    Collected first, so no garbage is frozen; a frozen result is still freed when dropped
    (`python -m bench --only soak` holds the memory flat)."""
    gc.collect()
    gc.freeze()


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
