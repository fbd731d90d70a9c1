"""The compiled Top Customer report stays pinned in its channel, one week at a time.

The handbook keeps the Top Customer report "pinned to ps_pmo Slack channel". Once a
`top_customer_report` run is out, its first post is pinned and the report run before
it unpinned (the outbox's after-sent hook for job runs). Both calls are idempotent
(`already_pinned`, `no_pin` are fine), as the hook must be: if psbot stops before the run
is marked sent, the hook runs again. A pin Slack refuses is logged, never the run's
failure: the report is out.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.runtime.outbox import Delivered
from bot.store.models import JobRun, OutboxEntry

logger = logging.getLogger(__name__)

PINNED_JOB = "top_customer_report"
# What pins.add / pins.remove answer when the pin is already as wanted.
ALREADY = {"already_pinned", "no_pin", "message_not_found"}


class ReportPins:
    """The after-sent hook for job runs: pin this week's report, unpin last week's."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def __call__(self, session: Session, done: Delivered, now: dt.datetime) -> list[int]:
        run = session.scalar(sa.select(JobRun).where(JobRun.outbox_id == done.entry_id))
        if run is None or run.job != PINNED_JOB or not done.ts:
            return []
        self._call("pins_add", done.channel, done.ts)
        previous = session.execute(
            sa.select(OutboxEntry.first_channel, OutboxEntry.first_ts)
            .join(JobRun, JobRun.outbox_id == OutboxEntry.id)
            .where(
                JobRun.job == PINNED_JOB,
                OutboxEntry.id < done.entry_id,
                OutboxEntry.first_ts.is_not(None),
            )
            .order_by(OutboxEntry.id.desc())
            .limit(1)
        ).first()
        if previous is not None and previous.first_ts != done.ts:
            self._call("pins_remove", previous.first_channel, previous.first_ts)
        return []

    def _call(self, method: str, channel: str | None, ts: str) -> None:
        try:
            getattr(self.client, method)(channel=channel, timestamp=ts)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code not in ALREADY:
                logger.warning("%s of the Top Customer report %s failed: %s", method, ts, code)
        except (SlackClientError, OSError) as error:
            logger.warning("%s of the Top Customer report %s failed: %s", method, ts, error)
