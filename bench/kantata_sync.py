"""The incremental Kantata sync against a full one (issue 23).

A synthetic Kantata account (1,000 workspaces, 250 people, 50,000 allocations, Fixed Fee
milestones, custom fields, time off) is served by the tests' fake Kantata on 127.0.0.1,
which answers in Kantata's documented list format, 200 objects a page. psbot's real sync
code runs a full sync into a new database, then incremental ones after 10 allocations
change each time. Goals: an incremental sync takes at most 5% of a full sync's time, and
its number of requests does not grow with the account (the same at 5,000 and 50,000
allocations).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.database import BenchDatabase
from bench.fake_kantata import TOKEN, FakeKantata, start_fake_kantata
from bot.core.settings import load_settings
from bot.integrations.kantata.client import KantataClient
from bot.integrations.kantata.sync import sync_kantata

GOAL_RATIO = 0.05
CHANGED = 10
ROUNDS = 3
ALLOCATIONS_PER_WORKSPACE = 50
PEOPLE = 250
SEED = 23
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ROLES = {
    "r1": "Project Manager",
    "r2": "Professional Services Engineer",
    "r3": "Technical Architect",
}

Objects = dict[str, dict[str, dict[str, Any]]]


@dataclass
class SyncFigures:
    allocations: int
    full_seconds: float
    full_requests: int
    incremental_seconds: list[float] = field(default_factory=list)
    incremental_requests: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.incremental_seconds) / self.full_seconds


def account(allocations: int, seed: int = SEED) -> Objects:
    """A Kantata account with `allocations` one-week allocations, 50 per workspace."""
    rng = random.Random(seed)
    stamp = (T0 - dt.timedelta(days=30)).isoformat()
    objects: Objects = {
        kind: {}
        for kind in (
            "users",
            "roles",
            "account_memberships",
            "workspace_groups",
            "workspaces",
            "workspace_resources",
            "workspace_allocations",
            "stories",
            "custom_field_values",
            "time_off_entries",
        )
    }

    ids = itertools.count(1)

    def add(kind: str, **fields: Any) -> str:
        object_id = str(next(ids))
        objects[kind][object_id] = {
            "id": object_id,
            "created_at": stamp,
            "updated_at": stamp,
            **fields,
        }
        return object_id

    def value(subject: str, subject_id: str, name: str, text: Any) -> None:
        add(
            "custom_field_values",
            subject_type=subject,
            subject_id=int(subject_id),
            custom_field_name=name,
            value=text,
            display_value=str(text),
        )

    for role_id, name in ROLES.items():
        objects["roles"][role_id] = {"id": role_id, "name": name}
    people = []
    for n in range(PEOPLE):
        user = add("users", full_name=f"Person {n}", email_address=f"person{n}@example.com")
        role = list(ROLES)[n % 3]
        add("account_memberships", user_id=user, default_role_id=role, disabled_at=None)
        people.append((user, role))
        for _ in range(2):
            when = (T0 + dt.timedelta(days=rng.randrange(60))).date().isoformat()
            add("time_off_entries", user_id=user, requested_date=when, hours=8)
    monday = dt.date(2026, 11, 30)
    for w in range(allocations // ALLOCATIONS_PER_WORKSPACE):
        group = add("workspace_groups", name=f"Customer {w}", company=True)
        pm = people[(w * 3) % PEOPLE][0]
        workspace = add(
            "workspaces",
            title=f"Project {w}",
            start_date="2026-10-01",
            due_date="2027-12-31",
            status={"color": "green", "key": 305, "message": "In Progress"},
            primary_maven_id=pm,
            workspace_group_ids=[group],
        )
        kind = "FF" if w % 4 == 0 else "T&M"
        value("Workspace", workspace, "SOW Number", f"SOW-{w + 1}")
        value("Workspace", workspace, "Project Type", kind)
        resources = []
        for r in range(3):
            user, role = people[(w * 3 + r) % PEOPLE]
            resource = add(
                "workspace_resources", workspace_id=workspace, user_id=user, role_id=role
            )
            value("Resource", resource, "Bill Rate", 150 + 25 * r)
            resources.append(resource)
        for a in range(ALLOCATIONS_PER_WORKSPACE):
            start = monday + dt.timedelta(weeks=a // 3)
            add(
                "workspace_allocations",
                workspace_resource_id=resources[a % 3],
                workspace_id=workspace,
                start_date=start.isoformat(),
                end_date=(start + dt.timedelta(days=4)).isoformat(),
                minutes=rng.choice((1200, 2400)),
                hard=rng.random() < 0.8,
            )
        if kind == "FF":
            add(
                "stories",
                workspace_id=workspace,
                title="Go-live",
                story_type="milestone",
                due_date="2027-02-15",
            )
    return objects


def _sync(
    db: BenchDatabase, client: KantataClient, settings: Any, now: dt.datetime, incremental: bool
) -> tuple[float, int]:
    before = client.requests
    started = time.perf_counter()
    sync_kantata(db.session_factory, client, settings, incremental=incremental, now=now)
    return time.perf_counter() - started, client.requests - before


def measure(
    allocations: int, new_database: Callable[[], BenchDatabase], fake: FakeKantata
) -> SyncFigures:
    """A full sync of a fresh account, then ROUNDS incremental ones, CHANGED allocations each."""
    fake.reset(account(allocations))
    fake.page_size = 200
    settings = load_settings(
        {"KANTATA_API_TOKEN": TOKEN, "KANTATA_API_URL": fake.api_url}, dotenv_path=None
    )
    client = KantataClient(fake.api_url, TOKEN)
    db = new_database()
    try:
        seconds, requests = _sync(db, client, settings, T0, incremental=False)
        figures = SyncFigures(allocations, seconds, requests)
        rng = random.Random(SEED)
        ids = sorted(fake.objects["workspace_allocations"])
        for round_ in range(1, ROUNDS + 1):
            now = T0 + dt.timedelta(hours=round_)
            for allocation_id in rng.sample(ids, CHANGED):
                minutes = fake.objects["workspace_allocations"][allocation_id]["minutes"]
                changed = now - dt.timedelta(minutes=20)
                fake.change("workspace_allocations", allocation_id, changed, minutes=minutes + 60)
            seconds, requests = _sync(db, client, settings, now, incremental=True)
            figures.incremental_seconds.append(seconds)
            figures.incremental_requests.append(requests)
        return figures
    finally:
        db.close()


def report(backend: str, small: SyncFigures, large: SyncFigures) -> str:
    """The figures, each goal and whether it is met."""
    ratio_met = large.ratio <= GOAL_RATIO
    constant = set(small.incremental_requests) == set(large.incremental_requests)
    incremental = statistics.median(large.incremental_seconds)
    return "\n".join(
        [
            f"Kantata sync on {backend}, fake Kantata on 127.0.0.1 (200 objects a page): "
            f"{large.allocations:,} allocations, "
            f"{large.allocations // ALLOCATIONS_PER_WORKSPACE:,} workspaces, {PEOPLE} people",
            f"  full sync: {large.full_seconds:.1f} s, {large.full_requests} requests",
            f"  incremental, {CHANGED} allocations changed: {incremental:.2f} s (median of "
            f"{ROUNDS}), requests each round: " + ", ".join(map(str, large.incremental_requests)),
            f"  incremental ÷ full: {large.ratio:.1%}  ·  goal ≤ {GOAL_RATIO:.0%}: "
            + ("met" if ratio_met else "NOT met"),
            f"  requests of an incremental sync at {small.allocations:,} and "
            f"{large.allocations:,} allocations: {small.incremental_requests[0]} and "
            f"{large.incremental_requests[0]}  ·  goal: constant: "
            + ("met" if constant else "NOT met"),
        ]
    )


def run(new_database: Callable[[], BenchDatabase], backend: str, allocations: int = 50_000) -> str:
    """Both account sizes on one backend; the report."""
    fake, server = start_fake_kantata()
    try:
        small = measure(allocations // 10, new_database, fake)
        large = measure(allocations, new_database, fake)
    finally:
        server.shutdown()
    return report(backend, small, large)
