"""How long a database call may wait (bot/store/limits.py), and what PostgreSQL
connections are opened with (bot/store/postgres.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.store import limits
from bot.store.db import make_engine
from bot.store.limits import answer_limit, answer_within, each_call_within, patiently


def test_a_call_waits_the_answer_limit_unless_told_otherwise():
    assert answer_limit() == limits.ANSWER_SECONDS
    with each_call_within(5):
        assert answer_limit() == 5
        with answer_within(1):
            assert 0 < answer_limit() <= 1  # the sooner of the two
        with patiently():
            assert answer_limit() is None
    with each_call_within(60):
        assert answer_limit() == limits.ANSWER_SECONDS  # never longer than the default
    assert answer_limit() == limits.ANSWER_SECONDS


def test_a_deadline_that_has_passed_leaves_no_time_to_connect():
    with answer_within(0):
        assert limits.connect_limit() == 0
    assert limits.connect_limit() == limits.CONNECT_SECONDS


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connection settings")
    return database_url


def show(url: str, setting: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SHOW {setting}")).scalar_one()
    finally:
        engine.dispose()


def test_postgres_connections_have_a_statement_timeout_and_keepalives(postgres_url):
    assert show(postgres_url, "statement_timeout") == f"{limits.STATEMENT_SECONDS}s"
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        params = conn.connection.dbapi_connection.info.get_parameters()
    engine.dispose()
    assert params["keepalives"] == "1" and params["keepalives_idle"] == "30"
    assert params["connect_timeout"] == str(limits.CONNECT_SECONDS)


def test_what_database_url_sets_wins_over_psbots_limits(postgres_url):
    url = sa.make_url(postgres_url)
    options = f"{url.query.get('options', '')} -c statement_timeout=2500".strip()
    own = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    assert show(own, "statement_timeout") == "2500ms"


def test_a_migration_runs_without_a_statement_timeout(postgres_url):
    from bot.store.migrate import _migrating

    engine = make_engine(postgres_url)
    with _migrating(engine) as conn:
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "0"
        assert answer_limit() is None
    engine.dispose()
