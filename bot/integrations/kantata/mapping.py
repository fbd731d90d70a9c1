"""Kantata objects → the CSV import's records, with the import's own validation.

Pure: a `Snapshot` of fetched objects and the field settings go in, a `SyncPlan` comes
out. Each workspace, booking week and milestone is turned into the cells of the matching
CSV row and parsed by `bot.integrations.importing.formats`, so a sync and an import of
the equivalent files apply exactly the same rules and produce the same records.

Two kinds of trouble are told apart:
- the payload is not what Kantata documents (a missing field, a date that is not a date,
  a reference to an object that was not sent): `KantataPayloadError`, nothing is written;
- the data does not fit psbot (no SOW number, an unknown role, an unnamed resource): that
  workspace, resource or milestone is skipped and reported, like a bad CSV row skipped
  with --skip-bad-rows; the rest is synced.

How Kantata maps onto psbot:
- workspace → project (it keeps the workspace id, so a changed SOW number renames it):
  SOW number, project type, Top Customer flag, kickoff date and the RAID/epic links from
  custom fields (names in settings); customer = the name of the workspace's client group
  (its workspace group marked `company`); name = `title`; PM = the `primary_maven`
  (provider lead) user's email; dates = `start_date`/`due_date`; status from the status
  message (see STATUSES).
- workspace allocation → bookings: the allocation's workspace resource gives the person
  (its user's email), the role (its role's name, mapped by KANTATA_ROLES) and the bill rate
  (a custom field on the resource); `hard` gives the kind. `minutes` is the allocation's
  total over `start_date`…`end_date`; it is spread evenly over the working days (Mon–Fri)
  of that range and summed per Monday week, so a partial week gets its share of working
  days (a range of weekend days only counts as its first day's week). Hours are rounded to
  the cent so that the weeks add up to the allocation exactly; weeks that round to 0 h are
  left out. Allocations landing on the same (project, person, role, week, kind) add up.
- story of type milestone → milestone (it keeps the story id, so a renamed one is
  renamed): `title`, `due_date`, and the sign-off dates and passive-acceptance days
  from custom fields on the story; its amount from a custom field
  (KANTATA_FIELD_MILESTONE_AMOUNT) or else the story's `budget_estimate_in_cents`.
- workspace → its EM>PS transition date from a custom field (KANTATA_FIELD_TRANSITION_DATE).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.core.dates import monday_of
from bot.core.fields import (
    FieldError,
    parse_amount,
    parse_bill_rate,
    parse_date,
    parse_email,
    parse_positive_int,
    parse_sow,
    parse_url,
    parse_yes_no,
)
from bot.core.settings import KantataFields
from bot.integrations.importing.formats import (
    BookingRecord,
    MilestoneRecord,
    Problem,
    ProjectRecord,
    parse_booking,
    parse_milestone,
    parse_project,
    parse_project_type,
)
from bot.integrations.kantata.client import KantataPayloadError, Objects

CENTS = Decimal("0.01")
MAX_ALLOCATION_DAYS = 3660  # ten years; anything longer is a typo in Kantata, not a plan

# Kantata project status message (case-folded) → psbot status; any other is "active".
STATUSES = {
    "closing": "closing",
    "completed": "completed",
    "complete": "completed",
    "closed": "completed",
    "cancelled": "completed",
    "canceled": "completed",
}

LABELS = {
    "workspaces": "workspace",
    "workspace_groups": "workspace group",
    "workspace_resources": "workspace resource",
    "workspace_allocations": "workspace allocation",
    "users": "user",
    "roles": "role",
    "stories": "story",
    "custom_field_values": "custom field value",
}

# Custom field values name their subject by these types, as `subject_type_key` reads
# them. Kantata documents `Workspace`, `Resource` (a workspace resource), `Story`, `User`
# (developer.kantata.com, custom-field-values); recorded responses spell them in
# snake_case too ("workspace_group"), so case and underscores are ignored. Nothing shows
# a tenant sending "WorkspaceResource": it is not accepted.
WORKSPACE, RESOURCE, STORY, USER = "workspace", "resource", "story", "user"


def subject_type_key(subject_type: str) -> str:
    """`Resource`, `resource`, `RESOURCE` → "resource"; `WorkspaceGroup`, `workspace_group`
    → "workspacegroup"."""
    return subject_type.replace("_", "").casefold()


@dataclass(frozen=True)
class Snapshot:
    """What one sync fetched: the listed ids per endpoint, and every object by type and id."""

    workspaces: list[str]
    resources: list[str]
    allocations: list[str]
    milestones: list[str]
    objects: Objects


@dataclass
class SyncPlan:
    """The records to store, what they cover, and what was skipped (one line each)."""

    projects: dict[str, ProjectRecord] = field(default_factory=dict)  # by workspace id
    bookings: list[BookingRecord] = field(default_factory=list)
    milestones: dict[str, MilestoneRecord] = field(default_factory=dict)  # by story id
    # Every workspace Kantata listed, synced or skipped: a project whose workspace is not
    # among them is no longer in Kantata (deleted, archived, or hidden from the token).
    listed_workspaces: set[str] = field(default_factory=set)
    # The projects whose bookings and milestones become exactly Kantata's …
    covered_sows: set[str] = field(default_factory=set)
    # … except that these keep the bookings Kantata lacks: some of theirs were skipped …
    keep_sows: set[str] = field(default_factory=set)
    # … and these the milestones Kantata lacks, for the same reason.
    keep_milestone_sows: set[str] = field(default_factory=set)
    skipped: dict[str, list[str]] = field(
        default_factory=lambda: {"projects": [], "bookings": [], "milestones": []}
    )

    @property
    def emails(self) -> set[str]:
        """Everyone the records name: PMs and booked people."""
        return {r.pm_email for r in self.projects.values() if r.pm_email} | {
            r.person_email for r in self.bookings
        }


# --- reading objects ---------------------------------------------------------------------


class KObject:
    """One Kantata object; its readers raise KantataPayloadError naming object and field."""

    def __init__(self, kind: str, object_id: str, data: Mapping[str, Any]) -> None:
        self.kind = kind
        self.id = object_id
        self.data = data

    def __str__(self) -> str:
        return f"{LABELS.get(self.kind, self.kind)} {self.id}"

    def _value(self, name: str, required: bool) -> Any:
        if name not in self.data:
            if required:
                raise KantataPayloadError(f"{self} has no {name!r}")
            return None
        return self.data[name]

    def _wrong(self, name: str, value: Any, expected: str) -> KantataPayloadError:
        given = repr(value)
        given = given if len(given) <= 40 else given[:37] + "..."
        return KantataPayloadError(f"{self}: {name!r} is {given}, not {expected}")

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(name, value, "text")
        return value.strip()

    def ref(self, name: str, *, required: bool = True) -> str | None:
        """Another object's id (Kantata sends ids as strings, sometimes as numbers)."""
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
            raise self._wrong(name, value, "an id")
        return str(value)

    def refs(self, name: str) -> list[str]:
        value = self._value(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or any(isinstance(v, bool | dict | list) for v in value):
            raise self._wrong(name, value, "a list of ids")
        return [str(v) for v in value]

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        value = self._value(name, required)
        if value is None or value == "":
            if required:
                raise KantataPayloadError(f"{self} has no {name!r}")
            return None
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise self._wrong(name, value, "a YYYY-MM-DD date") from None

    def whole(self, name: str) -> int:
        value = self._value(name, True)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._wrong(name, value, "a whole number of 0 or more")
        return value

    def flag(self, name: str, *, required: bool = True) -> bool:
        value = self._value(name, required)
        if value is None and not required:
            return False
        if not isinstance(value, bool):
            raise self._wrong(name, value, "true or false")
        return value

    def mapping(self, name: str) -> Mapping[str, Any]:
        value = self._value(name, False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._wrong(name, value, "an object")
        return value


class Graph:
    """Every fetched object by type and id."""

    def __init__(self, objects: Objects) -> None:
        self.objects = objects

    def get(self, kind: str, object_id: str, referrer: KObject | None = None) -> KObject:
        data = self.objects.get(kind, {}).get(object_id)
        if data is None:
            named = f"{referrer} names " if referrer else ""
            raise KantataPayloadError(f"{named}{LABELS.get(kind, kind)} {object_id}, not sent")
        return KObject(kind, object_id, data)

    def all(self, kind: str) -> list[KObject]:
        return [KObject(kind, i, data) for i, data in sorted(self.objects.get(kind, {}).items())]


class CustomFields:
    """Custom field values by (subject type, subject id, field name), names case-folded."""

    def __init__(self, graph: Graph) -> None:
        self.values: dict[tuple[str, str, str], list[str]] = {}
        for value in sorted(graph.all("custom_field_values"), key=lambda v: _id_order(v.id)):
            key = (
                subject_type_key(value.text("subject_type") or ""),
                value.ref("subject_id") or "",
                (value.text("custom_field_name") or "").casefold(),
            )
            # The first value of a field wins (a multi-valued field reads as its first).
            self.values.setdefault(key, _candidates(value))

    def read(self, subject: str, subject_id: str, name: str, parser: Callable[[str], Any]) -> str:
        """The field's text: the first of display_value and value that `parser` accepts.

        Kantata shows a choice by its label but stores its id, a date may be displayed in
        the account's format but stored as ISO, a currency as "$1,200.00" but stored as a
        number; trying both reads each kind of field as a person would. When neither
        parses, the displayed text is returned so that the import's message quotes it.
        """
        candidates = self.values.get((subject, subject_id, name.casefold()), [])
        for text in candidates:
            try:
                parser(text)
            except FieldError:
                continue
            return text
        return candidates[0] if candidates else ""


def _candidates(value: KObject) -> list[str]:
    texts: list[str] = []
    for name in ("display_value", "value"):
        text = _as_text(value.data.get(name))
        if text and text not in texts:
            texts.append(text)
    # Also the plain number inside a formatted amount: "$1,200.00" → "1200.00".
    numbers = [_plain_number(t) for t in texts]
    return texts + [n for n in numbers if n and n not in texts]


def _as_text(value: Any) -> str:
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value if _as_text(v))
    return str(value).strip()


_AMOUNT = re.compile(r"[^\d.-]*(-?[\d,]*\.?\d+)[^\d]*")


def _plain_number(text: str) -> str:
    match = _AMOUNT.fullmatch(text)
    return match.group(1).replace(",", "") if match else ""


def _id_order(object_id: str) -> tuple[int, str]:
    return (int(object_id), "") if object_id.isdigit() else (0, object_id)


# --- the plan ------------------------------------------------------------------------------


def plan_sync(snapshot: Snapshot, fields: KantataFields, roles: Mapping[str, str]) -> SyncPlan:
    """The records a sync stores for `snapshot`; raises KantataPayloadError on a bad payload."""
    graph = Graph(snapshot.objects)
    custom = CustomFields(graph)
    plan = SyncPlan(listed_workspaces=set(snapshot.workspaces))
    sows = _plan_projects(plan, graph, custom, snapshot.workspaces, fields)
    _plan_bookings(plan, graph, custom, snapshot.allocations, sows, fields, roles)
    _plan_milestones(plan, graph, custom, snapshot.milestones, sows, fields)
    plan.covered_sows = set(sows.values())
    return plan


def _plan_projects(
    plan: SyncPlan,
    graph: Graph,
    custom: CustomFields,
    workspace_ids: Iterable[str],
    fields: KantataFields,
) -> dict[str, str]:
    """Project records for the workspaces; returns the SOW of each synced workspace id."""
    sources = {
        "sow": f"custom field {fields.sow!r}",
        "customer": "client group",
        "name": "title",
        "type": f"custom field {fields.project_type!r}",
        "pm_email": "project lead's email",
        "start_date": "start_date",
        "end_date": "due_date",
        "kickoff_date": f"custom field {fields.kickoff_date!r}",
        "transition_date": f"custom field {fields.transition_date!r}",
        "top_customer": f"custom field {fields.top_customer!r}",
        "raid_url": f"custom field {fields.raid_url!r}",
        "epic_url": f"custom field {fields.epic_url!r}",
    }
    sows: dict[str, str] = {}
    first_of_sow: dict[str, KObject] = {}
    for workspace_id in workspace_ids:
        workspace = graph.get("workspaces", workspace_id)
        title = workspace.text("title") or ""
        customer, problems = _customer(graph, workspace)
        said_customer = bool(problems)
        pm_email = ""
        lead_id = workspace.ref("primary_maven_id", required=False)
        if lead_id is not None:
            pm_email = graph.get("users", lead_id, workspace).text("email_address", required=False)
        start, due = (
            workspace.date("start_date", required=False),
            workspace.date("due_date", required=False),
        )
        status = (workspace.mapping("status").get("message") or "").strip().casefold()

        def cell(name: str, parser: Callable[[str], Any], ws: KObject = workspace) -> str:
            return custom.read(WORKSPACE, ws.id, name, parser)

        values = {
            "sow": cell(fields.sow, parse_sow),
            "customer": customer,
            "name": title,
            "type": cell(fields.project_type, parse_project_type),
            "pm_email": pm_email or "",
            "status": STATUSES.get(status, "active"),
            "start_date": start.isoformat() if start else "",
            "end_date": due.isoformat() if due else "",
            "kickoff_date": cell(fields.kickoff_date, parse_date),
            "top_customer": cell(fields.top_customer, parse_yes_no),
            "raid_url": cell(fields.raid_url, parse_url),
            "epic_url": cell(fields.epic_url, parse_url),
            "transition_date": cell(fields.transition_date, parse_date),
        }
        parsed = parse_project(values)
        what = f"{workspace} {title!r}"
        if isinstance(parsed, list):
            problems += [
                f"{sources.get(p.column or '', p.column)}: {p.reason}"
                for p in parsed
                if not (p.column == "customer" and said_customer)
            ]
        elif parsed.sow in first_of_sow:
            earlier = first_of_sow[parsed.sow]
            problems.append(f"{parsed.sow} is also the SOW of {earlier}")
            plan.keep_sows.add(parsed.sow)  # its allocations are not read: prune nothing
        if problems:
            plan.skipped["projects"].append(f"{what}: " + "; ".join(problems))
            continue
        assert isinstance(parsed, ProjectRecord)
        first_of_sow[parsed.sow] = workspace
        sows[workspace.id] = parsed.sow
        plan.projects[workspace.id] = parsed
    return sows


def _customer(graph: Graph, workspace: KObject) -> tuple[str, list[str]]:
    """The name of the workspace's client group, or why there is none."""
    groups = [
        graph.get("workspace_groups", g, workspace) for g in workspace.refs("workspace_group_ids")
    ]
    clients = [g for g in groups if g.flag("company", required=False)]
    if len(clients) == 1:
        return clients[0].text("name") or "", []
    if not clients:
        return "", ["has no client (a workspace group marked as a company)"]
    names = ", ".join(repr(c.text("name")) for c in clients)
    return "", [f"has {len(clients)} clients ({names}); psbot needs one"]


@dataclass
class _Resource:
    """A workspace resource read once: who, as what, at what rate — or why it is skipped."""

    what: str
    email: str = ""
    role: str = ""
    bill_rate: str = ""
    problem: str = ""
    unnamed: bool = False
    allocations: int = 0


def _plan_bookings(
    plan: SyncPlan,
    graph: Graph,
    custom: CustomFields,
    allocation_ids: Iterable[str],
    sows: Mapping[str, str],
    fields: KantataFields,
    roles: Mapping[str, str],
) -> None:
    resources: dict[str, _Resource] = {}
    hours: defaultdict[tuple[str, str, str, dt.date, str], Decimal] = defaultdict(Decimal)
    rates: dict[tuple[str, str, str, dt.date, str], tuple[tuple[int, str], str]] = {}
    for allocation_id in allocation_ids:
        allocation = graph.get("workspace_allocations", allocation_id)
        resource_id = allocation.ref("workspace_resource_id")
        assert resource_id is not None
        resource = graph.get("workspace_resources", resource_id, allocation)
        workspace_id = allocation_workspace(allocation, resource)
        start, end = allocation.date("start_date"), allocation.date("end_date")
        assert start is not None and end is not None
        minutes, hard = allocation.whole("minutes"), allocation.flag("hard")
        if end < start:
            raise KantataPayloadError(f"{allocation}: end_date {end} is before start_date {start}")
        if (end - start).days > MAX_ALLOCATION_DAYS:
            raise KantataPayloadError(f"{allocation}: {start} to {end} spans over ten years")
        sow = sows.get(workspace_id or "")
        if sow is None:  # a skipped (and reported) or unlisted workspace
            continue
        if resource_id not in resources:
            resources[resource_id] = _read_resource(graph, custom, resource, sow, fields, roles)
        person = resources[resource_id]
        if person.problem:
            person.allocations += 1
            if not person.unnamed:
                plan.keep_sows.add(sow)
            continue
        kind = "hard" if hard else "soft"
        for week, week_hours in weekly_hours(start, end, minutes):
            slot = (sow, person.email, person.role, week, kind)
            hours[slot] += week_hours
            # One rate per slot: that of the resource with the lowest id, whatever the order.
            rate = (_id_order(resource_id), person.bill_rate)
            rates[slot] = min(rates.get(slot, rate), rate)
    for person in sorted(resources.values(), key=lambda r: r.what):
        if person.problem:
            count = f"{person.allocations} allocation" + ("" if person.allocations == 1 else "s")
            plan.skipped["bookings"].append(f"{person.what}: {person.problem}; {count} not synced")
    for slot in sorted(hours):
        sow, email, role, week, kind = slot
        values = {
            "sow": sow,
            "person_email": email,
            "role": role,
            "week_start": week.isoformat(),
            "hours": str(hours[slot]),
            "kind": kind,
            "bill_rate": rates[slot][1],
        }
        parsed = parse_booking(values)
        if isinstance(parsed, list):
            plan.keep_sows.add(sow)
            reasons = "; ".join(str(p) for p in parsed)
            plan.skipped["bookings"].append(
                f"{sow} {email} {role} {kind}, week of {week}: {reasons}"
            )
        else:
            plan.bookings.append(parsed)


def allocation_workspace(allocation: KObject, resource: KObject | None) -> str:
    """The workspace an allocation is in: its own `workspace_id`, which Kantata sends
    only with `include=workspace` (psbot always asks), else its resource's."""
    workspace_id = allocation.ref("workspace_id", required=False)
    if workspace_id is None and resource is not None:
        workspace_id = resource.ref("workspace_id", required=False)
    if workspace_id is None:
        raise KantataPayloadError(
            f"{allocation} has no 'workspace_id' (asked for with include=workspace), "
            "nor has its workspace resource"
        )
    return workspace_id


def _read_resource(
    graph: Graph,
    custom: CustomFields,
    resource: KObject,
    sow: str,
    fields: KantataFields,
    roles: Mapping[str, str],
) -> _Resource:
    role_id = resource.ref("role_id", required=False)
    role_name = graph.get("roles", role_id, resource).text("name") if role_id else None
    label = resource.text("label", required=False) or role_name or "no role"
    person = _Resource(f"{resource} on {sow} ({label})")
    user_id = resource.ref("user_id", required=False)
    if user_id is None:
        person.problem, person.unnamed = "unnamed resource", True
        return person
    user = graph.get("users", user_id, resource)
    try:
        person.email = parse_email(user.text("email_address", required=False) or "")
    except FieldError as error:
        person.problem = f"{user}'s email_address {error}"
        return person
    person.what = f"{resource} on {sow} ({person.email}, {label})"
    if not role_name:
        person.problem = "has no role"
        return person
    person.role = roles.get(role_name.casefold(), "")
    if not person.role:
        person.problem = f"role {role_name!r} is not PM, PSE or TA (map it in KANTATA_ROLES)"
        return person
    person.bill_rate = custom.read(RESOURCE, resource.id, fields.bill_rate, parse_bill_rate)
    if person.bill_rate:
        try:
            parse_bill_rate(person.bill_rate)
        except FieldError as error:
            person.problem = f"custom field {fields.bill_rate!r}: {error}"
    return person


def weekly_hours(start: dt.date, end: dt.date, minutes: int) -> list[tuple[dt.date, Decimal]]:
    """An allocation's `minutes` over start…end as hours per Monday week (see the module doc)."""
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    working = [day for day in days if day.weekday() < 5] or [start]
    per_week = Counter(monday_of(day) for day in working)
    total = Decimal(minutes) / 60
    weeks: list[tuple[dt.date, Decimal]] = []
    counted, so_far = 0, Decimal(0)
    for monday in sorted(per_week):
        # Round the running total, not each week, so the weeks add up to the allocation.
        counted += per_week[monday]
        upto = (total * counted / len(working)).quantize(CENTS, rounding=ROUND_HALF_UP)
        if upto > so_far:
            weeks.append((monday, upto - so_far))
        so_far = upto
    return weeks


def _budget(story: KObject) -> str:
    """The story's budget in dollars, as a CSV cell ("" when Kantata sends none: budgets
    are sent only where the workspace has them and the token's user may see them)."""
    cents = story.data.get("budget_estimate_in_cents")
    if isinstance(cents, bool) or not isinstance(cents, int):
        return ""
    return str(Decimal(cents) / 100)


def _plan_milestones(
    plan: SyncPlan,
    graph: Graph,
    custom: CustomFields,
    story_ids: Iterable[str],
    sows: Mapping[str, str],
    fields: KantataFields,
) -> None:
    sources = {
        "milestone": "title",
        "due_date": "due_date",
        "signoff_sent": f"custom field {fields.signoff_sent!r}",
        "signoff_received": f"custom field {fields.signoff_received!r}",
        "passive_days": f"custom field {fields.passive_days!r}",
        "amount": f"custom field {fields.milestone_amount!r} (or budget_estimate_in_cents)",
    }
    first: dict[tuple[str, str], KObject] = {}
    for story_id in story_ids:
        story = graph.get("stories", story_id)
        # A story Kantata still lists with `deleted_at` set is gone all the same.
        if story.text("story_type") != "milestone" or story.data.get("deleted_at"):
            continue
        workspace_id, title = story.ref("workspace_id"), story.text("title") or ""
        due = story.date("due_date", required=False)
        sow = sows.get(workspace_id or "")
        if sow is None:
            continue

        def cell(name: str, parser: Callable[[str], Any], s: KObject = story) -> str:
            return custom.read(STORY, s.id, name, parser)

        values = {
            "sow": sow,
            "milestone": title,
            "due_date": due.isoformat() if due else "",
            "signoff_sent": cell(fields.signoff_sent, parse_date),
            "signoff_received": cell(fields.signoff_received, parse_date),
            "passive_days": cell(fields.passive_days, parse_positive_int),
            "amount": cell(fields.milestone_amount, parse_amount) or _budget(story),
        }
        parsed = parse_milestone(values)
        what = f"milestone {story.id} {title!r} of {sow}"
        problems: list[Problem] = parsed if isinstance(parsed, list) else []
        reasons = [f"{sources.get(p.column or '', p.column)}: {p.reason}" for p in problems]
        if isinstance(parsed, MilestoneRecord):
            earlier = first.setdefault((parsed.sow, parsed.name), story)
            if earlier is not story:
                reasons.append(f"same name as {LABELS['stories']} {earlier.id}")
        if reasons:
            plan.skipped["milestones"].append(f"{what}: " + "; ".join(reasons))
            plan.keep_milestone_sows.add(sow)
        else:
            assert isinstance(parsed, MilestoneRecord)
            plan.milestones[story.id] = parsed
