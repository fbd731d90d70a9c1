"""Tuesday 16:00, when notes are due: the compiled Top Customer report and who is missing."""

from __future__ import annotations

import datetime as dt

from bot.core.context import AppContext
from bot.pmo.report import report_rows
from bot.pmo.rhythm import job_period
from bot.runtime.outbox import Post
from messages.reminders_builder import channel_posts
from messages.report_builder import build_top_customer_report


def run_top_customer_report(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """This week's report; it always posts, even when no notes came in."""
    week = job_period(ctx, "top_customer_report", now)
    with ctx.session_factory() as session:
        messages = build_top_customer_report(week, report_rows(session, week, all_projects=False))
    return channel_posts(messages)
