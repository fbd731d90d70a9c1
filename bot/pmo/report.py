"""What goes into a week's Top Customer report: each project, its note and its trend."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.dates import previous_week
from bot.pmo.lookup import project_open
from bot.pmo.notes import (
    ReportProject,
    ReportRow,
    fields_of,
    note_required,
    notes_for_week,
    trend,
)
from bot.store.models import Escalation, Person, Project, person_label


def report_rows(session: Session, week: str, *, all_projects: bool) -> list[ReportRow]:
    """Every project in the report's scope with its note for `week`, its trend and
    whether it is escalated.

    Three statements whatever the scope's size, each joined to the scope rather than
    given its projects' ids, and read as plain columns: on Tuesdays many ask for the
    report over a thousand projects at once.
    """
    scope = project_open() if all_projects else note_required()
    projects = ReportProject.columns()
    query = (
        sa.select(
            *projects,
            Person.id.label("pm_person_id"),
            Person.name.label("pm_name"),
            Person.email.label("pm_email"),
            Person.slack_user_id.label("pm_slack_id"),
            Escalation.id.label("escalation_id"),
        )
        .outerjoin(Person, Person.id == Project.pm_id)
        .outerjoin(Escalation, Escalation.project_id == Project.id)
        .where(scope)
    )
    found = session.execute(query).all()
    current = notes_for_week(session, week, scope)
    earlier = notes_for_week(session, previous_week(week), scope)
    rows = []
    for each in found:
        project = ReportProject(*each[: len(projects)])
        pm = each.pm_person_id
        note = fields_of(current[project.id]) if project.id in current else None
        before = fields_of(earlier[project.id]) if project.id in earlier else None
        rows.append(
            ReportRow(
                project,
                each.pm_slack_id,  # None without a PM: the join found no one
                # The report builder words a project without a PM.
                person_label(pm, each.pm_name, each.pm_email, each.pm_slack_id)
                if pm is not None
                else "",
                note,
                trend(note, before) if note else None,
                each.escalation_id is not None,
                current[project.id].updated_at if note else None,
            )
        )
    return rows
