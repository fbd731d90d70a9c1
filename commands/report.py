"""`/ps report [--week 2026-W48] [--all]`: the compiled Top Customer report, ephemeral.

A report that fits one message is answered whole. A longer one (`--all` over many
projects) is answered with its digest, Yellow/Red and who is missing, and the whole
report follows as a CSV file in the caller's DM: Slack takes only five answers to a
command, so pages would be lost.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.dates import parse_week
from bot.core.errors import UserError
from bot.pmo.report import report_rows
from bot.pmo.rhythm import notes_week
from bot.runtime.slack_posts import describe
from commands.arguments import parse_options
from commands.request import PsRequest, Reply
from messages.escape import escape_mrkdwn
from messages.report_builder import (
    build_report_digest,
    build_report_file,
    build_top_customer_report,
)


def show_report(request: PsRequest) -> Reply:
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
    messages = build_top_customer_report(week, rows, scope)
    if len(messages) == 1:
        return Reply(*messages[0])
    filename = f"{'active-projects' if all_projects else 'top-customer'}-report-{week}.csv"
    content = build_report_file(rows, request.ctx.settings.timezone)
    title = f"{scope} report — {week}"

    def send() -> Reply | None:
        try:
            request.send_file(content, filename, title, f"{len(rows)} projects.")
        except (SlackApiError, SlackClientError, OSError) as error:
            reason = escape_mrkdwn(describe(error)[1])
            return Reply(f":warning: `{filename}` couldn't be sent ({reason}); ask again later.")
        return None

    return Reply(*build_report_digest(week, rows, scope, filename), then=send)
