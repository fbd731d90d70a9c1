"""`/ps projects [--mine]`."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from bot.core.dates import local_today
from bot.core.errors import UserError
from bot.pmo.bookings_rules import check_portfolio
from bot.pmo.freshness import data_as_of
from bot.pmo.lookup import person_by_slack_id, projects_of
from bot.pmo.portfolio_loading import load_portfolio
from bot.store.models import Milestone
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.format import dated
from messages.projects_builder import ProjectLine, build_projects


def show_projects(request: PsRequest) -> Reply:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued=set(), switches={"mine"}, usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    only_mine = bool(parsed.options.get("mine"))
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    with request.ctx.session_factory() as session:
        caller = person_by_slack_id(session, request.user_id)
        mine_ids = [p.id for p in projects_of(session, caller)] if caller else []
        portfolio = load_portfolio(
            session, today, project_ids=mine_ids if only_mine else None, keep_bookings=False
        )
        issues = Counter(f.project_id for f in check_portfolio(portfolio) if f.project_id)
        upcoming = session.scalars(
            sa.select(Milestone)
            .where(Milestone.due_date >= today, Milestone.signoff_received.is_(None))
            .order_by(Milestone.due_date)
        )
        next_milestone: dict[int, Milestone] = {}
        for milestone in upcoming:
            next_milestone.setdefault(milestone.project_id, milestone)
        shown_ids = mine_ids if only_mine else None
        as_of = data_as_of(session, request.ctx.now(), request.ctx.settings.timezone, shown_ids)
    ordered = sorted(
        portfolio.projects,
        key=lambda p: (p.status, p.customer.casefold(), p.name.casefold()),
    )
    lines = [ProjectLine(p, next_milestone.get(p.id), issues[p.id]) for p in ordered]
    own = set(mine_ids)
    mine = [line for line in lines if line.project.id in own]
    others = [line for line in lines if line.project.id not in own]
    return Reply(*dated(build_projects(mine, others, only_mine), as_of))
