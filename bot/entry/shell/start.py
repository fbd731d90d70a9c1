"""Start `psbot shell`: the database, the stand-in Slack, the one Bolt app, the loop."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.errors import UserError
from bot.core.settings import Settings
from bot.entry.app import create_app
from bot.entry.shell import demo
from bot.entry.shell.shell import (
    CHARTS_FOLDER,
    COMMANDS,
    IdleAwareExecutor,
    Shell,
    ShellClock,
    format_when,
)
from bot.entry.shell.terminal import Terminal
from bot.entry.slack_standin.standin import StandInSlack
from bot.entry.slack_standin.workspace import User, Workspace
from bot.runtime.job_runner import JobRunner, one_off_period
from bot.runtime.schedule import next_run, period_at
from bot.store import migrate
from bot.store.db import database_reachable, make_engine, make_session_factory
from bot.store.models import Person, Project
from bot.workflows.deliveries import outbox_for
from commands.catalog import SUBCOMMANDS
from jobs.registry import JOB_NAMES, configured_jobs, current_jobs
from messages.words import SLACK_WORDS

DEMO_FILE = "psbot-demo.db"
SHELL_TOKEN = "xoxb-psbot-shell"  # never leaves this process: the stand-in takes any token
HISTORY = Path.home() / ".psbot_shell_history"
NOBODY = User("U0YOU", "you", "You")


def run_shell(
    settings: Settings,
    *,
    demo_mode: bool = False,
    as_user: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    folder: Path | None = None,
    start: dt.datetime | None = None,
    environ: Mapping[str, str] | None = None,
    history: Path | None = HISTORY,
) -> int:
    """Run the shell until :quit or end of input; returns the exit status.

    `folder` holds the demo database (default: the current folder); `start` sets the
    clock at start-up (default: now); the rest stand in for the terminal in tests.
    """
    clock = ShellClock(start)
    tz = settings.timezone
    if demo_mode:
        path = (folder or Path.cwd()) / DEMO_FILE
        url, label = f"sqlite:///{path}", str(path if folder else DEMO_FILE)
    else:
        url = settings.database_url
        label = sa.engine.make_url(url).render_as_string(hide_password=True)
    with _quiet_logs():
        engine = _ready_engine(url)
    standin = StandInSlack().start()
    terminal = Terminal(
        stdin,
        stdout,
        environ=environ,
        history=history,
        completions=[*_completions(), *JOB_NAMES],
    )
    try:
        with _quiet_logs():
            session_factory = make_session_factory(engine)
            seeded = _demo_database(session_factory, clock(), tz) if demo_mode else None
            admins = settings.admins | ({demo.ADMIN_ID} if demo_mode else set())
            settings = replace(
                settings,
                slack_bot_token=SHELL_TOKEN,
                slack_signing_secret=standin.signing_secret,
                slack_app_token="",
                slack_api_url=standin.api_url,
                database_url=url,
                scheduler_enabled=False,
                admins=frozenset(admins),
            )
            ctx = AppContext(settings, session_factory, clock=clock, words=SLACK_WORDS)
            user = _people(standin.workspace, ctx, as_user, demo_mode)
            jobs = configured_jobs(settings)
            for channel in {
                settings.pmo_channel,
                settings.internal_channel,
                *(j.channel for j in jobs),
            }:
                standin.workspace.channel(channel)
            channel_id = standin.workspace.channel(settings.pmo_channel).id
            executor = IdleAwareExecutor()
            app = create_app(ctx, listener_executor=executor, work_executor=executor)
            banner = _banner(
                label, seeded, clock(), tz, user, ctx, standin.workspace.where(channel_id)
            )
            shell = Shell(
                app=app,
                executor=executor,
                ctx=ctx,
                standin=standin,
                terminal=terminal,
                clock=clock,
                user=user,
                channel_id=channel_id,
                run_job=lambda name, now: _run_job(ctx, app, name, now),
                list_jobs=lambda now: _job_rows(settings, now),
                banner=banner,
                charts_folder=(folder or Path.cwd()) / CHARTS_FOLDER,
            )
            try:
                return shell.run()
            finally:
                shell.executor.shutdown(wait=True)
    finally:
        terminal.close()
        standin.stop()
        engine.dispose()


def prepare_demo_database(path: Path, now: dt.datetime, settings: Settings) -> None:
    """Create, migrate and seed a demo database file (tests copy one made once)."""
    engine = _ready_engine(f"sqlite:///{path}")
    try:
        _demo_database(make_session_factory(engine), now, settings.timezone)
    finally:
        engine.dispose()


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _ready_engine(url: str) -> Engine:
    engine = make_engine(url)
    if not database_reachable(engine):
        shown = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        raise UserError(f"cannot reach the database at {shown} (check DATABASE_URL)")
    migrate.upgrade(engine)
    return engine


def _demo_database(session_factory, now: dt.datetime, tz) -> dt.datetime:
    """Seed the demo once; returns when it was seeded."""
    seeded = demo.is_seeded(session_factory)
    if seeded is None:
        with session_factory() as session:
            if session.scalar(sa.select(sa.func.count()).select_from(Project)):
                raise UserError("the demo database holds other data; delete it to start over")
        demo.seed_demo(session_factory, now, tz)
        seeded = now
    return seeded


def _people(workspace: Workspace, ctx: AppContext, as_user: str | None, demo_mode: bool) -> User:
    """Fill the workspace with the database's people; return who the shell starts as."""
    with ctx.session_factory() as session:
        rows = session.execute(
            sa.select(Person.slack_user_id, Person.name, Person.email, Person.tz)
            .where(Person.slack_user_id.is_not(None))
            .order_by(Person.name)
        ).all()
        first_pm = session.scalar(
            sa.select(Person.slack_user_id)
            .join(Project, Project.pm_id == Person.id)
            .where(Person.slack_user_id.is_not(None))
            .order_by(Person.name)
            .limit(1)
        )
    workspace.add_people((r[0], r[1] or "", r[2] or "", r[3]) for r in rows)
    if not workspace.people:
        workspace.users[NOBODY.id] = NOBODY
    if as_user:
        return workspace.find_user(as_user)
    default = demo.FIRST_PM_ID if demo_mode else first_pm
    return workspace.users.get(default or "") or workspace.people[0]


