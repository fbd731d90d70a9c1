"""One Kantata sync: fetch, map, then write in one transaction. Full or incremental.

A **full** sync reads every endpoint (`endpoints.ENDPOINTS`) to its last page; the
bookings and milestones of every synced project become exactly Kantata's, and psbot's
copy of Kantata (`mirror`) becomes exactly what was fetched.

An **incremental** sync (when a sync has succeeded before) asks each endpoint only for
what changed since the last successful one started (minus OVERLAP, for clocks that
disagree), merges it into the copy, and maps again only the projects it touched, from
the copy, as a full sync would. No Kantata read filter returns deleted records, so each
counted endpoint is also asked how many objects it has (one request): when that is not
the number the copy holds, the endpoint is read whole once and what it no longer lists
is deleted — the projects those objects were in are mapped again. An incremental sync
with nothing deleted costs two requests per endpoint, whatever the size of the account.

Time entries (actuals, `actuals`) are read beside the rest, for the days of
`actuals_window`: a full sync makes a synced project's entries in the window exactly
Kantata's; an incremental one asks only for the entries changed since the last sync and
adds or updates them (an entry deleted in Kantata goes at the next full sync).

Nothing is written until everything has been fetched and checked, so a sync that fails
(Kantata down, a bad token, an unexpected payload) leaves the database as it was. One
sync runs at a time: a lease on `sync_state` (taken with a compare-and-set, renewed never,
given up at the end; a dead holder's runs out after LEASE).

A project is matched by its Kantata workspace (then, for one never synced, by SOW
number), so a SOW number changed in Kantata renames it; a milestone by its Kantata
story. A project whose workspace Kantata no longer lists is reported and left as it was:
absence proves little (Kantata leaves archived projects out of its list, and the token's
user may have lost access).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.dates import local_today
from bot.core.settings import Settings
from bot.integrations.importing import store
from bot.integrations.kantata import mirror
from bot.integrations.kantata.actuals import actuals_window, fetch_time_entries, plan_actuals
from bot.integrations.kantata.client import KantataClient, KantataUnavailable, Listing, Objects
from bot.integrations.kantata.endpoints import ENDPOINTS, Endpoint
from bot.integrations.kantata.mapping import Snapshot, SyncPlan, plan_sync
from bot.integrations.kantata.people import PeoplePlan, plan_people
from bot.pmo.lookup import project_open
from bot.store import data_versions
from bot.store.models import AuditEntry, Project, SyncState

KINDS = ("projects", "bookings", "milestones", "people", "actuals")
SOURCE = "kantata"
LEASE = dt.timedelta(minutes=15)
# Changes are asked for since the last sync started, less this: psbot's clock and
# Kantata's may disagree a little, and reading a few objects twice changes nothing.
OVERLAP = dt.timedelta(minutes=2)
MAPPED = ("workspaces", "workspace_resources", "workspace_allocations", "stories")


class KantataSyncBusy(KantataUnavailable):
    """Another Kantata sync is running: worth trying again in a minute."""


@dataclass
class SyncResult:
    """What a sync wrote (or, in a dry run, would write) and what it skipped."""

    counts: dict[str, store.Counts] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)
    gone: list[str] = field(default_factory=list)  # projects no longer in Kantata
    dry_run: bool = False
    full: bool = True
    since: dt.datetime | None = None  # an incremental sync's changes are since this
    fetched: int = 0  # objects Kantata sent as changed (incremental) or in all (full)
    deleted: int = 0  # objects Kantata no longer lists (incremental)
    reread: list[str] = field(default_factory=list)  # endpoints read whole to find deletions
    remapped: int = 0  # projects mapped again (incremental)
    requests: int = 0

    def headline(self, tz: dt.tzinfo = dt.UTC) -> str:
        """What kind of sync it was and what it read, in one line."""
        if self.full:
            return f"full sync: {self.fetched} objects read in {self.requests} requests"
        since = self.since.astimezone(tz) if self.since else None
        line = (
            f"incremental sync: {self.fetched} changed and {self.deleted} deleted since "
            f"{since:%Y-%m-%d %H:%M %Z}, {self.remapped} projects mapped again, "
            f"{self.requests} requests"
        )
        if self.reread:
            line += f" (read whole to find deletions: {', '.join(self.reread)})"
        return line

    def summary(self) -> list[str]:
        """One line per kind, worded like the CSV import's summary."""
        lines = []
        for kind in KINDS:
            c = self.counts.get(kind, store.Counts())
            line = f"{kind}: {c.inserted} inserted, {c.updated} updated, {c.removed} removed"
            if self.skipped.get(kind):
                line += f", {len(self.skipped[kind])} skipped"
            lines.append(line + (" (dry run: nothing written)" if self.dry_run else ""))
        return lines

    def warnings(self) -> list[str]:
        """One line per skipped workspace, resource, booking week, milestone or person,
        then one per project no longer in Kantata."""
        skipped = [f"{kind}: skipped {x}" for kind in KINDS for x in self.skipped.get(kind, [])]
        return skipped + [f"projects: {line}" for line in self.gone]

    @property
    def changed(self) -> bool:
        return any(c != store.Counts() for c in self.counts.values())


