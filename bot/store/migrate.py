"""Run Alembic migrations from code (`psbot migrate`, `psbot run`, tests).

Alembic is imported only to migrate: `current_revision` and `head_revision` read the
`alembic_version` table and the migration files directly, so a `psbot run` whose database
is already current never loads Alembic (about 10 MiB of the server's memory).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import migrations
from bot.store.limits import patiently

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).parent
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
# The PostgreSQL advisory lock a migration holds ("psbt"), so that replicas starting at
# once migrate one after the other; any number that no other tool on the database uses.
MIGRATION_LOCK_KEY = 0x70736274


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade to `revision`; several processes doing it at once take turns, and the
    later ones find the work done."""
    from alembic import command

    with _migrating(engine) as conn:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def upgrade_if_behind(engine: Engine) -> None:
    """Upgrade to the head revision unless the database is there already."""
    if not schema_is_current(engine):
        upgrade(engine)


def schema_is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    with _migrating(engine) as conn:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction that only one process at a time holds, without time limits: Alembic
    reads the revision inside it, so a process that waited finds the schema current.

    PostgreSQL: an advisory lock held to the end of the transaction. SQLite: the
    database's own write lock, taken at BEGIN IMMEDIATE (Python's sqlite3 would begin
    only before the first INSERT, leaving DDL outside any transaction); a second process
    waits for it as any writer does (the busy timeout)."""
    with patiently(), engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The database's revision, None before the first migration (as Alembic reports it)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        heads = list(versions)
    if len(heads) > 1:
        raise RuntimeError(f"{VERSION_TABLE} has more than one revision: {', '.join(heads)}")
    return heads[0] if heads else None


def head_revision() -> str | None:
    """The newest migration's revision: the one no other migration revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        names = _module_constants(path)
        revisions.add(names["revision"])
        down = names.get("down_revision")  # None, one revision, or several (a merge)
        if isinstance(down, str):
            revised.add(down)
        elif down:
            revised.update(down)
    heads = revisions - revised
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have more than one head: {', '.join(sorted(heads))}")
    return heads.pop() if heads else None


def _module_constants(path: Path) -> dict[str, object]:
    """`revision` and `down_revision` as a migration file assigns them (plain or annotated)."""
    constants: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            constants[target.id] = ast.literal_eval(value)
    return constants
