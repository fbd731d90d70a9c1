"""Reading a CSV export: bytes → text → header check → columns of stripped cells, by line."""

from __future__ import annotations

import csv
import difflib
import io
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path
from typing import Any, TypeVar

from bot.core.errors import UserError
from bot.core.fields import map_distinct
from bot.core.text import has_control_characters
from bot.integrations.importing.formats import BadRow, Problem, written_sow

EXCEL_HINT = "in Excel use Save As → CSV UTF-8"
# A long file is read this many rows at a time (`read_tables`), so memory holds one part.
PART_ROWS = 20_000
BLOCK_BYTES = 1 << 20
T = TypeVar("T")


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
    data = _opened(path, lambda: path.read_bytes())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _not_utf8(path, line) from None


def _opened(path: Path, read: Callable[[], T]) -> T:
    try:
        return read()
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a CSV file") from None
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror or error}") from None


def _not_utf8(path: Path, line: int) -> ImportFileError:
    return ImportFileError(
        f"{path.name} is not UTF-8 text; {EXCEL_HINT} (first bad byte on line {line})"
    )


def count_lines(path: Path) -> int:
    """How many lines the file has (the last may lack its line break), read in blocks."""
    with _opened(path, lambda: path.open("rb")) as handle:
        count, last = 0, b"\n"
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            count, last = count + block.count(b"\n"), block[-1:]
    return count + (last != b"\n")


def read_tables(
    path: Path, columns: Sequence[str], optional: Collection[str] = (), rows: int | None = None
) -> Iterator[Table]:
    """The file as `parse_table` reads it, in parts of at most `rows` lines read as they
    are needed, so that memory holds one part however long the file is. Line numbers are
    the file's; the first part checks the header (an empty file yields one empty part).

    A part without quotes is split as `parse_table` splits a file, a line being a row;
    from the first quote on (a quoted cell may span lines), the csv module reads the rest.
    """
    size = rows or PART_ROWS
    with _opened(path, lambda: path.open(encoding="utf-8-sig", newline="")) as handle:
        try:
            header: list[str] | None = None
            first_line = 1  # the file's line the next part starts on
            while True:
                lines = list(itertools.islice(handle, size))
                if not lines and header is not None:
                    return
                text = "".join(lines)
                if header is None and '"' not in text:
                    header = next(filter(None, map(_cells_of_line, lines)), None)
                if '"' in text or header is None:  # or only blank lines yet: csv finds it
                    rest, before = itertools.chain(lines, handle), first_line - 1
                    parts = _csv_parts(rest, before, header, path.name, columns, optional, size)
                    yield from (_completed(table, columns) for table in parts)
                    return
                if first_line == 1:
                    yield parse_table(text, path.name, columns, optional)
                else:  # the header again, then the part: its line 2 is the file's first_line
                    again = ",".join(header) + "\n" + text
                    yield _shifted(parse_table(again, path.name, columns, optional), first_line - 2)
                first_line += len(lines)
        except UnicodeDecodeError:
            raise _not_utf8(path, _first_bad_line(path)) from None


def _cells_of_line(line: str) -> list[str] | None:
    """A line without quotes as cells; None when they are all blank."""
    cells = line.rstrip("\r\n").split(",")
    return cells if any(cell.strip() for cell in cells) else None


def _shifted(table: Table, lines: int) -> Table:
    """`table` with its line numbers `lines` further down the file."""
    return replace(
        table,
        lines=[line + lines for line in table.lines],
        malformed=[replace(row, line=row.line + lines) for row in table.malformed],
    )


