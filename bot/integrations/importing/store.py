"""Writing validated records: bulk loads and set-based SQL, never a query per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.dates import monday_of
from bot.core.fields import map_distinct
from bot.integrations.importing.formats import (
    BOOKINGS,
    ActualRecord,
    BookingRecord,
    MilestoneRecord,
    PersonRecord,
    ProjectRecord,
    Rows,
)
from bot.pmo.people import ensure_people
from bot.store import data_versions
from bot.store.in_lists import chunks
from bot.store.models import Booking, Milestone, Person, Project, TimeEntry, TimeOff

PROJECT_FIELDS = (
    "customer",
    "name",
    "type",
    "status",
    "start_date",
    "end_date",
    "kickoff_date",
    "top_customer",
    "raid_url",
    "epic_url",
    "transition_date",
)
MILESTONE_FIELDS = ("due_date", "signoff_sent", "signoff_received", "passive_days", "amount")
TIME_ENTRY_FIELDS = ("person_id", "day", "week_start", "hours", "approved", "bill_rate")
PERSON_FIELDS = ("name", "role", "weekly_capacity_hours", "active")
DEFAULT_CAPACITY = Decimal(40)
BOOKINGS_TABLE = Booking.__table__
SLOT_COLUMNS = ("project_id", "person_id", "role", "week_start", "kind")  # uq_bookings_slot
# A file's bookings, their sow and person_email turned into ids, in a temporary table with
# no key and no index, each with its line in the file. One Table object serves every
# import, so that SQLAlchemy compiles the merge statements once.
STAGED = sa.Table(
    "bookings_staged",
    sa.MetaData(),
    *(
        sa.Column(name, BOOKINGS_TABLE.c[name].type)
        for name in ("project_id", "person_id", "role", "week_start", "hours", "kind", "bill_rate")
    ),
    sa.Column("line", sa.Integer),
    prefixes=["TEMPORARY"],
)
# Rows per INSERT when staging on SQLite: a statement per row costs more than binding its
# values (500,000 rows: 0.49 -> 0.30 s); 100 rows of 8 columns stay under the 999
# parameters SQLite before 3.32 allows.
SQLITE_ROWS_PER_INSERT = 100
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    removed: int = 0


def project_ids(session: Session, sows: Iterable[str]) -> dict[str, int]:
    """Project ids by upper-case SOW, for the SOWs that exist."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(sows))):
        rows = session.execute(
            sa.select(Project.id, Project.sow).where(sa.func.upper(Project.sow).in_(chunk))
        )
        found.update({sow.upper(): project_id for project_id, sow in rows})
    return found


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return any(old[name] != value for name, value in new.items())


