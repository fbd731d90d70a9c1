"""Fresh data before a judgement: re-sync Kantata when its last sync is older than a few
minutes, and say how old the data is.

A post or DM that judges bookings (forecast prep, the nudge, the billing reminder, App
Home's findings, a "Re-check now") calls `ensure_fresh` first. A stale copy is brought up
to date with an incremental sync — cheap whatever the account's size, and it dates every
synced project — so the projects a judgement is about are as fresh as the last few
minutes. When Kantata cannot be reached the judgement goes on with what psbot has, and
says so. Without KANTATA_API_TOKEN (CSV imports) nothing is synced; the data is as old as
the last import.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Collection

from bot.core.context import AppContext
from bot.core.errors import first_line
from bot.integrations.kantata.client import KantataError
from bot.integrations.kantata.sync import KantataSyncBusy, client_for, last_synced, sync_kantata
from bot.pmo.freshness import DataAsOf, data_as_of

logger = logging.getLogger(__name__)

FRESH_FOR = dt.timedelta(minutes=5)
# Another sync running (the 15-minute one, a colleague's re-check): wait for it this long.
BUSY_WAIT_SECONDS = 60


def ensure_fresh(
    ctx: AppContext,
    project_ids: Collection[int] | None = None,
    *,
    force: bool = False,
    why: str = "fresh",
    sleep: Callable[[float], None] = time.sleep,
) -> DataAsOf:
    """Sync Kantata first when its last sync is older than FRESH_FOR (always when `force`);
    then how old the data of these projects (all open ones when None) is.

    Only an incremental sync is run here: until a first full sync has succeeded
    (`psbot sync kantata`, the weekly job) there is nothing to bring up to date.
    """
    settings = ctx.settings
    problem = ""
    if settings.kantata_api_token:
        with ctx.session_factory() as session:
            state = last_synced(session)
            last = state.synced_at if state is not None else None
        stale = last is None or force or ctx.now() - last > FRESH_FOR
        if last is not None and stale:
            problem = _sync(ctx, why, sleep)
    with ctx.session_factory() as session:
        return data_as_of(session, ctx.now(), settings.timezone, project_ids, problem)


def _sync(ctx: AppContext, why: str, sleep: Callable[[float], None]) -> str:
    """Run an incremental sync; "" when it (or one running already) brought the data up to
    date, else why not, in one line."""
    settings = ctx.settings
    for _ in range(BUSY_WAIT_SECONDS):
        try:
            sync_kantata(
                ctx.session_factory,
                client_for(settings),
                settings,
                incremental=True,
                actor=why,
                now=ctx.now(),
            )
            return ""
        except KantataSyncBusy:
            sleep(1)  # someone else is syncing; once they are done, ours costs a few requests
        except KantataError as error:
            logger.warning("Kantata re-sync before a judgement failed: %s", error)
            return first_line(error)
    return "another Kantata sync is still running"