def _run_job(ctx: AppContext, app, name: str, now: dt.datetime) -> tuple[str, str]:
    jobs = {job.name: job for job in current_jobs(ctx)}  # with what admins set in Slack
    job = jobs.get(name)
    if job is None:
        raise UserError(f"There is no job '{name}'; jobs are: {', '.join(JOB_NAMES)}.")
    calendar = calendar_of(ctx.settings)
    period = period_at(job.schedule, now, calendar, ctx.settings.timezone)
    # Like `psbot jobs run --force`: a period of its own, so the shell can run it again.
    period = one_off_period(period, f"shell {secrets.token_hex(3)}")
    outbox = outbox_for(ctx, app.client, in_background=True)
    runner = JobRunner(ctx, outbox, list(jobs.values()), calendar)
    outcome = runner.run(job, period, now, now)
    return outcome.status, f" ({outcome.detail})" if outcome.detail else ""


def _job_rows(settings: Settings, now: dt.datetime) -> list[str]:
    tz = settings.timezone
    rows = [f"The shell's clock says {format_when(now, tz)}. :run JOB runs one now."]
    for job in configured_jobs(settings):
        upcoming = next_run(job.schedule, now, calendar_of(settings), tz)[1]
        state = f"next {upcoming:%a %Y-%m-%d %H:%M}" if job.enabled else "off"
        rows.append(f"  {job.name:<20} {state:<26} {job.summary}")
    return rows


def _banner(
    label: str,
    seeded: dt.datetime | None,
    now: dt.datetime,
    tz,
    user: User,
    ctx: AppContext,
    channel: str,
) -> list[str]:
    database = f"Database: {label}"
    if seeded is not None:
        day = f"{seeded.astimezone(tz):%a %Y-%m-%d}"
        database += f" (demo portfolio, seeded {day}; delete it to start over)"
    admin = ", PMO admin" if ctx.is_admin(user.id) else ""
    return [
        "psbot shell: the psbot Slack app, with this terminal playing Slack.",
        database,
        f"Clock: {format_when(now, tz)}",
        f"You are @{user.handle} ({user.real_name}{admin}) in {channel}. "
        "Try /ps help; :help lists the shell's own commands.",
    ]


def _completions() -> Iterator[str]:
    yield from COMMANDS
    yield "/ps"
    yield from (sub.name for sub in SUBCOMMANDS)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Warnings and errors only, and none of Bolt's "unhandled request" advice: the shell
    says itself when psbot has no listener for something."""
    root, bolt = logging.getLogger(), logging.getLogger("psbot.bolt")
    levels = root.level, bolt.level
    root.setLevel(max(root.level, logging.WARNING))
    bolt.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(levels[0])
        bolt.setLevel(levels[1])