@dataclass
class Fetched:
    """What the endpoints sent: every object, and which ids each endpoint listed, in order."""

    objects: Objects = field(default_factory=dict)
    listed: dict[str, list[str]] = field(default_factory=dict)

    def add(self, endpoint: str, ids: Iterable[str], objects: Objects) -> None:
        self.listed.setdefault(endpoint, []).extend(ids)
        for kind, by_id in objects.items():
            known = self.objects.setdefault(kind, {})
            for object_id, data in by_id.items():
                known[object_id] = {**known.get(object_id, {}), **data}

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.listed.values())


def client_for(settings: Settings) -> KantataClient:
    """The Kantata client this deployment's settings describe."""
    return KantataClient(settings.kantata_api_url, settings.kantata_api_token)


def fetch(
    client: KantataClient, endpoints: Iterable[Endpoint], since: dt.datetime | None = None
) -> Fetched:
    """Every page of each endpoint with its includes; only what changed after `since`."""
    fetched = Fetched()
    for endpoint in endpoints:
        params = dict(endpoint.params)
        if since is not None and endpoint.changed_since:
            params[endpoint.changed_since] = since.astimezone(dt.UTC).isoformat(timespec="seconds")
        listing = client.list(endpoint.name, include=endpoint.include, params=params)
        fetched.add(endpoint.name, listing.ids, listing.objects)
    return fetched


@dataclass
class Changes:
    """What an incremental sync fetched: the changes, and the endpoints read whole because
    their count said something was deleted (endpoint → the ids psbot's copy held that
    Kantata no longer lists)."""

    since: dt.datetime
    fetched: Fetched
    reread: Fetched = field(default_factory=Fetched)
    gone: dict[str, set[str]] = field(default_factory=dict)


def fetch_changes(
    session_factory: sessionmaker[Session], client: KantataClient, since: dt.datetime
) -> Changes:
    """What changed since `since`, and what was deleted (see the module doc)."""
    endpoints = [e for e in ENDPOINTS if e.incremental]
    changes = Changes(since, fetch(client, endpoints, since))
    for endpoint in (e for e in endpoints if e.counted):
        total = client.count(endpoint.name, params=endpoint.params)
        with session_factory() as session:
            held = mirror.listed_ids(session, endpoint.name)
        expected = held | set(changes.fetched.listed.get(endpoint.name, ()))
        if total == len(expected):
            continue
        listing = client.list(endpoint.name, include=endpoint.include, params=endpoint.params)
        changes.reread.add(endpoint.name, listing.ids, listing.objects)
        changes.gone[endpoint.name] = held - set(listing.ids)
    return changes


def sync_kantata(
    session_factory: sessionmaker[Session],
    client: KantataClient,
    settings: Settings,
    *,
    incremental: bool = False,
    dry_run: bool = False,
    actor: str = "cli",
    now: dt.datetime | None = None,
) -> SyncResult:
    """Sync Kantata into the database in one transaction (rolled back when `dry_run`).

    `incremental` fetches only what changed since the last successful sync (a full sync
    when none has succeeded yet). Raises KantataError (a UserError) when Kantata cannot be
    read or sends something unexpected, and KantataSyncBusy while another sync runs; the
    database is then untouched.
    """
    now = now or dt.datetime.now(dt.UTC)
    holder = uuid.uuid4().hex
    last = _take_lease(session_factory, now, holder)
    try:
        requests = client.requests
        changes: Changes | None = None
        fetched = Fetched()
        since = last - OVERLAP if incremental and last is not None else None
        if since is not None:
            changes = fetch_changes(session_factory, client, since)
        else:
            fetched = fetch(client, [e for e in ENDPOINTS if e.full])
        today = local_today(now, settings.timezone)
        window = actuals_window(today)
        time_entries = fetch_time_entries(client, window, changed_since=since)
        result = SyncResult(dry_run=dry_run, full=changes is None)
        with session_factory() as session:
            try:
                if changes is not None:
                    _write_changes(session, changes, settings, result)
                else:
                    _write_everything(session, fetched, settings, result)
                _store_actuals(session, time_entries, window, today, result)
                result.requests = client.requests - requests
                _finish(session, result, client.base_url, now, holder, actor)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
        return result
    finally:
        _release_lease(session_factory, holder)


