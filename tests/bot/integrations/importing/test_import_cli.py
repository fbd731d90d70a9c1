"""`psbot import` as a command: one-line errors, exit codes, progress only on a terminal."""

import io

import pytest
import sqlalchemy as sa

from bot.entry.cli import main
from bot.integrations.importing.formats import BadRow, Problem
from bot.integrations.importing.progress import TerminalProgress
from bot.integrations.importing.run import bad_row_lines
from bot.store.models import Booking
from tests.bot.integrations.importing.conftest import BOOKINGS_HEADER, rows, write_csv


def test_file_problems_are_one_line_and_exit_2(psbot, tmp_path):
    (tmp_path / "latin1.csv").write_bytes(
        f"{BOOKINGS_HEADER}\n".encode() + "René".encode("latin-1")
    )
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder.csv").mkdir()
    write_csv(tmp_path, "typo.csv", "sow,person_email,role,weekstart,hours,kind,bill_rate,notes\n")
    # bill_rate may be left out, but not misspelt: the rates would silently be empty.
    write_csv(tmp_path, "rate.csv", "sow,person_email,role,week_start,hours,kind,Bill Rate\n")
    for name, message in [
        (
            "missing.csv",
            f"psbot: cannot read {tmp_path / 'missing.csv'}: No such file or directory",
        ),
        ("folder.csv", f"psbot: {tmp_path / 'folder.csv'} is a folder, not a CSV file"),
        ("empty.csv", "psbot: empty.csv is empty; expected a header line: sow, person_email,"),
        ("latin1.csv", "psbot: latin1.csv is not UTF-8 text; in Excel use Save As → CSV UTF-8"),
        ("typo.csv", "psbot: typo.csv: missing column 'week_start' (found 'weekstart' — a typo?)"),
        ("rate.csv", "psbot: rate.csv: missing column 'bill_rate' (found 'bill rate' — a typo?)"),
    ]:
        result = psbot("import", "bookings", tmp_path / name)
        assert (result.code, result.out) == (2, ""), name
        assert result.err.startswith(message)
        assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_a_header_with_a_bom_and_no_rows_is_nothing_to_import(psbot, tmp_path, session_factory):
    path = tmp_path / "bookings.csv"
    path.write_bytes(b"\xef\xbb\xbf" + BOOKINGS_HEADER.upper().encode() + b"\r\n")
    result = psbot("import", "bookings", path)
    assert (result.code, result.err) == (0, "")
    assert result.out == "bookings.csv: nothing to import (no rows after the header)\n"


@pytest.mark.usefixtures("with_projects")
def test_a_bom_file_with_rows_imports(psbot, tmp_path, session_factory):
    path = tmp_path / "bookings.csv"
    text = f"{BOOKINGS_HEADER}\r\nSOW-1,a@example.com,PM,2026-11-30,8,hard,\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert psbot("import", "bookings", path).out.startswith("bookings.csv: 1 inserted")
    assert len(rows(session_factory, sa.select(Booking.id))) == 1


def test_an_unmigrated_database_is_refused(psbot, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    path = write_csv(tmp_path, "b.csv", f"{BOOKINGS_HEADER}\n")
    assert main(["import", "bookings", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == "psbot: the database schema is not up to date; run `psbot migrate` first\n"


def test_unknown_kind_is_a_usage_error(psbot, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "timesheets", "x.csv"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'timesheets'" in capsys.readouterr().err


@pytest.mark.usefixtures("with_projects")
def test_no_progress_when_stderr_is_not_a_terminal(psbot, tmp_path):
    text = f"{BOOKINGS_HEADER}\nSOW-1,a@example.com,PM,2026-11-30,8,hard,\n"
    result = psbot("import", "bookings", write_csv(tmp_path, "b.csv", text))
    assert result.err == ""


def test_progress_redraws_one_line_and_erases_it():
    stream = io.StringIO()
    with TerminalProgress(stream, "b.csv") as progress:
        for done in range(1, 50_001):
            progress(done, 50_000)
    output = stream.getvalue()
    assert output.startswith("\rb.csv: 1/50,000 rows read")
    assert "\rb.csv: 50,000/50,000 rows read" in output
    assert output.count("\r") < 10  # throttled, not one redraw per row
    assert output.endswith("\r" + " " * len("b.csv: 50,000/50,000 rows read") + "\r")
    assert "\n" not in output


def test_a_long_list_of_bad_rows_is_cut_short():
    bad_rows = [BadRow(line, (Problem("hours", "is empty"),)) for line in range(2, 107)]
    lines = bad_row_lines("b.csv", bad_rows)
    assert len(lines) == 101
    assert lines[0] == "b.csv: line 2, hours: is empty"
    assert lines[-1] == "b.csv: … and 5 more bad rows"
