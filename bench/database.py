"""Benchmark databases: a fresh SQLite file, or a fresh schema in a PostgreSQL database.

Each `BenchDatabase` is migrated to head by the real migrations, counts the SQL
statements its engine sends, and opens plain driver connections for the raw-SQL baseline.
"""

from __future__ import annotations

import functools
import itertools
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.store import migrate
from bot.store.db import make_engine, make_session_factory

_schemas = itertools.count(1)


@dataclass
class StatementCounter:
    """Counts what the engine sends to the driver (an executemany counts once)."""

    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, *_args: Any) -> None:
        with self._lock:
            self.count += 1

    def take(self) -> int:
        """The count since the last take()."""
        with self._lock:
            value, self.count = self.count, 0
            return value


@dataclass
class BenchDatabase:
    backend: str  # "sqlite" or "postgresql"
    url: str  # SQLAlchemy URL, password included
    engine: Engine
    counter: StatementCounter
    _drop_schema: str | None = None
    _admin_url: str | None = None

    @functools.cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def raw_connection(self) -> Any:
        """A plain DB-API connection (sqlite3 / psycopg), outside SQLAlchemy."""
        if self.backend == "sqlite":
            return sqlite3.connect(make_url(self.url).database or "")
        import psycopg

        url = make_url(self.url)
        options = url.query.get("options")
        return psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=url.database,
            **({"options": options} if options else {}),
        )

    def close(self) -> None:
        self.engine.dispose()
        if self._drop_schema and self._admin_url:
            admin = make_engine(self._admin_url)
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {self._drop_schema} CASCADE"))
            admin.dispose()


def _ready(backend: str, url: str, **extra: Any) -> BenchDatabase:
    engine = make_engine(url)
    migrate.upgrade(engine)
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    return BenchDatabase(backend, url, engine, counter, **extra)


def sqlite_database(folder: Path, name: str) -> BenchDatabase:
    """A new SQLite file in `folder`, at head."""
    return _ready("sqlite", f"sqlite:///{folder / name}")


def postgres_database(base_url: str) -> BenchDatabase:
    """A new schema in the database at `base_url`, at head; dropped by close()."""
    schema = f"psbot_bench_{os.getpid()}_{next(_schemas)}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return _ready(
        "postgresql",
        url.render_as_string(hide_password=False),
        _drop_schema=schema,
        _admin_url=base_url,
    )
