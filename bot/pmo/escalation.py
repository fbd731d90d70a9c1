"""Escalated projects: the handbook's "Reporting on Risk via RAID" — a Red project whose
risk needs immediate attention is marked Escalated (its RAID issue carries the
`Escalated` label), and the Top Customer report lists escalated projects first.

Only admins escalate (bot.core.authorization), and only a project whose latest note is
Red; un-escalating is always possible. Who did either, and when, is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.authorization import Action, allowed
from bot.core.errors import UserError
from bot.pmo.notes import Temperature, latest_note
from bot.store.models import AuditEntry, Escalation, Project

ESCALATED_LABEL = "Escalated"
NOT_ADMIN = "Only PMO admins can escalate a project (or un-escalate it); nothing was changed."


def set_escalated(
    session: Session,
    project: Project,
    escalated: bool,
    user_id: str,
    admins: Collection[str],
    now: dt.datetime,
) -> bool:
    """Mark `project` Escalated (or not any more) for `user_id`; whether that changed it.

    Raises UserError for a non-admin, or escalating a project whose latest note isn't Red.
    """
    if not allowed(Action.ESCALATE, user_id, admins=admins):
        raise UserError(NOT_ADMIN)
    current = session.scalar(sa.select(Escalation).where(Escalation.project_id == project.id))
    if (current is not None) == escalated:
        return False
    if escalated:
        _require_red(session, project)
        session.add(Escalation(project_id=project.id, escalated_by=user_id, escalated_at=now))
    else:
        session.delete(current)
    session.add(
        AuditEntry(
            actor=user_id,
            action="project.escalated" if escalated else "project.unescalated",
            subject=project.sow,
            at=now,
        )
    )
    session.flush()
    return True


def _require_red(session: Session, project: Project) -> None:
    note = latest_note(session, project.id)
    if note is None:
        raise UserError(
            f"{project.title} has no weekly note yet: only a project whose latest note is "
            "Red can be escalated."
        )
    temperatures = {note.internal_temp, note.customer_temp}
    if Temperature.RED.value not in temperatures:
        worst = "Yellow" if Temperature.YELLOW.value in temperatures else "Green"
        raise UserError(
            f"{project.title} is {worst} in its latest note ({note.week}): only a Red "
            "project can be escalated."
        )