def _snapshot(fetched: Fetched) -> Snapshot:
    workspaces, resources, allocations, stories = (fetched.listed.get(k, []) for k in MAPPED)
    return Snapshot(workspaces, resources, allocations, stories, fetched.objects)


def _write_everything(
    session: Session, fetched: Fetched, settings: Settings, result: SyncResult
) -> None:
    """A full sync: every project Kantata lists, every PS person, and the whole copy."""
    plan = plan_sync(_snapshot(fetched), settings.kantata_fields, settings.kantata_roles)
    people = plan_people(fetched.objects, settings.kantata_fields, settings.kantata_roles)
    result.fetched = fetched.count
    _store(session, plan, people, result)
    listed = {kind: set(ids) for kind, ids in fetched.listed.items()}
    mirror.replace_all(session, fetched.objects, listed)


def _write_changes(
    session: Session, changes: Changes, settings: Settings, result: SyncResult
) -> None:
    """An incremental sync: merge the changes into the copy, drop what is gone, and map
    again the projects (and, when theirs changed, the people) they touch."""
    result.since, result.fetched = changes.since, changes.fetched.count
    result.reread = sorted(changes.reread.listed)
    result.deleted = sum(len(ids) for ids in changes.gone.values())
    touched: set[str] = set()
    for fetched in (changes.fetched, changes.reread):
        listed = {kind: set(ids) for kind, ids in fetched.listed.items()}
        touched |= mirror.merge(session, fetched.objects, listed)
    gone = [(kind, object_id) for kind, ids in changes.gone.items() for object_id in ids]
    touched |= mirror.remove(session, gone)
    workspaces = mirror.workspaces_of(session, touched)
    snapshot = mirror.snapshot_of(session, workspaces)
    plan = plan_sync(snapshot, settings.kantata_fields, settings.kantata_roles)
    plan.listed_workspaces = mirror.listed_ids(session, "workspaces")
    result.remapped = len(plan.projects)
    people = None
    if _people_changed(changes, touched):
        objects = mirror.people_objects(session)
        people = plan_people(objects, settings.kantata_fields, settings.kantata_roles)
    _store(session, plan, people, result)
    # Only the projects mapped again changed (people changing change everything anyway).
    remapped = plan.covered_sows | {project.sow for project in plan.projects.values()}
    data_versions.touching_projects(session, store.project_ids(session, remapped).values())


def _people_changed(changes: Changes, touched: Collection[str]) -> bool:
    """Whether the bench may have changed: a membership or time off changed or went, or
    a user's custom field value did."""
    people = ("account_memberships", "time_off_entries")
    listed = [changes.fetched.listed, changes.reread.listed, changes.gone]
    return any(found.get(kind) for found in listed for kind in people) or any(
        owner.startswith("user:") for owner in touched
    )


def _store(session: Session, plan: SyncPlan, people: PeoplePlan | None, result: SyncResult) -> None:
    """Write the plans; what was written and skipped goes into `result`."""
    result.skipped = plan.skipped
    result.emails = plan.emails
    if people is not None:
        # People first: the bookings then find them, named as Kantata names them.
        result.counts["people"] = store.store_people(session, people.people, people.kantata_ids)
        store.replace_time_off(session, people.time_off, [p.email for p in people.people])
        result.skipped["people"] = people.skipped
        result.emails |= {p.email for p in people.people}
    result.counts.update(_store_projects(session, plan))
    result.gone = _gone(session, plan.listed_workspaces)


def _store_projects(session: Session, plan: SyncPlan) -> dict[str, store.Counts]:
    """Write the plan's projects, bookings and milestones; returns what was inserted,
    updated and removed.

    A workspace whose SOW another project holds is added to the skipped projects, and
    its bookings and milestones are left out: they would land on that other project.
    """
    counts = {}
    counts["projects"], refused = store.store_synced_projects(
        session, plan.projects, plan.listed_workspaces
    )
    for workspace_id, reason in refused.items():
        plan.skipped["projects"].append(
            f"workspace {workspace_id} {plan.projects[workspace_id].name!r}: {reason}"
        )
    covered = plan.covered_sows - {plan.projects[w].sow for w in refused}
    known = store.project_ids(session, covered)
    counts["bookings"] = store.replace_project_bookings(
        session, [b for b in plan.bookings if b.sow in covered], known, covered, plan.keep_sows
    )
    counts["milestones"] = store.replace_project_milestones(
        session,
        {story: m for story, m in plan.milestones.items() if m.sow in covered},
        known,
        covered,
        plan.keep_milestone_sows,
    )
    return counts


