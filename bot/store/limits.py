"""How long a database call may wait: the limits every PostgreSQL connection of psbot's
has (bot/store/postgres.py applies them), and the two ways a caller changes them.

No call waits for ever: a server that is frozen, cut off or swamped makes a call fail in
seconds with OperationalError, which callers already read as "the database is
unavailable", so a request or a job never hangs on it:
- connecting gives up after CONNECT_SECONDS (libpq's connect_timeout);
- the server cancels a statement running past STATEMENT_SECONDS (statement_timeout);
- psbot stops waiting for an answer after ANSWER_SECONDS and drops the connection, for
  a server that has stopped answering altogether: a frozen server answers nothing, not
  even a cancel request, and its kernel still acknowledges TCP, so neither
  statement_timeout nor TCP keepalives end that wait;
- TCP keepalives notice a server that is gone from the network;
- taking a connection from a pool whose connections are all busy waits POOL_WAIT_SECONDS.

`answer_within` gives a request someone waits on a deadline, `each_call_within` a
shorter limit on each call; `patiently` lifts the statement and answer limits for work
that may rightly take long (a migration).
SQLite has its own limit: the busy timeout on a lock (bot/store/db.py).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

CONNECT_SECONDS = 5
STATEMENT_SECONDS = 10
# Longer than STATEMENT_SECONDS: a server that answers at all cancels first, and says why.
ANSWER_SECONDS = 15
# Each call made for a Slack request, where someone waits for the answer: a frozen
# database then holds a listener's thread for seconds, not a quarter of a minute.
REQUEST_ANSWER_SECONDS = 5
POOL_WAIT_SECONDS = 5

# When this context's database calls must be done by (time.monotonic()), if sooner than
# ANSWER_SECONDS after each call; and whether they may take as long as they need.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "psbot_db_deadline", default=None
)
_PATIENT: contextvars.ContextVar[bool] = contextvars.ContextVar("psbot_db_patient", default=False)
# The most each call in this context may wait for an answer, if less than ANSWER_SECONDS.
_EACH_CALL: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "psbot_db_each_call", default=None
)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Database calls made inside (in this thread) give up once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    outer = _DEADLINE.get()
    token = _DEADLINE.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def each_call_within(seconds: float) -> Iterator[None]:
    """Each database call made inside (in this thread, and in the tasks it hands on with
    its context) waits `seconds` at most for the server's answer."""
    token = _EACH_CALL.set(seconds)
    try:
        yield
    finally:
        _EACH_CALL.reset(token)


@contextmanager
def patiently() -> Iterator[None]:
    """Database calls made inside (in this thread) may take as long as they need; a
    PostgreSQL transaction also needs `SET LOCAL statement_timeout = 0` (see migrate)."""
    token = _PATIENT.set(True)
    try:
        yield
    finally:
        _PATIENT.reset(token)


def answer_limit() -> float | None:
    """How long the next call may wait for the server's answer (None: as long as it takes)."""
    if _PATIENT.get():
        return None
    limit = min(ANSWER_SECONDS, _EACH_CALL.get() or ANSWER_SECONDS)
    deadline = _DEADLINE.get()
    if deadline is None:
        return limit
    return max(0.0, min(limit, deadline - time.monotonic()))


def connect_limit() -> float:
    """How long the next connection may take to open; 0 when the deadline has passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return CONNECT_SECONDS
    return max(0.0, min(CONNECT_SECONDS, deadline - time.monotonic()))
