"""Weekly timesheet approval (handbook, Deploy & Close: "Project hours must be logged weekly
via the time sheet function in Kantata ... and the Project Lead or PM approves these
entries weekly"): which PM approves which projects' hours this week."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.pmo.closure import TIMESHEET_TYPES
from bot.pmo.lookup import project_open
from bot.store.in_lists import padded
from bot.store.models import Person, Project


def working_week(week: str) -> tuple[dt.date, dt.date]:
    """The Monday and Friday of ISO week `week` (`2026-W48`)."""
    year, number = (int(part) for part in week.split("-W"))
    monday = dt.date.fromisocalendar(year, number, 1)
    return monday, monday + dt.timedelta(days=4)


def approvals_due(session: Session, friday: dt.date) -> list[tuple[Person, list[Project]]]:
    """Each PM with open T&M, Consulting Block or Dedicated Engineer projects started by
    `friday`, the week's end (hours are logged on timesheets there; Fixed Fee bills on
    milestones), with those projects; PMs and projects by name."""
    projects = session.scalars(
        sa.select(Project).where(
            Project.type.in_(sorted(TIMESHEET_TYPES)),
            project_open(),
            Project.pm_id.is_not(None),
            sa.or_(Project.start_date.is_(None), Project.start_date <= friday),
        )
    ).all()
    by_pm: dict[int, list[Project]] = defaultdict(list)
    for project in projects:
        if project.pm_id is not None:
            by_pm[project.pm_id].append(project)
    people = session.scalars(sa.select(Person).where(Person.id.in_(padded(by_pm)))).all()
    return [
        (person, sorted(by_pm[person.id], key=lambda p: (p.customer.casefold(), p.name.casefold())))
        for person in sorted(people, key=lambda p: (p.label.casefold(), p.id))
    ]