def _write(
    session: Session, model: type, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    if inserts:
        # render_nulls keeps rows with empty optional cells in one executemany batch.
        session.execute(sa.insert(model).execution_options(render_nulls=True), inserts)
    if updates:  # ORM bulk UPDATE by primary key: one executemany
        session.execute(sa.update(model), updates)


def store_projects(
    session: Session, records: Sequence[ProjectRecord], fields: Sequence[str] = PROJECT_FIELDS
) -> Counts:
    """Upsert projects by SOW; the PM is found or created by email. Only `fields` are
    written (a file without an optional column leaves that field as it is)."""
    by_sow = _projects_by(session, sa.func.upper(Project.sow), {r.sow for r in records})
    return _upsert_projects(session, [(r, by_sow.get(r.sow), {}) for r in records], fields)


def store_synced_projects(
    session: Session, workspaces: Mapping[str, ProjectRecord], listed: Collection[str]
) -> tuple[Counts, dict[str, str]]:
    """Upsert a Kantata sync's projects (`workspaces`: Kantata workspace id → record).

    A project is found by its workspace, so a SOW number changed in Kantata renames it
    (its notes, wins, checklist and bookings stay with it). A workspace no project has
    yet takes the project with its SOW when that one has no workspace (imported from CSV)
    or its workspace is not among `listed` (every workspace Kantata listed): it is gone.
    A workspace whose SOW another project holds is not stored; the second value says
    why, by workspace id, one line each.
    """
    by_sow = _projects_by(session, sa.func.upper(Project.sow), {r.sow for r in workspaces.values()})
    by_workspace = _projects_by(session, Project.kantata_id, set(workspaces))
    matched: list[tuple[ProjectRecord, Mapping[str, Any] | None, dict[str, Any]]] = []
    refused: dict[str, str] = {}
    for workspace_id, record in workspaces.items():
        project, holder = by_workspace.get(workspace_id), by_sow.get(record.sow)
        if project is None and holder is not None and holder["kantata_id"] not in listed:
            project = holder
        if holder is not None and (project is None or project["id"] != holder["id"]):
            reason = f"{record.sow} is already {holder['customer']} — {holder['name']} in psbot"
            if project is not None:
                reason = f"its SOW changed from {project['sow']} to {record.sow}, but {reason}"
            refused[workspace_id] = f"{reason}; not synced"
            continue
        matched.append((record, project, {"sow": record.sow, "kantata_id": workspace_id}))
    return _upsert_projects(session, matched), refused


def _projects_by(
    session: Session, key: sa.ColumnElement[Any], values: set[str]
) -> dict[str, Mapping[str, Any]]:
    """The projects whose `key` is one of `values`, by that value."""
    names = ("id", "sow", "kantata_id", "pm_id", *PROJECT_FIELDS)
    columns = [getattr(Project, name) for name in names]
    found: dict[str, Mapping[str, Any]] = {}
    for chunk in chunks(sorted(values)):
        rows = session.execute(sa.select(key.label("by"), *columns).where(key.in_(chunk)))
        found.update({row[0]: row._mapping for row in rows})
    return found


def _upsert_projects(
    session: Session,
    matched: Sequence[tuple[ProjectRecord, Mapping[str, Any] | None, dict[str, Any]]],
    fields: Sequence[str] = PROJECT_FIELDS,
) -> Counts:
    """Insert the records without a project, update those whose project differs.

    Each record comes with its project (None: new) and values of its own to store."""
    pm_ids = ensure_people(session, {r.pm_email for r, _, _ in matched if r.pm_email})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record, old, extra in matched:
        values = {name: getattr(record, name) for name in fields}
        values["pm_id"] = pm_ids[record.pm_email] if record.pm_email else None
        values.update(extra)
        if old is None:
            inserts.append({"sow": record.sow, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    _write(session, Project, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates))


class StagedBookings:
    """A file's bookings staged part by part in a temporary table on the session's
    connection, then merged into `bookings` with three statements (remove, update,
    insert): however many rows the file has, only one part is ever in memory.

    Make the file's projects' bookings in its week span match the file (`merge`).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection = session.connection()
        # SQLite may run this DDL outside the transaction, so a failed import can leave the
        # table behind on its pooled connection: start from none.
        STAGED.drop(self.connection, checkfirst=True)
        STAGED.create(self.connection)
        self.covered: set[int] = set()  # the projects staged rows belong to
        self.span: tuple[dt.date, dt.date] | None = None  # first and last week staged
        self.people: dict[str, int] = {}

    def add(
        self,
        columns: Mapping[str, Sequence[Any]],
        lines: Sequence[int],
        project_ids: Mapping[str, int],
    ) -> None:
        """Stage rows given column by column, as in BOOKINGS.columns; each row's SOW must
        be in `project_ids`. Their people are created when new."""
        if not lines:
            return
        emails = set(columns["person_email"]).difference(self.people)
        if emails:
            self.people.update(ensure_people(self.session, emails))
        project_column = list(map(project_ids.__getitem__, columns["sow"]))
        person_column = list(map(self.people.__getitem__, columns["person_email"]))
        self.covered.update(project_column)
        weeks = columns["week_start"]
        first, last = min(weeks), max(weeks)
        if self.span is not None:
            first, last = min(first, self.span[0]), max(last, self.span[1])
        self.span = (first, last)
        others = [columns[name] for name in BOOKINGS.columns[2:]]
        _bulk_load(self.connection, STAGED, [project_column, person_column, *others, lines])

    def take_duplicates(self) -> list[tuple[int, int]]:
        """(line, line of the first row of its slot) for each staged row whose slot an
        earlier staged row has, in line order; those rows are unstaged."""
        slot = [STAGED.c[name] for name in SLOT_COLUMNS]
        first = (
            sa.select(*slot, sa.func.min(STAGED.c.line).label("line"))
            .group_by(*slot)
            .having(sa.func.count() > 1)
            .subquery()
        )
        same = sa.and_(*(first.c[name] == STAGED.c[name] for name in SLOT_COLUMNS))
        query = (
            sa.select(STAGED.c.line, first.c.line)
            .join_from(STAGED, first, same)
            .where(STAGED.c.line != first.c.line)
            .order_by(STAGED.c.line)
        )
        duplicates = [(line, earlier) for line, earlier in self.connection.execute(query)]
        for chunk in chunks([line for line, _ in duplicates]):
            self.connection.execute(sa.delete(STAGED).where(STAGED.c.line.in_(chunk)))
        return duplicates

    def merge(
        self,
        keep: Collection[int] = (),
        *,
        covered: Collection[int] | None = None,
        within_span: bool = True,
        rates_given: bool = True,
    ) -> Counts:
        """The staged rows become the bookings of the `covered` projects (by default, those
        staged), in the span of the staged weeks or, `within_span` false, in every week.

        Those projects' bookings the staged rows lack are removed (Kantata deleted them),
        except for projects in `keep` (some of their rows could not be read, so their
        absence proves nothing). A file without rates (`rates_given` false) keeps the rates
        of the bookings it updates; the bookings it adds have none.
        """
        connection = self.connection
        projects = set(self.covered if covered is None else covered)
        pruned = sorted(projects - set(keep))
        span = self.span if within_span else None
        removed = updated = 0
        if self._any_in_scope(projects, span):
            if pruned:
                removed = connection.execute(_delete_missing(pruned, span)).rowcount
            updated = connection.execute(_update_changed(rates_given)).rowcount
            inserted = connection.execute(_insert_new()).rowcount
        else:  # no staged slot can have a booking yet
            inserted = connection.execute(_insert_new(checked=False)).rowcount
        STAGED.drop(connection)
        return Counts(inserted=inserted, updated=updated, removed=removed)

    def take_duplicates_and_merge(
        self, keep: Collection[int] = (), *, rates_given: bool = True
    ) -> tuple[list[tuple[int, int]], Counts]:
        """`take_duplicates`, then `merge` (of the staged projects, in the staged weeks).

        When those projects have no bookings in those weeks yet (a first import), the slot
        index finds a repeated slot as the rows go in, which spares a sort of every staged
        row: the duplicates are looked for only when the index refuses a row, and the rows
        are inserted again without them.
        """
        if not self.covered or self._any_in_scope(self.covered, self.span):
            duplicates = self.take_duplicates()
            return duplicates, self.merge(keep, rates_given=rates_given)
        try:
            # The staged rows' INSERT began the transaction, so this is only a savepoint.
            with self.connection.begin_nested():
                inserted = self.connection.execute(_insert_new(checked=False)).rowcount
            duplicates = []
        except sa.exc.IntegrityError:
            duplicates = self.take_duplicates()
            if not duplicates:  # not a repeated slot after all
                raise
            inserted = self.connection.execute(_insert_new(checked=False)).rowcount
        STAGED.drop(self.connection)
        return duplicates, Counts(inserted=inserted)

    def _any_in_scope(
        self, projects: Collection[int], span: tuple[dt.date, dt.date] | None
    ) -> bool:
        """Whether these projects have bookings (in `span`). Before their first ones there
        is nothing to remove, update or collide with: one probe spares statements that
        each visit every staged row."""
        if not projects:
            return False
        scope = _in_scope(BOOKINGS_TABLE, sorted(projects), span)
        return bool(self.connection.execute(sa.select(scope.exists())).scalar())


def replace_project_bookings(
    session: Session,
    records: Sequence[BookingRecord],
    project_ids: Mapping[str, int],
    covered_sows: Collection[str],
    keep_sows: Collection[str] = (),
) -> Counts:
    """Make all the bookings of the `covered_sows` projects exactly `records`, in every week.

    For a source that holds every booking of the projects it covers, like a Kantata sync.
    Unlike an import, a covered project without records loses all its bookings, and
    the weeks are not limited to the span of the records. Projects in `keep_sows` (some of
    their bookings could not be read) keep the bookings the records lack. Every record
    must belong to a covered project; projects not covered are not touched.
    """
    covered = {project_ids[sow] for sow in covered_sows if sow in project_ids}
    if not covered:
        return Counts()
    stray = next((r.sow for r in records if project_ids[r.sow] not in covered), None)
    if stray is not None:
        raise ValueError(f"booking of {stray}, a project not covered")
    columns = {name: [getattr(r, name) for r in records] for name in BOOKINGS.columns}
    staged = StagedBookings(session)
    staged.add(columns, range(len(records)), project_ids)
    kept = {project_ids[sow] for sow in keep_sows if sow in project_ids}
    return staged.merge(kept, covered=covered, within_span=False)


def _same_slot(bookings: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.and_(*(bookings.c[name] == STAGED.c[name] for name in SLOT_COLUMNS))


def _in_scope(
    bookings: sa.FromClause, project_ids: Sequence[int], span: tuple[dt.date, dt.date] | None
) -> sa.Select:
    """The ids of these projects' bookings (in `span`, when given). The ids are written
    into the SQL: there is no parameter limit."""
    ids = sa.bindparam("project_ids", project_ids, expanding=True, literal_execute=True)
    in_scope = sa.select(bookings.c.id).where(bookings.c.project_id.in_(ids))
    return in_scope if span is None else in_scope.where(bookings.c.week_start.between(*span))


def _delete_missing(project_ids: Sequence[int], span: tuple[dt.date, dt.date] | None) -> sa.Delete:
    """Remove these projects' bookings (in `span`) that have no staged row.

    Written as "in scope EXCEPT matched" rather than NOT EXISTS, which SQLite runs as a scan
    of the unindexed staged table per booking; this probes the slot index once per staged
    row, on both databases.
    """
    existing = BOOKINGS_TABLE.alias("existing")
    in_scope = _in_scope(existing, project_ids, span)
    matched = sa.select(existing.c.id).join_from(STAGED, existing, _same_slot(existing))
    return sa.delete(BOOKINGS_TABLE).where(BOOKINGS_TABLE.c.id.in_(in_scope.except_(matched)))


def _update_changed(rates_given: bool) -> sa.Update:
    """Give the bookings in a staged slot the staged hours (and bill rate, when the rows
    have rates), where they differ."""
    bookings = BOOKINGS_TABLE
    columns = ("hours", "bill_rate") if rates_given else ("hours",)
    changed = sa.or_(*(bookings.c[name].is_distinct_from(STAGED.c[name]) for name in columns))
    return (
        sa.update(bookings)
        .values({name: STAGED.c[name] for name in columns})
        .where(_same_slot(bookings), changed)
    )


def _insert_new(checked: bool = True) -> sa.Insert:
    """Add the staged rows whose slot has no booking yet; `checked` false, every staged
    row (none of their slots has one: a probe of the slot index per row is spared)."""
    staged = [column for column in STAGED.c if column.name != "line"]
    new = sa.select(*staged)
    if checked:
        new = new.where(~sa.exists().where(_same_slot(BOOKINGS_TABLE)))
    insert = sa.insert(BOOKINGS_TABLE).from_select([c.name for c in staged], new)
    # SQLAlchemy keeps an INSERT's row count only when asked to.
    return insert.execution_options(preserve_rowcount=True)


def _bulk_load(connection: sa.Connection, table: sa.Table, columns: list[Sequence[Any]]) -> None:
    """Append rows, given column by column, to `table` with the database's bulk path.

    PostgreSQL: COPY FROM STDIN. SQLite: executemany of an INSERT of SQLITE_ROWS_PER_INSERT
    rows (then one of a row for the rest), whose values are bound by the C driver. Both
    use the session's DB-API connection, so the rows are in its transaction.
    """
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            names = ", ".join(column.name for column in table.columns)
            texts = [map_distinct(_copy_text, values) for values in columns]
            lines = list(map("\t".join, zip(*texts, strict=True)))
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                if lines:
                    copy.write("\n".join(lines) + "\n")
        else:
            dialect = connection.dialect
            bound = [
                _bound(column, dialect, values)
                for column, values in zip(table.columns, columns, strict=True)
            ]
            width, rows = len(bound), len(bound[0])
            values = [None] * (width * rows)  # row by row
            for index, column in enumerate(bound):
                values[index::width] = column
            size = width * SQLITE_ROWS_PER_INSERT
            whole = len(values) - len(values) % size
            batches = (values[start : start + size] for start in range(0, whole, size))
            cursor.executemany(_sqlite_insert(table, SQLITE_ROWS_PER_INSERT), batches)
            rest = (values[start : start + width] for start in range(whole, len(values), width))
            cursor.executemany(_sqlite_insert(table, 1), rest)
    finally:
        cursor.close()


def _sqlite_insert(table: sa.Table, rows: int) -> str:
    """INSERT of `rows` rows of all of `table`'s columns, with ? parameters."""
    names = ", ".join(column.name for column in table.columns)
    row = "(" + ", ".join("?" * len(table.columns)) + ")"
    return f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join([row] * rows)


def _copy_text(value: Any) -> str:
    """A value in COPY's text format: \\N for NULL, special characters escaped."""
    return "\\N" if value is None else str(value).translate(COPY_ESCAPES)


def _bound(column: sa.Column[Any], dialect: sa.Dialect, values: Sequence[Any]) -> Any:
    """A column's values as an ORM write binds them (on SQLite, dates as ISO text and
    decimals as floats), so that bookings written either way compare equal in SQL."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return values if process is None else map_distinct(process, values)


def store_milestones(
    session: Session,
    records: Sequence[MilestoneRecord],
    project_ids: Mapping[str, int],
    fields: Sequence[str] = MILESTONE_FIELDS,
) -> Counts:
    """Upsert milestones by (project, name); milestones missing from the file stay. Only
    `fields` are written (a file without amounts leaves the amounts as they are)."""
    columns = [getattr(Milestone, name) for name in ("id", "project_id", "name", *MILESTONE_FIELDS)]
    existing: dict[tuple[int, str], Mapping[str, Any]] = {}
    for chunk in chunks(sorted({project_ids[r.sow] for r in records})):
        rows = session.execute(sa.select(*columns).where(Milestone.project_id.in_(chunk)))
        existing.update({(row.project_id, row.name): row._mapping for row in rows})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        values = {name: getattr(record, name) for name in fields}
        project_id = project_ids[record.sow]
        old = existing.get((project_id, record.name))
        if old is None:
            inserts.append({"project_id": project_id, "name": record.name, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    _write(session, Milestone, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates))


def replace_project_milestones(
    session: Session,
    records: Mapping[str, MilestoneRecord],
    project_ids: Mapping[str, int],
    covered_sows: Collection[str],
    keep_sows: Collection[str] = (),
) -> Counts:
    """Make the milestones of the `covered_sows` projects exactly `records` (Kantata story
    id → record), for a Kantata sync.

    A milestone is found by its story, so one renamed in Kantata is renamed here; one
    stored without a story (imported from CSV) is found by project and name. The covered
    projects' other milestones are removed (Kantata no longer has them), except in the
    `keep_sows` projects, some of whose milestones could not be read.
    """
    covered = {project_ids[sow] for sow in covered_sows if sow in project_ids}
    kept = {project_ids[sow] for sow in keep_sows if sow in project_ids}
    names = ("id", "project_id", "name", "kantata_id", *MILESTONE_FIELDS)
    columns = [getattr(Milestone, name) for name in names]
    rows: dict[int, Mapping[str, Any]] = {}
    for key, values in ((Milestone.project_id, covered), (Milestone.kantata_id, set(records))):
        for chunk in chunks(sorted(values)):
            found = session.execute(sa.select(*columns).where(key.in_(chunk)))
            rows.update({row.id: row._mapping for row in found})
    by_story = {row["kantata_id"]: row for row in rows.values() if row["kantata_id"]}
    by_name = {(r["project_id"], r["name"]): r for r in rows.values() if not r["kantata_id"]}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    matched: set[int] = set()
    for story_id, record in records.items():
        project_id = project_ids[record.sow]
        values = {name: getattr(record, name) for name in MILESTONE_FIELDS}
        values.update(project_id=project_id, name=record.name, kantata_id=story_id)
        old = by_story.get(story_id) or by_name.get((project_id, record.name))
        if old is None:
            inserts.append(values)
            continue
        matched.add(old["id"])
        if _changed(old, values):
            updates.append({"id": old["id"], **values})
    gone = [
        row["id"]
        for row in rows.values()
        if row["project_id"] in covered - kept and row["id"] not in matched
    ]
    # Names are unique per project, and Kantata may hand a renamed milestone's name to
    # another one (a new story takes it, or two trade names). So the renamed ones first
    # give up their names for a placeholder no real name can be (names are stripped, this
    # starts with a tab; PostgreSQL text cannot hold NUL), and the gone ones are removed,
    # before any real name is written.
    renamed = [u["id"] for u in updates if rows[u["id"]]["name"] != u["name"]]
    placeholder = sa.literal("\t") + sa.cast(Milestone.id, sa.String)
    for chunk in chunks(renamed):
        session.execute(
            sa.update(Milestone)
            .where(Milestone.id.in_(chunk))
            .values(name=placeholder)
            .execution_options(synchronize_session=False)
        )
    for chunk in chunks(sorted(gone)):
        session.execute(sa.delete(Milestone).where(Milestone.id.in_(chunk)))
    _write(session, Milestone, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates), removed=len(gone))


def store_actuals(
    session: Session,
    rows: Rows[ActualRecord],
    project_ids: Mapping[str, int],
    person_ids: Mapping[str, int],
    keep_sows: Collection[str] = (),
) -> Counts:
    """Make the file's projects' time entries in its date span match the file, as
    `StagedBookings` does for bookings: one entry per project, person and day, updated in
    place; an entry in the span the file lacks is removed (deleted in Kantata), except in
    the projects of `keep_sows` (some of their rows were skipped as bad). Entries synced
    from Kantata (with a Kantata id) are the sync's, and never touched here.
    """
    if not rows:
        return Counts()
    days = rows.columns["date"]
    span = (min(days), max(days))
    covered = sorted({project_ids[sow] for sow in set(rows.columns["sow"])})
    existing: dict[tuple[int, int, dt.date], Mapping[str, Any]] = {}
    for chunk in chunks(covered):
        found = session.execute(
            sa.select(
                TimeEntry.id,
                TimeEntry.project_id,
                TimeEntry.person_id,
                TimeEntry.day,
                TimeEntry.hours,
                TimeEntry.approved,
            ).where(
                TimeEntry.project_id.in_(chunk),
                TimeEntry.day.between(*span),
                TimeEntry.kantata_id.is_(None),
            )
        )
        existing.update({(r.project_id, r.person_id, r.day): r._mapping for r in found})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[tuple[int, int, dt.date]] = set()
    for record in rows.records():
        key = (project_ids[record.sow], person_ids[record.person_email], record.day)
        seen.add(key)
        values = {"hours": record.hours, "approved": record.approved}
        old = existing.get(key)
        if old is None:
            project_id, person_id, day = key
            inserts.append(
                {
                    "project_id": project_id,
                    "person_id": person_id,
                    "day": day,
                    "week_start": monday_of(day),
                    "bill_rate": None,
                    "kantata_id": None,
                    **values,
                }
            )
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    kept = {project_ids[sow] for sow in keep_sows if sow in project_ids}
    gone = sorted(r["id"] for key, r in existing.items() if key not in seen and key[0] not in kept)
    for chunk in chunks(gone):
        session.execute(sa.delete(TimeEntry).where(TimeEntry.id.in_(chunk)))
    _write(session, TimeEntry, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates), removed=len(gone))


def replace_synced_time_entries(
    session: Session,
    entries: Mapping[str, tuple[ActualRecord, Decimal | None]],
    project_ids: Mapping[str, int],
    covered_sows: Collection[str],
    window: tuple[dt.date, dt.date],
    keep_sows: Collection[str] = (),
) -> tuple[Counts, set[int]]:
    """Make the Kantata time entries of the `covered_sows` projects dated in `window`
    exactly `entries` (Kantata id → record and bill rate), for a Kantata sync; returns
    what was written and the projects whose entries changed.

    Entries are matched by Kantata id; one Kantata no longer lists in the window is
    removed, except in the `keep_sows` projects (some of theirs could not be read).
    Entries imported from CSV (no Kantata id) are left alone.
    """
    covered = {project_ids[sow] for sow in covered_sows if sow in project_ids}
    kept = {project_ids[sow] for sow in keep_sows if sow in project_ids}
    names = ("id", "kantata_id", "project_id", *TIME_ENTRY_FIELDS)
    columns = [getattr(TimeEntry, name) for name in names]
    rows: dict[int, Mapping[str, Any]] = {}
    for chunk in chunks(sorted(covered)):
        found = session.execute(
            sa.select(*columns).where(
                TimeEntry.project_id.in_(chunk),
                TimeEntry.kantata_id.is_not(None),
                TimeEntry.day.between(*window),
            )
        )
        rows.update({row.id: row._mapping for row in found})
    for chunk in chunks(sorted(entries)):
        found = session.execute(sa.select(*columns).where(TimeEntry.kantata_id.in_(chunk)))
        rows.update({row.id: row._mapping for row in found})
    by_id = {row["kantata_id"]: row for row in rows.values()}
    person_ids = ensure_people(session, {record.person_email for record, _ in entries.values()})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changed: set[int] = set()
    for kantata_id, (record, rate) in entries.items():
        values = {
            "project_id": project_ids[record.sow],
            "person_id": person_ids[record.person_email],
            "day": record.day,
            "week_start": monday_of(record.day),
            "hours": record.hours,
            "approved": record.approved,
            "bill_rate": rate,
        }
        old = by_id.get(kantata_id)
        if old is None:
            inserts.append({"kantata_id": kantata_id, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
            changed.add(old["project_id"])  # an entry moved to another project leaves it
    gone = sorted(
        row["id"]
        for row in rows.values()
        if row["kantata_id"] not in entries
        and row["project_id"] in covered - kept
        and window[0] <= row["day"] <= window[1]
    )
    for chunk in chunks(gone):
        session.execute(sa.delete(TimeEntry).where(TimeEntry.id.in_(chunk)))
    _write(session, TimeEntry, inserts, updates)
    changed |= {row["project_id"] for row in (*inserts, *updates)}
    changed |= {rows[entry_id]["project_id"] for entry_id in gone}
    return Counts(inserted=len(inserts), updated=len(updates), removed=len(gone)), changed


def store_people(
    session: Session,
    records: Sequence[PersonRecord],
    kantata_ids: Mapping[str, str] | None = None,
) -> Counts:
    """Upsert people by email: name, PS role, weekly capacity (40 h when not given) and
    whether they are active; `kantata_ids` (email → Kantata user id) links them to Kantata.
    People not in `records` are left as they are."""
    names = ("id", "email", "kantata_id", *PERSON_FIELDS)
    columns = [getattr(Person, name) for name in names]
    existing: dict[str, Mapping[str, Any]] = {}
    for chunk in chunks(sorted({r.email for r in records})):
        rows = session.execute(sa.select(*columns).where(sa.func.lower(Person.email).in_(chunk)))
        existing.update({row.email.lower(): row._mapping for row in rows})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        values: dict[str, Any] = {
            "name": record.name,
            "role": record.role,
            "weekly_capacity_hours": record.weekly_capacity
            if record.weekly_capacity is not None
            else DEFAULT_CAPACITY,
            "active": record.active,
        }
        if kantata_ids is not None:
            values["kantata_id"] = kantata_ids.get(record.email)
        old = existing.get(record.email)
        if old is None:
            inserts.append({"email": record.email, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    _write(session, Person, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates))


def mark_synced(session: Session, project_ids: Collection[int], at: dt.datetime) -> None:
    """Record that these projects' Kantata data is as of `at` (a sync or an import)."""
    for chunk in chunks(sorted(project_ids)):
        session.execute(
            sa.update(Project)
            .where(Project.id.in_(chunk))
            # Freshness is not a change to the project: its updated_at stays, and the
            # computed portfolio, which does not read it, stays current.
            .values(data_as_of=at, updated_at=Project.updated_at)
            .execution_options(synchronize_session=False, **{data_versions.NOT_A_CHANGE: True})
        )


def replace_time_off(
    session: Session, hours: Mapping[tuple[str, dt.date], Decimal], emails: Collection[str]
) -> Counts:
    """Make the time off of the people with these emails exactly `hours` ((email, day) →
    hours off); other people's is left alone."""
    person_ids = ensure_people(session, emails) if emails else {}
    wanted = {(person_ids[email], day): off for (email, day), off in hours.items()}
    existing: dict[tuple[int, dt.date], tuple[int, Decimal]] = {}
    for chunk in chunks(sorted(set(person_ids.values()))):
        rows = session.execute(
            sa.select(TimeOff.id, TimeOff.person_id, TimeOff.day, TimeOff.hours).where(
                TimeOff.person_id.in_(chunk)
            )
        )
        existing.update({(p, day): (row_id, off) for row_id, p, day, off in rows})
    inserts = [
        {"person_id": p, "day": day, "hours": off}
        for (p, day), off in wanted.items()
        if (p, day) not in existing
    ]
    updates = [
        {"id": existing[key][0], "hours": off}
        for key, off in wanted.items()
        if key in existing and existing[key][1] != off
    ]
    gone = [row_id for key, (row_id, _) in existing.items() if key not in wanted]
    for chunk in chunks(sorted(gone)):
        session.execute(sa.delete(TimeOff).where(TimeOff.id.in_(chunk)))
    _write(session, TimeOff, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates), removed=len(gone))
