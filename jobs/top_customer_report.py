"""Tuesday 16:00, when notes are due: the compiled Top Customer report and who is missing."""

from __future__ import annotations

import datetime as dt

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.pmo.away import away_on
from bot.pmo.report import report_rows
from bot.pmo.rhythm import job_period
from bot.runtime.outbox import Post
from messages.reminders_builder import channel_posts
from messages.report_builder import build_top_customer_report


def run_top_customer_report(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """This week's report; it always posts, even when no notes came in."""
    week = job_period(ctx, "top_customer_report", now)
    today = local_today(now, ctx.settings.timezone)
    with ctx.session_factory() as session:
        rows = report_rows(session, week, all_projects=False)
        messages = build_top_customer_report(week, rows, away=away_on(session, today))
    return channel_posts(messages)
