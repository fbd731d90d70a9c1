"""Reading files: encodings, headers and physical line numbers, without a database."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.integrations.importing.csvfile import (
    ImportFileError,
    _parse_csv,
    parse_table,
    read_tables,
    read_text,
)
from bot.integrations.importing.formats import BOOKINGS

COLUMNS = BOOKINGS.columns
HEADER = ",".join(COLUMNS)


def test_utf8_with_bom_reads_like_utf8(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n".encode())
    assert read_text(path) == f"{HEADER}\n"


def test_latin1_is_refused_with_the_excel_hint(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(f"{HEADER}\nSOW-1,".encode() + "rené@example.com".encode("latin-1"))
    with pytest.raises(ImportFileError) as error:
        read_text(path)
    assert str(error.value) == (
        "b.csv is not UTF-8 text; in Excel use Save As → CSV UTF-8 (first bad byte on line 2)"
    )


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n", ",,,\n"])
def test_empty_file(text):
    with pytest.raises(ImportFileError, match=r"b\.csv is empty; expected a header line: sow,"):
        parse_table(text, "b.csv", COLUMNS)


def test_headers_match_in_any_case_with_spaces_and_extra_columns_are_ignored():
    text = (
        " SOW ,Notes,Person_Email,ROLE,week_start, Hours,kind,bill_rate\n"
        "sow-1,hi,a@x.io,PM,x,1,y,\n"
    )
    table = parse_table(text, "b.csv", COLUMNS)
    assert table.rows == [
        (
            2,
            {
                "sow": "sow-1",
                "person_email": "a@x.io",
                "role": "PM",
                "week_start": "x",
                "hours": "1",
                "kind": "y",
                "bill_rate": "",
            },
        )
    ]


def test_missing_columns_are_named_in_one_error_with_typo_hints():
    text = "sow,person_email,role,weekstart,hours,kinds\n"
    with pytest.raises(ImportFileError) as error:
        parse_table(text, "b.csv", COLUMNS)
    assert str(error.value) == (
        "b.csv: missing columns 'week_start' (found 'weekstart' — a typo?), "
        "'kind' (found 'kinds' — a typo?), 'bill_rate'"
    )


def test_one_missing_column():
    with pytest.raises(ImportFileError, match=r"missing column 'kind'$"):
        parse_table("sow,person_email,role,week_start,hours,bill_rate\n", "b.csv", COLUMNS)


def test_a_column_twice_is_refused():
    with pytest.raises(ImportFileError, match="column 'sow' appears twice \\(columns 1 and 8\\)"):
        parse_table(HEADER + ",SOW\n", "b.csv", COLUMNS)


def test_line_numbers_are_physical_lines():
    text = (
        f"{HEADER}\r\n"
        "SOW-1,a@x.io,PM,2026-11-30,1,hard,\r\n"
        "\r\n"  # blank lines are skipped but counted
        'SOW-"2",a@x.io,PM,2026-11-30,1,"hard",\r\n'
        '"SOW\n3",a@x.io,PM,2026-11-30,1,hard,\n'  # a quoted cell spanning two lines
        "SOW-4,a@x.io,PM,2026-11-30,1,hard,\n"
    )
    table = parse_table(text, "b.csv", COLUMNS)
    assert [line for line, _ in table.rows] == [2, 4, 5, 7]


def test_rows_of_blank_cells_are_skipped_but_counted():
    text = f"{HEADER}\n,,,,,,\n , ,\t, , , , \nSOW-1,a@x.io,PM,2026-11-30,1,hard,\n"
    assert [line for line, _ in parse_table(text, "b.csv", COLUMNS).rows] == [4]


def test_rows_with_the_wrong_number_of_cells_are_malformed():
    text = f"{HEADER},\nsow-1,broken\nSOW-2,a@x.io,PM,2026-11-30,1,hard,,,\nSOW-3,a,b,c,d,e,f,,x\n"
    table = parse_table(text, "b.csv", COLUMNS)
    assert [line for line, _ in table.rows] == [3]  # empty trailing cells are fine
    assert [(b.line, str(b), b.sow) for b in table.malformed] == [
        (2, "line 2: has 2 cells but the header has 8", "SOW-1"),
        (4, "line 4: has 9 cells but the header has 8", "SOW-3"),
    ]


def test_csv_errors_are_one_line():
    huge = "x" * 200_000  # over the csv module's field size limit
    with pytest.raises(ImportFileError, match=r"b\.csv: line 2: field larger than field limit"):
        parse_table(f"{HEADER}\nSOW-1,{huge}\n", "b.csv", COLUMNS)


def test_a_plain_export_is_read_without_the_csv_module_with_the_same_result():
    text = f"{HEADER.upper()}\r\n" + "SOW-1,Zoë@Exämple.com , PM,2026-11-30,8,hard,\r\n" * 3
    table = parse_table(text, "b.csv", COLUMNS)
    assert table == _parse_csv(text, "b.csv", COLUMNS)
    assert table.lines == [2, 3, 4]
    assert table.columns["person_email"] == ["Zoë@Exämple.com"] * 3
    assert table.columns["role"] == ["PM"] * 3


# Cells that the quick split and the csv module might read differently, among plain ones.
PLAIN_CELLS = ["SOW-1", "sow-2", "a@x.io", "PM", "2026-11-30", "8", "", " hard ", "Zoë"]
ODD_CELLS = ['"', '"q,"', " ", "\t", "\r", "\n", "\0", "a\r\nb"]
cells = st.sampled_from(PLAIN_CELLS * 4 + ODD_CELLS)


@settings(max_examples=400)
@given(st.sampled_from([7, 8]), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.data())
def test_every_text_is_read_as_the_csv_module_reads_it(width, newline, last_newline, data):
    full = st.lists(cells, min_size=width, max_size=width)
    rows = data.draw(st.lists(st.one_of(full, full, st.lists(cells, max_size=width + 2))))
    header = HEADER + (",notes" if width == 8 else "")
    text = newline.join([header, *(",".join(row) for row in rows)])
    text += newline if last_newline else ""
    try:
        expected = _parse_csv(text, "b.csv", COLUMNS)
    except ImportFileError as error:
        with pytest.raises(ImportFileError, match=re.escape(str(error))):
            parse_table(text, "b.csv", COLUMNS)
    else:
        assert parse_table(text, "b.csv", COLUMNS) == expected


def test_a_cell_over_the_csv_field_limit_is_refused_in_a_plain_export_too():
    huge = "x" * 200_000
    with pytest.raises(ImportFileError, match=r"b\.csv: line 2: field larger than field limit"):
        parse_table(f"{HEADER}\nSOW-1,{huge},PM,2026-11-30,1,hard,\n", "b.csv", COLUMNS)


@pytest.mark.parametrize("control", ["\0", "\x07", "\x1b", "\x85"])
def test_a_cell_with_a_control_character_makes_its_row_bad_not_the_database_fail(control):
    """PostgreSQL refuses NUL in text; no one types any of them."""
    rows = [f"SOW-1,a{control}@x.io,PM,2026-11-30,8,hard,", "SOW-2,b@x.io,PM,2026-11-30,8,hard,"]
    text = "\n".join([HEADER, *rows, ""])
    table = parse_table(text, "b.csv", COLUMNS)
    assert [line for line, _ in table.rows] == [3]
    (bad,) = table.malformed
    assert (bad.line, bad.sow) == (2, "SOW-1")
    assert str(bad).startswith("line 2, person_email: holds a control character")
    assert "CSV UTF-8" in str(bad)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["\n", "\r\n"]), st.integers(1, 4), st.data())
def test_a_file_read_in_parts_reads_as_the_whole_text(tmp_path, newline, size, data):
    """However the parts fall (a quoted cell spanning lines, a blank or bad row, the
    header late), their rows, lines and bad rows are the whole text's."""
    full = st.lists(cells, min_size=7, max_size=7)
    rows = data.draw(st.lists(st.one_of(full, full, st.lists(cells, max_size=9)), max_size=12))
    leading = newline * data.draw(st.integers(0, 2))
    text = leading + newline.join([HEADER, *(",".join(row) for row in rows)]) + newline
    path = tmp_path / "b.csv"
    path.write_bytes(text.encode())
    try:
        whole = _parse_csv(text, "b.csv", COLUMNS)
    except ImportFileError as error:
        with pytest.raises(ImportFileError, match=re.escape(str(error))):
            list(read_tables(path, COLUMNS, rows=size))
        return
    parts = list(read_tables(path, COLUMNS, rows=size))
    assert [line for part in parts for line in part.lines] == whole.lines
    for column in COLUMNS:
        assert [cell for part in parts for cell in part.columns[column]] == whole.columns[column]
    assert [bad for part in parts for bad in part.malformed] == whole.malformed
