"""`/ps accuracy [--month YYYY-MM | --quarter YYYY-Qn] [PROJECT | @pm]`."""

from __future__ import annotations

import datetime as dt

from bot.core.business_days import calendar_of
from bot.core.dates import Month, Quarter, local_today
from bot.core.errors import UserError
from bot.pmo.accuracy import load_accuracy
from bot.pmo.lookup import find_project, person_by_slack_id
from commands.arguments import (
    is_unresolved_mention,
    parse_options,
    unresolved_mention_error,
    user_id_of,
)
from commands.request import PsRequest, Reply
from messages.accuracy_builder import build_accuracy
from messages.escape import escape_mrkdwn


def show_accuracy(request: PsRequest) -> Reply:
    """Closed months' forecast against actuals; last month by default."""
    usage = request.subcommand.usage
    parsed = parse_options(request.args, valued={"month", "quarter"}, switches=set(), usage=usage)
    today = local_today(request.ctx.now(), request.ctx.settings.timezone)
    months, title = _months(parsed.options, today, usage)
    target = " ".join(parsed.words)
    with request.ctx.session_factory() as session:
        project_id = pm_id = None
        if target and is_unresolved_mention(target):
            raise unresolved_mention_error(target, usage)
        if target and user_id_of(parsed.words[0]):
            if len(parsed.words) > 1:
                raise UserError("Give one project or one PM.", usage)
            pm = person_by_slack_id(session, user_id_of(parsed.words[0]) or "")
            if pm is None:
                raise UserError("psbot doesn't know that person as a PM yet.", usage)
            pm_id, title = pm.id, f"{title} · {pm.label}"
        elif target:
            project = find_project(session, target)
            project_id, title = project.id, f"{title} · {project.sow}"
        report = load_accuracy(
            session,
            months,
            today,
            calendar_of(request.ctx.settings),
            project_id=project_id,
            pm_id=pm_id,
        )
    return Reply(*build_accuracy(report, escape_mrkdwn(title)))


def _months(options: dict[str, str | bool], today: dt.date, usage: str) -> tuple[list[Month], str]:
    """The closed months asked for, and how to title them."""
    if "month" in options and "quarter" in options:
        raise UserError("Give --month or --quarter, not both.", usage)
    this_month = Month.of(today)
    if "quarter" in options:
        quarter = Quarter.parse(str(options["quarter"]))
        closed = [m for m in quarter.months if m < this_month]
        if not closed:
            raise UserError(
                f"No month of {quarter.label} is closed yet; accuracy is measured once a "
                "month is over.",
                usage,
            )
        return closed, quarter.label
    month = Month.parse(str(options["month"])) if "month" in options else this_month.plus(-1)
    if month >= this_month:
        raise UserError(
            f"{month.label} isn't over yet; accuracy is measured once a month is closed.", usage
        )
    return [month], month.label
