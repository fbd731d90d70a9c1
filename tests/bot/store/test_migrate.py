"""`bot.store.migrate` reads revisions without Alembic, and agrees with Alembic about them."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store import migrate
from bot.store.db import make_engine

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
