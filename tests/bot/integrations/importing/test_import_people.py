"""`psbot import people`: the PS team, with their role, weekly capacity and whether active.

People are matched by email (any letter case) and created when new; people not in the
file are left alone. Same CSV rules as the other imports.
"""

from decimal import Decimal

import sqlalchemy as sa
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.core.fields import FieldError
from bot.integrations.importing.formats import PersonRecord, parse_active, parse_person
from bot.store.models import Person
from tests.bot.integrations.importing.conftest import rows, write_csv

HEADER = "email,name,role,weekly_capacity,active"
TEAM = f"""\
{HEADER}
Pat@Example.com,Pat Engineer,PSE,,yes
tia@example.com,Tia Architect,ta,32,yes
ben@example.com,Ben Bench,PSE,40,no
"""


def people(session_factory) -> set[tuple]:
    statement = sa.select(
        Person.email, Person.name, Person.role, Person.weekly_capacity_hours, Person.active
    )
    return {tuple(r) for r in rows(session_factory, statement)}


def test_people_are_imported_with_role_capacity_and_active(psbot, tmp_path, session_factory):
    path = write_csv(tmp_path, "people.csv", TEAM)
    result = psbot("import", "people", path)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "people.csv: 3 inserted, 0 updated, 0 removed"
    assert people(session_factory) == {
        ("pat@example.com", "Pat Engineer", "PSE", 40, True),  # empty capacity: 40 h
        ("tia@example.com", "Tia Architect", "TA", 32, True),
        ("ben@example.com", "Ben Bench", "PSE", 40, False),
    }
    again = psbot("import", "people", path)
    assert again.out.splitlines()[0] == "people.csv: 0 inserted, 0 updated, 0 removed"


def test_a_changed_row_updates_and_others_are_left_alone(psbot, tmp_path, session_factory):
    psbot("import", "people", write_csv(tmp_path, "people.csv", TEAM))
    changed = f"{HEADER}\ntia@example.com,Tia Architect,TA,24,no\n"
    result = psbot("import", "people", write_csv(tmp_path, "people.csv", changed))
    assert result.out.splitlines()[0] == "people.csv: 0 inserted, 1 updated, 0 removed"
    assert ("tia@example.com", "Tia Architect", "TA", 24, False) in people(session_factory)
    assert len(people(session_factory)) == 3


def test_bad_rows_name_line_and_reason_and_nothing_is_written(psbot, tmp_path, session_factory):
    text = f"""\
    {HEADER}
    pat@example.com,Pat Engineer,PSE,,yes
    not-an-email,Someone,PSE,,yes
    sam@example.com,Sam Sales,Sales,,yes
    lee@example.com,Lee,TA,200,yes
    kim@example.com,Kim,PM,lots,yes
    max@example.com,,PM,40,maybe
    jo@example.com,Jo,PSE,40,
    PAT@example.com,Pat Again,PSE,,yes
    """
    path = write_csv(tmp_path, "people.csv", text)
    result = psbot("import", "people", path)
    assert result.code == 2
    assert result.err.splitlines()[:7] == [
        "people.csv: line 3, email: 'not-an-email' is not an email address",
        "people.csv: line 4, role: 'Sales' is not one of PM, PSE, TA",
        "people.csv: line 5, weekly_capacity: 200 is more than the 168 hours in a week",
        "people.csv: line 6, weekly_capacity: 'lots' is not a number",
        "people.csv: line 7, name: is empty; a value is required; active: 'maybe' is not yes or no",
        "people.csv: line 8, active: is empty; yes or no is required",
        "people.csv: line 9: duplicate of line 2",
    ]
    assert people(session_factory) == set()

    skipped = psbot("import", "people", path, "--skip-bad-rows")
    assert skipped.code == 0
    assert skipped.out.splitlines()[0] == (
        "people.csv: 1 inserted, 0 updated, 0 removed, 7 skipped (bad rows)"
    )
    assert people(session_factory) == {("pat@example.com", "Pat Engineer", "PSE", 40, True)}


def test_a_missing_column_is_one_line(psbot, tmp_path, session_factory):
    text = "email,name,role,weekly_capacity\npat@example.com,Pat,PSE,40\n"
    result = psbot("import", "people", write_csv(tmp_path, "people.csv", text))
    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert "active" in result.err
    assert people(session_factory) == set()


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_active_is_yes_or_no_and_never_empty(text):
    try:
        value = parse_active(text)
    except FieldError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert text and value in (True, False)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    capacity=st.decimals(min_value=0, max_value=168, places=2),
    role=st.sampled_from(["PM", "pse", "Ta"]),
    active=st.sampled_from(["yes", "no", "Y", "FALSE"]),
)
def test_any_valid_row_reads_back_as_written(capacity, role, active):
    parsed = parse_person(
        {
            "email": "Someone@Example.com",
            "name": "Some One",
            "role": role,
            "weekly_capacity": str(capacity),
            "active": active,
        }
    )
    assert parsed == PersonRecord(
        "someone@example.com",
        "Some One",
        role.upper(),
        Decimal(str(capacity)).quantize(Decimal("0.01")),
        active.lower() in ("yes", "y"),
    )
