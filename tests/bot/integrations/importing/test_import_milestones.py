"""`psbot import milestones`: upsert by (project, name); milestones are never removed."""

import datetime as dt

import pytest
import sqlalchemy as sa

from bot.store.models import Milestone, Project
from tests.bot.integrations.importing.conftest import MILESTONES_HEADER, rows, write_csv

pytestmark = pytest.mark.usefixtures("with_projects")


def milestones(session_factory) -> set[tuple]:
    statement = sa.select(
        Project.sow,
        Milestone.name,
        Milestone.due_date,
        Milestone.signoff_sent,
        Milestone.signoff_received,
        Milestone.passive_days,
    ).join(Milestone.project)
    return {tuple(r) for r in rows(session_factory, statement)}


def test_milestones_are_upserted_and_never_removed(psbot, tmp_path, session_factory):
    first = f"""\
    {MILESTONES_HEADER}
    sow-2,Design sign-off,2026-12-15,2026-12-16,,10
    SOW-2,Go-live,2027-02-01,,,
    """
    path = write_csv(tmp_path, "milestones.csv", first)
    result = psbot("import", "milestones", path)
    assert result.code == 0, result.err
    assert result.out == "milestones.csv: 2 inserted, 0 updated, 0 removed\n"
    assert psbot("import", "milestones", path).out.startswith(
        "milestones.csv: 0 inserted, 0 updated, 0 removed"
    )

    second = f"""\
    {MILESTONES_HEADER}
    SOW-2,Design sign-off,2026-12-15,2026-12-16,2026-12-18,10
    """
    result = psbot("import", "milestones", write_csv(tmp_path, "milestones.csv", second))
    assert result.out == "milestones.csv: 0 inserted, 1 updated, 0 removed\n"
    assert milestones(session_factory) == {
        (
            "SOW-2",
            "Design sign-off",
            dt.date(2026, 12, 15),
            dt.date(2026, 12, 16),
            dt.date(2026, 12, 18),
            10,
        ),
        ("SOW-2", "Go-live", dt.date(2027, 2, 1), None, None, None),
    }


def test_bad_milestone_rows(psbot, tmp_path, session_factory):
    text = f"""\
    {MILESTONES_HEADER}
    SOW-2,Design sign-off,2026-12-15,,,0
    SOW-9,Go-live,2027-02-01,,,
    SOW-2,,2027-02-01,,,
    """
    result = psbot("import", "milestones", write_csv(tmp_path, "milestones.csv", text))
    assert result.code == 2
    assert result.err.splitlines()[:3] == [
        "milestones.csv: line 2, passive_days: 0 is not between 1 and 365",
        "milestones.csv: line 3, sow: unknown SOW 'SOW-9' — import projects first",
        "milestones.csv: line 4, milestone: is empty; a value is required",
    ]
    assert milestones(session_factory) == set()


def test_a_huge_passive_days_cell_is_one_short_line(psbot, tmp_path, session_factory):
    text = f"{MILESTONES_HEADER}\nSOW-2,Go-live,2027-02-01,,,{'1' * 5000}\n"
    result = psbot("import", "milestones", write_csv(tmp_path, "milestones.csv", text))
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        f"milestones.csv: line 2, passive_days: {'1' * 37}... is not between 1 and 365"
    )
    assert milestones(session_factory) == set()
