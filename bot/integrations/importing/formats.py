"""The Kantata CSV formats (projects, bookings, milestones, actuals) and the people file:
typed records, validation and duplicate detection.

Everything here is pure: cell text goes in, typed values or the problems with them come out.
A file is validated column by column, parsing each distinct cell text of a column once:
an export repeats the same SOWs, people, weeks and hours on thousands of rows. The
database is only consulted later, by `store`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import compress
from typing import Any, Generic, TypeVar

from bot.core.fields import (
    FieldError,
    choice,
    optional,
    parse_amount,
    parse_bill_rate,
    parse_date,
    parse_day_hours,
    parse_email,
    parse_hours,
    parse_positive_int,
    parse_sow,
    parse_text,
    parse_url,
    parse_week_start,
    parse_yes_no,
)
from bot.core.terms import BOOKING_KINDS, PROJECT_STATUSES, PROJECT_TYPES, ROLES

R = TypeVar("R")
Parser = Callable[[str], Any]
# Validation reports progress at most this many times per file.
PROGRESS_STEPS = 100

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
    transition_date: dt.date | None = None


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
    amount: Decimal | None = None


@dataclass(frozen=True)
class ActualRecord:
    """Hours one person logged on a project on one day (a Kantata time entry)."""

    sow: str
    person_email: str
    day: dt.date
    hours: Decimal
    approved: bool


@dataclass(frozen=True)
class PersonRecord:
    """Someone on the PS team: the bench is every active person with a role."""

    email: str
    name: str
    role: str
    weekly_capacity: Decimal | None  # None: the default, 40 h
    active: bool


@dataclass(frozen=True)
class FileFormat(Generic[R]):
    """One importable file: its columns, each with its parser, and its record.

    `fields` follow the record's field order. Every column is required in the header but
    those in `optional_columns`, whose cells all read as empty when it has none. Rows
    sharing the values of `key_columns` are duplicates; each (earlier, later) pair of
    `order` must not be out of order.
    """

    kind: str
    fields: tuple[tuple[str, Parser], ...]
    record: Callable[..., R]
    key_columns: tuple[str, ...]
    order: tuple[tuple[str, str], ...] = ()
    optional_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.fields)

    def key(self, record: R) -> tuple[Hashable, ...]:
        """The values that make a record unique within a file."""
        values = dict(zip(self.columns, _field_values(record), strict=True))
        return tuple(values[column] for column in self.key_columns)

    def parse_row(self, values: Mapping[str, str]) -> R | list[Problem]:
        """One row (column → cell text) → a record, or every problem with it. An optional
        column the row lacks reads as empty."""
        cells = {
            column: [values.get(column, "") if column in self.optional_columns else values[column]]
            for column in self.columns
        }
        rows, bad = validate_columns(self, [0], cells)
        return list(bad[0].problems) if bad else rows.records()[0]


def _field_values(record: Any) -> list[Any]:
    return [getattr(record, field.name) for field in dataclasses.fields(record)]


@dataclass(frozen=True)
class Rows(Generic[R]):
    """Valid rows of one format, column by column: typed values, one per row, and lines.

    Iterating gives (line, record) pairs; the store reads `columns` without making records.
    """

    file_format: FileFormat[R]
    lines: list[int]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[tuple[int, R]]:
        return zip(self.lines, self.records(), strict=True)

    def records(self) -> list[R]:
        return list(map(self.file_format.record, *self.columns.values()))

    def where(self, keep: Sequence[bool]) -> Rows[R]:
        """The rows whose `keep` is true."""
        columns = {column: list(compress(values, keep)) for column, values in self.columns.items()}
        return Rows(self.file_format, list(compress(self.lines, keep)), columns)


PROJECTS = FileFormat[ProjectRecord](
    kind="projects",
    fields=(
        ("sow", parse_sow),
        ("customer", parse_text),
        ("name", parse_text),
        ("type", parse_project_type),
        ("pm_email", optional(parse_email)),
        ("status", parse_status),
        ("start_date", optional_date),
        ("end_date", optional_date),
        ("kickoff_date", optional_date),
        ("top_customer", parse_yes_no),
        ("raid_url", optional(parse_url)),
        ("epic_url", optional(parse_url)),
        ("transition_date", optional_date),
    ),
    record=ProjectRecord,
    key_columns=("sow",),
    order=(("start_date", "end_date"),),
    # The EM>PS transition of a CB/DE project; an export without it leaves it as it is.
    optional_columns=("transition_date",),
)
BOOKINGS = FileFormat[BookingRecord](
    kind="bookings",
    fields=(
        ("sow", parse_sow),
        ("person_email", parse_email),
        ("role", parse_role),
        ("week_start", parse_week_start),
        ("hours", parse_hours),
        ("kind", parse_kind),
        ("bill_rate", optional(parse_bill_rate)),
    ),
    record=BookingRecord,
    key_columns=("sow", "person_email", "role", "week_start", "kind"),
    optional_columns=("bill_rate",),  # SPEC §6: an export may have no rates at all
)
MILESTONES = FileFormat[MilestoneRecord](
    kind="milestones",
    fields=(
        ("sow", parse_sow),
        ("milestone", parse_text),
        ("due_date", optional_date),
        ("signoff_sent", optional_date),
        ("signoff_received", optional_date),
        ("passive_days", optional(parse_positive_int)),
        ("amount", optional(parse_amount)),
    ),
    record=MilestoneRecord,
    key_columns=("sow", "milestone"),
    order=(("signoff_sent", "signoff_received"),),
    # The milestone's fee (SPEC §6); an export without it leaves the amounts as they are.
    optional_columns=("amount",),
)
ACTUALS = FileFormat[ActualRecord](
    kind="actuals",
    fields=(
        ("sow", parse_sow),
        ("person_email", parse_email),
        ("date", parse_date),
        ("hours", parse_day_hours),
        ("approved", parse_yes_no),
    ),
    record=ActualRecord,
    key_columns=("sow", "person_email", "date"),
)


def parse_active(text: str) -> bool:
    """yes or no, required: an empty cell must not take someone off the bench unnoticed."""
    if not text:
        raise FieldError("is empty; yes or no is required")
    return parse_yes_no(text)


PEOPLE = FileFormat[PersonRecord](
    kind="people",
    fields=(
        ("email", parse_email),
        ("name", parse_text),
        ("role", parse_role),
        ("weekly_capacity", optional(parse_hours)),
        ("active", parse_active),
    ),
    record=PersonRecord,
    key_columns=("email",),
)
FORMATS: dict[str, FileFormat[Any]] = {
    f.kind: f for f in (PROJECTS, BOOKINGS, MILESTONES, ACTUALS, PEOPLE)
}


def parse_person(values: Mapping[str, str]) -> PersonRecord | list[Problem]:
    """A people.csv row (or a Kantata account member as one) → a PersonRecord, or every
    problem with it."""
    return PEOPLE.parse_row(values)


def parse_project(values: Mapping[str, str]) -> ProjectRecord | list[Problem]:
    """A projects.csv row → a ProjectRecord, or every problem with it."""
    return PROJECTS.parse_row(values)


def parse_booking(values: Mapping[str, str]) -> BookingRecord | list[Problem]:
    """A bookings.csv row → a BookingRecord, or every problem with it."""
    return BOOKINGS.parse_row(values)


def parse_milestone(values: Mapping[str, str]) -> MilestoneRecord | list[Problem]:
    """A milestones.csv row → a MilestoneRecord, or every problem with it."""
    return MILESTONES.parse_row(values)


def written_sow(values: Mapping[str, str]) -> str:
    """The row's SOW as best it can be read, even when the row is bad."""
    return values.get("sow", "").upper()


