"""What goes into a week's Top Customer report: each project, its note and its trend."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.dates import previous_week
from bot.pmo.escalation import escalated_ids
from bot.pmo.lookup import project_open
from bot.pmo.notes import ReportRow, fields_of, note_required, notes_for_week, trend
from bot.store.in_lists import padded
from bot.store.models import Person, Project


def report_rows(session: Session, week: str, *, all_projects: bool) -> list[ReportRow]:
    """Every project in the report's scope with its note for `week`, its trend and
    whether it is escalated."""
    scope = project_open() if all_projects else note_required()
    projects = list(session.scalars(sa.select(Project).where(scope)))
    ids = [p.id for p in projects]
    current = notes_for_week(session, week, ids)
    earlier = notes_for_week(session, previous_week(week), ids)
    pm_ids = {p.pm_id for p in projects if p.pm_id}
    pms = {p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(padded(pm_ids))))}
    escalated = escalated_ids(session, ids)
    rows = []
    for project in projects:
        pm = pms.get(project.pm_id) if project.pm_id else None
        note = fields_of(current[project.id]) if project.id in current else None
        before = fields_of(earlier[project.id]) if project.id in earlier else None
        rows.append(
            ReportRow(
                project,
                pm.slack_user_id if pm else None,
                pm.label if pm else "",  # the report builder words a project without a PM
                note,
                trend(note, before) if note else None,
                project.id in escalated,
                current[project.id].updated_at if note else None,
            )
        )
    return rows
