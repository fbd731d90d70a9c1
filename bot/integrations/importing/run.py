"""One import: read and validate the whole file, then write it in one transaction."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import UserError
from bot.integrations.importing import store
from bot.integrations.importing.csvfile import count_lines, parse_table, read_tables, read_text
from bot.integrations.importing.formats import (
    BOOKINGS,
    FORMATS,
    BadRow,
    Problem,
    split_future_days,
    split_unknown_people,
    split_unknown_sows,
    validate_columns,
)
from bot.integrations.slack_directory import link_to_slack
from bot.pmo.people import ids_by_email, unlinked_people
from bot.store.db import bulk_write_cache
from bot.store.models import AuditEntry

# Beyond this, more bad-row lines would bury the summary; the count is still given.
SHOWN_BAD_ROWS = 100
SHOWN_UNRESOLVED = 20


class BadRowsError(UserError):
    """The file has bad rows and --skip-bad-rows was not given: nothing was written."""

    def __init__(self, name: str, bad_rows: list[BadRow]) -> None:
        rows = "a bad row" if len(bad_rows) == 1 else f"{len(bad_rows)} bad rows"
        super().__init__(
            f"{name} has {rows}; nothing was imported "
            "(fix them, or pass --skip-bad-rows to import the good rows)"
        )
        self.name = name
        self.bad_rows = bad_rows


@dataclass
class ImportResult:
    """What an import wrote, what it skipped, and whom it referred to."""

    name: str
    rows: int
    counts: store.Counts = field(default_factory=store.Counts)
    skipped: list[BadRow] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)

    def summary(self) -> str:
        """The one line printed on success."""
        if not self.rows:
            return f"{self.name}: nothing to import (no rows after the header)"
        c = self.counts
        line = f"{self.name}: {c.inserted} inserted, {c.updated} updated, {c.removed} removed"
        return line + (f", {len(self.skipped)} skipped (bad rows)" if self.skipped else "")


def bad_row_lines(name: str, bad_rows: list[BadRow], verb: str = "") -> list[str]:
    """One line per bad row (the first SHOWN_BAD_ROWS of them), then how many were left out."""
    lines = [f"{name}: {verb}{row}" for row in bad_rows[:SHOWN_BAD_ROWS]]
    if len(bad_rows) > SHOWN_BAD_ROWS:
        lines.append(f"{name}: … and {len(bad_rows) - SHOWN_BAD_ROWS} more bad rows")
    return lines


def import_file(
    kind: str,
    path: Path,
    session_factory: sessionmaker[Session],
    *,
    skip_bad_rows: bool = False,
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import a Kantata CSV export of `kind` (projects, bookings, milestones or actuals),
    or the people file; the imported projects' data is then as of `now` (by default, now).

    The whole file is validated before anything is written. Raises ImportFileError for a
    file that cannot be read at all and BadRowsError when rows are bad and `skip_bad_rows`
    is false; either way the database is unchanged. Actuals dated after `today` (the
    reporting time zone's; the machine's date when not given) are bad rows. Bookings are
    read part by part (`_import_bookings`), so memory does not grow with the file.
    """
    now = now or dt.datetime.now(dt.UTC)
    if kind == "bookings":
        return _import_bookings(path, session_factory, skip_bad_rows, progress, now)
    file_format = FORMATS[kind]
    table = parse_table(
        read_text(path), path.name, file_format.columns, file_format.optional_columns
    )
    good, bad = validate_columns(file_format, table.lines, table.columns, progress)
    bad.extend(table.malformed)
    result = ImportResult(path.name, rows=len(table.lines) + len(table.malformed))
    if not result.rows:
        return result
    with session_factory.begin() as session:
        by_sow = kind not in ("projects", "people")
        known = store.project_ids(session, set(good.columns["sow"])) if by_sow else {}
        if by_sow:
            good, unknown = split_unknown_sows(good, known)
            bad.extend(unknown)
        people: dict[str, int] = {}
        if kind == "actuals":
            good, future = split_future_days(good, today or dt.date.today())
            people = ids_by_email(session, set(good.columns["person_email"]))
            good, strangers = split_unknown_people(good, people)
            bad.extend(future + strangers)
        bad.sort(key=lambda row: row.line)
        if bad and not skip_bad_rows:
            raise BadRowsError(path.name, bad)
        # An optional column the file lacks leaves that field as it is.
        given = [c for c in file_format.columns if c not in table.absent]
        if kind == "projects":
            records = good.records()
            fields = [f for f in store.PROJECT_FIELDS if f in given]
            result.counts = store.store_projects(session, records, fields)
            result.emails = {r.pm_email for r in records if r.pm_email}
        elif kind == "people":
            records = good.records()
            result.counts = store.store_people(session, records)
            result.emails = {r.email for r in records}
        elif kind == "milestones":
            fields = [f for f in store.MILESTONE_FIELDS if f in given]
            result.counts = store.store_milestones(session, good.records(), known, fields)
        else:
            keep_sows = {row.sow for row in bad}
            result.counts = store.store_actuals(session, good, known, people, keep_sows)
        if kind != "people":
            # The file is what these projects' Kantata data is as of, now.
            imported = store.project_ids(session, set(good.columns["sow"])).values()
            store.mark_synced(session, imported, now)
        result.skipped = bad
        session.add(_audit_entry(kind, path, result))
    return result


