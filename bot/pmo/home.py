"""What App Home shows one person: their week, gathered with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.shared_results import SharedResults
from bot.pmo.away import covered_projects, own_time_off, time_off_ahead
from bot.pmo.bookings_rules import Finding, check_portfolio
from bot.pmo.closure import closing_projects, load_checklist
from bot.pmo.freshness import DataAsOf
from bot.pmo.glance import Glance
from bot.pmo.lookup import person_by_slack_id, projects_of
from bot.pmo.notes import NoteFields, fields_of, note_required, notes_for_week, writable_ids
from bot.pmo.portfolio_cache import checked_portfolio
from bot.pmo.portfolio_loading import load_portfolio
from bot.runtime.undelivered import Undelivered, undelivered_posts
from bot.store.in_lists import padded
from bot.store.models import Away, Note, Project, Thanks, Win

MAX_CLOSING = 8
RECENT_DAYS = 30


@dataclass(frozen=True)
class ProjectWeek:
    project: Project
    note: NoteFields | None
    writable: bool  # the viewer may write the note (a PSE only booked on it may not)


@dataclass(frozen=True)
class JobStatus:
    name: str
    next_run: dt.datetime
    last_period: str | None
    last_status: str | None
    last_error: str


@dataclass
class Home:
    """Everything App Home needs for one viewer."""

    user_id: str
    known: bool
    manages_projects: bool = False
    week: str = ""
    notes_due: dt.datetime | None = None
    notes_overdue: bool = False
    # The viewer's projects that owe this week's note, with it if written.
    projects: list[ProjectWeek] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    closing: list[Project] = field(default_factory=list)
    wins: list[Win] = field(default_factory=list)
    thanks: list[Thanks] = field(default_factory=list)
    is_admin: bool = False
    temperatures: Counter[str] = field(default_factory=Counter)
    missing_notes: int = 0
    rule_breaks: int = 0
    jobs: list[JobStatus] = field(default_factory=list)
    jobs_off: list[str] = field(default_factory=list)  # switched off (env or Slack)
    closure_progress: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Deliveries psbot could not make (admins only): Slack posts and GitLab notes.
    undelivered: Undelivered | None = None
    # How old the Kantata data behind the findings is (set by the caller).
    as_of: DataAsOf | None = None
    today: dt.date | None = None
    # The viewer's time off, now or still to come; for admins, everyone's.
    time_off: Away | None = None
    away_ahead: list[Away] = field(default_factory=list)
    # The team's glance: notes by PM (admins), the quarter's wins and thanks by project.
    glance: Glance | None = None


def gather_home(
    session: Session,
    user_id: str,
    today: dt.date,
    now: dt.datetime,
    week: str,
    notes_due: dt.datetime,
    calendar: BusinessCalendar,
    *,
    is_admin: bool,
    admins: Collection[str],
    results: SharedResults,
) -> Home:
    """The viewer's projects, `week`'s notes (overdue once `notes_due` has passed) and
    whether the viewer may write each, booking issues, closing projects, recent wins and
    thanks; for admins, portfolio counts too (jobs are added by the caller), from the
    portfolio computed once for the data's version (`results`)."""
    home = Home(
        user_id,
        known=False,
        week=week,
        notes_due=notes_due,
        notes_overdue=now >= notes_due,
        is_admin=is_admin,
        today=today,
    )
    home.time_off = own_time_off(session, user_id, today)
    person = person_by_slack_id(session, user_id)
    if person is not None:
        home.known = True
        projects = [p for p in projects_of(session, person) if p.status != "completed"]
        # Covering for an away PM: their projects' notes are the viewer's to write too.
        seen = {p.id for p in projects}
        projects += [p for p in covered_projects(session, user_id, today) if p.id not in seen]
        ids = [p.id for p in projects]
        owes = sa.and_(note_required(), Project.id.in_(padded(ids)))
        owing_ids = set(session.scalars(sa.select(Project.id).where(owes)))
        owing = [p for p in projects if p.id in owing_ids]
        notes = notes_for_week(session, week, owes)
        writable = writable_ids(session, owing, user_id, admins, today)
        home.projects = [
            ProjectWeek(p, fields_of(notes[p.id]) if p.id in notes else None, p.id in writable)
            for p in owing
        ]
        own = {p.id for p in projects if p.pm_id == person.id}
        home.manages_projects = bool(own)
        if own:
            portfolio = load_portfolio(
                session, today, project_ids=sorted(own), keep_bookings=False, calendar=calendar
            )
            home.findings = [f for f in check_portfolio(portfolio) if f.project_id in own]
        home.closing = closing_projects([p for p in projects if p.pm_id == person.id], today)
        for project in home.closing[:MAX_CLOSING]:
            checklist = load_checklist(session, project, today, calendar)
            home.closure_progress[project.id] = (checklist.resolved, checklist.total)
    since = now - dt.timedelta(days=RECENT_DAYS)
    home.wins = [
        w
        for w in session.scalars(
            sa.select(Win).where(Win.created_at >= since).order_by(Win.created_at.desc())
        )
        if w.author_id == user_id or user_id in (w.member_ids or [])
    ][:5]
    home.thanks = [
        t
        for t in session.scalars(
            sa.select(Thanks).where(Thanks.created_at >= since).order_by(Thanks.created_at.desc())
        )
        if user_id in (t.receiver_ids or [])
    ][:5]
    if is_admin:
        _portfolio_counts(session, home, today, now, calendar, results)
        home.away_ahead = time_off_ahead(session, today)
    return home


def _portfolio_counts(
    session: Session,
    home: Home,
    today: dt.date,
    now: dt.datetime,
    calendar: BusinessCalendar,
    results: SharedResults,
) -> None:
    top = list(session.scalars(sa.select(Project.id).where(note_required())))
    notes = session.scalars(
        sa.select(Note).where(Note.week == home.week, Note.project_id.in_(padded(top)))
    )
    for note in notes:
        home.temperatures[note.internal_temp] += 1
    home.missing_notes = len(top) - sum(home.temperatures.values())
    home.rule_breaks = len(checked_portfolio(results, session, today, calendar).findings)
    home.undelivered = undelivered_posts(session, now)
