"""Writing validated records: bulk loads and executemany writes, never a query per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.importing.formats import BookingRecord, MilestoneRecord, ProjectRecord
from bot.models import Booking, Milestone, Project
from bot.people import chunks, ensure_people

PROJECT_FIELDS = (
    "customer",
    "name",
    "type",
    "status",
    "start_date",
    "end_date",
    "kickoff_date",
    "top_customer",
    "raid_url",
    "epic_url",
)
MILESTONE_FIELDS = ("due_date", "signoff_sent", "signoff_received", "passive_days")


@dataclass(frozen=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    removed: int = 0


def project_ids(session: Session, sows: Iterable[str]) -> dict[str, int]:
    """Project ids by upper-case SOW, for the SOWs that exist."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(sows))):
        rows = session.execute(
            sa.select(Project.id, Project.sow).where(sa.func.upper(Project.sow).in_(chunk))
        )
        found.update({sow.upper(): project_id for project_id, sow in rows})
    return found


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return any(old[name] != value for name, value in new.items())


def _write(
    session: Session, model: type, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    if inserts:
        # render_nulls keeps rows with empty optional cells in one executemany batch.
        session.execute(sa.insert(model).execution_options(render_nulls=True), inserts)
    if updates:  # ORM bulk UPDATE by primary key: one executemany
        session.execute(sa.update(model), updates)


def store_projects(session: Session, records: Sequence[ProjectRecord]) -> Counts:
    """Upsert projects by SOW; the PM is found or created by email."""
    pm_ids = ensure_people(session, {r.pm_email for r in records if r.pm_email})
    columns = [getattr(Project, name) for name in ("id", "sow", "pm_id", *PROJECT_FIELDS)]
    existing: dict[str, Mapping[str, Any]] = {}
    for chunk in chunks(sorted({r.sow for r in records})):
        rows = session.execute(sa.select(*columns).where(sa.func.upper(Project.sow).in_(chunk)))
        existing.update({row.sow.upper(): row._mapping for row in rows})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        values = {name: getattr(record, name) for name in PROJECT_FIELDS}
        values["pm_id"] = pm_ids[record.pm_email] if record.pm_email else None
        old = existing.get(record.sow)
        if old is None:
            inserts.append({"sow": record.sow, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    _write(session, Project, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates))


def store_bookings(
    session: Session,
    records: Sequence[BookingRecord],
    project_ids: Mapping[str, int],
    keep_sows: Collection[str] = (),
) -> Counts:
    """Make the file's projects' bookings in its week span match the file.

    The span is [first week_start, last week_start] of the file. For every project in the
    file, bookings in the span that the file lacks are removed (Kantata deleted them),
    except for projects in `keep_sows` (some of their rows were skipped as bad, so their
    absence proves nothing). Projects not in the file are not touched.
    """
    if not records:
        return Counts()
    span = (min(r.week_start for r in records), max(r.week_start for r in records))
    covered = {project_ids[r.sow] for r in records}
    return _replace_bookings(session, records, project_ids, covered, span, keep_sows)


def replace_project_bookings(
    session: Session,
    records: Sequence[BookingRecord],
    project_ids: Mapping[str, int],
    covered_sows: Collection[str],
    keep_sows: Collection[str] = (),
) -> Counts:
    """Make all the bookings of the `covered_sows` projects exactly `records`, in every week.

    For a source that holds every booking of the projects it covers, like a Kantata sync.
    Unlike `store_bookings`, a covered project without records loses all its bookings, and
    the weeks are not limited to the span of the records. Projects in `keep_sows` (some of
    their bookings could not be read) keep the bookings the records lack. Every record
    must belong to a covered project; projects not covered are not touched.
    """
    covered = {project_ids[sow] for sow in covered_sows if sow in project_ids}
    if not covered:
        return Counts()
    stray = next((r.sow for r in records if project_ids[r.sow] not in covered), None)
    if stray is not None:
        raise ValueError(f"booking of {stray}, a project not covered")
    return _replace_bookings(session, records, project_ids, covered, None, keep_sows)


def _replace_bookings(
    session: Session,
    records: Sequence[BookingRecord],
    project_ids: Mapping[str, int],
    covered: set[int],
    span: tuple[dt.date, dt.date] | None,
    keep_sows: Collection[str],
) -> Counts:
    """The covered projects' bookings (within `span`, or all of them) become `records`."""
    person_ids = ensure_people(session, {r.person_email for r in records})
    existing: dict[tuple[Any, ...], sa.Row[Any]] = {}
    for chunk in chunks(sorted(covered)):
        query = sa.select(
            Booking.id,
            Booking.project_id,
            Booking.person_id,
            Booking.role,
            Booking.week_start,
            Booking.kind,
            Booking.hours,
            Booking.bill_rate,
        ).where(Booking.project_id.in_(chunk))
        if span is not None:
            query = query.where(Booking.week_start.between(*span))
        existing.update(
            {
                (r.project_id, r.person_id, r.role, r.week_start, r.kind): r
                for r in session.execute(query)
            }
        )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        slot = {
            "project_id": project_ids[record.sow],
            "person_id": person_ids[record.person_email],
            "role": record.role,
            "week_start": record.week_start,
            "kind": record.kind,
        }
        old = existing.pop(tuple(slot.values()), None)
        if old is None:
            inserts.append({**slot, "hours": record.hours, "bill_rate": record.bill_rate})
        elif (old.hours, old.bill_rate) != (record.hours, record.bill_rate):
            updates.append({"id": old.id, "hours": record.hours, "bill_rate": record.bill_rate})
    kept = {project_ids[sow] for sow in keep_sows if sow in project_ids}
    removed = [old.id for old in existing.values() if old.project_id not in kept]
    for chunk in chunks(removed):
        session.execute(
            sa.delete(Booking).where(Booking.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    _write(session, Booking, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates), removed=len(removed))


def store_milestones(
    session: Session, records: Sequence[MilestoneRecord], project_ids: Mapping[str, int]
) -> Counts:
    """Upsert milestones by (project, name); milestones missing from the file stay."""
    columns = [getattr(Milestone, name) for name in ("id", "project_id", "name", *MILESTONE_FIELDS)]
    existing: dict[tuple[int, str], Mapping[str, Any]] = {}
    for chunk in chunks(sorted({project_ids[r.sow] for r in records})):
        rows = session.execute(sa.select(*columns).where(Milestone.project_id.in_(chunk)))
        existing.update({(row.project_id, row.name): row._mapping for row in rows})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        values = {name: getattr(record, name) for name in MILESTONE_FIELDS}
        project_id = project_ids[record.sow]
        old = existing.get((project_id, record.name))
        if old is None:
            inserts.append({"project_id": project_id, "name": record.name, **values})
        elif _changed(old, values):
            updates.append({"id": old["id"], **values})
    _write(session, Milestone, inserts, updates)
    return Counts(inserted=len(inserts), updated=len(updates))
