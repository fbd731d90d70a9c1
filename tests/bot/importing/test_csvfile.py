"""Reading files: encodings, headers and physical line numbers, without a database."""

import pytest

from bot.importing.csvfile import ImportFileError, parse_table, read_text
from bot.importing.formats import BOOKINGS

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
    with pytest.raises(ImportFileError, match=r"missing column 'bill_rate'$"):
        parse_table("sow,person_email,role,week_start,hours,kind\n", "b.csv", COLUMNS)


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
