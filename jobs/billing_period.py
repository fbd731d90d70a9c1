"""Three business days before month end: FF sign-offs still missing, T&M timesheets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import Month, local_today
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.away import away_on
from bot.pmo.closure import (
    MilestoneAcceptance,
    PassiveState,
    last_send_day,
    milestone_acceptances,
)
from bot.pmo.lookup import project_open
from bot.runtime.outbox import Post
from bot.store.in_lists import padded
from bot.store.models import Person, Project
from messages.reminders_builder import (
    BillingMilestone,
    Owner,
    PmTimesheets,
    build_billing_period,
    channel_posts,
)


def run_billing_period(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """The month-end reminder for #ps_pmo; [] when there is no FF or T&M work at all.

    A Fixed Fee milestone is ready to bill once it is accepted (sign-off received or
    passive acceptance reached), as `/ps closure` decides it. One still waiting says when
    passive acceptance is reached; one accepted passively this month, with no sign-off
    received, is listed for the PMO to record in Kantata (handbook: Sign-Off Received,
    Passive Acceptance Utilized). Timesheets are listed for T&M projects only: SPEC §1 asks
    for "T&M timesheets to approve", and the handbook invoices T&M on the time submitted.
    """
    today = local_today(now, ctx.settings.timezone)
    month = Month.of(today)
    closes = month.last_day
    calendar = calendar_of(ctx.settings)
    as_of = ensure_fresh(ctx, why="job:billing_period")
    with ctx.session_factory() as session:
        ff_projects = list(session.scalars(_open_projects("FF")))
        timesheet_projects = list(session.scalars(_open_projects("T&M")))
        owners = _owners(session, ff_projects + timesheet_projects, today)
        acceptances = milestone_acceptances(session, ff_projects, today, calendar)
        ff_milestones = [
            (project, milestone) for project in ff_projects for milestone in acceptances[project.id]
        ]

        def listed(project: Project, milestone: MilestoneAcceptance) -> BillingMilestone:
            return BillingMilestone(
                project,
                milestone.name,
                milestone.due_date,
                milestone.sent,
                owners.get(project.pm_id) if project.pm_id else None,
                milestone.passive.reached_on if milestone.passive else None,
                _send_by(milestone, month, calendar),
            )

        milestones = sorted(
            (listed(p, m) for p, m in ff_milestones if _waiting(m, closes)),
            key=lambda m: (m.due_date or dt.date.min, _by_name(m.project), m.name),
        )
        passive = sorted(
            (listed(p, m) for p, m in ff_milestones if _accepted_passively(m, month.first_day)),
            key=lambda m: (m.passive_on or dt.date.min, _by_name(m.project), m.name),
        )
        if not milestones and not passive and not timesheet_projects:
            return []
        messages = build_billing_period(
            today, closes, milestones, _timesheets(timesheet_projects, owners), passive, as_of
        )
    return channel_posts(messages)


def _send_by(milestone: MilestoneAcceptance, month: Month, calendar) -> dt.date | None:
    """For a milestone due this period with a passive term: the last day its sign-off
    request can be sent for passive acceptance to land in the period (SPEC §1)."""
    due, term = milestone.due_date, milestone.term
    if due is None or term is None or term < 1 or not month.first_day <= due <= month.last_day:
        return None
    return last_send_day(month.last_day, term, calendar)


def _waiting(milestone: MilestoneAcceptance, closes: dt.date) -> bool:
    """Due this month, or earlier, and still not accepted."""
    return (
        milestone.due_date is not None and milestone.due_date <= closes and not milestone.accepted
    )


def _accepted_passively(milestone: MilestoneAcceptance, since: dt.date) -> bool:
    """Passive acceptance reached on or after `since`, and no sign-off received."""
    passive = milestone.passive  # None once sign-off is received
    return (
        passive is not None
        and passive.state is PassiveState.REACHED
        and passive.reached_on is not None
        and passive.reached_on >= since
    )


def _open_projects(project_type: str) -> sa.Select[tuple[Project]]:
    # Completed projects are billed out: Kantata marks them Completed only after that.
    return sa.select(Project).where(Project.type == project_type, project_open())


def _owners(session: Session, projects: list[Project], today: dt.date) -> dict[int, Owner]:
    """The projects' PMs; one away `today` is named, not pinged, with who covers."""
    pm_ids = {p.pm_id for p in projects if p.pm_id}
    people = list(session.scalars(sa.select(Person).where(Person.id.in_(padded(pm_ids)))))
    away = away_on(session, today)
    return {
        person.id: Owner(person.slack_user_id, person.label, away.get(person.slack_user_id or ""))
        for person in people
    }


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
