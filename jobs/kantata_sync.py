"""Monday 07:00, before forecast_prep: bring projects, people and bookings up from Kantata,
all of it (`kantata_sync`); and every 15 minutes in business hours, what changed since the
last sync (`kantata_incremental`).

They post nothing. A failure raises with a one-line reason, which the job runner records
on the run (the admins' App Home shows it) and logs; the database is then unchanged.
Kantata down or unreachable is a blip, not a failure: the runner tries again every
minute while the run is still useful (PSBOT_JOB_GRACE_MINUTES).
Without KANTATA_API_TOKEN the job does nothing, so deployments on CSV imports are unaffected.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.core.context import AppContext
from bot.core.errors import UserError, first_line
from bot.integrations.importing.run import link_people
from bot.integrations.kantata.client import KantataError, KantataUnavailable
from bot.integrations.kantata.sync import client_for, sync_kantata
from bot.runtime.outbox import Post
from bot.runtime.slack_client import create_web_client

logger = logging.getLogger(__name__)


class KantataSyncFailed(UserError):
    """Kantata refused the sync (a bad token or URL) or sent what psbot cannot read; the
    message is one line and says what to fix."""


class KantataUnreachable(ConnectionError):
    """Kantata is down or unreachable: the job runner tries again next minute."""


def run_kantata_sync(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """Sync all of Kantata into the database (weekly); always returns no posts."""
    return _sync(ctx, "kantata_sync", incremental=False)


def run_kantata_incremental(ctx: AppContext, now: dt.datetime) -> list[Post]:
    """Sync what changed in Kantata since the last sync (every 15 minutes); no posts."""
    return _sync(ctx, "kantata_incremental", incremental=True)


def _sync(ctx: AppContext, job: str, *, incremental: bool) -> list[Post]:
    settings = ctx.settings
    if not settings.kantata_api_token:
        logger.info("%s: KANTATA_API_TOKEN is not set; nothing to do", job)
        return []
    try:
        result = sync_kantata(
            ctx.session_factory,
            client_for(settings),
            settings,
            incremental=incremental,
            actor=f"job:{job}",
            now=ctx.now(),
        )
    except KantataUnavailable as error:
        raise KantataUnreachable(f"Kantata sync: {error}") from error
    except KantataError as error:
        raise KantataSyncFailed(f"Kantata sync: {error}") from error
    except SQLAlchemyError as error:
        raise RuntimeError(f"Kantata sync: database error: {first_line(error)}") from error
    for line in result.warnings():
        logger.warning("%s: %s", job, line)
    for line in [result.headline(settings.timezone), *result.summary()]:
        logger.info("%s: %s", job, line)
    if result.emails and settings.slack_bot_token:
        # People new to psbot get their Slack user now, so today's DMs can reach them.
        client = create_web_client(settings.slack_bot_token, settings.slack_api_url)
        lines, error = link_people(ctx.session_factory, client, result.emails)
        for line in lines:
            logger.info("%s: %s", job, line)
        if error:
            logger.warning("%s: %s", job, error)
    return []
