"""The acceptance cut-off (SPEC §1): for each Fixed Fee milestone due this billing period
(the calendar month) whose sign-off request is not sent yet, the last day it can be sent
so that passive acceptance — Day 1 the send day, business days, the SOW's term — is
reached inside the period, and so its revenue. The PM hears two business days before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.dates import Month
from bot.pmo.closure import last_send_day, milestone_acceptances
from bot.pmo.lookup import project_open
from bot.store.models import Project

REMIND_DAYS_BEFORE = 2


@dataclass(frozen=True)
class Cutoff:
    project: Project
    milestone: str
    due_date: dt.date
    term: int
    send_by: dt.date  # the last day the request can be sent
    remind_on: dt.date  # two business days before `send_by`


def cutoffs(session: Session, today: dt.date, calendar: BusinessCalendar) -> list[Cutoff]:
    """This period's unsent Fixed Fee milestones with a passive term, by send-by day."""
    month = Month.of(today)
    projects = list(session.scalars(sa.select(Project).where(Project.type == "FF", project_open())))
    acceptances = milestone_acceptances(session, projects, today, calendar)
    found = []
    for project in projects:
        for m in acceptances[project.id]:
            due = m.due_date
            if m.sent or m.received or m.term is None or m.term < 1 or due is None:
                continue
            if not month.first_day <= due <= month.last_day:
                continue
            send_by = last_send_day(month.last_day, m.term, calendar)
            remind_on = calendar.shift(send_by, -REMIND_DAYS_BEFORE)
            found.append(Cutoff(project, m.name, due, m.term, send_by, remind_on))
    return sorted(found, key=lambda c: (c.send_by, c.project.sow, c.milestone))
