"""`/ps projects [--mine]`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator

from bot.core.dates import local_today
from bot.core.errors import UserError
from bot.pmo.bookings_rules import MilestoneDate, check_projects
from bot.pmo.freshness import data_as_of
from bot.pmo.lookup import person_by_slack_id, projects_of
from bot.pmo.portfolio_cache import project_order
from bot.pmo.portfolio_loading import load_portfolio
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.format import dated
from messages.projects_builder import MAX_PROJECTS_SHOWN, ProjectLine, build_projects


def show_projects(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued=set(), switches={"mine"}, usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    only_mine = bool(parsed.options.get("mine"))
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    with request.ctx.session_factory() as session:
        caller = person_by_slack_id(session, request.user_id)
        own = {p.id for p in projects_of(session, caller)} if caller else set()
        # Every project's place in the list (kept for the data's version), then the work
        # for the ones shown only.
        ordered = project_order(request.ctx.results, session)
        if only_mine:
            ordered = [i for i in ordered if i in own]
        mine = [i for i in ordered if i in own]
        others = [i for i in ordered if i not in own]
        shown = (mine + others)[:MAX_PROJECTS_SHOWN]
        portfolio = load_portfolio(
            session, today, project_ids=shown, keep_bookings=False, with_people=False
        )
        issues = Counter(f.project_id for f in check_projects(portfolio))
        next_milestone: dict[int, MilestoneDate] = {}
        for milestone in sorted(_open_ahead(portfolio.milestones, today), key=_due):
            next_milestone.setdefault(milestone.project_id, milestone)
        as_of = data_as_of(
            session,
            request.ctx.now(),
            request.ctx.settings.timezone,
            sorted(own) if only_mine else None,
        )
    by_id = {p.id: p for p in portfolio.projects}
    lines = {i: ProjectLine(by_id[i], next_milestone.get(i), issues[i]) for i in shown}
    message = build_projects(
        [lines[i] for i in mine if i in lines],
        [lines[i] for i in others if i in lines],
        only_mine,
        total=len(ordered),
        yours=len(mine),
    )
    return Reply(*dated(message, as_of))


def _open_ahead(milestones: Iterable[MilestoneDate], today: dt.date) -> Iterator[MilestoneDate]:
    """Milestones due today or later, not signed off yet."""
    for milestone in milestones:
        due = milestone.due_date
        if milestone.signoff_received is None and due is not None and due >= today:
            yield milestone


def _due(milestone: MilestoneDate) -> dt.date:
    return milestone.due_date or dt.date.max
