"""The Deploy & Close checklist (SPEC §5): which items a project has, their rules, and
the passive-acceptance date of Fixed Fee milestones.

State lives in `closure_items`, one row per project and item, created on the first
change. Every change bumps the row's `version`; a change names the version it was made
against, so a click on an out-of-date checklist changes nothing (no lost update).

Passive acceptance (handbook, Deploy & Close): "Day 1 is counted as the day the
notification is sent", and business days are counted from there, so the term of N
business days is reached on Day N = Day 1 + (N − 1) business days. Weekends and the
configured holidays (PSBOT_HOLIDAYS) are not business days. The handbook is silent on a
request sent on a weekend or holiday; psbot counts Day 1 from the next business day,
since no business day has passed for the customer before then. Passive acceptance is
reached on Day N itself.

The checklist's "Sign-off request sent" and "Sign-off received" record one acceptance
request, typically before the next Kantata export shows it. That request stands for one
milestone only (see `requested_milestone`); the other milestones keep Kantata's dates, so
a milestone nobody asked the customer to accept is never accepted passively.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.business_days import BusinessCalendar
from bot.core.errors import UserError
from bot.store import data_versions
from bot.store.in_lists import padded
from bot.store.models import AuditEntry, ClosureItem, Milestone, Person, Project, Win

TIMESHEET_TYPES = frozenset({"T&M", "Consulting Block", "Dedicated Engineer"})
FIXED_FEE = frozenset({"FF"})
ALL_TYPES = TIMESHEET_TYPES | FIXED_FEE
TYPE_NAMES = {
    "T&M": "T&M",
    "FF": "Fixed Fee",
    "Consulting Block": "Consulting Block",
    "Dedicated Engineer": "Dedicated Engineer",
}
# `/ps closure` without a project lists active projects ending within this many days.
ENDING_SOON_DAYS = 30


class Status(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    NA = "na"


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item as the handbook describes it."""

    key: str
    title: str
    hint: str
    types: frozenset[str] = ALL_TYPES
    dated: bool = False  # has a date (meeting date, date sent, date received)
    past_only: bool = False  # the date records something that happened: not in the future
    needs_date: bool = False  # done only with its date: acceptance is computed from it
    may_skip: bool = False  # may be marked not applicable
    owner: str = ""  # who the handbook says does it, when not the PM


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "closure_meeting",
        "Project closure meeting scheduled",
        "30 minutes with the customer's POC; the external retrospective is the agenda.",
        dated=True,
        may_skip=True,
    ),
    ItemSpec(
        "csat_sent",
        "CSAT survey sent",
        "Send the CSAT Engagement Survey before the closure meeting.",
        dated=True,
        past_only=True,
        may_skip=True,
    ),
    ItemSpec(
        "hours_approved",
        "All hours logged and approved",
        # Every type: Kantata is set to Completed only once all hours are in (SPEC §5.7).
        # For T&M-like projects it is also the revenue sign-off.
        "Every timesheet logged and approved in Kantata.",
    ),
    ItemSpec(
        "signoff_sent",
        "Sign-off request sent",
        "Send the formal acceptance request (cc the Operations Manager and Project "
        "Coordinator), then update the milestone's Sign-Off Sent in Kantata.",
        types=FIXED_FEE,
        dated=True,
        past_only=True,
        needs_date=True,
    ),
    ItemSpec(
        "signoff_received",
        "Sign-off received or passive acceptance reached",
        "Customer acceptance received, or the SOW's passive acceptance term has run.",
        types=FIXED_FEE,
        dated=True,
        past_only=True,
        needs_date=True,
    ),
    ItemSpec(
        "acceptance_attached",
        "Acceptance attached to the milestone",
        "Attach the acceptance email (PDF) to the top-level milestone in Kantata.",
        types=FIXED_FEE,
    ),
    ItemSpec(
        "internal_retro",
        "Internal project retrospective scheduled",
        "Account team, PS project team, Engagement Manager and delivery leads.",
        may_skip=True,
    ),
    ItemSpec(
        "shoutout",
        "Shout-out posted in the internal channel",
        "Celebrate the project's wins where the whole org sees them.",
        may_skip=True,
    ),
    ItemSpec(
        "closeout_report",
        "Closeout report shared",
        "Estimated vs actual hours, deliverables, lessons learned, for the broader team: "
        "ticking it posts psbot's closeout summary to the project leadership channel.",
        may_skip=True,
        owner="the Regional Manager",
    ),
    ItemSpec(
        "kantata_completed",
        "Kantata status set to Completed",
        "Only once all hours are in and revenue is signed off.",
    ),
)
BY_KEY = {spec.key: spec for spec in ITEMS}


