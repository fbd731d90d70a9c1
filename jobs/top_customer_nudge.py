"""Tuesday 15:00: DM each PM whose Top Customer projects still lack this week's note."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.pmo.away import away_on
from bot.pmo.notes import ReportRow
from bot.pmo.report import report_rows
from bot.pmo.rhythm import job_period, notes_due
from bot.runtime.outbox import Post
from messages.reminders_builder import build_top_customer_nudge, nudge_post


def run_top_customer_nudge(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per PM with a Slack id and missing notes, a button per project (to whoever
    covers for a PM away today; none for one away with nobody covering); [] if none."""
    week = job_period(ctx, "top_customer_nudge", now)
    deadline = notes_due(ctx, now)
    with ctx.session_factory() as session:
        missing: dict[str, list[ReportRow]] = defaultdict(list)
        names: dict[str, str] = {}
        for row in report_rows(session, week, all_projects=False):
            if row.note is None and row.pm_slack_id and is_user_id(row.pm_slack_id):
                missing[row.pm_slack_id].append(row)
                names[row.pm_slack_id] = row.pm_name
        away = away_on(session, local_today(now, ctx.settings.timezone))
        posts = []
        for slack_id in sorted(missing, key=lambda i: (names[i].casefold(), i)):
            rows = sorted(missing[slack_id], key=_by_name)
            message = build_top_customer_nudge(week, deadline, rows)
            post = nudge_post(slack_id, message, away)
            posts.extend([post] if post else [])
        return posts


def _by_name(row: ReportRow) -> tuple[str, str, str]:
    project = row.project
    return (project.customer.casefold(), project.name.casefold(), project.sow)
