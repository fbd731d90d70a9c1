"""Each Slack request taken on once, across replicas and restarts.

Slack retries a request it got no answer for (with `X-Slack-Retry-Num`), and anyone who
captured a signed request may replay it within its five minutes. The first delivery of a
request records its id; a later one finds the record and does nothing. Records outlive
the signature's five minutes, after which a replay is refused anyway, and are then
removed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import write_while_slack_waits
from bot.store.models import SlackRequest

# Longer than Slack's five-minute signature window and its retries (the last ~5 minutes
# after the first delivery); a record older than this can match no request.
KEEP = dt.timedelta(minutes=30)


def first_delivery(
    session_factory: sessionmaker[Session], request_id: str, now: dt.datetime
) -> bool:
    """True for the first delivery of request `request_id` (recorded now), False for a
    replay or a retry of one already taken on. Raises OperationalError when the database
    can't say in the time Slack's user waits (SLACK_LOCK_WAIT_SECONDS)."""
    try:
        with write_while_slack_waits(session_factory) as session:
            session.execute(sa.delete(SlackRequest).where(SlackRequest.received_at < now - KEEP))
            session.add(SlackRequest(request_id=request_id, received_at=now))
    except IntegrityError:  # taken on already, here or by another replica
        return False
    return True
