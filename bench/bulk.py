"""Section 5: the bookings CSV loaded with the database's own bulk path, no psbot.

The baseline `psbot import` is compared with: on SQLite the `sqlite3` command-line
shell's `.import --csv` into a plain table (a new process, so its start-up is included),
or, where the shell is not installed, Python's sqlite3 `executemany` into the same plain
table; on PostgreSQL `COPY … FROM STDIN (FORMAT csv)` through psycopg's `cursor.copy`.
The plain table has the CSV's columns with their types, and no keys, indexes or checks.

For reference it also measures the floor: the same load followed by one INSERT … SELECT
that resolves SOWs and emails into a table shaped like `bookings` (its indexes, checks
and foreign keys) — the database alone doing the import's work, which no import beats.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import statistics
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.database import BenchDatabase
from bot.store.models import Booking, Person, Project

TABLE = "bookings_bulk"
COLUMNS = (
    ("sow", "TEXT"),
    ("person_email", "TEXT"),
    ("role", "TEXT"),
    ("week_start", "DATE"),
    ("hours", "NUMERIC(7, 2)"),
    ("kind", "TEXT"),
    ("bill_rate", "NUMERIC(10, 2)"),
)
RUNS = 3
COPY_CHUNK = 64 * 1024


@dataclass(frozen=True)
class BulkFigures:
    method: str  # what loaded the file, as printed
    seconds: list[float]  # one per run, each into a new table
    rows: int
    executemany_seconds: list[float]  # Python sqlite3 executemany, on SQLite only
    floor_seconds: list[float] = field(default_factory=list)  # see real_table_floor

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _create_sql(name: str) -> str:
    return f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in COLUMNS)})"


def _sqlite_cli(cli: str, database: Path, csv_path: Path, name: str) -> float:
    script = f"{_create_sql(name)};\n.import --csv --skip 1 '{csv_path}' {name}\n"
    started = time.perf_counter()
    subprocess.run(
        [cli, "-batch", "-bail", str(database)],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _executemany_csv(connection: sqlite3.Connection, csv_path: Path, name: str) -> None:
    """The CSV's rows into table `name` with one sqlite3 executemany (csv module parsing)."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        marks = ", ".join("?" * len(COLUMNS))
        connection.executemany(f"INSERT INTO {name} VALUES ({marks})", reader)


def _copy_csv(connection, csv_path: Path, name: str) -> None:
    """The CSV file into table `name` with COPY FROM STDIN, as it is on disk."""
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {name} FROM STDIN (FORMAT csv, HEADER true)") as copy,
        csv_path.open("rb") as handle,
    ):
        while chunk := handle.read(COPY_CHUNK):
            copy.write(chunk)


def _sqlite_executemany(database: Path, csv_path: Path, name: str) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    try:
        connection.execute(_create_sql(name))
        _executemany_csv(connection, csv_path, name)
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started


def _sqlite_count(database: Path, name: str) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    finally:
        connection.close()


def sqlite_bulk(folder: Path, csv_path: Path, runs: int = RUNS) -> BulkFigures:
    """`sqlite3 .import` (or executemany without the shell) into a new SQLite file."""
    database = folder / "bulk-import.db"
    cli = shutil.which("sqlite3")
    seconds: list[float] = []
    many: list[float] = []
    rows = 0
    for run in range(runs):
        many.append(_sqlite_executemany(database, csv_path, f"{TABLE}_many_{run}"))
        rows = _sqlite_count(database, f"{TABLE}_many_{run}")
        if cli:
            seconds.append(_sqlite_cli(cli, database, csv_path, f"{TABLE}_cli_{run}"))
            rows = _sqlite_count(database, f"{TABLE}_cli_{run}")
    database.unlink(missing_ok=True)
    if cli:
        method = "sqlite3 CLI .import --csv (a new process each run)"
        return BulkFigures(method, seconds, rows, many)
    method = "Python sqlite3 executemany (no sqlite3 CLI on PATH)"
    return BulkFigures(method, many, rows, [])


