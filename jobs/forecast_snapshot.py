"""Monday 11:00, the forecast & upside deadline: store the forecast, posting nothing.

Exactly once per day: a second run (another process, a restart, `psbot jobs run`) finds
the day's snapshot and stores nothing; a snapshot is never rewritten. `psbot jobs run
forecast_snapshot --at 2026-11-16T11:00` backfills a missed week, dated that day, from
the data as it stands.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.business_days import calendar_of
from bot.core.context import AppContext
from bot.core.dates import local_today
from bot.pmo.snapshots import take_snapshot
from bot.runtime.outbox import Post

logger = logging.getLogger(__name__)


def run_forecast_snapshot(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """Store the forecast as of `now`'s day; always returns no posts."""
    today = local_today(now, ctx.settings.timezone)
    with ctx.session_factory.begin() as session:
        stored = take_snapshot(session, today, calendar_of(ctx.settings))
    if stored is None:
        logger.info("forecast_snapshot: the forecast of %s is already stored", today)
    else:
        logger.info("forecast_snapshot: %s rows stored for %s", stored, today)
    return []
