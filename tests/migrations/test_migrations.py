"""The schema comes from migrations, on SQLite and PostgreSQL alike."""

import datetime as dt
import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.store import migrate
from bot.store.models import Base


def test_empty_to_head_to_base_to_head(engine):
    head = migrate.head_revision()
    assert migrate.current_revision(engine) == head
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head
    assert {t.name for t in Base.metadata.sorted_tables} <= set(
        sa.inspect(engine).get_table_names()
    )


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_with_foreign_keys_wal_and_a_small_cache(tmp_path):
    from bot.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA cache_size")).scalar() == -512  # KiB
    engine.dispose()


def insert_project(conn, at: str) -> None:
    """Project 1, SOW-1, as any schema since 0001 holds it."""
    conn.execute(
        sa.text(
            "INSERT INTO projects (id, sow, customer, name, type, status, top_customer, "
            "created_at, updated_at) VALUES (1, 'SOW-1', 'Acme', 'Rollout', 'T&M', 'active', "
            f"false, '{at}', '{at}')"
        )
    )


def test_0007_moves_deliveries_in_flight_into_the_one_outbox_and_back(engine):
    migrate.downgrade(engine, "0006")
    at = "2026-11-30 13:00:00"
    with engine.begin() as conn:
        insert_project(conn, at)
        post = {"channel": "C0PMO", "blocks": [], "in_thread": False}
        one, two = [{**post, "text": "a"}], [{**post, "text": "b"}, {**post, "text": "c"}]
        runs = [  # job, period, status, posts, sent
            ("forecast_prep", "2026-W49", "sent", json.dumps(one), 1),
            ("top_customer_open", "2026-W49", "retrying", json.dumps(two), 1),
            ("billing_period", "2026-11", "failed", "[]", 0),
            ("forecast_nudge", "2026-W49", "skipped", "[]", 0),
        ]
        for job, period, status, posts, sent in runs:
            conn.execute(
                sa.text(
                    "INSERT INTO job_runs (job, period, status, scheduled_at, claimed_at, "
                    "attempts, posts, sent, thread_channel, thread_ts, next_attempt_at, error) "
                    "VALUES (:job, :period, :status, :at, :at, 1, :posts, :sent, 'C0PMO', "
                    ":ts, :at, :error)"
                ),
                {
                    "job": job,
                    "period": period,
                    "status": status,
                    "at": at,
                    "posts": posts,
                    "sent": sent,
                    "ts": "1.1" if sent else None,
                    "error": "building the posts failed: x" if status == "failed" else "",
                },
            )
        for text, status in (
            ("<waiting>", "retrying"),
            ("posted", "posted"),
            ("gave up", "failed"),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO wins (project_id, text, author_id, member_ids, "
                    "source_permalink, post_status, post_attempts, post_error, channel, ts, "
                    "permalink, pinned, created_at) VALUES (1, :text, 'U0PM', '[]', '', "
                    ":status, 2, '', NULL, :ts, '', false, :at)"
                ),
                {
                    "text": text,
                    "status": status,
                    "at": at,
                    "ts": "2.2" if status == "posted" else None,
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        entries = {
            row.key: row
            for row in conn.execute(
                sa.text("SELECT key, kind, status, sent, first_ts, posts FROM outbox")
            )
        }
        runs = dict(conn.execute(sa.text("SELECT job, status FROM job_runs")).all())
    assert set(entries) == {
        "job:forecast_prep:2026-W49",
        "job:top_customer_open:2026-W49",
        "win:1",
        "win:3",
    }
    assert (entries["win:1"].status, entries["win:3"].status) == ("retrying", "failed")
    resumed = entries["job:top_customer_open:2026-W49"]
    assert (resumed.status, resumed.sent, resumed.first_ts) == ("retrying", 1, "1.1")
    assert "&lt;waiting&gt;" in str(entries["win:1"].posts)
    assert runs == {
        "forecast_prep": "queued",
        "top_customer_open": "queued",
        "billing_period": "failed",
        "forecast_nudge": "skipped",
    }
    migrate.downgrade(engine, "0006")
    with engine.connect() as conn:
        runs = dict(conn.execute(sa.text("SELECT job, status FROM job_runs")).all())
        wins = dict(conn.execute(sa.text("SELECT text, post_status FROM wins")).all())
    assert runs["top_customer_open"] == "retrying" and runs["forecast_prep"] == "sent"
    assert wins == {"<waiting>": "retrying", "posted": "posted", "gave up": "failed"}
    with engine.connect() as conn:
        unscheduled = conn.execute(
            sa.text(
                "SELECT count(*) FROM wins "
                "WHERE post_status = 'retrying' AND next_attempt_at IS NULL"
            )
        ).scalar()
    assert unscheduled == 0  # the old retry loop picks them up
    migrate.upgrade(engine)


def test_0009_keeps_every_project_and_what_hangs_off_it(engine):
    # SQLite rebuilding `projects` would cascade-delete every row that refers to it.
    migrate.downgrade(engine, "0008")
    at = "2026-11-30 13:00:00"
    statements = [
        "INSERT INTO people (id, email, name, weekly_capacity_hours, created_at, updated_at) "
        f"VALUES (1, 'pat@example.com', 'Pat', 40, '{at}', '{at}')",
        "INSERT INTO projects (id, sow, customer, name, type, status, top_customer, "
        f"created_at, updated_at) VALUES (1, 'SOW-1', 'Acme', 'Rollout', 'FF', 'active', "
        f"false, '{at}', '{at}')",
        "INSERT INTO bookings (project_id, person_id, role, week_start, hours, kind) "
        "VALUES (1, 1, 'PSE', '2026-11-30', 40, 'hard')",
        "INSERT INTO milestones (project_id, name) VALUES (1, 'Go-live')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))

    def rows() -> list[int]:
        with engine.connect() as conn:
            return [
                conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("projects", "bookings", "milestones")
            ]

    migrate.upgrade(engine)
    assert rows() == [1, 1, 1]
    migrate.downgrade(engine, "0008")
    assert rows() == [1, 1, 1]
    migrate.upgrade(engine)


def test_0011_fails_internal_notes_still_owed_to_a_raid_issue(engine):
    migrate.downgrade(engine, "0010")
    at = "2026-11-30 13:00:00"
    with engine.begin() as conn:
        insert_project(conn, at)
        for number, (kind, status) in enumerate(
            [
                ("raid_note", "pending"),
                ("raid_note", "retrying"),
                ("back_to_green", "pending"),
                ("raid_note", "sent"),
                ("win", "pending"),
            ]
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO gitlab_posts (kind, dedupe_key, marker, project_id, subject_id, "
                    "target_url, label, payload, body, fingerprint, status, attempts, "
                    "next_attempt_at, note_posting, error, created_at) VALUES (:kind, :key, :key, "
                    "1, 1, 'https://gitlab.example.com/c/p/-/issues/1', '', '{}', '', '', "
                    ":status, 0, :at, false, '', :at)"
                ),
                {"kind": kind, "key": f"k{number}", "status": status, "at": at},
            )
    migrate.upgrade(engine, "0011")  # the GitLab outbox's own table, until 0015
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT kind, status, next_attempt_at, error FROM gitlab_posts ORDER BY id")
        ).all()
    assert [(r.kind, r.status) for r in rows] == [
        ("raid_note", "failed"),
        ("raid_note", "failed"),
        ("back_to_green", "failed"),
        ("raid_note", "sent"),
        ("win", "pending"),
    ]
    assert all(r.next_attempt_at is None for r in rows[:3])
    assert rows[0].error.startswith("not sent: internal notes no longer go to the RAID issue")
    assert rows[3].error == "" and rows[4].error == ""
    migrate.upgrade(engine)


def test_0015_moves_every_gitlab_note_into_the_one_outbox_and_back(engine):
    """Pending, retrying, sent and failed notes keep what they are (a note whose POST may
    have landed stays unsure, a win's note still waits for its shout-out), on SQLite too,
    where `outbox` — a parent of job_runs — is rebuilt: the job run and its entry survive
    both ways."""
    migrate.downgrade(engine, "0014")
    at = "2026-11-30 13:00:00"
    notes = [  # kind, dedupe key, status, note_posting, GitLab's note id
        ("win", "win:5", "pending", False, None),
        ("thanks", "thanks:6", "retrying", True, None),
        ("epic_note", "epic_note:3:1", "sent", False, 77),
        ("lesson", "lesson:2", "failed", False, None),
        ("escalation", "escalation:1:1", "retrying", False, None),
    ]
    with engine.begin() as conn:
        insert_project(conn, at)
        conn.execute(  # win 9, not shouted out yet: its GitLab note waits for the post
            sa.text(
                "INSERT INTO wins (id, project_id, text, author_id, member_ids, "
                "source_permalink, channel, ts, permalink, pinned, created_at) VALUES "
                f"(9, 1, 'Go-live', 'U0PM', '[]', '', NULL, NULL, '', false, '{at}')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO outbox (key, kind, posts, sent, status, attempts, deadline, "
                "error, created_at) VALUES ('job:x:2026-W49', 'job', '[]', 0, 'retrying', 1, "
                f"'{at}', '', '{at}')"
            )
        )
        job_entry = conn.execute(sa.text("SELECT id FROM outbox")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO job_runs (job, period, status, scheduled_at, claimed_at, error, "
                f"outbox_id) VALUES ('x', '2026-W49', 'queued', '{at}', '{at}', '', :entry)"
            ),
            {"entry": job_entry},
        )
        for number, (kind, key, status, posting, note_id) in enumerate(notes):
            conn.execute(
                sa.text(
                    "INSERT INTO gitlab_posts (kind, dedupe_key, marker, project_id, subject_id, "
                    "target_url, label, payload, body, fingerprint, status, attempts, "
                    "next_attempt_at, note_posting, gitlab_note_id, error, pm_told_at, "
                    "created_at) VALUES (:kind, :key, :marker, 1, 9, :url, 'L', :payload, "
                    "'body', 'fp', :status, 2, :at, :posting, :note_id, :error, NULL, :at)"
                ),
                {
                    "kind": kind,
                    "key": key,
                    "marker": f"marker{number}",
                    "url": f"https://gitlab.example.com/acme/p/-/issues/{number}",
                    "payload": json.dumps({"n": number}),
                    "status": status,
                    "at": at,
                    "posting": posting,
                    "note_id": note_id,
                    "error": "GitLab answered 404" if status == "failed" else "",
                },
            )

    migrate.upgrade(engine)
    from sqlalchemy.orm import Session

    from bot.store.models import GitLabNote, JobRun, OutboxEntry, UTCDateTime

    with Session(engine) as session:
        moved = session.scalars(sa.select(GitLabNote).order_by(GitLabNote.id)).all()
        assert [(n.key, n.kind, n.status) for n in moved] == [
            ("gitlab:win_note:5", "win_note", "pending"),
            ("gitlab:thanks_note:6", "thanks_note", "retrying"),
            ("gitlab:epic_note:3:1", "epic_note", "sent"),
            ("gitlab:lesson_note:2", "lesson_note", "failed"),
            ("gitlab:escalation:1:1", "escalation", "retrying"),
        ]
        assert [n.unsure_of for n in moved] == [None, 0, None, None, None]
        assert [n.gitlab_note_id for n in moved] == [None, None, 77, None, None]
        assert [n.payload for n in moved] == [{"n": n} for n in range(5)]
        assert {(n.marker, n.target_url) for n in moved} == {
            (f"marker{n}", f"https://gitlab.example.com/acme/p/-/issues/{n}") for n in range(5)
        }
        first = moved[0]
        assert first.next_attempt_at == first.created_at + dt.timedelta(hours=1)
        assert moved[1].next_attempt_at == first.created_at  # still due: nothing lost
        assert first.deadline == first.created_at + dt.timedelta(hours=24)
        assert (first.label, first.body, first.fingerprint, first.project_id) == (
            "L",
            "body",
            "fp",
            1,
        )
        assert moved[3].error == "GitLab answered 404"
        run = session.scalars(sa.select(JobRun)).one()
        assert (run.outbox.key, run.outbox.target) == ("job:x:2026-W49", "slack")
        # A holder had a note in hand when the schema went back.
        lease = first.created_at + dt.timedelta(minutes=5)
        held = session.get_one(OutboxEntry, moved[4].id)
        held.status, held.lease_until = "sending", lease
        session.commit()

    migrate.downgrade(engine, "0014")
    with engine.connect() as conn:
        back = conn.execute(
            sa.text(
                "SELECT kind, dedupe_key, status, note_posting, gitlab_note_id, marker, "
                "next_attempt_at FROM gitlab_posts ORDER BY id"
            ).columns(next_attempt_at=UTCDateTime())
        ).all()
        assert [(r.kind, r.dedupe_key, r.status, bool(r.note_posting)) for r in back] == [
            ("win", "win:5", "pending", False),
            ("thanks", "thanks:6", "retrying", True),
            ("epic_note", "epic_note:3:1", "sent", False),
            ("lesson", "lesson:2", "failed", False),
            ("escalation", "escalation:1:1", "retrying", False),  # its holder's lease
        ]
        assert [r.gitlab_note_id for r in back] == [None, None, 77, None, None]
        assert [r.marker for r in back] == [f"marker{n}" for n in range(5)]
        assert back[4].next_attempt_at == lease
        assert conn.execute(sa.text("SELECT key FROM outbox")).scalars().all() == ["job:x:2026-W49"]
        assert conn.execute(sa.text("SELECT outbox_id FROM job_runs")).scalar() == job_entry
    migrate.upgrade(engine)
