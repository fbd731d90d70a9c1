"""The three Kantata CSV formats: typed records, row parsers and duplicate detection.

Everything here is pure: a row (column → cell text) goes in, a typed record or the list of
problems with it comes out. The database is only consulted later, by `store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

from bot.importing.fields import (
    FieldError,
    choice,
    optional,
    parse_bill_rate,
    parse_date,
    parse_email,
    parse_hours,
    parse_positive_int,
    parse_sow,
    parse_text,
    parse_url,
    parse_week_start,
    parse_yes_no,
)
from bot.models import BOOKING_KINDS, PROJECT_STATUSES, PROJECT_TYPES, ROLES

T = TypeVar("T")
R = TypeVar("R")

parse_project_type = choice(
    PROJECT_TYPES,
    aliases={"Fixed Fee": "FF", "Time & Materials": "T&M", "Time and Materials": "T&M"},
)
parse_status = choice(PROJECT_STATUSES)
parse_role = choice(ROLES)
parse_kind = choice(BOOKING_KINDS)
optional_date = optional(parse_date)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or, with no column, with the whole row)."""

    column: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.column}: {self.reason}" if self.column else self.reason


@dataclass(frozen=True)
class BadRow:
    """A row that will not be imported, by its physical line in the file (header = 1)."""

    line: int
    problems: tuple[Problem, ...]
    sow: str = ""  # as written, upper-cased: keeps that project's bookings from being pruned

    def __str__(self) -> str:
        separator = ", " if self.problems[0].column else ": "
        return f"line {self.line}{separator}" + "; ".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class ProjectRecord:
    sow: str
    customer: str
    name: str
    type: str
    pm_email: str | None
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    kickoff_date: dt.date | None
    top_customer: bool
    raid_url: str | None
    epic_url: str | None


@dataclass(frozen=True)
class BookingRecord:
    sow: str
    person_email: str
    role: str
    week_start: dt.date
    hours: Decimal
    kind: str
    bill_rate: Decimal | None


@dataclass(frozen=True)
class MilestoneRecord:
    sow: str
    name: str
    due_date: dt.date | None
    signoff_sent: dt.date | None
    signoff_received: dt.date | None
    passive_days: int | None


