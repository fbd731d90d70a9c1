"""`bot.store.migrate` reads revisions without Alembic, and agrees with Alembic about them."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store import migrate
from bot.store.db import make_engine
from tests.bot.entry.test_cli import CLEAN_ENV
from tests.conftest import postgres_schema

REPO = Path(__file__).resolve().parents[3]


def alembic_current(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_head_revision_is_alembics_head():
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.head_revision() == scripts.get_current_head()


def test_current_revision_agrees_with_alembic(engine):
    assert migrate.current_revision(engine) == alembic_current(engine) == migrate.head_revision()
    migrate.downgrade(engine, "0006")
    assert migrate.current_revision(engine) == alembic_current(engine) == "0006"
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is alembic_current(engine) is None


def test_an_empty_database_has_no_revision_and_is_upgraded(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert migrate.current_revision(engine) is None
    migrate.upgrade_if_behind(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_a_current_database_is_not_migrated_and_alembic_stays_unloaded(tmp_path):
    url = f"sqlite:///{tmp_path / 'current.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    check = (
        "import sys; import bot.entry.cli; from bot.store import migrate; "
        "from bot.store.db import make_engine; "
        f"migrate.upgrade_if_behind(make_engine({url!r})); "
        "assert 'alembic' not in sys.modules, 'alembic was imported'"
    )
    subprocess.run([sys.executable, "-c", check], cwd=REPO, check=True, timeout=60)


# Each process notes when it runs migrations (while holding whatever lock psbot takes)
# and lingers a moment inside, so that two processes started together overlap unless
# something makes them take turns.
TIMED_MIGRATE = """
import sys, time
from alembic.runtime.migration import MigrationContext
real = MigrationContext.run_migrations
def timed(self, **kw):
    started = time.monotonic()
    real(self, **kw)
    time.sleep(0.5)
    with open(sys.argv[1], "w") as out:
        out.write(f"{started} {time.monotonic()}")
MigrationContext.run_migrations = timed
from bot.entry.cli import main
sys.exit(main(["migrate"]))
"""


@pytest.fixture
def empty_database_url(tmp_path, database_url) -> Iterator[str]:
    """A database with no schema yet: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with postgres_schema(f"psbot_race_{os.getpid()}") as url:
        yield url


def test_two_processes_migrating_at_once_take_turns(tmp_path, empty_database_url):
    env = {**CLEAN_ENV, "DATABASE_URL": empty_database_url, "PYTHONPATH": str(REPO)}
    spans = [tmp_path / "first", tmp_path / "second"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TIMED_MIGRATE, str(span)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for span in spans
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    assert (
        sorted(out.split(" (")[0].strip() for out, _ in outputs)
        == [f"database at {migrate.head_revision()}"] * 2
    )
    first, second = sorted(tuple(map(float, span.read_text().split())) for span in spans)
    assert first[1] <= second[0], "the two processes migrated at the same time"
    engine = make_engine(empty_database_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
