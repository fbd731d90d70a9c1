"""`psbot import projects`: upsert by SOW, PM by email, nothing written from a bad file."""

import datetime as dt

import sqlalchemy as sa

from bot.store.models import AuditEntry, Person, Project
from tests.bot.integrations.importing.conftest import PROJECTS_HEADER, TWO_PROJECTS, rows, write_csv


def test_projects_are_imported_normalised(psbot, tmp_path, session_factory):
    path = write_csv(
        tmp_path,
        "projects.csv",
        f"""\
        {PROJECTS_HEADER},notes
        sow-1, Acme ,Rollout,t&m,Jane.Doe@Example.com,ACTIVE,2026-10-01,2027-03-31,2026-10-05,Yes,https://raid.example/1,http://jira.example/PS-1,ignored
        SOW-2,Globex,Migration,Dedicated engineer,,completed,,,,no,,,
        """,
    )
    result = psbot("import", "projects", path)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "projects.csv: 2 inserted, 0 updated, 0 removed"
    assert result.err == ""
    with session_factory() as session:
        acme, globex = session.scalars(sa.select(Project).order_by(Project.sow))
        assert (acme.sow, acme.customer, acme.type, acme.status) == (
            "SOW-1",
            "Acme",
            "T&M",
            "active",
        )
        assert (acme.start_date, acme.end_date, acme.kickoff_date) == (
            dt.date(2026, 10, 1),
            dt.date(2027, 3, 31),
            dt.date(2026, 10, 5),
        )
        assert acme.top_customer is True
        assert (acme.raid_url, acme.epic_url) == (
            "https://raid.example/1",
            "http://jira.example/PS-1",
        )
        assert (acme.pm.email, acme.pm.name) == ("jane.doe@example.com", "Jane Doe")
        assert (globex.type, globex.status, globex.pm, globex.top_customer) == (
            "Dedicated Engineer",
            "completed",
            None,
            False,
        )
        audit = session.scalars(sa.select(AuditEntry)).one()
        assert (audit.actor, audit.action, audit.subject) == (
            "cli",
            "import.projects",
            "projects.csv",
        )
        assert audit.detail["inserted"] == 2


def test_reimport_is_a_no_op_and_changes_count_as_updates(psbot, tmp_path, session_factory):
    path = write_csv(tmp_path, "projects.csv", TWO_PROJECTS)
    assert psbot("import", "projects", path).code == 0
    with session_factory() as session:
        stamps = dict(session.execute(sa.select(Project.sow, Project.updated_at)).all())

    again = psbot("import", "projects", path)
    assert again.out.splitlines()[0] == "projects.csv: 0 inserted, 0 updated, 0 removed"

    changed = TWO_PROJECTS.replace("Migration,FF,pm@example.com", "Migration v2,FF,new@example.com")
    result = psbot("import", "projects", write_csv(tmp_path, "projects.csv", changed))
    assert result.out.splitlines()[0] == "projects.csv: 0 inserted, 1 updated, 0 removed"
    with session_factory() as session:
        globex = session.scalars(sa.select(Project).where(Project.sow == "SOW-2")).one()
        assert (globex.name, globex.pm.email) == ("Migration v2", "new@example.com")
        acme_stamp = session.scalar(sa.select(Project.updated_at).where(Project.sow == "SOW-1"))
    assert acme_stamp == stamps["SOW-1"]
    assert len(rows(session_factory, sa.select(Person.id))) == 2


def test_bad_values_are_reported_by_line_and_column_and_nothing_is_written(
    psbot, tmp_path, session_factory
):
    path = write_csv(
        tmp_path,
        "projects.csv",
        f"""\
        {PROJECTS_HEADER}
        SOW-1,Acme,Rollout,T&M,pm@example.com,active,,,,no,,
        SOW-2,Globex,Migration,Retainer,pm@example.com,paused,,,,no,javascript:alert(1),
        SOW-3,Initech,Audit,FF,pm@example.com,active,30/11/2026,,,maybe,,
        sow-1,Acme,Rollout,T&M,pm@example.com,active,,,,no,,
        """,
    )
    result = psbot("import", "projects", path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "projects.csv: line 3, type: 'Retainer' is not one of T&M, FF, Consulting Block, "
        "Dedicated Engineer; status: 'paused' is not one of active, closing, completed; "
        "raid_url: 'javascript:alert(1)' is not an http(s) URL",
        "projects.csv: line 4, start_date: '30/11/2026' is not a date in YYYY-MM-DD form; "
        "top_customer: 'maybe' is not yes or no",
        "projects.csv: line 5: duplicate of line 2",
        "psbot: projects.csv has 3 bad rows; nothing was imported "
        "(fix them, or pass --skip-bad-rows to import the good rows)",
    ]
    assert rows(session_factory, sa.select(Project.id)) == []
    assert rows(session_factory, sa.select(Person.id)) == []
    assert rows(session_factory, sa.select(AuditEntry.id)) == []


def test_skip_bad_rows_imports_the_good_ones(psbot, tmp_path, session_factory):
    path = write_csv(
        tmp_path,
        "projects.csv",
        f"""\
        {PROJECTS_HEADER}
        SOW-1,Acme,Rollout,T&M,pm@example.com,active,,,,no,,
        SOW-2,,Migration,FF,pm@example.com,active,,,,no,,
        """,
    )
    result = psbot("import", "projects", path, "--skip-bad-rows")
    assert result.code == 0
    assert result.err.splitlines() == [
        "projects.csv: skipped line 3, customer: is empty; a value is required"
    ]
    assert result.out.splitlines()[0] == (
        "projects.csv: 1 inserted, 0 updated, 0 removed, 1 skipped (bad rows)"
    )
    assert [r.sow for r in rows(session_factory, sa.select(Project.sow))] == ["SOW-1"]


def test_an_import_dates_the_data_of_its_projects(psbot, tmp_path, session_factory):
    before = dt.datetime.now(dt.UTC)
    psbot("import", "projects", write_csv(tmp_path, "p.csv", TWO_PROJECTS))
    stamps = [r[0] for r in rows(session_factory, sa.select(Project.data_as_of))]
    assert len(stamps) == 2 and all(stamp >= before for stamp in stamps)