def _store_actuals(
    session: Session,
    listing: Listing,
    window: tuple[dt.date, dt.date],
    today: dt.date,
    result: SyncResult,
) -> None:
    """Write the time entries of the projects synced from Kantata. A full sync makes each
    one's synced entries in `window` exactly Kantata's; an incremental one only adds and
    updates the entries that changed."""
    sows = dict(
        session.execute(
            sa.select(Project.kantata_id, Project.sow).where(Project.kantata_id.is_not(None))
        ).all()
    )
    actuals = plan_actuals(listing, sows, today)
    result.skipped["actuals"] = actuals.skipped
    result.emails |= actuals.emails
    synced = set(sows.values())
    result.counts["actuals"], changed = store.replace_synced_time_entries(
        session,
        {key: (entry.record, entry.bill_rate) for key, entry in actuals.entries.items()},
        store.project_ids(session, synced),
        synced if result.full else (),
        window,
        actuals.keep_sows,
    )
    if not result.full:
        data_versions.touching_projects(session, changed)


def _gone(session: Session, listed: set[str]) -> list[str]:
    """One line per open project whose Kantata workspace is not among those `listed`."""
    synced = session.execute(
        sa.select(Project.sow, Project.kantata_id)
        .where(Project.kantata_id.is_not(None), project_open())
        .order_by(Project.sow)
    )
    return [
        f"{sow} is no longer in Kantata (workspace {workspace_id} was deleted, archived or "
        "hidden from the API token); its bookings are kept and still count"
        for sow, workspace_id in synced
        if workspace_id not in listed
    ]


def _finish(
    session: Session,
    result: SyncResult,
    base_url: str,
    now: dt.datetime,
    holder: str,
    actor: str,
) -> None:
    """Date the synced projects' data, record the sync, and give up the lease."""
    listed = mirror.listed_ids(session, "workspaces")
    projects = session.execute(
        sa.select(Project.id, Project.kantata_id).where(Project.kantata_id.is_not(None))
    )
    synced = [project_id for project_id, workspace_id in projects if workspace_id in listed]
    store.mark_synced(session, synced, now)
    session.add(
        AuditEntry(
            actor=actor,
            action="sync.kantata",
            subject=base_url[:200],
            detail={
                "full": result.full,
                **{kind: vars(count) for kind, count in result.counts.items()},
                "skipped": {kind: len(lines) for kind, lines in result.skipped.items()},
                "gone": len(result.gone),
                "requests": result.requests,
            },
        )
    )
    state = session.get(SyncState, SOURCE, with_for_update=True)
    assert state is not None
    if state.lease_holder == holder:
        state.lease_until, state.lease_holder = None, ""
    state.synced_at = now
    if result.full:
        state.full_at = now


def last_synced(session: Session) -> SyncState | None:
    """When the last Kantata sync that succeeded started (None: never)."""
    return session.get(SyncState, SOURCE)


def _take_lease(
    session_factory: sessionmaker[Session], now: dt.datetime, holder: str
) -> dt.datetime | None:
    """Take the sync lease; returns when the last successful sync started (None: never).

    Raises KantataSyncBusy while another sync holds it."""
    try:
        with session_factory.begin() as session:
            if session.get(SyncState, SOURCE) is None:
                session.add(SyncState(source=SOURCE, lease_holder=""))
    except IntegrityError:
        pass  # another process added it first
    with session_factory.begin() as session:
        taken = session.execute(
            sa.update(SyncState)
            .where(
                SyncState.source == SOURCE,
                sa.or_(SyncState.lease_until.is_(None), SyncState.lease_until <= now),
            )
            .values(lease_until=now + LEASE, lease_holder=holder)
            .execution_options(synchronize_session=False)
        ).rowcount
        state = session.get(SyncState, SOURCE)
        assert state is not None
        if not taken:
            until = state.lease_until
            raise KantataSyncBusy(
                "another Kantata sync is running"
                + (f" (its lease ends {until:%H:%M} UTC)" if until else "")
                + "; try again when it is done"
            )
        return state.synced_at


def _release_lease(session_factory: sessionmaker[Session], holder: str) -> None:
    """Give up the lease if still ours (a sync that failed, or a dry run)."""
    with session_factory.begin() as session:
        session.execute(
            sa.update(SyncState)
            .where(SyncState.source == SOURCE, SyncState.lease_holder == holder)
            .values(lease_until=None, lease_holder="")
            .execution_options(synchronize_session=False)
        )
