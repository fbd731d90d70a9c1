"""`/ps report [--week 2026-W48] [--all]`: the compiled Top Customer report, ephemeral."""

from __future__ import annotations

from bot.core.dates import parse_week
from bot.core.errors import UserError
from bot.pmo.report import report_rows
from bot.pmo.rhythm import notes_week
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.report_builder import build_top_customer_report


def show_report(request: PsRequest) -> list[Reply]:
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"week"}, switches={"all"}, usage=usage)
    if parsed.words:
        raise UserError(f"Unexpected '{parsed.words[0]}'.", usage)
    option = parsed.options.get("week")
    week = parse_week(str(option)) if option else notes_week(request.ctx, request.ctx.now())
    all_projects = bool(parsed.options.get("all"))
    request.working_on_it()
    with request.ctx.session_factory() as session:
        rows = report_rows(session, week, all_projects=all_projects)
    scope = "Active projects" if all_projects else "Top Customer"
    return [Reply(text, blocks) for text, blocks in build_top_customer_report(week, rows, scope)]