def postgres_copy(db: BenchDatabase, csv_path: Path, runs: int = RUNS) -> BulkFigures:
    """COPY … FROM STDIN (FORMAT csv, HEADER) with psycopg, into a table of the bench schema."""
    connection = db.raw_connection()
    seconds: list[float] = []
    rows = 0
    try:
        for run in range(runs):
            name = f"{TABLE}_{run}"
            connection.execute(_create_sql(name))
            connection.commit()
            started = time.perf_counter()
            _copy_csv(connection, csv_path, name)
            connection.commit()
            seconds.append(time.perf_counter() - started)
            rows = connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            connection.execute(f"DROP TABLE {name}")
            connection.commit()
    finally:
        connection.close()
    return BulkFigures("COPY FROM STDIN (FORMAT csv), psycopg cursor.copy", seconds, rows, [])


def bulk_load(db: BenchDatabase, folder: Path, csv_path: Path) -> BulkFigures:
    figures = (
        sqlite_bulk(folder, csv_path) if db.backend == "sqlite" else postgres_copy(db, csv_path)
    )
    return replace(figures, floor_seconds=real_table_floor(db, csv_path))


# --- the floor: the database alone doing the import's work, into a table like bookings ---

FLOOR = "bookings_floor"
SOURCE = "bookings_floor_source"
INSERT_RESOLVED = (
    f"INSERT INTO {FLOOR} (project_id, person_id, role, week_start, hours, kind, bill_rate) "
    "SELECT p.id, e.id, s.role, s.week_start, s.hours, s.kind, s.bill_rate "
    # Exact matches, so the unique indexes on sow and email serve the joins.
    f"FROM {SOURCE} s JOIN projects p ON p.sow = s.sow "
    "JOIN people e ON e.email = lower(s.person_email)"
)


def _floor_table() -> sa.Table:
    """`bookings` under another name: its columns, checks, unique slot, indexes and
    foreign keys (to the real projects and people), with names of its own."""
    metadata = sa.MetaData()
    for table in (Project.__table__, Person.__table__):
        table.to_metadata(metadata)
    floor = Booking.__table__.to_metadata(metadata, name=FLOOR)
    for index in floor.indexes:
        index.name = f"{FLOOR}_{'_'.join(column.name for column in index.columns)}"
    for number, constraint in enumerate(floor.constraints):
        constraint.name = f"{FLOOR}_{type(constraint).__name__.lower()}_{number}"
    return floor


def real_table_floor(db: BenchDatabase, csv_path: Path, runs: int = RUNS) -> list[float]:
    """Seconds per run for the bulk load plus one INSERT … SELECT that resolves SOWs and
    emails into a table shaped like bookings: what no import can do faster."""
    floor = _floor_table()
    with db.engine.begin() as connection:
        floor.drop(connection, checkfirst=True)
        floor.create(connection)
    cli = shutil.which("sqlite3") if db.backend == "sqlite" else None
    seconds = []
    try:
        for _ in range(runs):
            if cli:
                seconds.append(_floor_sqlite_cli(cli, db, csv_path))
            else:
                seconds.append(_floor_raw(db, csv_path))
            with db.engine.begin() as connection:
                loaded = connection.scalar(sa.select(sa.func.count()).select_from(floor))
                connection.execute(floor.delete())
            if not loaded:
                raise RuntimeError(f"the floor loaded no rows into {FLOOR}; check the joins")
    finally:
        with db.engine.begin() as connection:
            floor.drop(connection)
    return seconds


def _floor_sqlite_cli(cli: str, db: BenchDatabase, csv_path: Path) -> float:
    script = (
        f"{_create_sql(SOURCE)};\n.import --csv --skip 1 '{csv_path}' {SOURCE}\n"
        f"{INSERT_RESOLVED};\nDROP TABLE {SOURCE};\n"
    )
    started = time.perf_counter()
    subprocess.run(
        [cli, "-batch", "-bail", make_url(db.url).database or ""],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _floor_raw(db: BenchDatabase, csv_path: Path) -> float:
    """The same through the DB-API: COPY on PostgreSQL, executemany on SQLite."""
    connection = db.raw_connection()
    started = time.perf_counter()
    try:
        connection.execute(_create_sql(SOURCE))
        load = _executemany_csv if db.backend == "sqlite" else _copy_csv
        load(connection, csv_path, SOURCE)
        connection.execute(INSERT_RESOLVED)
        connection.execute(f"DROP TABLE {SOURCE}")
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()
