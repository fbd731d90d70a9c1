"""What goes into a week's Top Customer report: each project, its note and its trend."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.dates import previous_week
from bot.pmo.lookup import project_open
from bot.pmo.notes import ReportRow, fields_of, note_required, notes_for_week, trend
from bot.store.models import Escalation, Person, Project


def report_rows(session: Session, week: str, *, all_projects: bool) -> list[ReportRow]:
    """Every project in the report's scope with its note for `week`, its trend and
    whether it is escalated.

    Three statements whatever the scope's size: the projects with their PMs and
    escalations joined, and each week's notes joined to the same scope.
    """
    scope = project_open() if all_projects else note_required()
    found = session.execute(
        sa.select(Project, Person, Escalation.id)
        .outerjoin(Person, Person.id == Project.pm_id)
        .outerjoin(Escalation, Escalation.project_id == Project.id)
        .where(scope)
    ).all()
    current = notes_for_week(session, week, scope)
    earlier = notes_for_week(session, previous_week(week), scope)
    rows = []
    for project, pm, escalation in found:
        note = fields_of(current[project.id]) if project.id in current else None
        before = fields_of(earlier[project.id]) if project.id in earlier else None
        rows.append(
            ReportRow(
                project,
                pm.slack_user_id if pm else None,
                pm.label if pm else "",  # the report builder words a project without a PM
                note,
                trend(note, before) if note else None,
                escalation is not None,
                current[project.id].updated_at if note else None,
            )
        )
    return rows
