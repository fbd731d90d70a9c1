"""Weekly R-Y-G notes: fields, validation, storage with revisions, which projects owe
one and who may write it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.authorization import Action, allowed
from bot.core.fields import http_url
from bot.core.slack_ids import is_user_id
from bot.pmo.away import away_on
from bot.pmo.lookup import project_open
from bot.store.in_lists import padded
from bot.store.models import Note, NoteRevision, Person, Project


class Temperature(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"

    @property
    def severity(self) -> int:
        return {"green": 0, "yellow": 1, "red": 2}[self.value]


def links_required(*temperatures: Temperature) -> bool:
    """RAID and epic links are required when either temperature is Yellow or Red."""
    return any(t != Temperature.GREEN for t in temperatures)


# The handbook's WE / CO / WaR: each note field, and its name.
EXCEPTIONS = (
    ("work_exception_url", "Work Exception"),
    ("change_order_url", "Change Order"),
    ("work_at_risk_url", "Work at Risk"),
)
LINK_FIELDS = ("raid_url", "epic_url", *(name for name, _ in EXCEPTIONS))


class Trend(StrEnum):
    WORSE = "worse"
    BETTER = "better"
    SAME = "same"


@dataclass(frozen=True)
class NoteFields:
    """One project's note for one week, as the PM wrote it (SPEC §2)."""

    progress: str
    internal: Temperature
    customer: Temperature
    issue: str = ""
    assistance: str = ""
    dri_ids: tuple[str, ...] = field(default_factory=tuple)
    raid_url: str = ""
    epic_url: str = ""
    forecast_push: str = ""
    upside: str = ""
    # The open Work Exception, pending Change Order and Work at Risk, by their links
    # (the handbook reviews them with the RAID link when a project is Yellow or Red).
    work_exception_url: str = ""
    change_order_url: str = ""
    work_at_risk_url: str = ""

    @property
    def needs_links(self) -> bool:
        return links_required(self.internal, self.customer)

    @property
    def open_exceptions(self) -> list[tuple[str, str]]:
        """(name, link) of each Work Exception, Change Order or Work at Risk open."""
        return [
            (name, url) for field_name, name in EXCEPTIONS if (url := getattr(self, field_name))
        ]

    @property
    def severity(self) -> int:
        return self.internal.severity + self.customer.severity


PROGRESS_MAX = 150
LONG_TEXT_MAX = 1000
SHORT_TEXT_MAX = 500
URL_MAX = 2000
TEXT_LIMITS = {
    "progress": PROGRESS_MAX,
    "issue": LONG_TEXT_MAX,
    "assistance": LONG_TEXT_MAX,
    "forecast_push": SHORT_TEXT_MAX,
    "upside": SHORT_TEXT_MAX,
}
MAX_DRIS = 20


def validate_note(raw: Mapping[str, Any]) -> NoteFields | dict[str, str]:
    """Turn a submitted form into `NoteFields`, or say what is wrong field by field."""
    errors: dict[str, str] = {}
    text = {name: _clean(raw.get(name)) for name in TEXT_LIMITS}
    if not text["progress"]:
        errors["progress"] = "Write a one-line progress update."
    for name, limit in TEXT_LIMITS.items():
        if len(text[name]) > limit:
            errors[name] = f"Keep it to {limit} characters (now {len(text[name])})."
    if "\n" in text["progress"]:
        errors["progress"] = "The progress update is one line; put details under Issue."
    temps = {}
    for name in ("internal", "customer"):
        try:
            temps[name] = Temperature(str(raw.get(name) or ""))
        except ValueError:
            errors[name] = "Pick Red, Yellow or Green."
    urls = {name: _clean(raw.get(name)) for name in LINK_FIELDS}
    for name, url in urls.items():
        problem = url_problem(url) if url else None
        if problem:
            errors[name] = problem
    if links_required(*temps.values()):
        for name, label in (("raid_url", "RAID"), ("epic_url", "internal customer epic")):
            if not urls[name] and name not in errors:
                errors[name] = f"A Yellow or Red project needs its {label} link."
    dri_ids = tuple(dict.fromkeys(str(i) for i in raw.get("dri_ids") or ()))
    if len(dri_ids) > MAX_DRIS:
        errors["dri_ids"] = f"Pick at most {MAX_DRIS} people."
    elif not all(is_user_id(i) for i in dri_ids):
        errors["dri_ids"] = "Pick people from the list."
    if errors:
        return errors
    return NoteFields(
        progress=text["progress"],
        internal=temps["internal"],
        customer=temps["customer"],
        issue=text["issue"],
        assistance=text["assistance"],
        dri_ids=dri_ids,
        forecast_push=text["forecast_push"],
        upside=text["upside"],
        **urls,
    )


