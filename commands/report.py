"""`/ps report [--week 2026-W48] [--all]`: the compiled Top Customer report, ephemeral."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.dates import local_today, parse_week, previous_week, week_key
from bot.errors import UserError
from bot.models import Person, Project
from bot.notes import fields_of, notes_for_week, trend
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.report_builder import ReportRow, build_top_customer_report


def show_report(request: PsRequest) -> list[Reply]:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"week"}, switches={"all"}, usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    option = parsed.options.get("week")
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    week = parse_week(str(option)) if option else week_key(today)
    all_projects = bool(parsed.options.get("all"))
    with request.ctx.session_factory() as session:
        rows = report_rows(session, week, all_projects=all_projects)
    scope = "Active projects" if all_projects else "Top Customer"
    return [Reply(text, blocks) for text, blocks in build_top_customer_report(week, rows, scope)]


def report_rows(session: Session, week: str, *, all_projects: bool) -> list[ReportRow]:
    """Every project in the report's scope with its note for `week` and its trend."""
    query = sa.select(Project).where(Project.status.in_(("active", "closing")))
    if not all_projects:
        query = query.where(Project.top_customer.is_(True))
    projects = list(session.scalars(query))
    ids = [p.id for p in projects]
    current = notes_for_week(session, week, ids)
    earlier = notes_for_week(session, previous_week(week), ids)
    pm_ids = {p.pm_id for p in projects if p.pm_id}
    pms = {p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(pm_ids)))}
    rows = []
    for project in projects:
        pm = pms.get(project.pm_id) if project.pm_id else None
        note = fields_of(current[project.id]) if project.id in current else None
        before = fields_of(earlier[project.id]) if project.id in earlier else None
        rows.append(
            ReportRow(
                project,
                pm.slack_user_id if pm else None,
                pm.label if pm else "no PM",
                note,
                trend(note, before) if note else None,
            )
        )
    return rows
