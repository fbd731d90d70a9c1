"""Kantata account members → the bench: people with a PS role, their capacity and time off.

Pure, like `mapping`: fetched objects go in, records come out, validated by the people
file's own rules (`psbot import people`), so a sync and an import agree.

- account membership → person: its user's email and `full_name`; the role is the
  membership's default role, mapped by KANTATA_ROLES (members whose role is not PM, PSE
  or TA are not PS people and are left out); active unless the membership has a
  `disabled_at` or the user is `disabled`; weekly capacity from the user custom field
  KANTATA_FIELD_WEEKLY_CAPACITY (40 h when empty).
- time off entry → hours off on its `requested_date`, summed per person and day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.core.fields import FieldError, parse_hours
from bot.core.settings import KantataFields
from bot.integrations.importing.formats import PersonRecord, parse_person
from bot.integrations.kantata.client import KantataPayloadError, Objects
from bot.integrations.kantata.mapping import USER, CustomFields, Graph

PEOPLE_KINDS = (
    "account_memberships",
    "users",
    "roles",
    "custom_field_values",
    "time_off_entries",
)


@dataclass
class PeoplePlan:
    """The PS people Kantata lists, their Kantata user ids, time off, and what was skipped."""

    people: list[PersonRecord] = field(default_factory=list)
    kantata_ids: dict[str, str] = field(default_factory=dict)  # email → user id
    time_off: dict[tuple[str, dt.date], Decimal] = field(default_factory=dict)  # (email, day)
    skipped: list[str] = field(default_factory=list)


def plan_people(objects: Objects, fields: KantataFields, roles: Mapping[str, str]) -> PeoplePlan:
    """The people and time off to store; raises KantataPayloadError on a bad payload."""
    graph = Graph(objects)
    custom = CustomFields(graph)
    plan = PeoplePlan()
    emails: dict[str, str] = {}  # user id → email, for every PS person
    for membership in graph.all("account_memberships"):
        user_id = membership.ref("user_id", required=False)
        role_id = membership.ref("default_role_id", required=False)
        if user_id is None or role_id is None:
            continue
        role_name = graph.get("roles", role_id, membership).text("name") or ""
        role = roles.get(role_name.casefold())
        if role is None:
            continue  # not on the PS team
        user = graph.get("users", user_id, membership)
        disabled = bool(membership.data.get("disabled_at")) or user.flag("disabled", required=False)
        values = {
            "email": user.text("email_address", required=False) or "",
            "name": user.text("full_name", required=False) or "",
            "role": role,
            "weekly_capacity": custom.read(USER, user_id, fields.weekly_capacity, parse_hours),
            "active": "no" if disabled else "yes",
        }
        parsed = parse_person(values)
        if isinstance(parsed, list):
            reasons = "; ".join(str(problem) for problem in parsed)
            plan.skipped.append(f"{user} ({role_name}): {reasons}")
            continue
        if parsed.email in plan.kantata_ids:
            plan.skipped.append(
                f"{user}: {parsed.email} is also user {plan.kantata_ids[parsed.email]}"
            )
            continue
        plan.people.append(parsed)
        plan.kantata_ids[parsed.email] = user_id
        emails[user_id] = parsed.email
    plan.time_off = _time_off(graph, emails)
    return plan


def _time_off(graph: Graph, emails: Mapping[str, str]) -> dict[tuple[str, dt.date], Decimal]:
    """Hours off per (email, day), for the PS people."""
    hours: defaultdict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
    for entry in graph.all("time_off_entries"):
        email = emails.get(entry.ref("user_id", required=False) or "")
        day = entry.date("requested_date")
        if email is None or day is None:
            continue
        value = entry.data.get("hours")
        try:
            off = parse_hours(str(value)) if not isinstance(value, bool) else None
        except FieldError:
            off = None
        if off is None:
            raise KantataPayloadError(f"{entry}: 'hours' is {value!r}, not a number of hours")
        hours[(email, day)] += off
    return dict(hours)