def _csv_parts(
    lines: Iterator[str],
    before: int,
    header: list[str] | None,
    name: str,
    columns: Sequence[str],
    optional: Collection[str],
    size: int | None,
) -> Iterator[Table]:
    """The rest of a file, from its line `before + 1`, read by the csv module in parts of
    `size` rows (None: one part); the header is the first non-blank row unless given (then
    a part came before)."""
    reader = csv.reader(lines)
    try:
        given = header is not None
        if header is None:
            header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise ImportFileError(f"{name} is empty; expected a header line: {', '.join(columns)}")
        positions = _positions(header, columns, name, optional)
        last_line, yielded = before + reader.line_num, given
        while True:
            part, ends = _read_rows(reader, size)
            if not part and yielded:
                return
            ends = [end + before for end in ends]
            yield _part(part, ends, last_line, len(header), positions)
            yielded = True
            last_line = ends[-1] if ends else last_line
    except csv.Error as error:
        raise ImportFileError(f"{name}: line {before + reader.line_num}: {error}") from None


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
    return _completed(table, columns)


def _completed(table: Table, columns: Sequence[str]) -> Table:
    """`table` with an empty cell in each row for each column the header lacks."""
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
    if '"' in text or has_control_characters(text):
        return None
    lines = _split_lines(text)
    if lines is None:
        return None
    if lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    header = lines[0].split(",")
    commas = set(map(str.count, lines, repeat(",")))
    limit = csv.field_size_limit()
    if commas != {len(header) - 1} or (len(text) > limit and max(map(len, lines)) > limit):
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


def _split_lines(text: str) -> list[str] | None:
    """`text` split at its line breaks, LF or CRLF; None when it has a lone CR."""
    if "\r" not in text:
        return text.split("\n")
    returns = text.count("\r")
    if returns == text.count("\n") == text.count("\r\n"):  # CRLF throughout, as csv writes
        return text.split("\r\n")
    text = text.replace("\r\n", "\n")
    return None if "\r" in text else text.split("\n")


def _padded(text: str) -> bool:
    """Whether some cell may start or end with whitespace (a line break ends a cell)."""
    return not text.isascii() or any(space in text for space in " \t\v\f\x1c\x1d\x1e\x1f")


def _parse_csv(
    text: str, name: str, columns: Sequence[str], optional: Collection[str] = ()
) -> Table:
    lines = io.StringIO(text, newline="")
    return next(_csv_parts(lines, 0, None, name, columns, optional, size=None))


def _read_rows(reader: Any, most: int | None = None) -> tuple[list[list[str]], list[int]]:
    """The next rows of `reader` (`most` at most), and the line each ends on."""
    part: list[list[str]] = []
    ends: list[int] = []
    for cells in reader:
        part.append(cells)
        ends.append(reader.line_num)
        if len(part) == most:
            break
    return part, ends


def _part(
    rows: list[list[str]],
    ends: list[int],
    last_line: int,
    width: int,
    positions: dict[str, int],
) -> Table:
    """Rows read by the csv module into a Table: `ends[i]` is the line row i ends on, and
    the rows start after line `last_line`; the header has `width` cells."""
    starts = [last_line + 1, *(end + 1 for end in ends[:-1])] if rows else []
    if rows and set(map(len, rows)) == {width}:  # the usual: columns at once
        cells = list(zip(*rows, strict=True))
        table = {column: list(map(str.strip, cells[i])) for column, i in positions.items()}
        first = next(iter(table.values()), [])
        usual = "" not in first and not any(
            map(has_control_characters, map("".join, table.values()))
        )
        if usual:
            return Table(starts, table, [])
    lines: list[int] = []
    table = {column: [] for column in positions}
    malformed: list[BadRow] = []
    for line, cells in zip(starts, rows, strict=True):
        if not any(cell.strip() for cell in cells):
            continue
        values = {col: cells[i].strip() for col, i in positions.items() if i < len(cells)}
        if len(cells) < width or any(c.strip() for c in cells[width:]):
            reason = f"has {len(cells)} cells but the header has {width}"
            malformed.append(BadRow(line, (Problem(None, reason),), written_sow(values)))
            continue
        if problems := _control_characters(values):
            malformed.append(BadRow(line, problems, written_sow(values)))
            continue
        lines.append(line)
        for column, value in values.items():
            table[column].append(value)
    return Table(lines, table, malformed)


def _first_bad_line(path: Path) -> int:
    """The line of the file's first byte that is not UTF-8 (a line break is never part of
    a character, so lines decode one by one)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                return number
    return number


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
