"""Run `psbot shell` on a script of lines and collect what it prints.

The demo database is built once per test run and copied for each test, so every test
starts from the same portfolio without paying for migrations and the seed again.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.settings import load_settings
from bot.entry.shell.start import DEMO_FILE, copy_database, prepare_demo_database, run_shell

# Tuesday of ISO week 2026-W48, 10:00 in New York: notes are due at 16:00 today.
START = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / DEMO_FILE
    prepare_demo_database(path, START, load_settings({}, dotenv_path=None))
    return path


@pytest.fixture
def shell_settings():
    return load_settings({}, dotenv_path=None)


@pytest.fixture
def shell(tmp_path, demo_template, shell_settings) -> Callable[..., str]:
    """`shell(script, as_user=None)`: the output of a `--demo` session fed `script`."""
    copy_database(demo_template, tmp_path / DEMO_FILE)

    def run(script: str, *, as_user: str | None = None, start: dt.datetime = START) -> str:
        out = io.StringIO()
        status = run_shell(
            shell_settings,
            demo_mode=True,
            as_user=as_user,
            stdin=io.StringIO(script),
            stdout=out,
            folder=tmp_path,
            start=start,
            environ={},
            history=None,
        )
        assert status == 0
        return out.getvalue()

    return run
