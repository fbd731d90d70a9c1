"""Three business days before month end: FF sign-offs still missing, T&M timesheets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.dates import Month, local_today
from bot.models import Milestone, Person, Project
from bot.outbox import Post
from messages.reminders_builder import (
    Owner,
    PendingMilestone,
    PmTimesheets,
    build_billing_period,
    channel_posts,
)

# Billed on approved timesheets rather than on milestones.
TIMESHEET_TYPES = ("T&M", "Consulting Block", "Dedicated Engineer")
# Completed projects are billed out: Kantata marks them Completed only after that.
OPEN_STATUSES = ("active", "closing")


def run_billing_period(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """The month-end reminder for #ps_pmo; [] when there is no FF or T&M work at all."""
    today = local_today(now, ctx.settings.timezone)
    closes = Month.of(today).last_day
    with ctx.session_factory() as session:
        pending = list(
            session.execute(
                sa.select(Milestone, Project)
                .join(Project, Milestone.project_id == Project.id)
                .where(
                    Project.type == "FF",
                    Project.status.in_(OPEN_STATUSES),
                    Milestone.signoff_received.is_(None),
                    # Due this month, or earlier and still not signed off.
                    Milestone.due_date <= closes,
                )
            )
        )
        timesheet_projects = list(
            session.scalars(
                sa.select(Project).where(
                    Project.type.in_(TIMESHEET_TYPES), Project.status.in_(OPEN_STATUSES)
                )
            )
        )
        if not pending and not timesheet_projects:
            return []
        owners = _owners(session, [p for _, p in pending] + timesheet_projects)
        milestones = sorted(
            (
                PendingMilestone(
                    project,
                    milestone.name,
                    milestone.due_date,
                    milestone.signoff_sent,
                    owners.get(project.pm_id) if project.pm_id else None,
                )
                for milestone, project in pending
                if milestone.due_date is not None
            ),
            key=lambda m: (m.due_date, _by_name(m.project), m.name),
        )
        messages = build_billing_period(
            today, closes, milestones, _timesheets(timesheet_projects, owners)
        )
    return channel_posts(messages)


def _owners(session: Session, projects: list[Project]) -> dict[int, Owner]:
    pm_ids = {p.pm_id for p in projects if p.pm_id}
    people = session.scalars(sa.select(Person).where(Person.id.in_(pm_ids)))
    return {person.id: Owner(person.slack_user_id, person.label) for person in people}


def _timesheets(projects: list[Project], owners: dict[int, Owner]) -> list[PmTimesheets]:
    """Projects per PM, PMs by name, projects without a PM last."""
    groups: dict[int | None, list[Project]] = defaultdict(list)
    for project in projects:
        groups[project.pm_id if project.pm_id in owners else None].append(project)

    def order(pm_id: int | None) -> tuple[bool, str, int]:
        return (pm_id is None, owners[pm_id].sort_key if pm_id else "", pm_id or 0)

    return [
        PmTimesheets(
            owners[pm_id] if pm_id is not None else None,
            sorted(groups[pm_id], key=_by_name),
        )
        for pm_id in sorted(groups, key=order)
    ]


def _by_name(project: Project) -> tuple[str, str, str]:
    return (project.customer.casefold(), project.name.casefold(), project.sow)
