"""One Kantata sync: fetch everything, map it, then write it in one transaction.

Nothing is written until every page of every endpoint has been fetched and checked, so a
sync that fails half-way (Kantata down, a bad token, an unexpected payload) leaves the
database as it was. A project is matched by its Kantata workspace (then, for one never
synced, by SOW number), so a SOW number changed in Kantata renames it; a milestone by
its Kantata story, so a renamed one is renamed. The bookings and milestones of every
synced project become exactly Kantata's, so an allocation or milestone deleted in
Kantata disappears, even the project's last one. A project whose workspace Kantata no
longer lists is reported and left as it was: absence proves little (Kantata leaves
archived projects out of its list, and the token's user may have lost access).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.core.settings import Settings
from bot.integrations.importing import store
from bot.integrations.kantata.client import KantataClient
from bot.integrations.kantata.mapping import Snapshot, SyncPlan, plan_sync
from bot.pmo.lookup import project_open
from bot.store.models import AuditEntry, Project

KINDS = ("projects", "bookings", "milestones")

# What each endpoint is asked to include: the objects the mapping follows from it.
WORKSPACES_INCLUDE = ("primary_maven", "workspace_groups", "custom_field_values")
RESOURCES_INCLUDE = ("user", "role", "custom_field_values")
ALLOCATIONS_INCLUDE = ("workspace", "workspace_resource")
# A story's `workspace_id` is read: ask for its include (the issue tracker reports it
# gated like the allocation's; recorded responses carry it anyway, so asking is harmless).
MILESTONES_INCLUDE = ("workspace", "custom_field_values")


@dataclass
class SyncResult:
    """What a sync wrote (or, in a dry run, would write) and what it skipped."""

    counts: dict[str, store.Counts] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)
    gone: list[str] = field(default_factory=list)  # projects no longer in Kantata
    dry_run: bool = False

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
        """One line per skipped workspace, resource, booking week or milestone, then one
        per project no longer in Kantata."""
        skipped = [f"{kind}: skipped {x}" for kind in KINDS for x in self.skipped.get(kind, [])]
        return skipped + [f"projects: {line}" for line in self.gone]

    @property
    def changed(self) -> bool:
        return any(c != store.Counts() for c in self.counts.values())


def client_for(settings: Settings) -> KantataClient:
    """The Kantata client this deployment's settings describe."""
    return KantataClient(settings.kantata_api_url, settings.kantata_api_token)


def fetch_snapshot(client: KantataClient) -> Snapshot:
    """Every workspace, workspace resource, allocation and milestone, with their includes."""
    listings = [
        client.list("workspaces", include=WORKSPACES_INCLUDE),
        client.list("workspace_resources", include=RESOURCES_INCLUDE),
        client.list("workspace_allocations", include=ALLOCATIONS_INCLUDE),
        client.list("stories", include=MILESTONES_INCLUDE, params={"story_type": "milestone"}),
    ]
    objects: dict[str, dict[str, dict]] = {}
    for listing in listings:
        for kind, by_id in listing.objects.items():
            known = objects.setdefault(kind, {})
            for object_id, data in by_id.items():
                known[object_id] = {**known.get(object_id, {}), **data}
    workspaces, resources, allocations, stories = (listing.ids for listing in listings)
    return Snapshot(workspaces, resources, allocations, stories, objects)


def sync_kantata(
    session_factory: sessionmaker[Session],
    client: KantataClient,
    settings: Settings,
    *,
    dry_run: bool = False,
    actor: str = "cli",
) -> SyncResult:
    """Fetch Kantata and store it in one transaction (rolled back when `dry_run`).

    Raises KantataError (a UserError) when Kantata cannot be read or sends something
    unexpected; the database is then untouched.
    """
    snapshot = fetch_snapshot(client)
    plan = plan_sync(snapshot, settings.kantata_fields, settings.kantata_roles)
    result = SyncResult(skipped=plan.skipped, emails=plan.emails, dry_run=dry_run)
    with session_factory() as session:
        try:
            result.counts = _store(session, plan)
            result.gone = _gone(session, plan.listed_workspaces)
            if dry_run:
                session.rollback()
                return result
            session.add(
                AuditEntry(
                    actor=actor,
                    action="sync.kantata",
                    subject=client.base_url[:200],
                    detail={
                        **{kind: vars(count) for kind, count in result.counts.items()},
                        "skipped": {kind: len(lines) for kind, lines in plan.skipped.items()},
                        "gone": len(result.gone),
                    },
                )
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return result


def _store(session: Session, plan: SyncPlan) -> dict[str, store.Counts]:
    """Write the plan; returns what was inserted, updated and removed.

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
