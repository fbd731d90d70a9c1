"""The closeout report (handbook, older Deploy & Close list): "Regional Manager to provide
a closeout report including estimated hours, actual hours, deliverable documents, and
lessons learned to broader team. Post this in #ps-project-leadership and make sure to
mention the Engagement Manager team".

What psbot knows of each part:
- estimated hours: the project's hard-booked hours (Kantata's allocations, all weeks);
- actual hours: not in psbot's schema yet — `actual_hours` is the one place to fill in
  when timesheet actuals arrive (SPEC §6 `psbot import actuals`); until then the report
  says they are not in psbot;
- deliverable documents: the Internal Customer Epic, where the handbook keeps the
  project's documents (DoW, confirmations, acceptance);
- lessons learned: those recorded with `/ps lesson` for the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.pmo.closure import ProjectInfo, project_info
from bot.store.models import Booking, Lesson, Project, Win

CLOSEOUT_ITEM = "closeout_report"


@dataclass(frozen=True)
class Closeout:
    """What a project's closeout report says."""

    project: ProjectInfo
    estimated_hours: Decimal
    actual_hours: Decimal | None  # None: psbot has no actuals yet
    deliverables_url: str
    lessons: list[Lesson]
    wins: int


def actual_hours(session: Session, project_id: int) -> Decimal | None:
    """The project's approved hours, once psbot stores timesheet actuals; None until then.

    The hook for actuals: psbot has no actuals table yet (SPEC §6 lists `psbot import
    actuals`: sow, person_email, date, hours, approved). When it lands, return the sum of
    the project's approved hours here, and the closeout report shows estimated vs actual.
    """
    return None


def closeout(session: Session, project: Project) -> Closeout:
    """The closeout report's facts for `project`."""
    estimated = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Booking.hours), 0)).where(
            Booking.project_id == project.id, Booking.kind == "hard"
        )
    )
    lessons = session.scalars(
        sa.select(Lesson).where(Lesson.project_id == project.id).order_by(Lesson.created_at)
    ).all()
    wins = session.scalar(
        sa.select(sa.func.count()).select_from(Win).where(Win.project_id == project.id)
    )
    return Closeout(
        project=project_info(session, project),
        estimated_hours=Decimal(estimated),
        actual_hours=actual_hours(session, project.id),
        deliverables_url=project.epic_url or "",
        lessons=list(lessons),
        wins=wins or 0,
    )
