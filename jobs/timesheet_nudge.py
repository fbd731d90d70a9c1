"""Friday 14:00: DM each PM of T&M, Consulting Block and Dedicated Engineer projects to
approve the week's hours in Kantata."""

from __future__ import annotations

import datetime as dt

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.pmo.away import away_on
from bot.pmo.rhythm import job_period
from bot.pmo.timesheets import approvals_due, working_week
from bot.runtime.outbox import Post
from messages.reminders_builder import build_timesheet_nudge, nudge_post


def run_timesheet_nudge(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per PM with a Slack id and such projects (to whoever covers for a PM away
    today; none for one away with nobody covering); [] when there is none. The week is
    the run's period, so a Friday holiday moving the run to Monday still asks for the
    week just ended."""
    monday, friday = working_week(job_period(ctx, "timesheet_nudge", now))
    with ctx.session_factory() as session:
        away = away_on(session, local_today(now, ctx.settings.timezone))
        posts = [
            nudge_post(pm.slack_user_id, build_timesheet_nudge(monday, friday, projects), away)
            for pm, projects in approvals_due(session, friday)
            if pm.slack_user_id and is_user_id(pm.slack_user_id)
        ]
        return [post for post in posts if post is not None]