class _Cells:
    """One row's cells; collects a Problem per bad cell instead of stopping at the first."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[Problem] = []

    def get(self, column: str, parser: Callable[[str], T]) -> T:
        try:
            return parser(self.values[column])
        except FieldError as error:
            self.problems.append(Problem(column, str(error)))
            return cast(T, None)  # never read: a row with problems becomes a BadRow

    def require_order(self, earlier: str, later: str, first: Any, second: Any) -> None:
        if first is not None and second is not None and second < first:
            self.problems.append(Problem(later, f"{second} is before {earlier} {first}"))


def parse_project(values: Mapping[str, str]) -> ProjectRecord | list[Problem]:
    """A projects.csv row → a ProjectRecord, or every problem with it."""
    cells = _Cells(values)
    record = ProjectRecord(
        sow=cells.get("sow", parse_sow),
        customer=cells.get("customer", parse_text),
        name=cells.get("name", parse_text),
        type=cells.get("type", parse_project_type),
        pm_email=cells.get("pm_email", optional(parse_email)),
        status=cells.get("status", parse_status),
        start_date=cells.get("start_date", optional_date),
        end_date=cells.get("end_date", optional_date),
        kickoff_date=cells.get("kickoff_date", optional_date),
        top_customer=cells.get("top_customer", parse_yes_no),
        raid_url=cells.get("raid_url", optional(parse_url)),
        epic_url=cells.get("epic_url", optional(parse_url)),
    )
    cells.require_order("start_date", "end_date", record.start_date, record.end_date)
    return cells.problems or record


def parse_booking(values: Mapping[str, str]) -> BookingRecord | list[Problem]:
    """A bookings.csv row → a BookingRecord, or every problem with it."""
    cells = _Cells(values)
    record = BookingRecord(
        sow=cells.get("sow", parse_sow),
        person_email=cells.get("person_email", parse_email),
        role=cells.get("role", parse_role),
        week_start=cells.get("week_start", parse_week_start),
        hours=cells.get("hours", parse_hours),
        kind=cells.get("kind", parse_kind),
        bill_rate=cells.get("bill_rate", optional(parse_bill_rate)),
    )
    return cells.problems or record


def parse_milestone(values: Mapping[str, str]) -> MilestoneRecord | list[Problem]:
    """A milestones.csv row → a MilestoneRecord, or every problem with it."""
    cells = _Cells(values)
    record = MilestoneRecord(
        sow=cells.get("sow", parse_sow),
        name=cells.get("milestone", parse_text),
        due_date=cells.get("due_date", optional_date),
        signoff_sent=cells.get("signoff_sent", optional_date),
        signoff_received=cells.get("signoff_received", optional_date),
        passive_days=cells.get("passive_days", optional(parse_positive_int)),
    )
    cells.require_order(
        "signoff_sent", "signoff_received", record.signoff_sent, record.signoff_received
    )
    return cells.problems or record


@dataclass(frozen=True)
class FileFormat(Generic[R]):
    """One importable file: its columns (all required), row parser and the key rows share."""

    kind: str
    columns: tuple[str, ...]
    parse_row: Callable[[Mapping[str, str]], R | list[Problem]]
    key: Callable[[R], Hashable]


PROJECTS = FileFormat[ProjectRecord](
    kind="projects",
    columns=(
        "sow",
        "customer",
        "name",
        "type",
        "pm_email",
        "status",
        "start_date",
        "end_date",
        "kickoff_date",
        "top_customer",
        "raid_url",
        "epic_url",
    ),
    parse_row=parse_project,
    key=lambda r: r.sow,
)
BOOKINGS = FileFormat[BookingRecord](
    kind="bookings",
    columns=("sow", "person_email", "role", "week_start", "hours", "kind", "bill_rate"),
    parse_row=parse_booking,
    key=lambda r: (r.sow, r.person_email, r.role, r.week_start, r.kind),
)
MILESTONES = FileFormat[MilestoneRecord](
    kind="milestones",
    columns=(
        "sow",
        "milestone",
        "due_date",
        "signoff_sent",
        "signoff_received",
        "passive_days",
    ),
    parse_row=parse_milestone,
    key=lambda r: (r.sow, r.name),
)
FORMATS: dict[str, FileFormat[Any]] = {f.kind: f for f in (PROJECTS, BOOKINGS, MILESTONES)}


def written_sow(values: Mapping[str, str]) -> str:
    """The row's SOW as best it can be read, even when the row is bad."""
    return values.get("sow", "").upper()


def validate_rows(
    file_format: FileFormat[R],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[tuple[int, R]], list[BadRow]]:
    """Parse numbered rows into (line, record) pairs; bad and duplicate rows become BadRows.

    A repeated key keeps its first row; later ones are "duplicate of line N".
    """
    good: list[tuple[int, R]] = []
    bad: list[BadRow] = []
    first_line: dict[Hashable, int] = {}
    for done, (line, values) in enumerate(rows, start=1):
        if progress:
            progress(done, len(rows))
        parsed = file_format.parse_row(values)
        if isinstance(parsed, list):
            bad.append(BadRow(line, tuple(parsed), written_sow(values)))
            continue
        key = file_format.key(parsed)
        if key in first_line:
            # No sow: the first row covers this slot, so the project's bookings may be pruned.
            bad.append(BadRow(line, (Problem(None, f"duplicate of line {first_line[key]}"),)))
            continue
        first_line[key] = line
        good.append((line, parsed))
    return good, bad


def split_unknown_sows(
    rows: Iterable[tuple[int, Any]], known: Mapping[str, int]
) -> tuple[list[tuple[int, Any]], list[BadRow]]:
    """Rows whose SOW is a known project, and BadRows for the others."""
    good: list[tuple[int, Any]] = []
    bad: list[BadRow] = []
    for line, record in rows:
        if record.sow in known:
            good.append((line, record))
        else:
            reason = f"unknown SOW {record.sow!r} — import projects first"
            bad.append(BadRow(line, (Problem("sow", reason),), record.sow))
    return good, bad
