"""psbot's copy of what Kantata sent (the `kantata_objects` table).

A full sync makes the copy exactly what it fetched. An incremental sync merges what
changed into it and removes what Kantata no longer lists; the projects touched are then
mapped again from the copy (`snapshot_of`), exactly as a full sync maps what it fetched,
so the two give the same records.

An object listed by its own endpoint replaces its copy; one only included by another
endpoint's listing (a workspace included with an allocation) is merged onto it, because
an include leaves out what was not asked for (a workspace's `workspace_group_ids`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.integrations.kantata.client import Objects
from bot.integrations.kantata.endpoints import owner_of
from bot.integrations.kantata.mapping import Snapshot
from bot.integrations.kantata.people import PEOPLE_KINDS
from bot.store.in_lists import chunks
from bot.store.models import KantataObject

TABLE = KantataObject.__table__
Key = tuple[str, str]  # (kind, id)


def _id_order(object_id: str) -> tuple[int, str]:
    return (int(object_id), "") if object_id.isdigit() else (0, object_id)


def _owners(objects: Objects) -> dict[Key, str | None]:
    """Each object's owner. A workspace resource is filed under its workspace: its own
    `workspace_id` when Kantata sends it, else that of an allocation naming it."""
    owners = {
        (kind, object_id): owner_of(kind, data)
        for kind, by_id in objects.items()
        for object_id, data in by_id.items()
    }
    for allocation in objects.get("workspace_allocations", {}).values():
        key = ("workspace_resources", str(allocation.get("workspace_resource_id")))
        if key in owners and owners[key] is None:
            owners[key] = owner_of("workspace_allocations", allocation)
    return owners


def _existing(session: Session, keys: Iterable[Key]) -> dict[Key, Mapping[str, Any]]:
    by_kind: dict[str, list[str]] = {}
    for kind, object_id in keys:
        by_kind.setdefault(kind, []).append(object_id)
    found: dict[Key, Mapping[str, Any]] = {}
    for kind, ids in by_kind.items():
        for chunk in chunks(sorted(ids)):
            rows = session.execute(
                sa.select(TABLE).where(TABLE.c.kind == kind, TABLE.c.kantata_id.in_(chunk))
            )
            found.update({(row.kind, row.kantata_id): row._mapping for row in rows})
    return found


def merge(session: Session, objects: Objects, listed: Mapping[str, Collection[str]]) -> set[str]:
    """Merge fetched `objects` into the copy (`listed`: kind → the ids its endpoint listed).

    Returns the owners of what changed, before and after (an allocation moved from one
    workspace to another touches both).
    """
    owners = _owners(objects)
    old_rows = _existing(session, owners)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    touched: set[str] = set()
    for key, owner in owners.items():
        kind, object_id = key
        data = objects[kind][object_id]
        was_listed = object_id in listed.get(kind, ())
        old = old_rows.get(key)
        if old is None:
            inserts.append(_row(key, owner, was_listed, data))
            touched.add(owner or "")
            continue
        new_data = data if was_listed else {**old["data"], **data}
        row = _row(key, owner or old["owner"], was_listed or old["listed"], new_data)
        if _differs(row, old):
            updates.append(row)
            touched |= {old["owner"] or "", row["owner"] or ""}
    _write(session, inserts, updates)
    touched.discard("")
    return touched


def replace_all(session: Session, objects: Objects, listed: Mapping[str, Collection[str]]) -> None:
    """Make the copy exactly `objects` (a full sync's fetch), writing only what differs."""
    owners = _owners(objects)
    old_rows = {
        (row.kind, row.kantata_id): row._mapping for row in session.execute(sa.select(TABLE))
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, owner in owners.items():
        kind, object_id = key
        row = _row(key, owner, object_id in listed.get(kind, ()), objects[kind][object_id])
        old = old_rows.get(key)
        if old is None:
            inserts.append(row)
        elif (row["owner"], row["listed"], row["data"]) != (
            old["owner"],
            old["listed"],
            old["data"],
        ):
            updates.append(row)
    _write(session, inserts, updates)
    gone = [key for key in old_rows if key not in owners]
    remove(session, gone)


def remove(session: Session, keys: Collection[Key]) -> set[str]:
    """Drop these objects from the copy; returns their owners."""
    owners = {row["owner"] for row in _existing(session, keys).values() if row["owner"]}
    by_kind: dict[str, list[str]] = {}
    for kind, object_id in keys:
        by_kind.setdefault(kind, []).append(object_id)
    for kind, ids in by_kind.items():
        for chunk in chunks(sorted(ids)):
            session.execute(
                sa.delete(TABLE).where(TABLE.c.kind == kind, TABLE.c.kantata_id.in_(chunk))
            )
    return owners


def _row(key: Key, owner: str | None, listed: bool, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": key[0], "kantata_id": key[1], "owner": owner, "listed": listed, "data": data}


def _differs(row: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    return any(row[name] != old[name] for name in ("owner", "listed", "data"))


def _write(session: Session, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    if inserts:
        session.execute(sa.insert(TABLE), inserts)
    if updates:
        session.execute(
            sa.update(TABLE)
            .where(
                TABLE.c.kind == sa.bindparam("b_kind"),
                TABLE.c.kantata_id == sa.bindparam("b_id"),
            )
            .values(
                owner=sa.bindparam("owner"),
                listed=sa.bindparam("listed"),
                data=sa.bindparam("data"),
            ),
            [{**u, "b_kind": u["kind"], "b_id": u["kantata_id"]} for u in updates],
        )


def listed_ids(session: Session, kind: str) -> set[str]:
    """The ids of the objects of `kind` their endpoint listed."""
    query = sa.select(TABLE.c.kantata_id).where(TABLE.c.kind == kind, TABLE.c.listed)
    return set(session.scalars(query))


def workspaces_of(session: Session, owners: Iterable[str]) -> set[str]:
    """The workspaces these owners are in: "workspace:1" is workspace 1; "resource:20" and
    "story:40" are in their resource's or story's workspace (looked up in the copy)."""
    workspaces: set[str] = set()
    lookups: dict[str, list[str]] = {"resource": [], "story": []}
    for owner in owners:
        kind, _, object_id = owner.partition(":")
        if kind == "workspace":
            workspaces.add(object_id)
        elif kind in lookups:
            lookups[kind].append(object_id)
    for kind, table_kind in (("resource", "workspace_resources"), ("story", "stories")):
        found = _existing(session, [(table_kind, i) for i in lookups[kind]])
        workspaces |= {
            row["owner"].partition(":")[2]
            for row in found.values()
            if (row["owner"] or "").startswith("workspace:")
        }
    return workspaces


def _by_owner(session: Session, kind: str, owners: Collection[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for chunk in chunks(sorted(owners)):
        rows = session.execute(
            sa.select(TABLE.c.kantata_id, TABLE.c.data).where(
                TABLE.c.kind == kind, TABLE.c.owner.in_(chunk)
            )
        )
        found.update({object_id: data for object_id, data in rows})
    return found


def _by_id(session: Session, kind: str, ids: Iterable[str]) -> dict[str, dict]:
    return {
        key[1]: dict(row["data"])
        for key, row in _existing(session, [(kind, i) for i in ids]).items()
    }


def _refs(objects: Iterable[Mapping[str, Any]], name: str) -> set[str]:
    found: set[str] = set()
    for obj in objects:
        value = obj.get(name)
        for ref in value if isinstance(value, list) else [value]:
            if ref not in (None, ""):
                found.add(str(ref))
    return found


def snapshot_of(session: Session, workspace_ids: Collection[str]) -> Snapshot:
    """What a full sync would have fetched about these workspaces, from the copy."""
    owners = {f"workspace:{w}" for w in workspace_ids}
    workspaces = _by_id(session, "workspaces", workspace_ids)
    allocations = _by_owner(session, "workspace_allocations", owners)
    stories = _by_owner(session, "stories", owners)
    resources = _by_id(
        session, "workspace_resources", _refs(allocations.values(), "workspace_resource_id")
    )
    objects: Objects = {
        "workspaces": workspaces,
        "workspace_allocations": allocations,
        "stories": stories,
        "workspace_resources": resources,
        "users": _by_id(
            session,
            "users",
            _refs(resources.values(), "user_id") | _refs(workspaces.values(), "primary_maven_id"),
        ),
        "roles": _by_id(session, "roles", _refs(resources.values(), "role_id")),
        "workspace_groups": _by_id(
            session, "workspace_groups", _refs(workspaces.values(), "workspace_group_ids")
        ),
    }
    subjects = owners | {f"resource:{i}" for i in resources} | {f"story:{i}" for i in stories}
    objects["custom_field_values"] = _by_owner(session, "custom_field_values", subjects)
    listed = listed_ids(session, "workspaces") & set(workspaces)

    def ordered(ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=_id_order)

    return Snapshot(
        ordered(listed),
        ordered(resources),
        ordered(allocations),
        ordered(stories),
        objects,
    )


def people_objects(session: Session) -> Objects:
    """What the bench is mapped from: account memberships, users, roles, time off and the
    users' custom field values."""
    objects: Objects = {kind: {} for kind in PEOPLE_KINDS}
    whole = [kind for kind in PEOPLE_KINDS if kind != "custom_field_values"]
    rows = session.execute(
        sa.select(TABLE.c.kind, TABLE.c.kantata_id, TABLE.c.data).where(
            sa.or_(
                TABLE.c.kind.in_(whole),
                sa.and_(TABLE.c.kind == "custom_field_values", TABLE.c.owner.like("user:%")),
            )
        )
    )
    for kind, object_id, data in rows:
        objects[kind][object_id] = data
    return objects