def items_for(project_type: str) -> list[ItemSpec]:
    """The checklist of a project type, in the handbook's order."""
    return [spec for spec in ITEMS if project_type in spec.types]


# --- passive acceptance -------------------------------------------------------------


def passive_acceptance_date(sent: dt.date, term: int, calendar: BusinessCalendar) -> dt.date:
    """The day passive acceptance is reached for a request sent on `sent`.

    Day 1 is the day the request is sent (the next business day when it is sent on a
    weekend or holiday); a term of N business days is reached on Day N.
    """
    if term < 1:
        raise ValueError(f"a passive acceptance term is at least 1 business day, got {term}")
    return calendar.shift(calendar.on_or_after(sent), term - 1)


def last_send_day(period_end: dt.date, term: int, calendar: BusinessCalendar) -> dt.date:
    """The last day a sign-off request can be sent so that passive acceptance (Day 1 =
    the send day, then business days) is reached by `period_end`: Day N falls on the
    period's last business day."""
    last = period_end
    while not calendar.is_business_day(last):
        last -= dt.timedelta(days=1)
    return calendar.shift(last, -(term - 1))


def business_days_after(today: dt.date, until: dt.date, calendar: BusinessCalendar) -> int:
    """Business days in (today, until]: how many are left before `until` is reached."""
    count, day = 0, today
    while day < until:
        day += dt.timedelta(days=1)
        count += calendar.is_business_day(day)
    return count


class PassiveState(enum.StrEnum):
    PENDING = "pending"  # the term is still running
    REACHED = "reached"
    NO_TERM = "no_term"  # the milestone has no passive acceptance term
    BAD_TERM = "bad_term"  # zero or negative days: bad milestone data


@dataclass(frozen=True)
class PassiveAcceptance:
    sent: dt.date
    term: int | None
    state: PassiveState
    reached_on: dt.date | None = None
    days_left: int = 0

    @property
    def reached(self) -> bool:
        return self.state is PassiveState.REACHED


def passive_acceptance(
    sent: dt.date, term: int | None, calendar: BusinessCalendar, today: dt.date
) -> PassiveAcceptance:
    """Where a request sent on `sent` stands on `today`; bad or missing terms never raise."""
    if term is None:
        return PassiveAcceptance(sent, term, PassiveState.NO_TERM)
    if term < 1:
        return PassiveAcceptance(sent, term, PassiveState.BAD_TERM)
    reached_on = passive_acceptance_date(sent, term, calendar)
    if reached_on <= today:
        return PassiveAcceptance(sent, term, PassiveState.REACHED, reached_on)
    left = business_days_after(today, reached_on, calendar)
    return PassiveAcceptance(sent, term, PassiveState.PENDING, reached_on, left)


# --- the checklist of one project -----------------------------------------------------


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    sow: str
    customer: str
    name: str
    type: str
    status: str
    end_date: dt.date | None
    pm_slack_id: str | None
    pm_name: str

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type)


@dataclass(frozen=True)
class ItemState:
    spec: ItemSpec
    status: Status = Status.OPEN
    date: dt.date | None = None
    note: str = ""
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    version: int = 0

    @property
    def resolved(self) -> bool:
        return self.status is not Status.OPEN


@dataclass(frozen=True)
class MilestoneAcceptance:
    """A Fixed Fee milestone's acceptance: received, running passively, or not sent."""

    name: str
    due_date: dt.date | None
    sent: dt.date | None
    received: dt.date | None
    passive: PassiveAcceptance | None  # None when received or not sent
    amount: Decimal | None = None  # the milestone's fee, when known
    term: int | None = None  # the SOW's passive acceptance term, in business days

    @property
    def accepted(self) -> bool:
        return self.received is not None or (self.passive is not None and self.passive.reached)


@dataclass(frozen=True)
class WinLink:
    text: str
    permalink: str