def url_problem(url: str) -> str | None:
    """Why `url` is not an acceptable http(s) link, or None."""
    if len(url) > URL_MAX:
        return f"Keep links under {URL_MAX} characters."
    if http_url(url) is None:
        return "Paste a full link starting with https://"
    if any(c.isspace() for c in url) or any(c in url for c in "<>|"):
        return "A link can't contain spaces or < > |."
    return None


def _clean(value: object) -> str:
    return str(value or "").strip()


def fields_of(note: Note | sa.Row) -> NoteFields:
    """A note's fields, from a Note or a row of the notes table."""
    return NoteFields(
        progress=note.progress,
        internal=Temperature(note.internal_temp),
        customer=Temperature(note.customer_temp),
        issue=note.issue,
        assistance=note.assistance,
        dri_ids=tuple(note.dri_ids or ()),
        raid_url=note.raid_url,
        epic_url=note.epic_url,
        forecast_push=note.forecast_push,
        upside=note.upside,
        work_exception_url=note.work_exception_url,
        change_order_url=note.change_order_url,
        work_at_risk_url=note.work_at_risk_url,
    )


def note_required() -> sa.ColumnElement[bool]:
    """The projects that owe a note every week (SPEC §1–2): open Top Customer projects."""
    return sa.and_(Project.top_customer.is_(True), project_open())


def owes_note(session: Session, project_id: int) -> bool:
    """Whether the project owes a note this week (see `note_required`)."""
    return bool(
        session.scalar(sa.select(sa.exists().where(Project.id == project_id, note_required())))
    )


def may_write(
    session: Session, project: Project, user_id: str, admins: Collection[str], today: dt.date
) -> bool:
    """Whether `user_id` may write `project`'s note: its PM (or whoever covers for them
    while they are away on `today`), the DRI and contributors on its latest note, and
    admins (bot.core.authorization decides)."""
    return bool(writable_ids(session, [project], user_id, admins, today))


def writable_ids(
    session: Session,
    projects: Sequence[Project],
    user_id: str,
    admins: Collection[str],
    today: dt.date,
) -> set[int]:
    """The ids of those `projects` whose note `user_id` may write, in three queries."""
    roles = _write_roles(session, projects, today)
    return {
        p.id for p in projects if allowed(Action.WRITE_NOTE, user_id, admins=admins, **roles[p.id])
    }


def writable_projects(
    session: Session, user_id: str, admins: Collection[str], today: dt.date
) -> tuple[list[Project], list[Project]]:
    """Open projects whose note `user_id` may write: their own (as PM, DRI or contributor),
    then those they may write only as an admin; in each, the projects that owe this week's
    note first (a picker cut at Slack's limit must not drop them), then by name."""
    owing_first = sa.case((note_required(), 0), else_=1)
    projects = list(
        session.scalars(
            sa.select(Project)
            .where(project_open())
            .order_by(owing_first, Project.customer, Project.name)
        )
    )
    roles = _write_roles(session, projects, today)
    own: list[Project] = []
    as_admin: list[Project] = []
    for project in projects:
        if allowed(Action.WRITE_NOTE, user_id, admins=(), **roles[project.id]):
            own.append(project)
        elif allowed(Action.WRITE_NOTE, user_id, admins=admins, **roles[project.id]):
            as_admin.append(project)
    return own, as_admin


def _write_roles(
    session: Session, projects: Sequence[Project], today: dt.date
) -> dict[int, dict[str, Any]]:
    """Each project's PM, who covers for them if they are away on `today`, and the DRIs
    on its latest note, as bot.core.authorization takes them."""
    pm_ids = {p.pm_id for p in projects if p.pm_id}
    pms = dict(
        session.execute(
            sa.select(Person.id, Person.slack_user_id).where(Person.id.in_(padded(pm_ids)))
        ).all()
    )
    latest_week = (
        sa.select(Note.project_id, sa.func.max(Note.week).label("week"))
        .where(Note.project_id.in_(padded([p.id for p in projects])))
        .group_by(Note.project_id)
        .subquery()
    )
    dris = dict(
        session.execute(
            sa.select(Note.project_id, Note.dri_ids).join(
                latest_week,
                sa.and_(
                    Note.project_id == latest_week.c.project_id, Note.week == latest_week.c.week
                ),
            )
        ).all()
    )
    away = away_on(session, today, [i for i in pms.values() if i])
    delegates = {pm_id: away[i].delegate_id for pm_id, i in pms.items() if i in away}
    return {
        p.id: {
            "pm_slack_id": pms.get(p.pm_id),
            "dri_ids": dris.get(p.id) or (),
            "delegate_id": delegates.get(p.pm_id),
        }
        for p in projects
    }


