"""`/ps bookings [PROJECT | @person]`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.core.business_days import calendar_of
from bot.core.dates import Month, local_today, monday_of
from bot.core.errors import UserError
from bot.pmo import bookings_rules as rules
from bot.pmo.bookings_rules import (
    check_project,
    check_projects,
    most_at_stake_first,
    staff_amounts,
    under_allocated,
)
from bot.pmo.freshness import DataAsOf, data_as_of
from bot.pmo.lookup import find_project, person_by_slack_id
from bot.pmo.portfolio_loading import load_portfolio
from bot.store.models import Project
from commands.arguments import is_unresolved_mention, unresolved_mention_error, user_id_of
from commands.request import PsRequest, Reply
from messages.bookings_builder import (
    StaffRow,
    build_bookings_explainer,
    build_person_bookings,
    build_project_bookings,
)
from messages.escape import mention
from messages.format import dated

PERSON_WEEKS = 8
PROJECT_MONTHS = 3


def show_bookings(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    argument = " ".join(request.args)
    with request.ctx.session_factory() as session:
        if not argument:
            return _explainer(request, session, today)
        if is_unresolved_mention(argument):
            raise unresolved_mention_error(argument, usage)
        user_id = user_id_of(request.args[0])
        if user_id:
            if len(request.args) > 1:
                raise UserError("Give one person or one project.", usage)
            return _person(request, session, user_id, today)
        return _project(request, session, find_project(session, argument), today)


def _explainer(request: PsRequest, session, today) -> Reply:
    caller = person_by_slack_id(session, request.user_id)
    findings = []
    own: set[int] = set()
    if caller is not None:
        # The caller's projects' rules and the caller's own weeks: two small loads, not
        # the portfolio.
        calendar = calendar_of(request.ctx.settings)
        own = set(session.scalars(sa.select(Project.id).where(Project.pm_id == caller.id)))
        projects = load_portfolio(
            session, today, project_ids=sorted(own), keep_bookings=False, with_people=False
        )
        weeks = load_portfolio(
            session, today, person_id=caller.id, keep_bookings=False, calendar=calendar
        )
        findings = most_at_stake_first([*check_projects(projects), *under_allocated(weeks)])
    message = build_bookings_explainer(findings, knows_caller=caller is not None)
    return Reply(*dated(message, _as_of(request, session, own or None)))


def _as_of(request: PsRequest, session, project_ids) -> DataAsOf:
    ctx = request.ctx
    return data_as_of(session, ctx.now(), ctx.settings.timezone, project_ids)


def _project(request: PsRequest, session, project, today) -> Reply:
    months = [Month.of(today).plus(n) for n in range(PROJECT_MONTHS)]
    portfolio = load_portfolio(session, today, project_ids=[project.id])
    shown = [b for b in portfolio.bookings if b.week_start >= monday_of(months[0].first_day)]
    staff = sorted(
        (
            StaffRow(portfolio.people[key.person_id], key.role, by_month)
            for key, by_month in staff_amounts(shown).items()
        ),
        # Role by role, then by name: the same order on every database.
        key=lambda row: (rules.ROLE_ORDER.index(row.role), row.person.name.casefold()),
    )
    totals = {m: portfolio.amounts(project.id, m) for m in months}
    findings = check_project(portfolio, project) if project.status == "active" else []
    message = build_project_bookings(project, months, staff, totals, findings)
    return Reply(*dated(message, _as_of(request, session, [project.id])))


def _person(request: PsRequest, session, user_id: str, today) -> Reply:
    person = person_by_slack_id(session, user_id)
    if person is None:
        return Reply(
            f"I have no bookings for {mention(user_id)}: Kantata's export doesn't list them."
        )
    first_week = monday_of(today)
    window = (first_week, first_week + dt.timedelta(weeks=PERSON_WEEKS))
    portfolio = load_portfolio(
        session,
        today,
        window=window,
        person_id=person.id,
        calendar=calendar_of(request.ctx.settings),
    )
    loads = rules.person_weeks(portfolio, person, first_week, PERSON_WEEKS)
    booked_on = sorted({row.project_id for row in portfolio.bookings})
    as_of = _as_of(request, session, booked_on)
    return Reply(*dated(build_person_bookings(person, loads), as_of))
