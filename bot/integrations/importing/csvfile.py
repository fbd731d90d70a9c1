"""Reading a CSV export: bytes → text → header check → columns of stripped cells, by line."""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path

from bot.core.errors import UserError
from bot.core.fields import map_distinct
from bot.core.text import has_control_characters
from bot.integrations.importing.formats import BadRow, Problem, written_sow

EXCEL_HINT = "in Excel use Save As → CSV UTF-8"


class ImportFileError(UserError):
    """The file as a whole cannot be imported (unreadable, not UTF-8, wrong header)."""


@dataclass(frozen=True)
class Table:
    """A file's rows column by column, and the rows too malformed to parse.

    `columns` maps each wanted column to its cells, stripped, one per row; row i is on
    physical line `lines[i]` (header = line 1). `absent` are the optional columns the
    header lacks (their cells read as empty).
    """

    lines: list[int]
    columns: dict[str, list[str]]
    malformed: list[BadRow]
    absent: frozenset[str] = frozenset()

    @property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        """The same rows one by one: (line, column → cell)."""
        names = list(self.columns)
        return [
            (line, dict(zip(names, cells, strict=True)))
            for line, *cells in zip(self.lines, *self.columns.values(), strict=True)
        ]


def read_text(path: Path) -> str:
    """The file's text; UTF-8 with or without a BOM (Excel writes one)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a CSV file") from None
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"{path.name} is not UTF-8 text; {EXCEL_HINT} (first bad byte on line {line})"
        ) from None


def parse_table(
    text: str, name: str, columns: Sequence[str], optional: Collection[str] = ()
) -> Table:
    """Split CSV text into rows of the wanted `columns`; other columns are ignored.

    The header needs every column but the `optional` ones; those it lacks read as empty
    cells. Line numbers are physical lines (a quoted cell may span several), header =
    line 1. Blank rows are skipped; a row with a different number of cells than the
    header is malformed.
    """
    table = _parse_plain(text, name, columns, optional) or _parse_csv(text, name, columns, optional)
    empty = [""] * len(table.lines)
    return replace(
        table,
        columns={c: table.columns.get(c, empty) for c in columns},
        absent=frozenset(columns) - set(table.columns),
    )


def _parse_plain(
    text: str, name: str, columns: Sequence[str], optional: Collection[str]
) -> Table | None:
    """The usual export, split without the csv module: None when `text` is anything else.

    "Usual" is no quotes, no blank lines and the header's number of cells on every line;
    the csv module then reads exactly what `str.split` does, line for line, and for any
    other file `_parse_csv` gives its errors and line numbers.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if any(special in text for special in ('"', "\r")) or has_control_characters(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    header = lines[0].split(",")
    commas = set(map(str.count, lines, repeat(",")))
    if commas != {len(header) - 1} or max(map(len, lines)) > csv.field_size_limit():
        return None
    if not any(title.strip() for title in header):
        return None
    positions = _positions(header, columns, name, optional)
    cells = ",".join(lines[1:]).split(",") if len(lines) > 1 else []
    table = {column: cells[i :: len(header)] for column, i in positions.items()}
    if _padded(text):
        table = {column: map_distinct(str.strip, values) for column, values in table.items()}
    if "" in table[columns[0]]:  # a blank row, or a row the validation will refuse anyway
        return None
    return Table(list(range(2, len(lines) + 1)), table, [])


def _padded(text: str) -> bool:
    """Whether some cell may start or end with whitespace (a line break ends a cell)."""
    return not text.isascii() or any(space in text for space in " \t\v\f\x1c\x1d\x1e\x1f")


def _parse_csv(
    text: str, name: str, columns: Sequence[str], optional: Collection[str] = ()
) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise ImportFileError(f"{name} is empty; expected a header line: {', '.join(columns)}")
        positions = _positions(header, columns, name, optional)
        lines: list[int] = []
        table: dict[str, list[str]] = {column: [] for column in positions}
        malformed: list[BadRow] = []
        last_line = reader.line_num
        controls = has_control_characters(text)
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            values = {col: cells[i].strip() for col, i in positions.items() if i < len(cells)}
            if len(cells) < len(header) or any(c.strip() for c in cells[len(header) :]):
                reason = f"has {len(cells)} cells but the header has {len(header)}"
                malformed.append(BadRow(line, (Problem(None, reason),), written_sow(values)))
                continue
            if controls and (problems := _control_characters(values)):
                malformed.append(BadRow(line, problems, written_sow(values)))
                continue
            lines.append(line)
            for column, value in values.items():
                table[column].append(value)
    except csv.Error as error:
        raise ImportFileError(f"{name}: line {reader.line_num}: {error}") from None
    return Table(lines, table, malformed)


def _control_characters(values: dict[str, str]) -> tuple[Problem, ...]:
    """A problem for each cell holding a control character (a NUL byte, say): nothing a
    person types, and PostgreSQL refuses NUL in text."""
    reason = f"holds a control character, such as a NUL byte; {EXCEL_HINT}"
    return tuple(
        Problem(column, reason) for column, value in values.items() if has_control_characters(value)
    )


def _positions(
    header: list[str], columns: Sequence[str], name: str, optional: Collection[str]
) -> dict[str, int]:
    """Where each wanted column is in the header, matched case-insensitively. An
    `optional` column the header lacks has no position, unless a title looks like a typo
    of it: then it is missing, as a required one would be, rather than silently empty."""
    seen: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        if key in columns and key in seen:
            raise ImportFileError(
                f"{name}: column {key!r} appears twice (columns {seen[key] + 1} and {index + 1})"
            )
        seen.setdefault(key, index)
    others = [t for t in seen if t and t not in columns]
    missing = [c for c in columns if c not in seen and (c not in optional or _typo(c, others))]
    if missing:
        described = ", ".join(_described(c, others) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise ImportFileError(f"{name}: missing column{plural} {described}")
    return {c: seen[c] for c in columns if c in seen}


def _typo(column: str, others: list[str]) -> str | None:
    """The header title that looks like a typo of `column`, if one does."""
    close = difflib.get_close_matches(column, others, n=1, cutoff=0.75)
    return close[0] if close else None


def _described(column: str, others: list[str]) -> str:
    typo = _typo(column, others)
    return f"{column!r} (found {typo!r} — a typo?)" if typo else repr(column)
