"""The Kantata account the sync tests read, and the CSV exports equivalent to it.

Five account members: the three booked people, Ben (a PSE on the bench, on no project)
and Sam (an account executive, not PS). Tia's weekly capacity is 32 h; Pat is off on
Tuesday 1 December.

Two client projects and an internal one without a SOW number (skipped). Pat's hard
allocation runs from Wednesday 25 November to Friday 18 December: 18 working days, 144 h,
so 3 days (24 h) in the week of 23 November, across the month boundary, and 40 h in each
of the next three weeks. An unnamed Technical Architect resource is skipped. Custom
fields are shown as Kantata displays them ("$200.00", "10/05/2026", a choice's label)
with the stored value beside.

Time entries are dated days before the real today (the sync reads those of this quarter
and the last): Pat's two on Rollout (one approved, at $180), Tia's non-billable one on
Migration, and one on the internal project, which is not synced.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

Objects = dict[str, dict[str, dict[str, Any]]]


def _by_id(*objects: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in objects}


def _value(value_id: str, subject: str, subject_id: str, name: str, value, display) -> dict:
    return {
        "id": value_id,
        "subject_type": subject,
        "subject_id": int(subject_id),  # Kantata mixes numbers and strings for ids
        "custom_field_id": "9" + value_id,
        "custom_field_name": name,
        "type": "string",
        "value": value,
        "display_value": display,
    }


def _allocation(allocation_id, resource_id, workspace_id, start, end, minutes, hard) -> dict:
    return {
        "id": allocation_id,
        "workspace_resource_id": resource_id,
        "workspace_id": workspace_id,
        "start_date": start,
        "end_date": end,
        "minutes": minutes,
        "percentage": None,
        "notes": "",
        "hard": hard,
    }


def _time_entry(entry_id, workspace_id, user_id, days_ago, minutes, approved, rate, billable):
    performed = dt.date.today() - dt.timedelta(days=days_ago)
    return {
        "id": entry_id,
        "workspace_id": workspace_id,
        "user_id": user_id,
        "story_id": None,
        "date_performed": performed.isoformat(),
        "time_in_minutes": minutes,
        "approved": approved,
        "billable": billable,
        "rate_in_cents": rate,
        "cost_rate_in_cents": 9000,
        "currency": "USD",
        "notes": "",
        "created_at": f"{performed.isoformat()}T17:00:00-05:00",
        "updated_at": f"{performed.isoformat()}T17:00:00-05:00",
    }


# Every object says when it was created and last updated, as Kantata's do; the sample's
# predate the tests' first sync, so an incremental sync sees only what a test changes.
STAMPED = "2026-11-02T09:00:00-05:00"


def _stamped(objects: Objects) -> Objects:
    for by_id in objects.values():
        for obj in by_id.values():
            obj.setdefault("created_at", STAMPED)
            obj.setdefault("updated_at", STAMPED)
    return objects


def _membership(membership_id: str, user_id: str, role_id: str, **more) -> dict:
    return {
        "id": membership_id,
        "user_id": user_id,
        "default_role_id": role_id,
        "disabled_at": None,
        **more,
    }


def kantata_objects() -> Objects:
    return _stamped(_objects())


def _objects() -> Objects:
    return {
        "users": _by_id(
            {"id": "1", "full_name": "Pam Manager", "email_address": "Pam@Example.com"},
            {"id": "2", "full_name": "Pat Engineer", "email_address": "pat@example.com"},
            {"id": "3", "full_name": "Tia Architect", "email_address": "tia@example.com"},
            # On the bench: a PSE on no project at all.
            {"id": "4", "full_name": "Ben Bench", "email_address": "ben@example.com"},
            {"id": "5", "full_name": "Sam Sales", "email_address": "sam@example.com"},
        ),
        "roles": _by_id(
            {"id": "10", "name": "Project Manager"},
            {"id": "11", "name": "Professional Services Engineer"},
            {"id": "12", "name": "Technical Architect"},
            {"id": "13", "name": "Account Executive"},
        ),
        # Every account member, with the default role that makes them PS people or not.
        "account_memberships": _by_id(
            _membership("60", "1", "10"),
            _membership("61", "2", "11"),
            _membership("62", "3", "12"),
            _membership("63", "4", "11"),
            _membership("64", "5", "13"),
        ),
        # Pat is off on Tuesday 1 December.
        "time_off_entries": _by_id(
            {"id": "70", "user_id": "2", "requested_date": "2026-12-01", "hours": 8},
        ),
        "workspace_groups": _by_id(
            {"id": "100", "name": "Acme", "company": True},
            {"id": "101", "name": "Globex", "company": True},
            {"id": "102", "name": "EMEA", "company": False},
        ),
        "workspaces": _by_id(
            {
                "id": "1",
                "title": "Rollout",
                "start_date": "2026-10-01",
                "due_date": "2027-03-31",
                "status": {"color": "green", "key": 305, "message": "In Progress"},
                "primary_maven_id": "1",
                "workspace_group_ids": ["100", "102"],
                "archived": False,
            },
            {
                "id": "2",
                "title": "Migration",
                "start_date": None,
                "due_date": None,
                "status": {"color": "blue", "key": 410, "message": "Completed"},
                "primary_maven_id": None,
                "workspace_group_ids": ["101"],
                "archived": False,
            },
            {
                "id": "3",
                "title": "Internal tooling",
                "start_date": "2026-01-05",
                "due_date": None,
                "status": {"color": "green", "key": 305, "message": "In Progress"},
                "primary_maven_id": "2",
                "workspace_group_ids": ["100"],
                "archived": False,
            },
        ),
        "custom_field_values": _by_id(
            _value("500", "Workspace", "1", "SOW Number", "SOW-1", "SOW-1"),
            _value("501", "Workspace", "1", "Project Type", [9001], "T&M"),
            _value("502", "Workspace", "1", "Top Customer", True, "Yes"),
            _value("503", "Workspace", "1", "Kickoff Date", "2026-10-05", "10/05/2026"),
            _value(
                "504",
                "Workspace",
                "1",
                "RAID Log",
                "https://raid.example.com/sow-1",
                "https://raid.example.com/sow-1",
            ),
            _value("510", "Workspace", "2", "SOW Number", "sow-2", "sow-2"),
            _value("511", "Workspace", "2", "Project Type", [9002], "Fixed Fee"),
            _value("512", "Workspace", "2", "Top Customer", False, "No"),
            _value("520", "Resource", "20", "Bill Rate", 200, "$200.00"),
            # Recorded responses spell subject types in snake_case too.
            _value("521", "resource", "21", "Bill Rate", 180, "$180.00"),
            _value("530", "Story", "40", "Sign-off Sent", "2026-12-16", "12/16/2026"),
            _value("531", "Story", "40", "Passive Acceptance Days", 5, "5"),
            # Tia works four days a week.
            _value("540", "User", "3", "Weekly Capacity", 32, "32"),
        ),
        "workspace_resources": _by_id(
            {"id": "20", "workspace_id": "1", "user_id": "1", "role_id": "10", "label": "PM"},
            {"id": "21", "workspace_id": "1", "user_id": "2", "role_id": "11", "label": "PSE"},
            {
                "id": "22",
                "workspace_id": "1",
                "user_id": None,
                "role_id": "12",
                "label": "Technical Architect (unnamed)",
            },
            {"id": "23", "workspace_id": "2", "user_id": "3", "role_id": "12", "label": "TA"},
            {"id": "24", "workspace_id": "3", "user_id": "2", "role_id": "11", "label": "PSE"},
        ),
        "workspace_allocations": _by_id(
            _allocation("30", "20", "1", "2026-11-30", "2026-12-04", 480, True),
            _allocation("31", "21", "1", "2026-11-25", "2026-12-18", 8640, True),
            _allocation("32", "21", "1", "2026-12-21", "2026-12-25", 1200, False),
            _allocation("33", "22", "1", "2026-12-07", "2026-12-11", 2400, False),
            _allocation("34", "23", "2", "2026-12-14", "2026-12-18", 630, False),
            _allocation("35", "24", "3", "2026-12-07", "2026-12-11", 2400, True),
        ),
        "time_entries": _by_id(
            _time_entry("60", "1", "2", 12, 480, True, 18000, True),
            _time_entry("61", "1", "2", 11, 450, False, 18000, True),
            _time_entry("62", "2", "3", 7, 90, True, 0, False),
            _time_entry("63", "3", "2", 7, 240, True, 18000, True),
        ),
        "stories": _by_id(
            {
                "id": "40",
                "workspace_id": "2",
                "title": "Design sign-off",
                "story_type": "milestone",
                "due_date": "2026-12-15",
            },
            {
                "id": "41",
                "workspace_id": "2",
                "title": "Go-live",
                "story_type": "milestone",
                "due_date": "2027-01-31",
            },
            {
                "id": "42",
                "workspace_id": "1",
                "title": "Configure SSO",
                "story_type": "task",
                "due_date": "2026-12-01",
            },
        ),
    }


PROJECTS_CSV = """\
sow,customer,name,type,pm_email,status,start_date,end_date,kickoff_date,top_customer,raid_url,epic_url
SOW-1,Acme,Rollout,T&M,pam@example.com,active,2026-10-01,2027-03-31,2026-10-05,yes,https://raid.example.com/sow-1,
SOW-2,Globex,Migration,FF,,completed,,,,no,,
"""
BOOKINGS_CSV = """\
sow,person_email,role,week_start,hours,kind,bill_rate
SOW-1,pam@example.com,PM,2026-11-30,8,hard,200
SOW-1,pat@example.com,PSE,2026-11-23,24,hard,180
SOW-1,pat@example.com,PSE,2026-11-30,40,hard,180
SOW-1,pat@example.com,PSE,2026-12-07,40,hard,180
SOW-1,pat@example.com,PSE,2026-12-14,40,hard,180
SOW-1,pat@example.com,PSE,2026-12-21,20,soft,180
SOW-2,tia@example.com,TA,2026-12-14,10.5,soft,
"""
MILESTONES_CSV = """\
sow,milestone,due_date,signoff_sent,signoff_received,passive_days
SOW-2,Design sign-off,2026-12-15,2026-12-16,,5
SOW-2,Go-live,2027-01-31,,,
"""

PEOPLE_CSV = """\
email,name,role,weekly_capacity,active
pam@example.com,Pam Manager,PM,,yes
pat@example.com,Pat Engineer,PSE,,yes
tia@example.com,Tia Architect,TA,32,yes
ben@example.com,Ben Bench,PSE,40,yes
"""

FIRST_SYNC = [
    "projects: 2 inserted, 0 updated, 0 removed, 1 skipped",
    "bookings: 7 inserted, 0 updated, 0 removed, 1 skipped",
    "milestones: 2 inserted, 0 updated, 0 removed",
    "people: 4 inserted, 0 updated, 0 removed",
    "actuals: 3 inserted, 0 updated, 0 removed",
]
FIRST_SYNC_SKIPPED = [
    "projects: skipped workspace 3 'Internal tooling': custom field 'SOW Number': is empty; "
    "a SOW number is required; custom field 'Project Type': '' is not one of T&M, FF, "
    "Consulting Block, Dedicated Engineer",
    "bookings: skipped workspace resource 22 on SOW-1 (Technical Architect (unnamed)): "
    "unnamed resource; 1 allocation not synced",
]
NOTHING_CHANGED = [
    "projects: 0 inserted, 0 updated, 0 removed, 1 skipped",
    "bookings: 0 inserted, 0 updated, 0 removed, 1 skipped",
    "milestones: 0 inserted, 0 updated, 0 removed",
    "people: 0 inserted, 0 updated, 0 removed",
    "actuals: 0 inserted, 0 updated, 0 removed",
]