@dataclass(frozen=True)
class Gate:
    """Whether something the checklist waits for is done; `reason` says why not."""

    done: bool
    reason: str  # why not, in a sentence; "" when done

    @classmethod
    def of(cls, missing: Sequence[str]) -> Gate:
        return cls(not missing, "; ".join(missing) + "." if missing else "")


@dataclass(frozen=True)
class Checklist:
    project: ProjectInfo
    items: tuple[ItemState, ...]
    milestones: tuple[MilestoneAcceptance, ...]
    wins: tuple[WinLink, ...]
    today: dt.date

    def item(self, key: str) -> ItemState | None:
        return next((state for state in self.items if state.spec.key == key), None)

    @property
    def resolved(self) -> int:
        return sum(state.resolved for state in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def next_item(self) -> ItemState | None:
        return next((state for state in self.items if not state.resolved), None)

    @property
    def revenue(self) -> Gate:
        return revenue_signoff(self.project.type, self.items, self.milestones, self.today)

    @property
    def completion(self) -> Gate:
        """Whether Kantata may be set to Completed."""
        return ready_to_complete(self.project.type, self.items, self.milestones, self.today)

    @property
    def csat_overdue(self) -> dt.date | None:
        """The closure meeting's date when it has passed and CSAT is still not sent."""
        meeting, csat = self.item("closure_meeting"), self.item("csat_sent")
        if meeting is None or csat is None or csat.resolved:
            return None
        if meeting.status is Status.DONE and meeting.date and meeting.date < self.today:
            return meeting.date
        return None

    @property
    def completed_too_early(self) -> bool:
        """Kantata is ticked Completed but what it waits for was reopened since."""
        kantata = self.item("kantata_completed")
        return bool(kantata and kantata.status is Status.DONE and not self.completion.done)


def revenue_signoff(
    project_type: str,
    items: Iterable[ItemState],
    milestones: Sequence[MilestoneAcceptance],
    today: dt.date,
) -> Gate:
    """Whether revenue is signed off: T&M-like, hours approved; Fixed Fee, every milestone
    accepted (received or passive acceptance reached) and the acceptance attached."""
    states = {state.spec.key: state for state in items}
    return Gate.of(_revenue_missing(project_type, states, milestones, today))


def ready_to_complete(
    project_type: str,
    items: Iterable[ItemState],
    milestones: Sequence[MilestoneAcceptance],
    today: dt.date,
) -> Gate:
    """Whether Kantata may be set to Completed (SPEC §5.7): all hours in, for every type,
    and revenue signed off (for Fixed Fee, acceptance confirmed)."""
    states = {state.spec.key: state for state in items}
    missing = _revenue_missing(project_type, states, milestones, today)
    if project_type in FIXED_FEE:  # T&M-like revenue sign-off already is the hours
        missing = _hours_missing(states) + missing
    return Gate.of(missing)


def _hours_missing(states: dict[str, ItemState]) -> list[str]:
    return [] if _done(states.get("hours_approved")) else ["not all hours are logged and approved"]


def _revenue_missing(
    project_type: str,
    states: dict[str, ItemState],
    milestones: Sequence[MilestoneAcceptance],
    today: dt.date,
) -> list[str]:
    """What revenue sign-off still waits for, as clauses."""
    if project_type in TIMESHEET_TYPES:
        return _hours_missing(states)
    missing = []
    if not _all_accepted(states, milestones):
        missing.append(_why_not_accepted(states, milestones, today))
    if not _done(states.get("acceptance_attached")):
        missing.append("the acceptance isn't attached to the milestone yet")
    return missing


def _done(state: ItemState | None) -> bool:
    return state is not None and state.status is Status.DONE


def _all_accepted(states: dict[str, ItemState], milestones: Sequence[MilestoneAcceptance]) -> bool:
    if not milestones:
        # No milestones in psbot: the checklist's "Sign-off received" is all it has.
        return _done(states.get("signoff_received"))
    return all(m.accepted for m in milestones)


def _why_not_accepted(
    states: dict[str, ItemState], milestones: Sequence[MilestoneAcceptance], today: dt.date
) -> str:
    """Why not every milestone is accepted, as a clause."""
    requested = any(m.sent for m in milestones) or _done(states.get("signoff_sent"))
    if not requested:
        return "the acceptance request hasn't been sent yet"
    if not milestones:
        return "the customer's acceptance isn't received yet"
    waiting = [m for m in milestones if not m.accepted]
    not_sent = [m for m in waiting if m.sent is None]
    if not_sent:
        return f"acceptance of {_names(not_sent)} hasn't been requested yet"
    running = [m.passive for m in waiting if m.passive and m.passive.state is PassiveState.PENDING]
    if len(running) == len(waiting):
        last = max(running, key=lambda p: p.reached_on or dt.date.min)
        left = plural(last.days_left, "business day")
        return (
            "the customer's acceptance isn't received and passive acceptance is reached "
            f"on {format_day(last.reached_on, today)} ({left} left)"
        )
    return (
        f"the customer's acceptance of {_names(waiting)} isn't received and passive "
        "acceptance isn't reached"
    )


def _names(milestones: Sequence[MilestoneAcceptance], shown: int = 3) -> str:
    """“A”, “B” and “C”; past `shown` names, a count of the others."""
    names = [f"“{m.name}”" for m in milestones[:shown]]
    if len(milestones) > shown:
        names.append(plural(len(milestones) - shown, "more milestone"))
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def load_checklist(
    session: Session, project: Project, today: dt.date, calendar: BusinessCalendar
) -> Checklist:
    """The project's checklist as it stands `today`."""
    rows = {
        row.item: row
        for row in session.scalars(
            sa.select(ClosureItem).where(ClosureItem.project_id == project.id)
        )
    }
    items = tuple(_state(spec, rows.get(spec.key)) for spec in items_for(project.type))
    milestones: tuple[MilestoneAcceptance, ...] = ()
    if project.type in FIXED_FEE:
        milestones = tuple(milestone_acceptances(session, [project], today, calendar)[project.id])
    wins = session.scalars(
        sa.select(Win).where(Win.project_id == project.id).order_by(Win.created_at, Win.id)
    )
    return Checklist(
        project=project_info(session, project),
        items=items,
        milestones=milestones,
        wins=tuple(WinLink(w.text, w.permalink) for w in wins),
        today=today,
    )


@dataclass(frozen=True)
class ChecklistRequest:
    """The acceptance request the checklist records: the dates ticked on "Sign-off request
    sent" and "Sign-off received"."""

    sent: dt.date
    received: dt.date | None = None


def milestone_acceptances(
    session: Session, projects: Sequence[Project], today: dt.date, calendar: BusinessCalendar
) -> dict[int, list[MilestoneAcceptance]]:
    """Each project's milestones (by due date) and their acceptance, in two queries."""
    ids = [project.id for project in projects]
    requests = _checklist_requests(session, ids)
    ordered = session.scalars(
        sa.select(Milestone)
        .where(Milestone.project_id.in_(padded(ids)))
        .order_by(Milestone.due_date.is_(None), Milestone.due_date, Milestone.name)
    )
    by_project: dict[int, list[Milestone]] = {project_id: [] for project_id in ids}
    for milestone in ordered:
        by_project[milestone.project_id].append(milestone)
    acceptances: dict[int, list[MilestoneAcceptance]] = {}
    for project_id, milestones in by_project.items():
        request = requests.get(project_id)
        requested = requested_milestone(milestones, request) if request else None
        acceptances[project_id] = [
            milestone_acceptance(m, request if m is requested else None, calendar, today)
            for m in milestones
        ]
    return acceptances


def _checklist_requests(session: Session, project_ids: list[int]) -> dict[int, ChecklistRequest]:
    """The acceptance request each project's checklist records, if any."""
    rows = session.execute(
        sa.select(ClosureItem.project_id, ClosureItem.item, ClosureItem.item_date).where(
            ClosureItem.project_id.in_(padded(project_ids)),
            ClosureItem.item.in_(["signoff_sent", "signoff_received"]),
            ClosureItem.status == Status.DONE,
            ClosureItem.item_date.is_not(None),
        )
    )
    dates: dict[int, dict[str, dt.date]] = {}
    for project_id, item, day in rows:
        dates.setdefault(project_id, {})[item] = day
    return {
        project_id: ChecklistRequest(ticked["signoff_sent"], ticked.get("signoff_received"))
        for project_id, ticked in dates.items()
        if "signoff_sent" in ticked
    }


def requested_milestone(
    milestones: Sequence[Milestone], request: ChecklistRequest
) -> Milestone | None:
    """The one milestone (of `milestones`, by due date) that the checklist's `request`
    stands for.

    That is the milestone Kantata already shows as sent on the ticked day or later (the PM
    updated Kantata after ticking), but not after the ticked received date; or else the
    earliest one Kantata shows neither sent nor received. Later milestones stay "not
    requested yet": one request accepts one milestone.
    """
    last = request.received or dt.date.max
    recorded = (
        m
        for m in milestones
        if m.signoff_sent is not None and request.sent <= m.signoff_sent <= last
    )
    unrequested = (m for m in milestones if m.signoff_sent is None and m.signoff_received is None)
    return next(recorded, None) or next(unrequested, None)


def milestone_acceptance(
    milestone: Milestone,
    request: ChecklistRequest | None,
    calendar: BusinessCalendar,
    today: dt.date,
) -> MilestoneAcceptance:
    """A milestone's acceptance from Kantata's dates, completed by the checklist's
    `request` when it stands for this milestone (a PM records it in Slack before the next
    Kantata export)."""
    sent = milestone.signoff_sent or (request.sent if request else None)
    received = milestone.signoff_received or (request.received if request else None)
    passive = None
    if received is None and sent is not None:
        passive = passive_acceptance(sent, milestone.passive_days, calendar, today)
    return MilestoneAcceptance(
        milestone.name,
        milestone.due_date,
        sent,
        received,
        passive,
        milestone.amount,
        milestone.passive_days,
    )


def project_info(session: Session, project: Project) -> ProjectInfo:
    pm = session.get(Person, project.pm_id) if project.pm_id else None
    return ProjectInfo(
        id=project.id,
        sow=project.sow,
        customer=project.customer,
        name=project.name,
        type=project.type,
        status=project.status,
        end_date=project.end_date,
        pm_slack_id=pm.slack_user_id if pm else None,
        pm_name=pm.label if pm else "",
    )


def _state(spec: ItemSpec, row: ClosureItem | None) -> ItemState:
    if row is None:
        return ItemState(spec)
    return ItemState(
        spec,
        Status(row.status),
        row.item_date,
        row.note or "",
        row.changed_by,
        row.changed_at,
        row.version,
    )


def closing_projects(projects: Iterable[Project], today: dt.date) -> list[Project]:
    """Of `projects`, those closing or active and ending within 30 days (or overdue):
    closing first, then by end date."""
    horizon = today + dt.timedelta(days=ENDING_SOON_DAYS)
    chosen = [
        p
        for p in projects
        if p.status == "closing"
        or (p.status == "active" and p.end_date is not None and p.end_date <= horizon)
    ]
    return sorted(
        chosen,
        key=lambda p: (p.status != "closing", p.end_date or dt.date.max, p.customer, p.name),
    )


# --- changing an item -----------------------------------------------------------------


class ClosureRefused(UserError):
    """A change the checklist's rules don't allow; nothing was changed."""


class StaleItem(Exception):
    """The item changed since the checklist the click came from was shown."""


@dataclass(frozen=True)
class Change:
    """What a click asks for: a status and, from a date picker, a date."""

    status: Status
    date: dt.date | None = None


def change_item(
    session: Session,
    project: Project,
    key: str,
    change: Change,
    *,
    expected_version: int,
    actor: str,
    today: dt.date,
    now: dt.datetime,
    calendar: BusinessCalendar,
) -> bool:
    """Apply `change` to one item if the rules allow it and the item is still at
    `expected_version`; write the audit entry. False when there was nothing to change.

    Raises ClosureRefused (with the reason) or StaleItem; either way nothing changes.
    """
    spec = BY_KEY.get(key)
    if spec is None:
        raise ClosureRefused("psbot doesn't know that checklist item; run `/ps closure` again.")
    if project.type not in spec.types:
        raise ClosureRefused(
            f"“{spec.title}” doesn't apply to {TYPE_NAMES.get(project.type, project.type)} "
            "projects."
        )
    checklist = load_checklist(session, project, today, calendar)
    current = checklist.item(key)
    assert current is not None  # the type check above guarantees it
    if current.version != expected_version:
        raise StaleItem(key)
    new_date = _new_date(current, change)
    _check_rules(checklist, spec, change.status, new_date, today)
    if change.status is current.status and new_date == current.date:
        return False
    _write(session, project.id, current, change.status, new_date, actor, now)
    # It changes this project's revenue only (sign-off dates): the kept portfolio is
    # brought up to date for it alone.
    data_versions.touching_projects(session, [project.id])
    session.add(
        AuditEntry(
            actor=actor,
            action=f"closure.{key}.{change.status}",
            subject=project.sow,
            detail={
                "item": key,
                "from": str(current.status),
                "to": str(change.status),
                "date": new_date.isoformat() if new_date else None,
                "previous_date": current.date.isoformat() if current.date else None,
                "version": current.version + 1,
            },
        )
    )
    return True


def _new_date(current: ItemState, change: Change) -> dt.date | None:
    if change.status is not Status.DONE:
        return None  # reopened or not applicable: the old date no longer holds
    return change.date if change.date is not None else current.date


def _check_rules(
    checklist: Checklist,
    spec: ItemSpec,
    status: Status,
    new_date: dt.date | None,
    today: dt.date,
) -> None:
    if status is Status.NA and not spec.may_skip:
        raise ClosureRefused(f"“{spec.title}” can't be marked not applicable.")
    if new_date is not None and not spec.dated:
        raise ClosureRefused(f"“{spec.title}” has no date.")
    if status is Status.DONE and new_date is None and spec.needs_date:
        raise ClosureRefused(f"“{spec.title}” needs its date: pick it from the calendar.")
    if new_date is not None and spec.past_only and new_date > today:
        raise ClosureRefused(
            f"“{spec.title}” records something that happened: {format_day(new_date, today)} "
            "is in the future."
        )
    sent, received = checklist.item("signoff_sent"), checklist.item("signoff_received")
    if spec.key == "signoff_received" and status is Status.DONE:
        assert sent is not None
        if sent.status is not Status.DONE:
            raise ClosureRefused(
                "Record when the acceptance request was sent (“Sign-off request sent”) first: "
                "sign-off can't be received before it is sent."
            )
        if new_date and sent.date and new_date < sent.date:
            raise ClosureRefused(
                f"Sign-off can't be received ({format_day(new_date, today)}) before it was "
                f"sent ({format_day(sent.date, today)})."
            )
    if spec.key == "signoff_sent" and received and received.status is Status.DONE:
        if status is not Status.DONE:
            raise ClosureRefused(
                "Sign-off is recorded as received; reopen “Sign-off received” first."
            )
        if new_date and received.date and new_date > received.date:
            raise ClosureRefused(
                f"Sign-off can't be sent ({format_day(new_date, today)}) after it was "
                f"received ({format_day(received.date, today)})."
            )
    if spec.key == "kantata_completed" and status is Status.DONE:
        completion = checklist.completion
        if not completion.done:
            raise ClosureRefused("Kantata can't be set to Completed yet: " + completion.reason)


def _write(
    session: Session,
    project_id: int,
    current: ItemState,
    status: Status,
    new_date: dt.date | None,
    actor: str,
    now: dt.datetime,
) -> None:
    values = {
        "status": str(status),
        "item_date": new_date,
        "changed_by": actor,
        "changed_at": now,
        "version": current.version + 1,
    }
    if current.version == 0:
        # First change: a concurrent first change makes this insert fail on the unique
        # key, which the caller treats as a stale click.
        session.add(ClosureItem(project_id=project_id, item=current.spec.key, **values))
        session.flush()
        return
    result = session.execute(
        sa.update(ClosureItem)
        .where(
            ClosureItem.project_id == project_id,
            ClosureItem.item == current.spec.key,
            ClosureItem.version == current.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleItem(current.spec.key)


# --- small text helpers shared with the messages ---------------------------------------


def format_day(day: dt.date | None, today: dt.date | None = None) -> str:
    """`Mon Nov 23`; with the year when it isn't `today`'s year."""
    if day is None:
        return "no date"
    text = f"{day:%a %b} {day.day}"
    return text if today is not None and day.year == today.year else f"{text}, {day.year}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
