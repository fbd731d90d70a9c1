"""Helpers for import tests: CSV files on disk and `psbot import` run in process."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.entry.cli import main
from bot.entry.slack_standin.standin import StandInSlack
from bot.store.db import make_session_factory

PROJECTS_HEADER = (
    "sow,customer,name,type,pm_email,status,start_date,end_date,kickoff_date,"
    "top_customer,raid_url,epic_url"
)
BOOKINGS_HEADER = "sow,person_email,role,week_start,hours,kind,bill_rate"
MILESTONES_HEADER = "sow,milestone,due_date,signoff_sent,signoff_received,passive_days"

TWO_PROJECTS = f"""\
{PROJECTS_HEADER}
SOW-1,Acme,Rollout,T&M,pm@example.com,active,2026-10-01,2027-03-31,2026-10-05,yes,,
SOW-2,Globex,Migration,FF,pm@example.com,active,,,,no,,
"""


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def write_csv(folder: Path, name: str, text: str) -> Path:
    """Write dedented `text` as UTF-8 to folder/name."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def psbot(
    monkeypatch, tmp_path: Path, engine: Engine, fake_slack: StandInSlack, capsys
) -> Callable[..., Outcome]:
    """Run `psbot ARGS...` in process against the test database, without a Slack token."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "PSBOT_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def with_projects(psbot, tmp_path: Path) -> None:
    """SOW-1 and SOW-2 imported."""
    assert psbot("import", "projects", write_csv(tmp_path, "p.csv", TWO_PROJECTS)).code == 0


def rows(session_factory: sessionmaker[Session], statement: sa.Select) -> list[sa.Row]:
    with session_factory() as session:
        return list(session.execute(statement))