@dataclass(frozen=True)
class _Invalid:
    """A cell text its column's parser refused, and why."""

    reason: str


class _Parsed(dict[str, Any]):
    """Cell text → its value (or _Invalid), parsing each text on its first lookup only."""

    def __init__(self, parser: Parser) -> None:
        super().__init__()
        self.parser = parser

    def __missing__(self, text: str) -> Any:
        try:
            value = self.parser(text)
        except FieldError as error:
            value = _Invalid(str(error))
        self[text] = value
        return value


def validate_columns(
    file_format: FileFormat[R],
    lines: Sequence[int],
    cells: Mapping[str, Sequence[str]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Rows[R], list[BadRow]]:
    """Parse rows given column by column (`cells[column][i]` is row i's cell, on `lines[i]`).

    Returns the valid rows and, in line order, a BadRow for each row with a bad cell (every
    problem of the row is named) and for each repeated key: the first row of a key is kept
    and later ones are "duplicate of line N". `progress(done, total)` is called as rows are
    read.
    """
    total = len(lines)
    parsed = {column: _Parsed(parser) for column, parser in file_format.fields}
    values: dict[str, list[Any]] = {column: [] for column in file_format.columns}
    step = max(1, total // PROGRESS_STEPS)
    for start in range(0, total, step):
        stop = min(start + step, total)
        for column, known in parsed.items():
            values[column].extend(map(known.__getitem__, cells[column][start:stop]))
        if progress:
            progress(stop, total)
    problems = _cell_problems(file_format, values, parsed)
    duplicates = _duplicates(file_format, values, problems.keys())
    bad: list[BadRow] = []
    for index in sorted(problems.keys() | duplicates.keys()):
        if index in problems:
            sow = cells["sow"][index].upper() if "sow" in cells else ""  # people have none
            bad.append(BadRow(lines[index], tuple(problems[index]), sow))
        else:
            # No sow: the first row covers this slot, so the project's bookings may be pruned.
            reason = f"duplicate of line {lines[duplicates[index]]}"
            bad.append(BadRow(lines[index], (Problem(None, reason),)))
    rows = Rows(file_format, list(lines), values)
    if bad:
        rows = rows.where([i not in problems and i not in duplicates for i in range(total)])
    return rows, bad


def _cell_problems(
    file_format: FileFormat[Any], values: dict[str, list[Any]], parsed: dict[str, _Parsed]
) -> dict[int, list[Problem]]:
    """Row index → its problems: bad cells in column order, then dates out of order."""
    problems: dict[int, list[Problem]] = {}
    for column in file_format.columns:
        if any(isinstance(value, _Invalid) for value in parsed[column].values()):
            for index, value in enumerate(values[column]):
                if isinstance(value, _Invalid):
                    problems.setdefault(index, []).append(Problem(column, value.reason))
    for earlier, later in file_format.order:
        for index, (first, second) in enumerate(zip(values[earlier], values[later], strict=True)):
            if _comparable(first, second) and second < first:
                reason = f"{second} is before {earlier} {first}"
                problems.setdefault(index, []).append(Problem(later, reason))
    return problems


def _comparable(first: Any, second: Any) -> bool:
    return not any(value is None or isinstance(value, _Invalid) for value in (first, second))


def _duplicates(
    file_format: FileFormat[Any], values: dict[str, list[Any]], bad: Collection[int]
) -> dict[int, int]:
    """Row index → the index of the earlier row with the same key; bad rows are ignored."""
    keys = [values[column] for column in file_format.key_columns]
    # Distinct hashes mean distinct keys; a set of ints, unlike one of tuples, gives the
    # garbage collector nothing to walk through.
    if not bad and len(set(map(hash, zip(*keys, strict=True)))) == len(keys[0]):
        return {}
    first: dict[Hashable, int] = {}
    duplicates: dict[int, int] = {}
    for index, key in enumerate(zip(*keys, strict=True)):
        if index not in bad and first.setdefault(key, index) != index:
            duplicates[index] = first[key]
    return duplicates


def validate_rows(
    file_format: FileFormat[R],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Rows[R], list[BadRow]]:
    """`validate_columns` for rows given one by one, as (line, column → cell text)."""
    cells = {column: [values[column] for _, values in rows] for column in file_format.columns}
    return validate_columns(file_format, [line for line, _ in rows], cells, progress)


def split_unknown_sows(rows: Rows[R], known: Mapping[str, int]) -> tuple[Rows[R], list[BadRow]]:
    """Rows whose SOW is a known project, and BadRows for the others."""
    sows = rows.columns["sow"]
    unknown = set(sows).difference(known)
    if not unknown:
        return rows, []
    bad = [
        BadRow(line, (Problem("sow", f"unknown SOW {sow!r} — import projects first"),), sow)
        for line, sow in zip(rows.lines, sows, strict=True)
        if sow in unknown
    ]
    return rows.where([sow not in unknown for sow in sows]), bad


def split_unknown_people(rows: Rows[R], known: Mapping[str, int]) -> tuple[Rows[R], list[BadRow]]:
    """Rows whose person_email is someone psbot knows, and BadRows for the others."""
    emails = rows.columns["person_email"]
    unknown = set(emails).difference(known)
    if not unknown:
        return rows, []
    reason = "unknown person {!r} — import their bookings first (or sync Kantata)"
    bad = [
        BadRow(line, (Problem("person_email", reason.format(email)),), sow)
        for line, email, sow in zip(rows.lines, emails, rows.columns["sow"], strict=True)
        if email in unknown
    ]
    return rows.where([email not in unknown for email in emails]), bad


def split_future_days(rows: Rows[R], today: dt.date) -> tuple[Rows[R], list[BadRow]]:
    """Rows dated today or earlier, and BadRows for those in the future: hours not yet
    worked are a typo or a plan, and plans are bookings."""
    days = rows.columns["date"]
    if not days or max(days) <= today:
        return rows, []
    bad = [
        BadRow(line, (Problem("date", f"{day} is in the future (today is {today})"),), sow)
        for line, day, sow in zip(rows.lines, days, rows.columns["sow"], strict=True)
        if day > today
    ]
    return rows.where([day <= today for day in days]), bad