def _import_bookings(
    path: Path,
    session_factory: sessionmaker[Session],
    skip_bad_rows: bool,
    progress: Callable[[int, int], None] | None,
    now: dt.datetime,
) -> ImportResult:
    """`import_file` for bookings, the file read and staged part by part (a repeated slot
    is found in the database once all are staged), then merged as one."""
    parts = read_tables(path, BOOKINGS.columns, BOOKINGS.optional_columns)
    first = next(parts)  # the header is checked before the database is touched
    total = max(count_lines(path) - 1, 0) if progress else 0
    result = ImportResult(path.name, rows=0)
    bad: list[BadRow] = []
    known: dict[str, int] = {}
    looked_up: set[str] = set()
    with session_factory.begin() as session, bulk_write_cache(session.connection()):
        staged = store.StagedBookings(session)
        for table in itertools.chain([first], parts):
            result.rows += len(table.lines) + len(table.malformed)
            good, wrong = validate_columns(BOOKINGS, table.lines, table.columns)
            bad.extend(table.malformed + wrong)
            sows = set(good.columns["sow"]).difference(looked_up)
            known.update(store.project_ids(session, sows))
            looked_up.update(sows)
            good, unknown = split_unknown_sows(good, known)
            bad.extend(unknown)
            staged.add(good.columns, good.lines, known)
            result.emails.update(good.columns["person_email"])
            if progress:
                read = max([*table.lines[-1:], *(row.line for row in table.malformed[-1:])] or [1])
                progress(min(read - 1, total), total)
        if progress:
            progress(total, total)
        if not result.rows:
            return result
        if bad and not skip_bad_rows:  # refused: its repeated slots are named too
            bad.extend(_duplicate_rows(staged.take_duplicates()))
            raise BadRowsError(path.name, sorted(bad, key=lambda row: row.line))
        # A repeated slot has no sow (the first row covers it): it keeps no project's bookings.
        kept = {known[row.sow] for row in bad if row.sow in known}
        rates_given = "bill_rate" not in first.absent
        duplicates, result.counts = staged.take_duplicates_and_merge(kept, rates_given=rates_given)
        bad.extend(_duplicate_rows(duplicates))
        bad.sort(key=lambda row: row.line)
        if bad and not skip_bad_rows:  # the transaction is rolled back: nothing was written
            raise BadRowsError(path.name, bad)
        # The file is what these projects' Kantata data is as of, now.
        store.mark_synced(session, staged.covered, now)
        result.skipped = bad
        session.add(_audit_entry("bookings", path, result))
    return result


def _duplicate_rows(duplicates: Iterable[tuple[int, int]]) -> list[BadRow]:
    # No sow: the first row covers this slot, so the project's bookings may be pruned.
    return [
        BadRow(line, (Problem(None, f"duplicate of line {earlier}"),))
        for line, earlier in duplicates
    ]


def _audit_entry(kind: str, path: Path, result: ImportResult) -> AuditEntry:
    return AuditEntry(
        actor="cli",
        action=f"import.{kind}",
        subject=path.name,
        detail={
            "file": str(path),
            "rows": result.rows,
            "inserted": result.counts.inserted,
            "updated": result.counts.updated,
            "removed": result.counts.removed,
            "skipped": len(result.skipped),
        },
    )


def link_people(
    session_factory: sessionmaker[Session], client: WebClient | None, emails: Iterable[str]
) -> tuple[list[str], str | None]:
    """Link the file's people to Slack users: (lines for stdout, an error line or None)."""
    emails = set(emails)
    if client is None:
        with session_factory() as session:
            pending = len(unlinked_people(session, emails))
        if not pending:
            return [], None
        people = "1 person is" if pending == 1 else f"{pending} people are"
        hint = "set SLACK_BOT_TOKEN to link people to Slack users"
        return [f"{people} not linked to Slack; {hint}"], None
    links = link_to_slack(session_factory, client, emails)
    lines = []
    if links.linked:
        people = "1 person" if len(links.linked) == 1 else f"{len(links.linked)} people"
        lines.append(f"linked {people} to their Slack users")
    if links.unresolved:
        shown = links.unresolved[:SHOWN_UNRESOLVED]
        more = len(links.unresolved) - len(shown)
        lines.append(
            "not linked to Slack: " + ", ".join(shown) + (f" and {more} more" if more else "")
        )
    if not links.error:
        return lines, None
    reason = links.error
    if reason == "missing_scope":
        reason += ": the Slack app needs the users:read and users:read.email scopes"
    return lines, (
        f"Slack lookup failed ({reason}); {links.not_tried} people not linked yet "
        "— the import itself is saved; run it again to retry"
    )