def latest_note(session: Session, project_id: int) -> Note | None:
    """The project's most recent note, from any week (it pre-fills the modal)."""
    return session.scalar(
        sa.select(Note).where(Note.project_id == project_id).order_by(Note.week.desc()).limit(1)
    )


def save_note(
    session: Session,
    project_id: int,
    week: str,
    fields: NoteFields,
    author_id: str,
    now: dt.datetime,
    submission_key: str | None = None,
) -> Note:
    """Store the week's note and a revision; a replayed submission changes nothing.

    Only `week` is written: earlier weeks are history.
    """
    if submission_key is not None:
        seen = session.scalar(
            sa.select(NoteRevision).where(NoteRevision.submission_key == submission_key)
        )
        if seen is not None:
            return session.get_one(Note, seen.note_id)
    note = session.scalar(
        sa.select(Note).where(Note.project_id == project_id, Note.week == week).with_for_update()
    )
    values = {
        "progress": fields.progress,
        "issue": fields.issue,
        "assistance": fields.assistance,
        "dri_ids": list(fields.dri_ids),
        "internal_temp": fields.internal.value,
        "customer_temp": fields.customer.value,
        "raid_url": fields.raid_url,
        "epic_url": fields.epic_url,
        "forecast_push": fields.forecast_push,
        "upside": fields.upside,
        "work_exception_url": fields.work_exception_url,
        "change_order_url": fields.change_order_url,
        "work_at_risk_url": fields.work_at_risk_url,
        "author_id": author_id,
        "updated_at": now,
    }
    if note is None:
        note = Note(project_id=project_id, week=week, created_at=now, **values)
        session.add(note)
    else:
        for name, value in values.items():
            setattr(note, name, value)
    session.flush()
    snapshot = {k: v for k, v in values.items() if k not in ("author_id", "updated_at")}
    session.add(
        NoteRevision(
            note_id=note.id,
            fields=snapshot,
            author_id=author_id,
            submission_key=submission_key,
            created_at=now,
        )
    )
    return note


def notes_for_week(session: Session, week: str, of: sa.ColumnElement[bool]) -> dict[int, sa.Row]:
    """`week`'s notes of the projects `of` selects (a condition on Project), by project:
    rows of the notes table, read as `fields_of` reads a Note.

    Joined, not asked for by an IN list of ids: a report over a thousand projects is one
    short statement, not thousands of bound values to render and parse on every request.
    """
    query = (
        sa.select(Note.__table__)
        .join(Project, Project.id == Note.project_id)
        .where(Note.week == week, of)
    )
    return {note.project_id: note for note in session.execute(query)}


def trend(current: NoteFields, previous: NoteFields | None) -> Trend | None:
    """Whether the project got worse or better since last week's note."""
    if previous is None:
        return None
    if current.severity > previous.severity:
        return Trend.WORSE
    if current.severity < previous.severity:
        return Trend.BETTER
    return Trend.SAME


@dataclass(frozen=True, slots=True)
class ReportProject:
    """What a week's report, and the reminders built from it, show of a project.

    Read as these columns alone, not as ORM instances: a report over every active project
    at 10,000 projects made some 1,300 instances a request, most of its time.
    """

    id: int
    sow: str
    customer: str
    name: str
    status: str
    pm_id: int | None
    raid_url: str | None
    epic_url: str | None

    @classmethod
    def columns(cls) -> list[sa.ColumnElement[Any]]:
        """Project's columns of these fields, in their order."""
        return [getattr(Project, name) for name in cls.__slots__]

    @classmethod
    def of(cls, project: Project) -> ReportProject:
        return cls(*(getattr(project, name) for name in cls.__slots__))


@dataclass(frozen=True)
class ReportRow:
    """One project in a week's report: its PM, its note (None = missing), the trend, and
    whether an admin marked it Escalated."""

    project: ReportProject
    pm_slack_id: str | None
    pm_name: str
    note: NoteFields | None
    trend: Trend | None = None
    escalated: bool = False
    noted_at: dt.datetime | None = None  # when the note was last saved
