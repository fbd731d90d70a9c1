"""How psbot's processes log: LOG_LEVEL, and LOG_FORMAT text or one JSON object a line.

A line logged while a job runs or a Slack request is handled carries that job's or that
request's ids (`log_ids`), so the lines of one run or one request can be picked out of
several replicas' interleaved output.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_IDS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("psbot_log_ids")


@contextmanager
def log_ids(**ids: str | None) -> Iterator[None]:
    """Lines logged inside carry these ids (empty ones left out), besides any outer ones."""
    token = _IDS.set({**current_ids(), **{name: str(v) for name, v in ids.items() if v}})
    try:
        yield
    finally:
        _IDS.reset(token)


def current_ids() -> Mapping[str, str]:
    """The ids of the job or request this thread is working on (none outside one)."""
    return _IDS.get({})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the ids of
    the job or request it is about, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current_ids(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Log to stderr at `level` (a name such as INFO), as text or as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])  # a no-op where logging is set up
    # Alembic's INFO lines would bury what a command itself says; `migrate` prints a summary.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))
