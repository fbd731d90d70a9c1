"""A glance for the team in App Home: this week's note coverage by PM (admins), and the
quarter's ProjectWins and thanks counted by project (everyone) — projects, never a
ranking of people. A fixed number of grouped queries, whatever the portfolio's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.pmo.notes import note_required
from bot.store.in_lists import padded
from bot.store.models import Note, Person, Project, Thanks, Win


@dataclass(frozen=True)
class PmCoverage:
    """A PM's Top Customer projects this week: how many are noted, of how many."""

    pm: Person | None  # None: projects without a PM
    noted: int
    total: int


@dataclass(frozen=True)
class ProjectRecognition:
    project: Project
    wins: int
    thanks: int


@dataclass
class Glance:
    quarter: str
    coverage: list[PmCoverage] = field(default_factory=list)  # admins only
    projects: list[ProjectRecognition] = field(default_factory=list)
    thanks_without_project: int = 0


def gather_glance(
    session: Session,
    week: str,
    quarter: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    is_admin: bool,
) -> Glance:
    """`week`'s note coverage by PM (for admins), and the wins and thanks recorded from
    `since` to `until` (the quarter) by project, most first."""
    glance = Glance(quarter)
    if is_admin:
        glance.coverage = note_coverage(session, week)
    wins = _counts(session, Win.project_id, Win.created_at, since, until)
    thanks = _counts(session, Thanks.project_id, Thanks.created_at, since, until)
    glance.thanks_without_project = thanks.pop(None, 0)
    ids = sorted({*wins, *thanks} - {None})
    projects = session.scalars(sa.select(Project).where(Project.id.in_(padded(ids)))) if ids else []
    glance.projects = sorted(
        (ProjectRecognition(p, wins.get(p.id, 0), thanks.get(p.id, 0)) for p in projects),
        key=lambda r: (-(r.wins + r.thanks), r.project.customer.casefold(), r.project.name),
    )
    return glance


def note_coverage(session: Session, week: str) -> list[PmCoverage]:
    """Each PM's Top Customer projects with `week`'s note in, of those that owe one; by
    name (projects without a PM last)."""
    owing = sa.select(Project.id, Project.pm_id).where(note_required()).subquery()
    rows = session.execute(
        sa.select(owing.c.pm_id, sa.func.count(owing.c.id), sa.func.count(Note.id))
        .select_from(owing)
        .outerjoin(Note, sa.and_(Note.project_id == owing.c.id, Note.week == week))
        .group_by(owing.c.pm_id)
    ).all()
    pm_ids = [pm_id for pm_id, _, _ in rows if pm_id is not None]
    people = {
        p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(padded(pm_ids))))
    }
    coverage = [PmCoverage(people.get(pm_id), noted, total) for pm_id, total, noted in rows]
    return sorted(coverage, key=lambda c: (c.pm is None, c.pm.label.casefold() if c.pm else ""))


def _counts(
    session: Session,
    project_id: Any,
    created_at: Any,
    since: dt.datetime,
    until: dt.datetime,
) -> dict[int | None, int]:
    """How many rows from `since` to `until`, by project id (None: no project)."""
    query = (
        sa.select(project_id, sa.func.count())
        .where(created_at >= since, created_at < until)
        .group_by(project_id)
    )
    return {key: count for key, count in session.execute(query).all()}
