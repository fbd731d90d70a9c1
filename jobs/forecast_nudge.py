"""Monday 10:30: DM each PM whose projects still break a bookings rule."""

from __future__ import annotations

import datetime as dt

from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.core.slack_ids import is_user_id
from bot.integrations.kantata.freshness import ensure_fresh
from bot.pmo.away import away_on
from bot.pmo.portfolio_loading import findings_by_pm
from bot.pmo.rhythm import forecast_due
from bot.runtime.outbox import Post
from messages.reminders_builder import build_forecast_nudge, nudge_post


def run_forecast_nudge(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """One DM per PM with a Slack id and at least one project finding (to whoever covers
    for a PM away today; none for one away with nobody covering); [] if none.

    Kantata is re-synced first when its last sync is more than a few minutes old, so a PM
    who fixed their bookings since the morning is not nudged."""
    today = local_today(now, ctx.settings.timezone)
    due = forecast_due(ctx, now)
    as_of = ensure_fresh(ctx, why="job:forecast_nudge")
    with ctx.session_factory() as session:
        by_pm, people = findings_by_pm(session, today)
        away = away_on(session, today)
        posts = [
            nudge_post(
                person.slack_user_id, build_forecast_nudge(due, by_pm[person.id], as_of), away
            )
            for person in people
            if person.slack_user_id and is_user_id(person.slack_user_id)
        ]
        return [post for post in posts if post is not None]
