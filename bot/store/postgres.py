"""PostgreSQL connections with psbot's limits (bot/store/limits.py), through psycopg 3.

Imported only for a PostgreSQL DATABASE_URL, so a SQLite deployment never loads psycopg.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.connection import _WAIT_INTERVAL
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.store import limits

# A server gone from the network is noticed after about a minute of silence.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class AnswerBoundConnection(psycopg.Connection):
    """A psycopg connection that waits `limits.answer_limit()` at most for the server's
    answer. A connection that gave up waiting is in an unknown state: it is closed, so
    SQLAlchemy's pool drops it."""

    def wait(self, gen, interval: float = _WAIT_INTERVAL, timeout: float | None = None):
        limit = timeout if timeout is not None else limits.answer_limit()
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg.errors._WaitTimeout:
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:.1f} s; connection dropped"
            ) from None


def bound_connections(engine: Engine) -> None:
    """Make `engine` open AnswerBoundConnections with psbot's limits."""
    event.listen(engine, "do_connect", _connect)


def _connect(dialect, connection_record, cargs, cparams: dict[str, Any]):
    """Open a connection; what DATABASE_URL sets itself wins over psbot's limits (a later
    `-c` in `options` overrides an earlier one)."""
    seconds = limits.connect_limit()
    if seconds <= 0:
        raise psycopg.OperationalError("no time was left to connect to the database")
    params = {"connect_timeout": max(1, int(seconds)), **KEEPALIVES, **cparams}
    statement = f"-c statement_timeout={limits.STATEMENT_SECONDS * 1000}"
    params["options"] = f"{statement} {params.get('options', '')}".strip()
    return AnswerBoundConnection.connect(*cargs, **params)
